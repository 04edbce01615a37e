// estimators/distributions/gaussian.hpp — a diagonal Gaussian with θ = (μ_1..μ_d, log σ_1..log σ_d).
//
// p(x | θ) = Π_i N(x_i; μ_i, σ_i²). Score (Mohamed, Rosca, Figurnov & Mnih 2020, "Monte Carlo
// gradient estimation in machine learning", §4): ∂/∂μ_i log p = (x_i - μ_i)/σ_i²,
// ∂/∂log σ_i log p = (x_i - μ_i)²/σ_i² - 1. Reparameterizable (ibid. §5): x = μ + σ ⊙ ε with
// ε ~ N(0, I), so ∂x_i/∂μ_i = 1 and ∂x_i/∂log σ_i = σ_i ε_i.
#pragma once

#include "estimators/core/noise.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace estcheck {

struct DiagGaussian {
  /// θ has length 2d: d means then d log standard deviations. Throws InputError (field
  /// "theta") unless the length is even and positive and every σ = exp(log σ) is finite and > 0.
  explicit DiagGaussian(std::span<const double> theta);

  std::vector<double> mu;
  std::vector<double> log_sigma;
  std::vector<double> sigma;

  std::size_t size() const { return mu.size(); }  ///< d, the dimension of x (θ has 2d entries)
  static constexpr bool has_rsample = true;
  static constexpr bool has_enumerate_support = false;
};

/// Draws the standard noise ε ~ N(0, I) (size d) from `noise`.
inline void standard_noise(const DiagGaussian& d, Noise& noise, std::span<double> eps) {
  for (std::size_t i = 0; i < d.size(); ++i) eps[i] = noise.normal();
}

/// The reparameterization x = μ + σ ⊙ ε.
inline void rsample(const DiagGaussian& d, std::span<const double> eps, std::span<double> x) {
  for (std::size_t i = 0; i < d.size(); ++i) x[i] = d.mu[i] + d.sigma[i] * eps[i];
}

/// Draws x ~ N(μ, diag σ²) from `noise` (the same draw as standard_noise then rsample).
inline void sample(const DiagGaussian& d, Noise& noise, std::span<double> x) {
  for (std::size_t i = 0; i < d.size(); ++i) x[i] = d.mu[i] + d.sigma[i] * noise.normal();
}

double log_prob(const DiagGaussian& d, std::span<const double> x);

/// ∇θ log p(x | θ), written to `out` (size 2d): means first, then log standard deviations.
inline void score(const DiagGaussian& d, std::span<const double> x, std::span<double> out) {
  const std::size_t n = d.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double z = (x[i] - d.mu[i]) / d.sigma[i];
    out[i] = z / d.sigma[i];
    out[n + i] = z * z - 1.0;
  }
}

}  // namespace estcheck
