// verify/oracles/certified/lqr.hpp — the certified exact objective and gradient of the LQR
// problem (estimators/problems/lqr.hpp; issue 15, item 3).
//
// The closed form of lqr.hpp (Gaussian state propagation μ_{t+1} = M μ_t, P_{t+1} = M P_t Mᵀ + σ² B Bᵀ,
// the expected stage costs, and their forward-mode derivatives along θ) evaluated with the scalar
// certified::Ball: every input (A, B, Q, R, s_0, K, log σ) is its exact double, σ = exp(log σ) is
// Arb's enclosure, and every product and sum is a ball operation at 128 bits, so each result ball
// provably contains the true value; Ball::to_enclosure turns it into a double and a proven radius.
// The formula itself (not its rounding) is checked by tests/test_lqr.cpp against central finite
// differences of the exact objective and against Monte Carlo rollouts.
#pragma once

#include "estimators/problems/problem.hpp"
#include "verify/oracles/exact.hpp"

#include <optional>

namespace estcheck::certified {

/// L(θ) and ∇θ L(θ) of an LQR model in Arb, certified (method closed_form); unknown_gradient
/// where a value does not fit a double. std::nullopt unless the model's problem is an LQR problem.
std::optional<ExactGradient> lqr_gradient(const Model& model);

}  // namespace estcheck::certified
