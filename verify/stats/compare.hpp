// verify/stats/compare.hpp — variance-reduction verdicts: is Var(reference) / Var(other) at least R?
//
// All estimators run on the same noise streams (common random numbers: sample i of each reads
// Philox (seed, block, index)), so their samples are paired. For each pair (A = the reference,
// B = another estimator) and each coordinate (and for the traces), the ratio ρ = Var(A)/Var(B) is
// estimated by s²_A / s²_B. Two intervals for log ρ, both valid under any dependence within pairs:
// - delta method: U_t = (a_t - ā)²/s²_A - (b_t - b̄)²/s²_B, log ρ̂ ± z · sd(U)/√n (for the traces,
//   U_t sums the coordinates' squared deviations over the trace);
// - bootstrap-t over batches (traces only): the n samples are cut into G contiguous batches
//   (default 256), each reduced to its sums of squared trace deviations (A_g, B_g); replicate k
//   resamples the batches with replacement (Philox(seed, k, comparison, Purpose::bootstrap)) and
//   studentizes T* = (log ρ* - log ρ̂)/se* with the batch-means standard error; log ρ lies in
//   [log ρ̂ - T*_(1-τ) se, log ρ̂ - T*_(τ) se], τ = α/2C (Efron & Tibshirani 1993, §12.5; Hall 1992,
//   §3.10: second-order accurate where the delta method is first-order, which matters for skewed,
//   heavy-tailed estimators). Replicates: bootstrap_replicates(α, C).
// The trace interval is their union by default (RatioIntervalMethod::both); per-coordinate
// intervals are delta. Both are widened by the rounding budget of the two sample variances,
// 4(kBlockSize + 4 log2 blocks + 8)ε in log ρ — which matters when the ratio is estimated exactly
// (two estimators affine in the same binary draw give the same ratio in every sample, and a
// zero-width interval). The per-sample values are recomputed in a second pass from the same
// counter-based noise, so nothing is stored and every figure is bit-identical for any thread count.
// The F-test on a ratio assumes normal data and is badly miscalibrated for estimators (issue text:
// 36–47% false claims at 1%); these intervals' coverage is measured in tests/test_compare.cpp, a
// heavy-tailed case included: asymptotically exact, they undercover that case at n <= 2·10^5
// (docs/statistics.md).
// Verdict on the trace ratios (Bonferroni over the comparisons at family-wise α): pass when every
// lower end is >= R, fail when some upper end is < R, inconclusive otherwise.
#pragma once

#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <optional>
#include <string>
#include <vector>

namespace estcheck {

struct RatioInterval {
  double ratio = 0.0, lower = 0.0, upper = 0.0;
  double se_log = 0.0;  ///< sd(U)/√n, the standard error of log ρ̂ (the interval is log ρ̂ ± (z se_log + rounding))
  double se_log_batch = 0.0;  ///< traces only: the batch-means standard error of log ρ̂ (G batches)
};

/// How the trace interval is made (see the file comment); per-coordinate intervals are always delta.
enum class RatioIntervalMethod {
  delta,        ///< log ρ̂ ± z se_log
  bootstrap_t,  ///< bootstrap-t over the G batches
  both,         ///< the union of the two: each end the farther of the two (the default)
};

/// "delta", "bootstrap-t", "both"; raises InputError naming `argument` for anything else.
RatioIntervalMethod parse_interval_method(const std::string& text, const std::string& argument = "interval");
std::string to_string(RatioIntervalMethod method);

/// The cap on bootstrap replicates.
inline constexpr std::uint64_t kMaxBootstrapReplicates = 100000;

/// Replicates used for family-wise α over `comparisons` comparisons: at least 10 beyond each end's
/// quantile (tail α/2C), at least 999, at most kMaxBootstrapReplicates.
std::uint64_t bootstrap_replicates(double alpha, std::size_t comparisons);

struct Comparison {
  std::string other;                        ///< B's spec (A is the reference)
  std::vector<RatioInterval> per_coordinate;
  RatioInterval trace;
  std::optional<std::vector<double>> exact_ratio;  ///< per coordinate, when both variances are exact
  std::optional<double> exact_trace_ratio;
  std::optional<double> exact_trace_ratio_error;   ///< absolute error bound of exact_trace_ratio
  /// Optimal scaling (both estimators claimed unbiased, so C = B - A is a control variate with
  /// mean 0 on the shared noise): A + s (B - A) has least trace variance at
  /// s* = -Σ_i Cov(a_i, c_i) / Σ_i Var(c_i), reaching optimal_trace_variance (per coordinate: s*_i
  /// and its variance); B itself is s = 1. The coupling is the shared noise stream: when B is A plus
  /// a control variate computed from the same draw (REINFORCE with and without a baseline), s*
  /// rescales that control variate; estimators that read the noise differently (REINFORCE and
  /// REBAR) are merely correlated, and s* is then the best mix of the two, not REBAR's best η.
  /// The sorted bootstrap-t replicates of the trace ratio, T* = (log ρ* - log ρ̂)/se*.
  std::vector<double> bootstrap_t;
  std::optional<double> optimal_scale;
  std::optional<double> optimal_trace_variance;
  std::vector<double> optimal_scale_per_coordinate, optimal_variance_per_coordinate;
};

struct CompareResult {
  std::vector<std::string> estimators;
  std::vector<std::vector<double>> variance;  ///< per estimator, per coordinate
  std::vector<double> trace;                  ///< per estimator
  std::vector<std::uint64_t> nonfinite;       ///< per estimator
  std::vector<Comparison> comparisons;        ///< the reference against each other estimator
  double alpha = 0.0, min_reduction = 1.0, z = 0.0;
  double rounding = 0.0;  ///< the rounding widening of every interval, in log ρ
  std::uint64_t batches = 0;  ///< G, the batches the bootstrap resamples
  RatioIntervalMethod method = RatioIntervalMethod::both;
  std::uint64_t samples = 0;
  Verdict verdict = Verdict::error;
  std::string reason;
  double elapsed_s = 0.0;
};

struct CompareOptions {
  RunOptions run;
  double alpha = 1e-3;         ///< family-wise over the comparisons (two-sided intervals)
  double min_reduction = 1.0;  ///< R
  std::uint64_t batches = 256;  ///< G: the samples are cut into G contiguous batches for the bootstrap
  RatioIntervalMethod method = RatioIntervalMethod::both;
};

/// Compares estimators[0] (the reference) with each of the others on `model`. Estimators must be
/// checked and prepared. Throws InputError for fewer than 2 estimators or a bad option.
CompareResult compare_estimators(const std::vector<const Estimator*>& estimators, const Model& model,
                                 const CompareOptions& options);

/// Recomputes the intervals, z, alpha, verdict and reason of `result` at another family-wise α,
/// from the standard errors it holds (no new samples). Throws InputError for α outside (0, 1).
void decide(CompareResult& result, double alpha);

/// The p-value of the fail verdict: the smallest α at which `result` would say fail,
/// min(1, 2C Φ̄(max_c (log R - log ρ̂_c - rounding) / se_c)) over the C trace comparisons
/// (Bonferroni, matching the intervals). 1 when the result is an error.
double fail_p_value(const CompareResult& result);

}  // namespace estcheck
