// tools/mpi_partition.hpp — the MPI side of a shared run (built with -DESTCHECK_WITH_MPI=ON): an
// MpiSession initializes and finalizes MPI, and MpiPartition implements verify/harness/harness.hpp's
// RunPartition over MPI_COMM_WORLD (sum_all = MPI_Allreduce of doubles; every slot has one
// non-zero contributor, so the sum is exact whatever order MPI adds in).
#pragma once

#include "verify/harness/harness.hpp"

namespace estcheck {

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

class MpiPartition final : public RunPartition {
 public:
  MpiPartition();
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum_all(std::vector<double>& values) const override;

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace estcheck
