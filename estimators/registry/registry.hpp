// estimators/registry/registry.hpp — estimator specs to estimator objects, and the estimator catalogue.
// Adding an estimator: its header and source, its test, one entry in registry.cpp, its docs.
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/problems/catalogue.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

struct EstimatorEntry {
  std::string name;
  std::vector<ParamInfo> params;
  bool claimed_unbiased;
  std::string requires_;  ///< what the problem must support ("any", "gaussian with ∇x f")
  std::string description;
};

const std::vector<EstimatorEntry>& estimator_catalogue();

/// An estimator from its spec ("rloo:k=4"). Throws InputError naming `argument` for an unknown
/// name, an unknown key, or a bad value.
std::unique_ptr<Estimator> make_estimator(std::string_view spec,
                                          const std::string& argument = "ESTIMATOR");

}  // namespace estcheck
