// verify/oracles/estimator_mean.hpp — the exact mean E[ĝ] of estimators whose noise is continuous, for
// the estimators and problems where it reduces to one-dimensional integrals.
//
// Since issue 14, Concrete, straight-through and REBAR on the toy and on Bernoulli tables of 1 to 8
// variables (the mean alone: to 14) take the certified route first
// (verify/oracles/certified/relaxed_moments.hpp: Arb integrals in t = θ + logit u, ball
// contractions); the double routes below remain for the rest and are marked estimated. Those that
// integrate over the uniforms do so in t too (estimator_mean.cpp), with oracle_checkpoint() in
// every integrand.
//
// Concrete and straight-through on Bernoulli problems (estimators/concrete.hpp), with
// u_i ~ U(0,1), z_i = σ((θ_i + logit u_i)/λ), b_i = 1[θ_i + logit u_i > 0]:
// - Multilinear f (Bernoulli tables): ∂_i F is multilinear in z_{-i} and independent of z_i, and
//   the u_i are independent, so
//     E[concrete ĝ_i] = ∂_i F(E z) · E[z_i(1 - z_i)] / λ,
//     E[straight-through ĝ_i] = ∂_i F(σ(θ)) · E[z_i(1 - z_i)] / λ,
//   needing only the one-dimensional integrals E z_i and E z_i(1 - z_i).
// - One variable (the toy): E ĝ = ∫_0^1 ĝ(u) du directly.
// NVIL (estimators/nvil.hpp) with its frozen baseline and scale s: E ĝ = ∇L / s.
// REBAR and RELAX (and the planted REBAR bug) on one Bernoulli variable: a 2-D Gauss–Kronrod
// integral over (u, v) of the estimator's own code. REBAR on Bernoulli tables: given b the z̃_j
// are independent, so every term reduces to a sum over b of products of 1-D integrals.
// Which integrals: for Concrete, straight-through and REBAR (not its mutant) on tables of 2 to
// kMultilinearMomentsMaxVariables variables, exact_estimator_mean returns the mean of
// detail::multilinear_relaxed_moments (below): 1-D tanh-sinh integrals, the same numbers and
// bound as exact_estimator_moments. The integrands go like w^{1/λ} at the ends of (0, 1), where
// tanh-sinh converges double-exponentially and Gauss–Kronrod slowly unless 1/λ is an integer
// (λ = 2, 3 variables: bound 4e-8 → 5e-15 for Concrete, 1.5e-5 → 2e-14 for REBAR, 50–100× faster).
// Elsewhere (one variable, larger tables: detail::multilinear_relaxed_mean_gauss_kronrod, and the
// toy) Boost.Math's adaptive Gauss–Kronrod (61 points) on (0, u*) and (u*, 1) with
// u* = σ(-θ_i), where b jumps and z changes fastest. The error is 2 × Boost's estimate plus 4ε of
// ∫|integrand| (see exact.cpp), propagated through the products to first order.
// Their variances (exact_estimator_moments): on one Bernoulli variable by quadrature of ĝ² over
// the uniforms; on Bernoulli tables of 2 to kMultilinearMomentsMaxVariables variables by
// conditioning on b, where each estimator is a multilinear polynomial in independent
// per-variable features, and contracting its coefficient tensor with the features' conditional
// second moments (1-D tanh-sinh integrals); see estimator_mean.cpp.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certificate.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace estcheck {

struct EstimatorMean {
  std::vector<double> mean;
  std::vector<double> error;  ///< absolute error estimate per coordinate
  std::string method;         ///< how it was computed
  Certificate certificate;    ///< whether `error` is a proven bound (certificate.hpp)
};

/// E[ĝ] exactly (to quadrature accuracy) when this module knows how for (estimator, model), with
/// `method` naming the route and quadrature (see the top of this file); for the graph estimators
/// (Estimator::samples_graph_assignment()) the mean of exact_graph_estimator_moments; std::nullopt
/// otherwise.
std::optional<EstimatorMean> exact_estimator_mean(const Estimator& estimator, const Model& model);

struct EstimatorMoments {
  std::vector<double> mean, variance;              ///< per coordinate
  std::vector<double> mean_error, variance_error;  ///< absolute error bounds (estimates for quadrature)
  std::string method;
  Certificate certificate;  ///< whether the error bounds are proven; unknown: NaN values, and why
};

/// The most variables on which exact_estimator_moments integrates Concrete, straight-through and
/// REBAR over a multilinear f (cost O(n² 4^n) plus 22n one-dimensional integrals: about 0.1 s at
/// n = 8 on one core, 0.015 s at n = 7).
inline constexpr std::size_t kMultilinearMomentsMaxVariables = 8;

/// E[ĝ] and Var[ĝ] per coordinate, exactly, for estimators whose only randomness is their draws
/// (Estimator::draws() > 0: reinforce, rloo, nvil, vimco, reparam): by enumerating every tuple of
/// draws on finite supports (at most 2^22 tuples; certified: certified::tuple_moments in
/// verify/oracles/certified/discrete.hpp), or by Gauss–Kronrod quadrature over ε for
/// one-dimensional Gaussian problems (gaussian_pieces.hpp: [-40, 40] split at 0 and at f's
/// breakpoints) — replaced, when the estimator declares its Estimator::sample_form() (reinforce,
/// nvil, reparam) and f is symbolic, by that form's moments in Arb (certified/gaussian.hpp),
/// certified once they agree with the quadrature of the code; for ARM and DisARM on Bernoulli
/// problems of up to certified::kAntitheticMaxVariables = 12 variables, by exact sums over the 3^n
/// cells of u in Arb (certified: verify/oracles/certified/antithetic.hpp); for concrete, straight-through,
/// rebar and relax (and the planted REBAR mutant) on one Bernoulli variable, by quadrature of ĝ
/// and ĝ² over their uniforms; and for concrete, straight-through and rebar (not its mutant) on
/// multilinear f (Bernoulli tables) of 2 to kMultilinearMomentsMaxVariables variables, by
/// detail::multilinear_relaxed_moments; for the graph estimators whose only noise is the graph's
/// draws (Estimator::samples_graph_assignment(): scg with every option and its mutants, dice of
/// orders 1 and 2, output_dim values) on graphs whose stochastic nodes are all discrete, by
/// enumerating the joint assignments (at most kMaxGraphAssignments; exact_graph_estimator_moments
/// in verify/oracles/graph_exact.hpp). std::nullopt otherwise.
std::optional<EstimatorMoments> exact_estimator_moments(const Estimator& estimator, const Model& model);

namespace detail {
/// Concrete, straight-through and REBAR (claimed unbiased, not the mutant) on a multilinear f of
/// 1 to kMultilinearMomentsMaxVariables Bernoulli variables: given the hard sample b the estimator
/// is a multilinear polynomial in independent per-variable features, so E[ĝ_i | b] and E[ĝ_i² | b]
/// are tensor contractions of 1-D tanh-sinh moments (derivation and error bound in
/// estimator_mean.cpp). std::nullopt for any other estimator or problem. exact_estimator_moments
/// and exact_estimator_mean use it from 2 variables on; on one variable tests compare it with the
/// direct quadrature.
std::optional<EstimatorMoments> multilinear_relaxed_moments(const Estimator& estimator, const Model& model);
/// E[ĝ] of the same estimators on a multilinear f of any number of Bernoulli variables, from 1-D
/// adaptive Gauss–Kronrod integrals (the closed forms in this file's top comment; REBAR by the sum
/// over b of products of 1-D integrals). exact_estimator_mean uses it for one variable (Concrete,
/// straight-through) and past kMultilinearMomentsMaxVariables; tests compare it with the
/// tanh-sinh route. std::nullopt for any other estimator or problem.
std::optional<EstimatorMean> multilinear_relaxed_mean_gauss_kronrod(const Estimator& estimator, const Model& model);
}  // namespace detail

/// The variance bound the Catoni test takes from exact moments: Var ĝ_i plus its error bound.
std::vector<double> variance_upper_bound(const EstimatorMoments& moments);
/// How such a bound is described in verdicts: "exact oracle (<method>)".
std::string variance_bound_source(const EstimatorMoments& moments);

}  // namespace estcheck
