// tools/cli_fields.cpp — see cli_fields.hpp. The one table from input fields to CLI arguments.
#include "tools/cli_fields.hpp"

#include <map>
#include <utility>

namespace estcheck::cli {
namespace {

/// Names raised before errors carried fields, read as the field they meant.
const std::map<std::string, std::string> kOldNames = {
    {"ESTIMATOR", "estimator"}, {"ESTIMATORS", "estimators"}, {"PROBLEM", "problem"}, {"--theta", "theta"}};

/// Field -> argument, for every subcommand unless kOverrides says otherwise.
const std::map<std::string, std::string> kArguments = {
    {"problem", "PROBLEM"},
    {"theta", "--theta"},
    {"estimator", "ESTIMATOR"},
    {"estimators", "ESTIMATORS"},
    {"alpha", "--alpha"},
    {"alphas", "--alphas"},
    {"tolerance", "--tolerance"},
    {"test", "--test"},
    {"variance_bound", "--variance-bound"},
    {"samples", "--samples"},
    {"seed", "--seed"},
    {"threads", "--threads"},
    {"max_samples", "--max-samples"},
    {"first_samples", "--first-samples"},
    {"samples_file", "--samples-file"},
    {"format", "--format"},
    {"external", "--external"},
    {"timeout", "--timeout"},
    {"min_reduction", "--min-reduction"},
    {"interval", "--interval"},
    {"repetitions", "--repetitions"},
    {"coordinate", "--coordinate"},
    {"order", "--order"},
    {"max_run_seconds", "--max-run-seconds"},
    {"oracle_seconds", "--oracle-seconds"},
    {"method", "--test"},
    {"problems", "--problems"},
    {"budget_checks", "--budget-checks"},
    {"shrink_checks", "--shrink-checks"},
    {"max_variables", "--max-variables"},
    {"out", "--out"},
};

/// Where a subcommand names a field differently: exact takes its estimator as --estimator.
const std::map<std::pair<Command, std::string>, std::string> kOverrides = {
    {{Command::exact, "estimator"}, "--estimator"},
};

}  // namespace

std::string argument_for(Command command, const std::string& field) {
  const auto old = kOldNames.find(field);
  const std::string& name = old == kOldNames.end() ? field : old->second;
  if (const auto o = kOverrides.find({command, name}); o != kOverrides.end()) return o->second;
  if (const auto a = kArguments.find(name); a != kArguments.end()) return a->second;
  return field;
}

InputError for_command(const InputError& error, Command command) {
  return error.relabeled(argument_for(command, error.field()));
}

}  // namespace estcheck::cli
