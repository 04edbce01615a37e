// verify/stats/betting.hpp — a bias test for bounded samples with no variance knowledge and no
// CLT: the hedged betting capital process of Waudby-Smith & Ramdas 2024 ("Estimating means of
// bounded random variables by betting", JRSSB 86(1): §4, the hedged capital process, and §5.1,
// the predictable plug-in (PrPl) bets), per coordinate, with Holm over the coordinates.
//
// Each coordinate's samples v are rescaled to x = (v - lo)/(hi - lo) ∈ [0, 1] by the estimator's
// declared range (Estimator::sample_range; every sample is checked against it: one outside is
// an error naming the estimator, never clipped). For a candidate mean m ∈ [0, 1]:
//   K⁺_t(m) = ∏_{i≤t} (1 + λ_i (x_i - m)),   K⁻_t(m) = ∏_{i≤t} (1 - λ_i (x_i - m)),
// with the predictable bet λ_i = min(c, sqrt(2 log(2/α') / (σ̂²_{i-1} i log(1 + i)))), c = 1/2,
// σ̂²_{i-1} = (1/4 + Σ_{j<i} (x_j - μ̂_j)²) / i, μ̂_j = (1/2 + Σ_{k≤j} x_k) / (j + 1) (PrPl;
// α' = α/d tunes the bets only). λ_i depends on x_1..x_{i-1} alone and not on m, and c < 1 keeps
// every factor >= 1/2, so under E x = m both products are nonnegative martingales from 1, and
// so is their average (the hedged process, θ = 1/2). Ville's inequality: P(∃t: ½K⁺_t + ½K⁻_t
// >= 1/a) <= a. With one λ for every m, K⁺_t(m) falls and K⁻_t(m) rises in m, which makes the
// set of rejected m two half-lines.
//
// The test of H0: E ĝ_i ∈ [g_i - e_i, g_i + e_i] (g: the exact target, e: its certified error
// bound): p_i = min(1, 1/sup_t max(½K⁺_t(b), ½K⁻_t(a))), a, b the rescaled ends of the interval
// (under H0, ½K⁺(b) + ½K⁻(a) is a nonnegative supermartingale from 1, so P(p_i <= a) <= a at
// every stopping time: an anytime-valid p-value). The sup runs over the checks, after every
// 256 samples and at every block end (a sup over fewer times is smaller, so still valid).
// Holm over the d coordinates (verify/stats/holm.hpp): P(fail | unbiased) <= α with no
// assumption beyond the range, at a fixed n and at any data-dependent stopping time.
// Figures:
// - The confidence sequence at level α/d per coordinate (Bonferroni, as the t-test's bias bound)
//   {m : sup_t max(½K⁺_t(m), ½K⁻_t(m)) < d/α} is an interval; it is bounded from outside on a
//   grid of kBettingGrid points each side of g_i, at g_i ± (hi - lo) 2^(-j/3), j = 0..63 (a 26%
//   step), so the bounds are conservative by at most one grid step. The grid lies around the
//   target, so the ends bound |mean - g_i| (what the verdict needs); when the mean is far from
//   g_i the end on the target's side stays near g_i rather than near the mean.
// - bias_bound_i = max(U_i - g_i, g_i - L_i) + e_i (U, L: the interval's outer grid ends).
// - detectable_bias_i = (U_i - L_i) + 2 e_i: the interval's own width. A bias this large puts the
//   target outside an interval of the same width that covers the mean (probability >= 1 - α/d):
//   a plug-in figure (the width under the alternative is taken to be the observed one), not an
//   exact power statement like the t-test's or Catoni's.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/harness/harness.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/stats/verdict.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace estcheck {

/// Grid points each side of the target for the confidence sequence (ratio 2^(1/3), 64 points:
/// from the whole range down to 4.8e-7 of it).
inline constexpr int kBettingGrid = 64;
/// The largest bet: every factor 1 ± λ(x - m) stays >= 1 - c = 1/2 on [0, 1].
inline constexpr double kBettingMaxBet = 0.5;

/// A sample outside its declared range: the global sample index, the coordinate, the value.
struct RangeViolation {
  std::uint64_t sample = 0;
  std::size_t coordinate = 0;
  double value = 0.0;
};

/// The betting processes of d coordinates: feed samples in order (add), read the figures at any
/// level (p_values, interval). A value type: copies are independent.
class BettingProcess {
 public:
  /// `target` and `target_error`: g_i and e_i; `alpha_bets` tunes the bets (α' above).
  /// Throws InputError (field "sample_range") when the range has the wrong size or lo > hi.
  BettingProcess(const SampleRange& range, std::span<const double> target, std::span<const double> target_error,
                 double alpha_bets);
  /// Feeds `count` samples (count × d, row-major) in order, then checks the capital (a check
  /// point). Returns the first sample outside the range (nothing of that batch is used), or nullopt.
  std::optional<RangeViolation> add(std::span<const double> rows, std::size_t count);
  std::uint64_t samples() const { return samples_; }
  std::size_t dim() const { return coords_.size(); }
  /// The anytime-valid p-value of each coordinate (before Holm): min(1, 1/sup_t capital).
  std::vector<double> p_values() const;
  /// The outer ends [L_i, U_i] of coordinate i's confidence sequence at level `level`, in the
  /// samples' units (the declared range where the grid rejects nothing on a side).
  std::array<double, 2> interval(std::size_t i, double level) const;
  /// log sup_t of the hedged capital at the test points (a, b), for reports: log(1/p) - log 2.
  double log_max_capital(std::size_t i) const;

 private:
  struct Coordinate {
    double lo = 0.0, width = 0.0, inv_width = 0.0;
    double sum_x = 0.0, sum_sq = 0.0;  ///< Σ x_j and Σ (x_j - μ̂_j)²
    /// Points: 0 K⁺ at b, 1 K⁻ at a, 2.. K⁻ at g + o_j (upper grid), 2 + G.. K⁺ at g - o_j.
    std::vector<double> raw;  ///< the points in the samples' units
    std::vector<double> point, sign, cap, log_cap, max_log;  ///< rescaled point, ±1, capital
    std::vector<char> outside;  ///< a point outside [0, 1]: certainly not the mean (or the test's certain answer)
  };
  void fold(Coordinate& c);
  std::vector<Coordinate> coords_;
  std::vector<double> lo_, hi_;
  double log_numerator_ = 0.0;  ///< 2 log(2/α')
  std::uint64_t samples_ = 0;
};

/// What one pass of the betting test saw.
struct BettingRun {
  std::optional<BettingProcess> process;  ///< empty only when the range was missing
  std::optional<RangeViolation> violation;
  std::uint64_t samples = 0;              ///< samples fed (up to the stop or the violation)
  /// With `with_run`, after a whole pass with no violation and at most kMaxMomentBlocks blocks:
  /// the run's moments, bit-identical to run_estimator's (the same blocks merged in its tree).
  std::optional<RunResult> run;
};

/// Blocks whose moments betting_pass keeps to rebuild run_estimator's result (3d doubles each).
inline constexpr std::uint64_t kMaxMomentBlocks = std::uint64_t{1} << 16;

/// Feeds the samples of run_estimator(est, model, options) — the same noise streams, regenerated
/// in parallel a chunk of blocks at a time — to a BettingProcess in block order, so the result is
/// bit-identical for any thread count. `stop`, when given, is asked after every block and ends the
/// pass when it returns true (sequential runs). Stops at the first sample outside `range`.
/// `with_run` (single process only: no MPI partition) also rebuilds the run's RunResult, so
/// `verify` needs one pass over the samples instead of two.
BettingRun betting_pass(const Estimator& est, const Model& model, const RunOptions& options, const SampleRange& range,
                        const ExactGradient& exact, double alpha_bets,
                        const std::function<bool(const BettingProcess&)>& stop = nullptr, bool with_run = false);

/// The betting test's BiasTest (figures as the file comment says; mean and variance from `run`).
/// A range violation is Verdict::error with a reason naming `estimator`.
BiasTest test_bias_betting(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& options,
                           const BettingRun& betting, const SampleRange& range, const std::string& estimator);

}  // namespace estcheck
