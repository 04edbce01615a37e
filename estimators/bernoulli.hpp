// estimators/bernoulli.hpp — a vector of independent Bernoulli variables parameterized by logits.
//
// p(b | θ) = Π_i σ(θ_i)^{b_i} σ(-θ_i)^{1-b_i}, b ∈ {0,1}^n, θ ∈ R^n (torch.distributions.Bernoulli
// with `logits`). Score: ∂/∂θ_i log p(b | θ) = b_i - σ(θ_i) (Williams 1992, the REINFORCE
// eligibility of a Bernoulli-logistic unit). Not reparameterizable: has_rsample is false.
// Samples are stored as doubles (0.0 / 1.0) so that relaxed samples in [0,1]^n share the type.
#pragma once

#include "estimators/math.hpp"
#include "estimators/noise.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace estcheck {

struct BernoulliLogits {
  /// Throws InputError (argument "theta") unless every logit is finite.
  explicit BernoulliLogits(std::span<const double> logits);

  std::vector<double> logits;
  std::vector<double> probs;      ///< σ(θ_i)
  std::vector<double> probs0;     ///< σ(-θ_i) = 1 - σ(θ_i), computed directly
  std::vector<double> log_p1;     ///< log σ(θ_i)
  std::vector<double> log_p0;     ///< log σ(-θ_i)

  std::size_t size() const { return logits.size(); }
  static constexpr bool has_rsample = false;
  static constexpr bool has_enumerate_support = true;
};

/// Draws b ~ p(· | θ) into `b` (size n): b_i = 1 iff u_i < σ(θ_i), u_i uniform on (0,1) from
/// `noise`; each b_i has P(b_i = 1) within 2^-52 of σ(θ_i).
inline void sample(const BernoulliLogits& d, Noise& noise, std::span<double> b) {
  for (std::size_t i = 0; i < d.size(); ++i) b[i] = noise.uniform() < d.probs[i] ? 1.0 : 0.0;
}

/// log p(b | θ) for b ∈ {0,1}^n.
inline double log_prob(const BernoulliLogits& d, std::span<const double> b) {
  double s = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) s += b[i] != 0.0 ? d.log_p1[i] : d.log_p0[i];
  return s;
}

/// ∇θ log p(b | θ) = b - σ(θ), written to `out` (size n). For b_i = 1 it uses σ(-θ_i) directly,
/// so the score keeps full relative precision at extreme logits.
inline void score(const BernoulliLogits& d, std::span<const double> b, std::span<double> out) {
  for (std::size_t i = 0; i < d.size(); ++i)
    out[i] = b[i] != 0.0 ? d.probs0[i] : -d.probs[i];
}

/// 2^n: the number of points of {0,1}^n.
inline std::uint64_t support_size(const BernoulliLogits& d) { return std::uint64_t{1} << d.size(); }

/// The support point with index k = Σ_i b_i 2^i (the table order of JSON problems).
inline void support_point(const BernoulliLogits& d, std::uint64_t k, std::span<double> b) {
  for (std::size_t i = 0; i < d.size(); ++i) b[i] = static_cast<double>((k >> i) & 1u);
}

}  // namespace estcheck
