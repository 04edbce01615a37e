// estimators/core/noise.hpp — explicit, counter-based noise for one estimator sample.
//
// Random123's Philox4x64-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy
// as 1, 2, 3") is a pure function philox(counter, key). estcheck keys it by the run's seed and a
// purpose tag, and counts with (draw, index, block): sample `index` of block `block` reads the
// stream philox({0, index, block, 0}, key), philox({1, index, block, 0}, key), ... Any sample can
// therefore be computed by any thread in any order, and the numbers depend on nothing but
// (seed, purpose, block, index): not on the thread count, the schedule, or earlier samples.
#pragma once

#include <Random123/boxmuller.hpp>
#include <Random123/philox.h>
#include <Random123/uniform.hpp>

#include <cstdint>
#include <span>

namespace estcheck {

/// Independent uses of one seed. Estimator samples read `estimator`; anything else that needs
/// randomness derived from the same seed (test-case generation, planted biases, the training of
/// learned control variates, the bootstrap's resampling in verify/stats/compare.cpp) takes its own tag.
enum class Purpose : std::uint64_t { estimator = 0, test = 1, training = 2, bootstrap = 3 };

/// The random stream of one estimator sample: an explicit value, no hidden state shared with
/// anything else. Copying it copies the position in the stream.
class Noise {
 public:
  using Philox = r123::Philox4x64;

  Noise(std::uint64_t seed, std::uint64_t block, std::uint64_t index,
        Purpose purpose = Purpose::estimator)
      : key_{{seed, static_cast<std::uint64_t>(purpose)}}, ctr_{{0, index, block, 0}} {}

  /// The same stream, with its first Philox output already computed (by philox_first_outputs):
  /// reads exactly the numbers Noise(seed, block, index, purpose) reads.
  Noise(std::uint64_t seed, std::uint64_t block, std::uint64_t index, Purpose purpose,
        const Philox::ctr_type& first_output)
      : key_{{seed, static_cast<std::uint64_t>(purpose)}},
        ctr_{{1, index, block, 0}},
        out_(first_output),
        pos_(0) {}

  /// 64 uniformly random bits.
  std::uint64_t bits() {
    if (pos_ == 4) refill();
    return out_.v[pos_++];
  }

  /// Uniform on the open interval (0, 1): (2k+1)/2^53 for k uniform in [0, 2^52).
  double uniform() { return r123::u01fixedpt<double>(bits()); }

  /// Standard normal (Box–Muller on two 64-bit words, Random123's boxmuller). The second value of
  /// each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const std::uint64_t u0 = bits();
    const std::uint64_t u1 = bits();
    const r123::double2 z = r123::boxmuller(u0, u1);
    spare_ = z.y;
    has_spare_ = true;
    return z.x;
  }

 private:
  void refill() {
    out_ = Philox()(ctr_, key_);
    ctr_.v[0] += 1;
    pos_ = 0;
  }

  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

/// The first Philox output of the streams (seed, block, index) for index = 0 .. out.size() - 1:
/// philox({0, index, block, 0}, {seed, purpose}). One tight loop, so consecutive calls overlap in
/// the core; the same words a Noise computes one at a time.
inline void philox_first_outputs(std::uint64_t seed, std::uint64_t block, Purpose purpose,
                                 std::span<Noise::Philox::ctr_type> out) {
  const Noise::Philox::key_type key{{seed, static_cast<std::uint64_t>(purpose)}};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = Noise::Philox()(Noise::Philox::ctr_type{{0, i, block, 0}}, key);
}

}  // namespace estcheck
