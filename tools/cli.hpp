// tools/cli.hpp — the estcheck command line as a function, so tests can run it in-process.
//
// Subcommands (stable interface; add to it, don't break it):
//   estcheck list [--json] [--mutants]
//   estcheck exact PROBLEM --theta V[,V...] [--estimator E] [--json PATH|-]
//   estcheck bias-curve PROBLEM ESTIMATOR --theta V[,V...] --param KEY=FROM:TO:COUNT [--json PATH|-]
//   estcheck compare PROBLEM EST_A EST_B [EST_C ...] --theta V[,V...] [--samples N] [--seed S]
//                    [--threads T] [--alpha A] [--min-reduction R] [--theta-grid [I=]A:B:N] [--json PATH|-]
//   estcheck verify PROBLEM ESTIMATOR --theta V[,V...] [--samples N] [--seed S] [--threads T]
//                   [--alpha A] [--tolerance D] [--json PATH|-]
//   estcheck suite FILE [--out DIR] [--junit PATH] [--markdown PATH] [--seed S] [--threads T]
//                  [--alpha A] [--quiet] [--dry-run]            (docs/suites.md; tools/suite.hpp)
//   estcheck hunt ESTIMATOR [--problems KINDS] [--budget-checks N] [--shrink-checks M] [--samples S]
//                 [--seed S] [--alpha A] [--test T] [--out FILE] [--threads T]   (docs/hunt.md; exit 1:
//                 a bias found, 0: none within the budget)
// verify and compare also take --quiet (no progress bar; it is only ever shown on a terminal).
// Exit codes: 0 pass, 1 fail, 3 inconclusive, 4 error (non-finite estimator samples: no
// verdict), 2 usage or input error (message on stderr naming the argument; no output file).
// A suite exits 4 if a check errs, else 1 if one fails, else 3 if one is inconclusive, else 0;
// 2 for a bad suite file (the message names the file and the JSON pointer of the bad value).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace estcheck {

/// Runs the CLI with `args` (args[0] is the program name). Writes results to `out` and
/// messages to `err`; returns the exit code.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

class RunPartition;
/// Makes `verify` share its runs with other processes (MPI ranks, tools/main.cpp); only rank 0
/// prints and writes files. nullptr (the default): a single process.
void set_run_partition(const RunPartition* partition);

}  // namespace estcheck
