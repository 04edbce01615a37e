// tools/cli_fields.hpp — which command-line argument each input field is, per subcommand.
//
// Library code names the field it checked ("alpha", "samples", "estimator", "theta"; see
// estimators/core/error.hpp); the CLI shows the user the argument they typed: "--alpha",
// "ESTIMATOR" (verify, calibrate, bias-curve), "ESTIMATORS" (compare's list), "--estimator"
// (exact), "PROBLEM", "--theta". Fields the table does not know (spec keys such as "rloo:k", file
// keys, flags the CLI raised itself) are shown as they are. Older names ("ESTIMATOR", "PROBLEM",
// "--theta") are read as their fields, so code that still raises them maps the same way.
#pragma once

#include "estimators/core/error.hpp"

#include <string>

namespace estcheck::cli {

enum class Command { list, exact, verify, compare, bias_curve, calibrate, test_samples, suite, mutate, hunt };

/// The argument of `command` that `field` names ("alpha" -> "--alpha"), or `field` itself.
std::string argument_for(Command command, const std::string& field);

/// `error` as the user of `command` sees it: its field replaced by the argument (key kept).
InputError for_command(const InputError& error, Command command);

}  // namespace estcheck::cli
