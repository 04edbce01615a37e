// estimators/mutants/mutants.hpp — planted-bug estimators: realistic ways users' estimators
// break, kept so that estcheck's power to catch them is itself tested (tests/test_mutants.cpp)
// and shown (`estcheck list --mutants`).
//
// Each mutant is a small edit of a correct estimator in this folder's parent; `bug` says what
// the edit models and `fails_on` names a built-in problem and θ where its exact bias is far above
// the default run's detectable bias (1e6 samples, α = 0.001), so `estcheck verify` must say fail.
// Mutants are verified like any estimator: `estcheck verify toy mutant/score-no-normalizer ...`.
// Every mutant, graph ones included, has one entry (its MutantInfo and its factory) in the table
// of mutants.cpp; scg's planted bugs are classes in graph_mutants.cpp.
#pragma once

#include "estimators/estimator.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

struct MutantInfo {
  std::string name;      ///< "mutant/..."
  std::string bug;       ///< the mistake it models
  std::string fails_on;  ///< a problem spec where it must fail
  std::vector<double> theta;  ///< θ for that problem
  std::string base;           ///< the correct estimator it is an edit of ("reinforce")
};

/// Every mutant, in a fixed order.
const std::vector<MutantInfo>& mutant_catalogue();

/// The mutant named `name` (with its "mutant/" prefix); nullptr when there is none.
std::unique_ptr<Estimator> make_mutant(std::string_view name);

}  // namespace estcheck
