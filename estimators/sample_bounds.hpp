// estimators/sample_bounds.hpp — proven bounds from which estimators derive their sample ranges
// in closed form: the score's interval per coordinate (any estimator with a score factor: RLOO and
// VIMCO past the enumeration's size, REBAR, RELAX), and a problem's relaxation of f, from which the
// relaxed estimators (Concrete, straight-through, REBAR, RELAX; estimators/concrete.hpp, rebar.hpp,
// relax.hpp) derive theirs (Estimator::sample_range, read by the betting test of
// Waudby-Smith & Ramdas 2024, verify/stats/betting.hpp). The derivations are in
// docs/statistics.md, "Which test each pair gets", and next to each override.
//
// What is bounded, for z anywhere in the relaxation's domain ([0,1]^n for Bernoulli problems, the
// simplex for categorical ones) and as the problem's own double code computes it:
// - value: f_relaxed(z) ∈ [value_lo, value_hi];
// - slope: |∂f_relaxed/∂z_i(z)| <= slope[i].
// Known relaxations only: a problem's own proof (Problem::relaxation_enclosure: the digits VAE's
// decoder, estimators/problems/vae.cpp, with f on the support from f_range_on_support), or
// (Problem::symbolic()):
// - the toy, f(z) = (z - t)²: value in [min over [0,1], max(t², (1-t)²)], slope 2 max(|t|, |1-t|);
// - Bernoulli tables, the multilinear extension F(z) = Σ_k table[k] Π_i z_i^{k_i}(1 - z_i)^{1-k_i}:
//   F is a convex combination of the table, so F ∈ [min table, max table]; ∂F/∂z_i = F(z | z_i = 1)
//   - F(z | z_i = 0) is multilinear in the other coordinates, so its extremes over the cube are at
//   vertices, where it is table[k | k_i = 1] - table[k | k_i = 0]: slope[i] = the largest such
//   difference in absolute value (exact, not a relaxation of the bound);
// - categorical tables, F(z) = Σ_k z_k table[k] on the simplex: F ∈ [min, max], ∂F/∂z_k = table[k].
// Rounding: each figure is widened by kRangeSlack of its scale (max |table| or max(|t|, |1 - t|)²),
// which covers the double code's rounding (at most (2n + 2^n + 8) unit roundoffs of the scale for
// a table of n <= 22 variables: Higham's γ_k on the products of n weights and the 2^n-term sums,
// whose weights sum to 1 or 2) with a margin of more than 100x.
#pragma once

#include "estimators/core/math.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/problem.hpp"

#include <span>

#include <optional>
#include <string>
#include <vector>

namespace estcheck {

// kRangeSlack, the relative widening of every derived bound, is in estimators/core/math.hpp (the
// problems' own relaxation bounds use it too: Problem::relaxation_enclosure).

struct RelaxationBounds {
  double value_lo = 0.0, value_hi = 0.0;  ///< f_relaxed over the domain, widened
  double f_lo = 0.0, f_hi = 0.0;          ///< f over the discrete support (the domain's vertices), widened
  std::vector<double> slope;              ///< max |∂f_relaxed/∂z_i| over the domain, widened
  double scale = 0.0;                     ///< the scale the widening is relative to
  std::string how;                        ///< in words, for SampleRange::source
};

/// The bounds above for the toy, for Bernoulli and categorical tables (at most 2^22 support
/// points) and for Bernoulli problems that declare a relaxation_enclosure (the VAE); nullopt for any
/// other relaxation (no proof written) or a non-finite table.
std::optional<RelaxationBounds> relaxation_bounds(const Model& model);

/// The score ∇θ log p(x) of a Bernoulli or categorical model lies in [lo_j, hi_j] per coordinate,
/// as the code computes it (distributions/bernoulli.hpp, categorical.hpp): -σ(θ_j) or σ(-θ_j)
/// (Bernoulli), -p_j or rest_j (categorical); the ends are the model's own doubles. False for other
/// families.
bool score_bounds(const Model& model, std::vector<double>& lo, std::vector<double>& hi);

/// The range of a sample of REBAR's form (estimators/rebar.hpp; RELAX's, relax.hpp)
///   ĝ_j = X score_j + P_j - P̃_j,   X ∈ [x_lo, x_hi],
/// score_j ∈ [-p_j, 1 - p_j] as computed (Bernoulli: -σ(θ_j) or σ(-θ_j); categorical: -p_j or
/// rest_j), and the two pathwise terms bounded by `path`:
/// - Bernoulli: P_j = c_j(σ_λ(z)) σ_λ(1 - σ_λ)/λ and P̃_j = c_j(σ_λ(z̃)) σ_λ(1 - σ_λ)/λ · ∂z̃_j/∂θ_j
///   with |c_j| <= path[j] and 0 <= ∂z̃_j/∂θ_j <= 1 (see rebar.cpp), so |P_j - P̃_j| <= path[j]/(2λ);
/// - categorical: path[0] bounds the spread max_k c_k - min_k c_k of the relaxed gradient c (the
///   table times η, plus the network's ∂r/∂x for RELAX); |P_j| <= spread/(4λ) and
///   |P̃_j| <= spread/(4λ) + p_j spread/(2λ) (see rebar.cpp), so |P_j - P̃_j| <= spread (1 + p_j)/(2λ).
/// Widened by kRangeSlack of `magnitude` (the scale of the figures that enter) and of the bound
/// itself; nullopt when a bound is not finite.
std::optional<SampleRange> rebar_form_range(const Model& model, double x_lo, double x_hi, double lambda,
                                            std::span<const double> path, double magnitude, std::string source);

/// The range of a score-function sample ĝ_j = fl(fl(f - baseline) / scale) · score_j (REINFORCE,
/// NVIL once frozen: SampleForm::Kind::score_function) on a Bernoulli or categorical model with
/// f ∈ [f_lo, f_hi] as computed: fl is monotone, so the weight lies between the weights at f's
/// ends, and each score coordinate takes its two values exactly (score_bounds), so the corners'
/// products (interval_product) hold every sample; widened by kRangeSlack of the largest corner
/// for a compiler's contraction differences. nullopt for other families or a non-finite bound.
std::optional<SampleRange> score_function_range(const Model& model, double f_lo, double f_hi, double baseline,
                                                double scale, std::string source);

/// [lo, hi] · [a, b]: the smallest and largest product of two intervals (the corners).
std::pair<double, double> interval_product(double lo, double hi, double a, double b);

}  // namespace estcheck
