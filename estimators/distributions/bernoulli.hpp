// estimators/distributions/bernoulli.hpp — a vector of independent Bernoulli variables parameterized by logits.
//
// p(b | θ) = Π_i σ(θ_i)^{b_i} σ(-θ_i)^{1-b_i}, b ∈ {0,1}^n, θ ∈ R^n (torch.distributions.Bernoulli
// with `logits`). Score: ∂/∂θ_i log p(b | θ) = b_i - σ(θ_i) (Williams 1992, the REINFORCE
// eligibility of a Bernoulli-logistic unit). Not reparameterizable: has_rsample is false.
// Samples are stored as doubles (0.0 / 1.0) so that relaxed samples in [0,1]^n share the type.
#pragma once

#include "estimators/core/math.hpp"
#include "estimators/core/noise.hpp"

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <span>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace estcheck {

struct BernoulliLogits {
  /// Throws InputError (field "theta") unless every logit is finite.
  explicit BernoulliLogits(std::span<const double> logits);

  std::vector<double> logits;
  std::vector<double> probs;      ///< σ(θ_i)
  std::vector<double> probs0;     ///< σ(-θ_i) = 1 - σ(θ_i), computed directly
  std::vector<double> log_p1;     ///< log σ(θ_i)
  std::vector<double> log_p0;     ///< log σ(-θ_i)
  /// Sampling thresholds: t_i = ⌊p_r 2^64⌋ for the rarer outcome's probability
  /// p_r = min(σ(θ_i), σ(-θ_i)), split into its top byte and its low 56 bits; and flip_i = 1 when
  /// the rarer outcome is b_i = 0.
  std::vector<std::uint8_t> top;
  std::vector<std::uint64_t> tail;
  std::vector<std::uint8_t> flip;

  std::size_t size() const { return logits.size(); }
  static constexpr bool has_rsample = false;
  static constexpr bool has_enumerate_support = true;
};

/// Draws b ~ p(· | θ) into `b` (size n). Variable i takes its rarer outcome iff U_i < t_i for a
/// uniform 64-bit U_i, decided lazily: U_i's top byte (the head) decides unless it ties with t_i's
/// top byte (probability 2^-8); only then are 56 more bits read. So P(rarer outcome) is within
/// 2^-64 of min(σ(θ_i), σ(-θ_i)), with full relative precision at extreme logits.
/// Noise layout, per chunk of 64 variables: the heads, 8 per word from noise.bits() (most
/// significant byte first); then, for each tied variable in order, one word whose top 56 bits
/// are U_i's low bits. The head loop has no data-dependent branch (the bits are random).
inline void sample(const BernoulliLogits& d, Noise& noise, std::span<double> b) {
  const std::size_t n = d.size();
  for (std::size_t c0 = 0; c0 < n; c0 += 64) {
    const std::size_t m = std::min<std::size_t>(64, n - c0);
    // The chunk's heads in draw order: each word byte-swapped so its top byte comes first.
    alignas(16) std::uint8_t heads[64];
    std::size_t w = 0;
#if defined(__SSE2__)
    // Two words per 16-byte store, so the compare loop's 16-byte loads are forwarded from one
    // store (two 8-byte stores read back as one 16-byte load stall the core ~15 cycles).
    for (; w * 8 + 8 < m; w += 2) {
      const std::uint64_t lo = __builtin_bswap64(noise.bits());
      const std::uint64_t hi = __builtin_bswap64(noise.bits());
      _mm_store_si128(reinterpret_cast<__m128i*>(heads + 8 * w),
                      _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo)));
    }
#endif
    for (; w * 8 < m; ++w) {
      const std::uint64_t word = __builtin_bswap64(noise.bits());
      std::memcpy(heads + 8 * w, &word, 8);
    }
    const std::uint8_t* top = d.top.data() + c0;
    const std::uint8_t* flip = d.flip.data() + c0;
    std::uint8_t any_tie = 0;
    for (std::size_t j = 0; j < m; ++j) {  // no data-dependent branch: vectorizes
      b[c0 + j] = static_cast<double>(static_cast<std::uint8_t>(heads[j] < top[j]) ^ flip[j]);
      any_tie |= static_cast<std::uint8_t>(heads[j] == top[j]);
    }
    if (any_tie != 0)
      for (std::size_t j = 0; j < m; ++j)
        if (heads[j] == top[j])
          b[c0 + j] = static_cast<double>(
              static_cast<std::uint8_t>((noise.bits() >> 8) < d.tail[c0 + j]) ^ flip[j]);
  }
}

/// log p(b | θ) for b ∈ {0,1}^n.
inline double log_prob(const BernoulliLogits& d, std::span<const double> b) {
  double s = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) s += b[i] != 0.0 ? d.log_p1[i] : d.log_p0[i];
  return s;
}

/// ∇θ log p(b | θ) = b - σ(θ), written to `out` (size n), for b ∈ {0,1}^n. For b_i = 1 it is
/// σ(-θ_i) itself, so the score keeps full relative precision at extreme logits. Written without
/// branches (b·σ(-θ) - (1-b)·σ(θ) is exact for b ∈ {0, 1}): the bits are random.
inline void score(const BernoulliLogits& d, std::span<const double> b, std::span<double> out) {
  for (std::size_t i = 0; i < d.size(); ++i)
    out[i] = b[i] * d.probs0[i] - (1.0 - b[i]) * d.probs[i];
}

/// 2^n, the number of points of {0,1}^n, saturated at 2^64 - 1 from n = 64 (an amortized
/// problem's joint support, e.g. the VAE's M·N latents, is past any enumeration; the shift
/// itself would be undefined).
inline std::uint64_t support_size(const BernoulliLogits& d) {
  return d.size() >= 64 ? ~std::uint64_t{0} : std::uint64_t{1} << d.size();
}

/// The support point with index k = Σ_i b_i 2^i (the table order of JSON problems).
inline void support_point(const BernoulliLogits& d, std::uint64_t k, std::span<double> b) {
  for (std::size_t i = 0; i < d.size(); ++i) b[i] = static_cast<double>((k >> i) & 1u);
}

}  // namespace estcheck
