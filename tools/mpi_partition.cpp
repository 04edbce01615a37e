// tools/mpi_partition.cpp — see mpi_partition.hpp.
#include "tools/mpi_partition.hpp"

#include <mpi.h>

namespace estcheck {

MpiSession::MpiSession(int* argc, char*** argv) { MPI_Init(argc, argv); }
MpiSession::~MpiSession() { MPI_Finalize(); }

MpiPartition::MpiPartition() {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

void MpiPartition::sum_all(std::vector<double>& values) const {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

}  // namespace estcheck
