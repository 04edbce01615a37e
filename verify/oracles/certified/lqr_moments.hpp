// verify/oracles/certified/lqr_moments.hpp — certified exact mean and variance of the
// policy-gradient estimators on the LQR problem (pg-reinforce, its reward-to-go form, pg-pathwise,
// LAX with cv=diag|full|rl and the two planted mutants; estimators/policy_gradient.hpp,
// docs/lqr.md "Exact estimator moments"). Issue 18: the Catoni test for them.
//
// With a linear system and the policy a_t = K s_t + σ ε_t from a fixed s_0, every state and action
// is affine in ε = (ε_1..ε_D), D = T·m; the cost is quadratic, the scores S_t are quadratic
// (ε_l s_j / σ, ε_l² − 1), the path derivatives ∂a/∂θ affine and ∇θ C quadratic; LAX's c_φ is a
// fixed quadratic in a (or in (a_t, s_t)) once prepare() has fitted φ. So each coordinate of every
// sample is a polynomial P(ε) of degree ≤ 4 (REINFORCE, LAX; pathwise ≤ 2), computed here as a
// sparse map from exponent vectors to Arb balls (certified::Ball) by running the estimator's own
// sequence of operations (the rollout of estimators/problems/lqr.cpp and the sample of
// policy_gradient.cpp, line by line) on polynomials. With ε standard normal (Isserlis / Wick):
//   E P = Σ_α p_α Π_i (α_i − 1)!! over the α with every α_i even, and, writing P in the
//   probabilists' Hermite basis (ε^k = Σ_j k!/(2^j j! (k − 2j)!) He_{k−2j}(ε), He orthogonal with
//   E He_j² = j!), Var P = Σ_{β ≠ 0} c_β² β!, a sum of squares (no cancellation).
// The code computes the sample in doubles: ĝ = P(ε) + δ. The same line-by-line run carries, for
// every intermediate, the absolute polynomial A (the code's expression with every constant and
// ε_i replaced by its absolute value and every − by +) and the rounding depth L (+, −: max + 1;
// ×, ÷: L_a + L_b + 1), so |δ| ≤ γ_L A(|ε|) with γ_L = Lu/(1 − Lu) (Higham 2002, Lemma 3.1/3.3;
// IEEE binary64, round to nearest, no FMA; gradual underflow is not bounded). Then
// ‖δ‖₂ ≤ r = γ_L Σ_α a_α (Π_i (2α_i − 1)!!)^{1/2} (Minkowski), so the code's samples have
//   |E ĝ − E P| ≤ r and Var ĝ ≤ (√Var P + r)²,
// which the result's mean_error and variance_error include. Inputs: A, B, Q, R, s_0, K, φ and each ε
// are the code's exact doubles; σ is the ball hull of Arb's exp(log σ) and the code's own
// std::exp(log σ) (libm is not trusted: the code's double is read, not assumed correct), so the
// balls hold the moments at the true σ and at the code's. Before certifying, P and the bound are
// checked against the code (Estimator::value_at_normals) at 16 fixed noise draws: a declared form
// that is not what the code computes leaves the figures estimated, with the reason.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <optional>
#include <span>
#include <vector>

namespace estcheck::certified {

/// The exact moments of a policy-gradient estimator (Estimator::policy_gradient_form()) on an LQR
/// model, certified as above; std::nullopt unless the estimator declares the form and the model is
/// an LQR problem with T·m ≤ 16. oracle_checkpoint() in the polynomial products.
std::optional<EstimatorMoments> lqr_estimator_moments(const Estimator& estimator, const Model& model);

/// The sample's polynomials P_c(ε) (one per θ coordinate) evaluated at `eps` (T·m values), as
/// doubles rounded to nearest from the balls; for tests (an independent quadrature of these is a
/// check of the moments' algebra). std::nullopt as lqr_estimator_moments.
std::optional<std::vector<double>> lqr_sample_polynomial_at(const Estimator& estimator, const Model& model,
                                                            std::span<const double> eps);

}  // namespace estcheck::certified
