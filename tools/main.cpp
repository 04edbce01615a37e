// tools/main.cpp — the estcheck executable: see tools/cli.hpp. Built with -DESTCHECK_WITH_MPI=ON,
// `mpirun -np P estcheck verify ...` shares the run over the P ranks (verify/harness/harness.hpp,
// RunPartition); rank 0 prints and writes files, and the figures equal the single-process run's.
#include "tools/cli.hpp"

#include <fstream>
#include <iostream>

#ifdef ESTCHECK_WITH_MPI
#include "tools/mpi_partition.hpp"
#endif

int main(int argc, char** argv) {
#ifdef ESTCHECK_WITH_MPI
  estcheck::MpiSession session(&argc, &argv);
  const estcheck::MpiPartition partition;
  if (partition.size() > 1) estcheck::set_run_partition(&partition);
  if (partition.rank() != 0) {  // the other ranks compute; rank 0 speaks for the run
    std::ofstream null("/dev/null");
    return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), null, null);
  }
#endif
  return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}
