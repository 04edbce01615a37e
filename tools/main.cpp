// tools/main.cpp — the estcheck executable: see tools/cli.hpp. Built with -DESTCHECK_WITH_MPI=ON,
// `mpirun -np P estcheck verify ...` shares the run over the P ranks (verify/harness/harness.hpp,
// RunPartition); rank 0 prints and writes files, and the figures equal the single-process run's.
#include "estimators/core/cleanup.hpp"
#include "tools/cli.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#ifdef ESTCHECK_WITH_MPI
#include "tools/mpi_partition.hpp"
#endif

namespace {

#ifdef ESTCHECK_WITH_MPI
/// Whether an MPI launcher (OpenMPI's mpirun, or a PMI/PMIx launcher such as MPICH's hydra or
/// srun) started this process. A plain run does not call MPI_Init at all: OpenMPI's singleton
/// init would start an orted daemon whose descriptors external programs inherit.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

int run_mpi(int argc, char** argv) {
  estcheck::MpiSession session(&argc, &argv);
  const estcheck::MpiPartition partition;
  if (partition.size() > 1) estcheck::set_run_partition(&partition);
  if (partition.rank() != 0) {  // the other ranks compute; rank 0 speaks for the run
    std::ofstream null("/dev/null");
    return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), null, null);
  }
  return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  estcheck::install_signal_cleanup();  // SIGINT/SIGTERM: kill child groups, remove temporary files
#ifdef ESTCHECK_WITH_MPI
  if (launched_by_mpi()) return run_mpi(argc, argv);
#endif
  return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}
