// verify/oracles/certified/relaxed_moments.hpp — certified exact mean and variance of Concrete,
// straight-through and REBAR on Bernoulli problems (issue 14): the toy (f(z) = (z - t)²) and
// Bernoulli tables (multilinear f) of 1 to kCertifiedRelaxedMaxVariables variables.
//
// The integration variable. With u ~ U(0,1), the perturbed logit t = θ + logit u has the logistic
// density ℓ(t - θ) = σ(t - θ) σ(θ - t); b = 1[t > 0], z = σ(t/λ). In u the estimators change
// within a window of width ~λ u*(1 - u*) around u* = σ(-θ) (6e-8 wide at θ = 12, λ = 0.5: what
// made the Gauss–Kronrod routes in u slow or wrong); in t every integrand is analytic, with poles
// at distance πλ (from σ(t/λ)) and π (from ℓ) from the real line, and decays like e^{-|t - θ|}.
// Given b, REBAR's conditional sample z̃ has the law of t given b, and its ∂z̃/∂θ (estimators/
// rebar.cpp, at fixed v) is σ(θ)(1 - e^{-t}) (b = 1) or σ(-θ)(1 - e^{t}) (b = 0): entire in t.
//
// Each half-line integral H_b[g] = ∫_{side b} g(t) ℓ(t - θ) dt is computed by Arb's validated
// integration (acb_calc_integrate, which checks holomorphy of the integrand on every ball it
// uses) on a finite segment, plus a proven tail bound: for |t - θ| past the segment,
// ℓ(t - θ) <= e^{-|t - θ|}, and |g| <= G from the features' ranges (0 <= z, 1 - z, ∂z̃/∂θ <= 1,
// 0 <= dz = z(1 - z)/λ <= 1/(4λ)), so the tail is <= G e^{-L} for a segment reaching L past
// max(θ, 0) (or min(θ, 0)); L = |θ| + 100 + log G makes it < e^{-100} of the side's mass.
// Everything after the integrals (the sums over b and the tensor contractions of the multilinear
// route, derived in relaxed_moments.cpp) is done in Arb's ball arithmetic, so the returned bounds
// are proven: |true - mean| <= mean_error, likewise the variance.
//
// The figure is the mean of the estimator's formula in exact arithmetic, θ and the table's values
// taken as the exact doubles they are (the rounding inside one sample, ~ε relative, is not part of
// it): the formula is the one estimators/concrete.cpp and rebar.cpp evaluate (relaxed_form()).
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <cstddef>
#include <optional>

namespace estcheck::certified {

/// The most Bernoulli table variables the certified route takes (the same limit as the double
/// tensor route, estimator_mean.hpp; its cost is O(n² 2^n) ball operations plus 22n integrals).
inline constexpr std::size_t kCertifiedRelaxedMaxVariables = kMultilinearMomentsMaxVariables;
/// The most variables for the mean alone (O(n² 2^n) ball operations: about 1 s at 14 variables).
inline constexpr std::size_t kCertifiedRelaxedMeanMaxVariables = 14;

/// Certified E[ĝ] and Var[ĝ] (Var only unless `mean_only`; then variance and its error are empty)
/// of Concrete, straight-through and REBAR (as published, not the planted mutant) on the toy and
/// on Bernoulli tables of 1 to kCertifiedRelaxedMaxVariables variables (the mean alone: to
/// kCertifiedRelaxedMeanMaxVariables); std::nullopt for any other
/// estimator or problem. The certificate is proven. Throws OracleBudgetExceeded past the running
/// oracle clock's deadline (verify/oracles/budget.hpp).
std::optional<EstimatorMoments> relaxed_moments(const Estimator& estimator, const Model& model, bool mean_only);

/// One certified half-line integral, exposed for tests: H_b[g] for g one of the table route's
/// features (0 z, 1 1-z, 2 dz, 3 dz̃, 4 z², 5 z(1-z), 6 (1-z)², 7 dz², 8 z dz̃, 9 (1-z) dz̃,
/// 10 dz̃²) at logit θ, temperature λ, side b; as a proven double enclosure {mid, rad}.
struct HalfLineIntegral {
  double mid, rad;
};
HalfLineIntegral feature_half_integral(int feature, double theta, double lambda, bool b);

}  // namespace estcheck::certified
