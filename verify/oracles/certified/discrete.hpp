// verify/oracles/certified/discrete.hpp — certified exact figures on finite supports (issue 14):
// Bernoulli and categorical enumeration, VIMCO's L_K by enumeration of K-tuples, the moments of
// estimators whose only noise is their draws (enumeration of every tuple of draws), and the toy's
// closed form.
//
// How the bounds are proven (details and the lemma in discrete.cpp):
// - Inputs. Every probability σ(±θ_i) or softmax(θ)_k, and every score entry, is computed in Arb
//   (verify/oracles/certified/ball.hpp) and rounded to a double with a proven error
//   |x̂ - x| <= ρ|x| + α_x (ρ ≈ 2^-53 for normal x̂, α_x > 0 only below the normal range).
// - Products and sums in IEEE double (round to nearest, no FMA: -ffp-contract=off), with Higham's
//   γ_k = k ũ/(1 - k ũ), ũ = max(2^-53, ρ), an absolute term for every product that can underflow
//   (|fl(ab) - ab| <= 2^-53|ab| + 2^-1075), and the error of the compensated sums (TwoSum, exact,
//   with a fixed reduction tree: oneTBB parallel_deterministic_reduce, grain 1, so the bits do not
//   depend on the thread count). Each final bound is assembled in Arb and rounded up.
// - Transcendental functions (log in L_K) are evaluated in Arb; nothing is assumed about libm.
// - f's values on the support, and an estimator's own double outputs, are exact inputs.
// Categorical objectives and gradients, and the toy's closed form, are computed in Arb outright.
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/problems/problem.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <optional>

namespace estcheck::certified {

/// L = Σ_x p(x) f(x) and ∇L = Σ_x p(x) f(x) ∇θ log p(x) over a Bernoulli or categorical model's
/// support, with proven bounds (certificate proven), or estimated when a figure overflows.
/// `threads` caps the parallelism (0: all cores); the bits do not depend on it. Calls
/// oracle_checkpoint() per chunk of 4096 points.
ExactGradient enumerate_finite(const Model& model, int threads = 0);

/// VIMCO's L_K = E[log (1/K) Σ f(x_k)] and its gradient by enumerating every K-tuple, with proven
/// bounds (log in Arb). Throws InputError (field "problem") unless the support is finite, at most
/// 2^24 tuples, and f > 0 on it.
ExactGradient multisample_finite(const Model& model, int k, int threads = 0);

/// The toy's L = σ(θ)(1-t)² + σ(-θ)t² and dL/dθ = σ(θ)σ(-θ)(1-2t), computed in Arb from the
/// problem's own doubles f0 = f(0) = fl(t²) and f1 = f(1) = fl((1-t)²): the figures of the f that
/// the estimators evaluate (they differ from the real (1-t)², t² by at most 2^-52 of f), so the
/// closed form and the enumeration certify the same numbers.
ExactGradient toy_closed_form(double theta, double f0, double f1);

/// E ĝ and Var ĝ of an estimator whose only noise is its draws (Estimator::draws() > 0) on a
/// Bernoulli or categorical model, by enumerating every tuple of draws (at most 2^22): Σ p ĝ and
/// Σ p ĝ² with ĝ the estimator's own double output (exact inputs) and proven bounds.
/// std::nullopt when it does not apply (other families, no draws, too many tuples).
std::optional<EstimatorMoments> tuple_moments(const Estimator& estimator, const Model& model);

}  // namespace estcheck::certified
