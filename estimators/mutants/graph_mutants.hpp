// estimators/mutants/graph_mutants.hpp — planted bugs in scg's credit assignment (the graph
// mutants' classes; their catalogue entries are in mutants.cpp with the others).
//
// Each is scg (estimators/graphs/graph_estimators.hpp) with Scg::weights edited:
// - baseline_uses_sample: b_w = the sampled value of w (depends on w itself: biased);
// - missing_score: no score term for the last stochastic node;
// - last_credit: each cost credited only to the last stochastic node that influences it.
// The other graph mutants are flags of Dice (first_order_only) and ScgRelax (correction = false).
#pragma once

#include "estimators/estimator.hpp"

#include <memory>

namespace estcheck {

enum class ScgBug { baseline_uses_sample, missing_score, last_credit };

/// scg with `bug` planted, named "mutant/scg-..." and not claimed unbiased.
std::unique_ptr<Estimator> make_scg_mutant(ScgBug bug);

}  // namespace estcheck
