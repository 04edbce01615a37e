// estimators/core/math.hpp — numerically stable scalar helpers shared by the distributions.
// sigmoid / log-sigmoid (Mächler 2012, "Accurately computing log(1 - exp(-|a|))", eq. 10) and
// a softmax that subtracts the maximum logit first.
#pragma once

#include <algorithm>
#include <cmath>
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

}  // namespace estcheck
