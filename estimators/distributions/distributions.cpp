// estimators/distributions/distributions.cpp — parameter checks and the non-inline parts of bernoulli.hpp,
// categorical.hpp and gaussian.hpp.
#include "estimators/distributions/bernoulli.hpp"
#include "estimators/distributions/categorical.hpp"
#include "estimators/core/error.hpp"
#include "estimators/distributions/gaussian.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace estcheck {
namespace {
void require_finite(std::span<const double> theta) {
  for (std::size_t i = 0; i < theta.size(); ++i)
    if (!std::isfinite(theta[i]))
      raise_input_error("theta", "finite numbers",
                        format_double(theta[i]) + " at position " + std::to_string(i + 1));
}
}  // namespace

BernoulliLogits::BernoulliLogits(std::span<const double> theta) : logits(theta.begin(), theta.end()) {
  if (theta.empty()) raise_input_error("theta", "at least one logit", "none");
  require_finite(theta);
  for (double t : logits) {
    probs.push_back(sigmoid(t));
    probs0.push_back(sigmoid(-t));
    const bool one_rare = probs.back() <= probs0.back();
    // p_r <= 1/2, so p_r 2^64 <= 2^63 converts exactly after truncation.
    const auto t64 = static_cast<std::uint64_t>(std::ldexp(one_rare ? probs.back() : probs0.back(), 64));
    top.push_back(static_cast<std::uint8_t>(t64 >> 56));
    tail.push_back(t64 & 0x00FF'FFFF'FFFF'FFFFULL);
    flip.push_back(one_rare ? 0 : 1);
    log_p1.push_back(log_sigmoid(t));
    log_p0.push_back(log_sigmoid(-t));
  }
}

CategoricalLogits::CategoricalLogits(std::span<const double> theta)
    : logits(theta.begin(), theta.end()) {
  if (theta.size() < 2)
    raise_input_error("theta", "at least 2 logits (one per class)", std::to_string(theta.size()));
  require_finite(theta);
  // Shift by the largest logit, so exp never overflows and the largest term is exactly 1; then
  // p = e / Σe and log p = (θ - m) - log Σe keep full relative precision.
  const double m = *std::max_element(logits.begin(), logits.end());
  double z = 0.0;
  for (double t : logits) z += std::exp(t - m);  // summed in the same order as `rest` below
  const double log_z = std::log(z);
  double c = 0.0;
  std::vector<double> e;
  for (double t : logits) e.push_back(std::exp(t - m));
  for (std::size_t k = 0; k < e.size(); ++k) {
    log_probs.push_back((logits[k] - m) - log_z);
    probs.push_back(e[k] / z);
    c += probs.back();
    cumulative.push_back(c);
  }
  cumulative.back() = 1.0;
  // rest[k] = Σ_{j≠k} e_j / z from prefix and suffix sums: O(K), and no subtraction.
  std::vector<double> suffix(e.size() + 1, 0.0);
  for (std::size_t k = e.size(); k-- > 0;) suffix[k] = suffix[k + 1] + e[k];
  double prefix = 0.0;
  for (std::size_t k = 0; k < e.size(); ++k) {
    rest.push_back((prefix + suffix[k + 1]) / z);
    prefix += e[k];
  }
}

DiagGaussian::DiagGaussian(std::span<const double> theta) {
  if (theta.empty() || theta.size() % 2 != 0)
    raise_input_error("theta", "an even, positive number of values (μ_1..μ_d, log σ_1..log σ_d)",
                      std::to_string(theta.size()) + " values");
  require_finite(theta);
  const std::size_t d = theta.size() / 2;
  mu.assign(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(d));
  log_sigma.assign(theta.begin() + static_cast<std::ptrdiff_t>(d), theta.end());
  for (std::size_t i = 0; i < d; ++i) {
    const double s = std::exp(log_sigma[i]);
    if (!(s > 0.0) || !std::isfinite(s))
      raise_input_error("theta", "log σ with exp(log σ) finite and > 0",
                        format_double(log_sigma[i]) + " at position " + std::to_string(d + i + 1));
    sigma.push_back(s);
  }
}

double log_prob(const DiagGaussian& d, std::span<const double> x) {
  double s = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double z = (x[i] - d.mu[i]) / d.sigma[i];
    s += -0.5 * z * z - d.log_sigma[i] - 0.5 * std::log(2.0 * std::numbers::pi);
  }
  return s;
}

}  // namespace estcheck
