// verify/compare.hpp — variance-reduction verdicts: is Var(reference) / Var(other) at least R?
//
// All estimators run on the same noise streams (common random numbers: sample i of each reads
// Philox (seed, block, index)), so their samples are paired. For each pair (A = the reference,
// B = another estimator) and each coordinate (and for the traces), the ratio ρ = Var(A)/Var(B) is
// estimated by s²_A / s²_B with an asymptotic interval from the delta method on log ρ, valid under
// any dependence within pairs:
//   U_t = (a_t - ā)²/s²_A - (b_t - b̄)²/s²_B,   log ρ̂ ± z · sd(U)/√n
// (for the traces, U_t sums the coordinates' squared deviations over the trace), widened by the
// rounding budget of the two sample variances, 4(kBlockSize + 4 log2 blocks + 8)ε in log ρ — which
// matters when the ratio is estimated exactly (two estimators affine in the same binary draw give
// the same ratio in every sample, and a zero-width interval). The per-sample
// values are recomputed in a second pass from the same counter-based noise, so nothing is stored
// and every figure is bit-identical for any thread count. The F-test on a ratio assumes normal
// data and is badly miscalibrated for estimators (issue text: 36–47% false claims at 1%); this
// interval's coverage is measured in tests/test_compare.cpp, a heavy-tailed case included.
// Verdict on the trace ratios (Bonferroni over the comparisons at family-wise α): pass when every
// lower end is >= R, fail when some upper end is < R, inconclusive otherwise.
#pragma once

#include "verify/harness.hpp"
#include "verify/verdict.hpp"

#include <optional>
#include <string>
#include <vector>

namespace estcheck {

struct RatioInterval {
  double ratio = 0.0, lower = 0.0, upper = 0.0;
  double se_log = 0.0;  ///< sd(U)/√n, the standard error of log ρ̂ (the interval is log ρ̂ ± (z se_log + rounding))
};

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
  std::uint64_t samples = 0;
  Verdict verdict = Verdict::error;
  std::string reason;
  double elapsed_s = 0.0;
};

struct CompareOptions {
  RunOptions run;
  double alpha = 1e-3;         ///< family-wise over the comparisons (two-sided intervals)
  double min_reduction = 1.0;  ///< R
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
