// estimators/registry/registry.hpp — estimator specs to estimator objects, and the estimator catalogue.
//
// The catalogue is the list of EstimatorDescriptors (estimators/descriptor.hpp), one registration
// line per built-in estimator in registry.cpp, in the order `estcheck list` shows them. Adding an
// estimator: its file(s) with its descriptor, its test, and one line there — or, at run time,
// one register_estimator(descriptor) call.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/catalogue.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

/// Every registered estimator, built-in ones first, then those added by register_estimator.
const std::vector<EstimatorDescriptor>& estimator_catalogue();

/// Adds `descriptor` to the catalogue, so make_estimator, `estcheck list` and the docs table see
/// it. Throws std::invalid_argument when its name is empty, starts with "mutant/", is already
/// registered, or it has no factory. Not safe to call while another thread reads the catalogue.
void register_estimator(EstimatorDescriptor descriptor);

/// An estimator from its spec ("rloo:k=4") or a mutant's name ("mutant/..."): the spec is parsed
/// against the descriptor's parameters (typed, range-checked, unknown keys rejected). Throws
/// InputError naming `argument` for an unknown name, an unknown key, or a bad value.
std::unique_ptr<Estimator> make_estimator(std::string_view spec,
                                          const std::string& argument = "ESTIMATOR");

/// The Markdown table of the catalogue (spec with defaults, claim, requires, reference, one
/// sample), as docs/estimators.md carries it between its estimator-table markers.
std::string estimator_table_markdown();

}  // namespace estcheck
