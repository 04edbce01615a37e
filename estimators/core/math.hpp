// estimators/core/math.hpp — numerically stable scalar helpers shared by the distributions.
// sigmoid / log-sigmoid (Mächler 2012, "Accurately computing log(1 - exp(-|a|))", eq. 10) and
// a softmax that subtracts the maximum logit first; the rounding slack of a recursive sum
// (Higham 2002, eq. 4.4), used by the proven sample ranges.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

namespace estcheck {

/// σ(x) = 1 / (1 + e^{-x}); exact 0 or 1 only where the true value rounds to it.
inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

/// log σ(x), accurate for large |x| (no log of a rounded probability).
inline double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

/// logit(u) = log(u / (1 - u)) for u in (0, 1), with log1p for the complement.
inline double logit(double u) { return std::log(u) - std::log1p(-u); }

/// out = softmax(in / λ), shifted by the largest in_i/λ so that exp never overflows.
inline void softmax_tempered(std::span<const double> in, double lambda, std::span<double> out) {
  double mx = in[0] / lambda;
  for (double w : in) mx = std::max(mx, w / lambda);
  double total = 0.0;
  for (std::size_t i = 0; i < in.size(); ++i) total += (out[i] = std::exp(in[i] / lambda - mx));
  for (double& o : out) o /= total;
}

/// log Σ exp(x_i).
inline double log_sum_exp(std::span<const double> x) {
  const double m = *std::max_element(x.begin(), x.end());
  double s = 0.0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

/// The relative widening of every derived sample bound (estimators/sample_bounds.hpp) and of the
/// problems' relaxation bounds (Problem::relaxation_enclosure): it covers the double code's rounding
/// (γ_k with k <= 2^23 operations per figure: 2^-30 > 2^23 · 2^-53) and the normalisation of the
/// Gumbel-softmax by exp and log (the weights' sum is 1 up to the same γ_k when libm's exp and log
/// are within 2^-32 relative of the truth; glibc documents at most 2 ulp, i.e. 2^-51).
inline constexpr double kRangeSlack = 0x1p-30;

/// The widening that makes [fl(Σ lo_i), fl(Σ hi_i)] hold every left-to-right double sum of
/// `terms` values t_i ∈ [lo_i, hi_i] with Σ max(|lo_i|, |hi_i|) = abs_sum (all three computed in
/// double). Higham (2002) eq. 4.4: a recursive sum of n terms is off by at most γ_{n-1} Σ |t_i|;
/// the code's sum and the bound's own sum Σ lo_i each err by that much, and the final subtraction
/// by u (|Σ lo| + pad) <= u abs_sum (1 + γ), so 2 γ_{n-1} + u <= 4 n u (with n u <= 2^-20, so
/// γ_{n-1} <= 1.01 (n - 1) u) covers the three; abs_sum's own rounding (relative γ_n) fits the
/// factor's margin. Returns 4 n u · abs_sum, rounded up by a relative 2^-40.
inline double sum_slack(std::size_t terms, double abs_sum) {
  constexpr double u = std::numeric_limits<double>::epsilon() / 2.0;
  return 4.0 * static_cast<double>(std::max<std::size_t>(terms, 1)) * u * abs_sum * (1.0 + 0x1p-40);
}

}  // namespace estcheck
