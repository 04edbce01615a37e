// verify/oracles/leave_one_out.hpp — E ĝ and Var ĝ of RLOO (Kool, van Hoof & Welling 2019, eq. 8;
// estimators/rloo.hpp) on the Gaussian problems with a symbolic f, certified: the moments of the
// declared leave-one-out form in Arb (verify/oracles/certified/gaussian.hpp: closed-form Gaussian
// integrals over the equality patterns of the K draw indices), cross-checked against a tensor
// Gauss–Legendre rule over the K standard normals of the estimator's own code (value_at), as the
// one-draw forms are cross-checked against Gauss–Kronrod (estimator_mean.cpp). The cross-check
// guards against a declared form that is not what the code computes (an O(1) difference), not
// the figures' precision (Arb's): it allows 1e-6 of √(E ĝ²) (mean) and of E ĝ² (variance).
// The rule: for K <= 3 a 20-point Gauss–Legendre rule on each piece of ε (gaussian_pieces, refined
// at ±1, ±2, ±4, ±8, ±16; K = 3: 280³ evaluations, about a second), which follows the step's
// breakpoint; for 4 <= K <= 6 the 12-node Gauss–Hermite rule (12^K evaluations), exact for the
// quadratic f (ĝ² has degree 8 per normal) and accurate for e^x at moderate σ, but not for the
// step. Where no rule applies — d >= 2 (the other coordinates enter by E v, E v², certified/
// gaussian.hpp), K > 6, or the step with K >= 4 — the check is pointwise
// (certified::form_disagreement: the code against the form at 64 points of its K draws). When the
// check disagrees the figures are kept but estimated (so the pair keeps its other test).
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <optional>

namespace estcheck {

/// The moments above, or nullopt unless the estimator declares the leave-one-out form and the
/// model is a Gaussian problem with a symbolic f (certified::gaussian_symbolic).
std::optional<EstimatorMoments> gaussian_leave_one_out_moments(const Estimator& estimator, const Model& model);

}  // namespace estcheck
