// verify/harness/moments.hpp — a numerically stable, mergeable accumulator of per-coordinate moments.
//
// A block of samples is reduced by two passes (mean, then Σ (x - mean)²), so no catastrophic
// cancellation; blocks are merged with the update of Chan, Golub & LeVeque 1979 ("Updating formulae
// and a pairwise algorithm for computing sample variances", eq. 2.1):
//   n = n_a + n_b, δ = mean_b - mean_a, mean = mean_a + δ n_b / n, M2 = M2_a + M2_b + δ² n_a n_b / n.
// Merging is deterministic: the same blocks merged in the same tree give the same bits.
// mean_abs (the mean of |x_i|) feeds the rounding-error bound of the mean (verify/stats/verdict.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace estcheck {

struct Moments {
  std::uint64_t count = 0;
  std::vector<double> mean;      ///< per-coordinate sample mean
  std::vector<double> m2;        ///< per-coordinate Σ (x - mean)²
  std::vector<double> mean_abs;  ///< per-coordinate mean of |x|

  std::size_t dim() const { return mean.size(); }
  /// Unbiased per-coordinate variance m2 / (count - 1); zero when count < 2.
  std::vector<double> variance() const;
};

/// Moments of `count` samples of dimension `dim`, stored row-major in `samples`.
Moments block_moments(std::span<const double> samples, std::size_t count, std::size_t dim);

/// The moments of the union of the samples behind `a` and `b`. Either may be empty (count 0).
Moments merge(const Moments& a, const Moments& b);

}  // namespace estcheck
