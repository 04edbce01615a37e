// tests/antithetic_cells.hpp — the exact mean of an antithetic Bernoulli estimator (ARM, DisARM)
// by enumerating the cells of u ∈ [0,1]^n.
//
// Both estimators depend on u_i only through the events u_i < σ(θ_i) and u_i > σ(-θ_i) — constant
// on the three intervals cut at min(p_i, 1-p_i) and max(p_i, 1-p_i) — and, for ARM, through the
// factor (u_i - 1/2), which is linear in u_i alone. So on each of the 3^n cells the estimator's
// mean is its value at the cell's midpoint, and E ĝ = Σ_cells |cell| ĝ(midpoint): exact, no
// quadrature error.
#pragma once

#include "estimators/distributions/bernoulli.hpp"
#include "estimators/problems/catalogue.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace estcheck::testing {

/// Σ over the 3^n cells of |cell| · g(midpoint u), with g writing n values; returns the mean and
/// Σ|cell| |g| (for rounding bounds).
inline std::pair<std::vector<double>, std::vector<double>> cell_mean(
    const BernoulliLogits& d,
    const std::function<void(const std::vector<double>& u, std::vector<double>& g)>& g_of_u) {
  const std::size_t n = d.size();
  // Cell lengths without cancellation: lo = min(p, 1-p), hi - lo = |σ(θ) - σ(-θ)|, and
  // 1 - hi = lo exactly (1 - max(p, 1-p) computed by subtraction would lose ~ε/lo relative).
  std::vector<std::array<double, 4>> cuts(n), lengths(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double lo = std::min(d.probs[i], d.probs0[i]), hi = std::max(d.probs[i], d.probs0[i]);
    cuts[i] = {0.0, lo, hi, 1.0};
    lengths[i] = {lo, hi - lo, lo, 0.0};
  }
  std::vector<double> mean(n, 0.0), abs_sum(n, 0.0), u(n), g(n);
  std::size_t cells = 1;
  for (std::size_t i = 0; i < n; ++i) cells *= 3;
  for (std::size_t c = 0; c < cells; ++c) {
    double w = 1.0;
    std::size_t code = c;
    for (std::size_t i = 0; i < n; ++i, code /= 3) {
      const std::size_t k = code % 3;
      w *= lengths[i][k];
      u[i] = 0.5 * (cuts[i][k] + cuts[i][k + 1]);
    }
    if (w == 0.0) continue;
    g_of_u(u, g);
    for (std::size_t i = 0; i < n; ++i) {
      mean[i] += w * g[i];
      abs_sum[i] += std::abs(w * g[i]);
    }
  }
  return {mean, abs_sum};
}

/// For tables of 1 to 4 variables at moderate and extreme logits: the cell mean of `formula`
/// (formula(model, u, g)) equals ∇L within the oracle's bound plus the cell sum's rounding,
/// <= (per_variable·n + 3^n) ε Σ|terms| (products of n lengths, the formula's own operations —
/// `per_variable` ε per variable — and a naive sum of 3^n terms).
template <class Formula>
void expect_cell_mean_is_gradient(const Formula& formula, double per_variable) {
  const double eps = std::numeric_limits<double>::epsilon();
  const std::vector<std::vector<double>> thetas{{0.7}, {-2.0, 0.3}, {1.0, -0.5, 6.0}, {0.1, 3.0, -4.0, 0.0}};
  for (const auto& theta : thetas) {
    const std::size_t n = theta.size();
    std::vector<double> table(std::size_t{1} << n);
    for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::cos(1.3 * double(k)) + 0.2 * double(k);
    auto p = make_table_problem(Family::bernoulli, table);
    const Model m = make_model(*p, theta);
    const ExactGradient exact = exact_gradient(m);
    const auto [mean, abs_sum] = cell_mean(std::get<BernoulliLogits>(m.dist),
                                           [&](const auto& u, auto& g) { formula(m, u, g); });
    const double slack = per_variable * double(n) + std::pow(3.0, double(n));
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_NEAR(mean[i], exact.gradient[i], exact.error[i] + slack * eps * abs_sum[i])
          << "n = " << n << ", coordinate " << i;
  }
}

}  // namespace estcheck::testing
