// verify/oracles/certified/antithetic.hpp — certified exact mean and variance of ARM and DisARM on
// Bernoulli problems (issue 18): Yin & Zhou 2019, eq. 5 (ARM) and Dong, Mnih & Tucker 2020, eq. 7
// (DisARM), whose only noise is u ~ U(0,1)^n.
//
// The cells. In each u_j the sample changes only where u_j crosses σ(-|θ_j|) or σ(|θ_j|): 3^n cells,
// on each of which ĝ_i(u) = value_i + slope_i (u_i - 1/2) (Estimator::antithetic_cell: ARM's slope
// is fl(f(b⁺) - f(b⁻)), DisARM's value its constant output). So, with the cell c's probability
// P_c = Π_j w_j(c_j) (w = σ(-|θ|), 1 - 2σ(-|θ|), σ(-|θ|), in Arb) and per cell of u_i the exact
// averages r1 = (a + b)/2 - 1/2 and r2 = ((a - ½)² + (a - ½)(b - ½) + (b - ½)²)/3 of (u_i - ½) and
// (u_i - ½)² over [a, b]:
//   E ĝ_i = Σ_c P_c (value_i + slope_i r1),   E ĝ_i² = Σ_c P_c (value_i² + 2 value_i slope_i r1 + slope_i² r2),
// summed in Arb's ball arithmetic, grouped by the cell of u_i (5 accumulators per coordinate and
// cell index), so the cost is O(n 3^n) ball operations (n = 10: 59049 cells, a fraction of a second).
//
// What is proven, and against what. The figures are the moments of the code's samples with the
// noise's uniforms idealized to U(0,1) (as every oracle here), with three bounded gaps added:
// - The edges: the code compares u_j with its doubles d.probs, d.probs0 (or 1 - u_j with them,
//   DisARM: fl(1 - u) errs by <= 2^-53), so its edges lie within δ_j = max |double - σ(±θ_j)| +
//   2^-52 of the exact edges (σ(±θ_j) enclosed in Arb; libm's σ is not trusted, only measured).
//   The cell values come from the code at one point per cell more than δ_j from both its exact
//   edges (a cell too narrow for one is left out, its width added to the slivers). Off the slivers
//   (|u_j - edge| <= δ_j, measure <= 4 δ_j per variable) the code's cell is the exact one; on them
//   the code's sample is bounded by the estimator's declared range G_i (sample_range), and the
//   cell's exact form by G'_i = G_i (1 + 2γ_2) + 2η (the rounding below), so the slivers' mass S
//   moves E ĝ_i by <= 2 G'_i S and E ĝ_i² by <= G'_i² S.
// - The rounding inside one sample (contract of antithetic_cell): at most fl(u_i - 1/2) and one
//   product after the cell's doubles, so ĝ_code = ĝ (1 + ϑ) + η', |ϑ| <= γ_2, |η'| <= 2^-1074:
//   E ĝ moves by <= γ_2 sqrt(E ĝ²) + η, E ĝ² by <= (2γ_2 + γ_2²) E ĝ² + 2ηG + η².
// - f's values, and the code's value and slope doubles, are exact inputs.
// The certificate is proven; the bounds are valid for the exact edges and for the code's own.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <cstddef>
#include <optional>

namespace estcheck::certified {

/// The most Bernoulli variables the certified cell sum takes (3^12 = 531441 cells, ~ 1 s).
inline constexpr std::size_t kAntitheticMaxVariables = 12;

/// Certified E[ĝ] and Var[ĝ] of an estimator with antithetic cells (ARM, DisARM) on a Bernoulli
/// problem of at most kAntitheticMaxVariables variables; std::nullopt for any other estimator or
/// problem. Estimated (with the reason) when the estimator declares no finite sample range or a
/// figure overflows. Calls oracle_checkpoint() every 4096 cells.
std::optional<EstimatorMoments> antithetic_moments(const Estimator& estimator, const Model& model);

}  // namespace estcheck::certified
