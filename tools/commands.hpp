// tools/commands.hpp — one function per estcheck subcommand (list's is in cli.cpp), each over the
// arguments CLI11 parsed (tools/cli_options.hpp). Each writes its results to `out` and progress to
// `err`, and returns the exit code (cli.hpp); bad input throws InputError naming the field or the
// flag, which run_cli maps to the subcommand's argument (tools/cli_fields.hpp) and exit code 2.
#pragma once

#include "tools/cli_options.hpp"

#include <nlohmann/json_fwd.hpp>

#include <ostream>
#include <string>

namespace estcheck {
class Estimator;
class Problem;
class RunPartition;
struct ExactReport;
struct HuntEstimator;
struct HuntResult;
struct Model;
}

namespace estcheck::cli {

/// Makes verify and suite share their runs with other processes (cli.hpp's set_run_partition).
void set_partition(const RunPartition* partition);

/// exact's computation (also the Python module's estcheck.exact, python/): ∇L (with order 2 the
/// Hessian, graph problems only) and, with `est`, the estimator's exact mean and variance. Throws
/// InputError ("--order", "--estimator") as the CLI reports it.
ExactReport exact_report(const Problem& problem, const Model& model, int order, Estimator* est);
/// Why no figure of `rep` can be trusted (an unknown or non-finite exact value), or "" when all are.
std::string nonfinite_exact(const ExactReport& rep);

int exact_command(const ExactArgs& a, std::ostream& out, std::ostream& err);
int verify_command(const VerifyArgs& a, std::ostream& out, std::ostream& err);
int compare_command(const CompareArgs& a, std::ostream& out, std::ostream& err);
int bias_curve_command(const BiasCurveArgs& a, std::ostream& out);
int calibrate_command(const CalibrateArgs& a, std::ostream& out);
int test_samples_command(const TestSamplesArgs& a, std::ostream& out);
int suite_command(const SuiteArgs& a, std::ostream& out, std::ostream& err);
int mutate_command(const MutateArgs& a, std::ostream& out);
int hunt_command(const HuntArgs& a, std::ostream& out, std::ostream& err);  // tools/hunt.cpp

/// hunt's reports (tools/hunt.cpp; also the Python module's estcheck.hunt): the exit code (1 a bias
/// found, 0 none, 4 none but non-finite samples, 3 no verdict at all); the suite file reproducing
/// the minimal case, written to `path` ("" = estcheck-hunt.json), returned ("" when none was found);
/// the JSON document (docs/json.md) and the text report.
int hunt_exit_code(const HuntResult& r);
std::string write_hunt_suite(const HuntResult& r, const std::string& path);
nlohmann::json hunt_json(const HuntResult& r, const std::string& suite_file);
void write_hunt_text(std::ostream& out, const HuntResult& r, const HuntEstimator& e, const std::string& suite_file);

}  // namespace estcheck::cli
