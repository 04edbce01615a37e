// estimators/descriptor.hpp — what one estimator declares about itself, written once beside its code.
//
// Each estimator's source file defines a function returning its EstimatorDescriptor (name,
// parameters with kinds, defaults and ranges, claim, requirements, description, reference and a
// factory); the registry (estimators/registry/registry.hpp) holds one registration line per
// estimator, and `estcheck list`, `list --json` and the table in docs/estimators.md are read from
// the descriptors. Adding an estimator is its file(s), its test and one registration line.
#pragma once

#include "estimators/core/param.hpp"
#include "estimators/estimator.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace estcheck {

struct EstimatorDescriptor {
  std::string name;                ///< the spec's name ("rebar")
  std::vector<ParamInfo> params;   ///< every key, in the order they are read and listed
  bool claimed_unbiased = true;    ///< with the default parameters
  std::string requires_;           ///< what the problem must support ("any", "bernoulli")
  std::string description;         ///< one line: what one sample is
  std::string reference;           ///< paper and equation
  /// Builds the estimator from parsed values (every key of `params` present). Throws InputError
  /// for values the estimator rejects beyond the parameters' kinds and ranges.
  std::function<std::unique_ptr<Estimator>(const ParamValues&)> make;
};

}  // namespace estcheck
