// estimators/distributions/categorical.hpp — one categorical variable over K classes, parameterized by logits.
//
// p(k | θ) = softmax(θ)_k, θ ∈ R^K (torch.distributions.Categorical with `logits`; the logits are
// over-complete: adding a constant leaves p unchanged). A sample is stored one-hot, x = e_k, so
// relaxed samples on the simplex share the type. Score: ∇θ log p(k | θ) = e_k - softmax(θ).
#pragma once

#include "estimators/core/math.hpp"
#include "estimators/core/noise.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace estcheck {

struct CategoricalLogits {
  /// Throws InputError (field "theta") unless K >= 2 and every logit is finite.
  explicit CategoricalLogits(std::span<const double> logits);

  std::vector<double> logits;
  std::vector<double> probs;       ///< softmax(θ)
  std::vector<double> rest;        ///< 1 - probs[k], summed from the other classes (no cancellation)
  std::vector<double> cumulative;  ///< running sums of probs, last entry forced to 1
  std::vector<double> log_probs;   ///< θ - log Σ exp θ

  std::size_t size() const { return logits.size(); }
  static constexpr bool has_rsample = false;
  static constexpr bool has_enumerate_support = true;
};

/// The class index of a one-hot sample.
inline std::size_t category(std::span<const double> x) {
  std::size_t k = 0;
  while (k + 1 < x.size() && x[k] == 0.0) ++k;
  return k;
}

/// Draws k ~ softmax(θ) by inverting the CDF with one uniform from `noise`; writes e_k to `x`.
inline void sample(const CategoricalLogits& d, Noise& noise, std::span<double> x) {
  const double u = noise.uniform();
  std::size_t k = 0;
  while (k + 1 < d.size() && u >= d.cumulative[k]) ++k;
  for (std::size_t j = 0; j < d.size(); ++j) x[j] = j == k ? 1.0 : 0.0;
}

/// log p(x | θ) for one-hot x.
inline double log_prob(const CategoricalLogits& d, std::span<const double> x) {
  return d.log_probs[category(x)];
}

/// ∇θ log p(x | θ) = x - softmax(θ) for one-hot x, written to `out` (size K). The drawn class's
/// entry 1 - p_k is taken from `rest`, so it keeps full relative precision when p_k is near 1.
inline void score(const CategoricalLogits& d, std::span<const double> x, std::span<double> out) {
  for (std::size_t j = 0; j < d.size(); ++j) out[j] = x[j] != 0.0 ? d.rest[j] : -d.probs[j];
}

inline std::uint64_t support_size(const CategoricalLogits& d) { return d.size(); }

/// The support point e_k.
inline void support_point(const CategoricalLogits& d, std::uint64_t k, std::span<double> x) {
  for (std::size_t j = 0; j < d.size(); ++j) x[j] = j == k ? 1.0 : 0.0;
}

}  // namespace estcheck
