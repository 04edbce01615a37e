// verify/stats/calibrate.hpp — tests of the tester: a bias test run many times under a true null and
// under a planted bias, with its observed error rates against the nominal ones.
//
// Repetition r runs the estimator with its own seed (Philox of (seed, r), Purpose::test) and tests
// it against the exact gradient at every α of the list:
// - null: the false-rejection count k at each α, the rate k/R and its Clopper–Pearson 95% interval
//   (Boost.Math binomial bounds), and the ratio rate/α;
// - p-values: the family p-values (min Holm-adjusted) of all R runs at the first α: the one-sided
//   Kolmogorov–Smirnov statistic D⁻ = max_u (F̂(u) - u) (a valid test has P(p <= u) <= u, so a
//   large D⁻ means too many small p-values; asymptotic p-value exp(-2 R D⁻²)), and the
//   Anderson–Darling statistic for uniformity (Boost's anderson_darling_normality_statistic on
//   Φ⁻¹(p), p clipped to [1/(2R), 1 - 1/(2R)]): conservative tests have many p = 1 and a large A²
//   in the harmless direction, so D⁻ is the figure that speaks to validity;
// - power: the same runs tested against a target shifted on one coordinate by the detectable bias
//   that run reported (its claim: detected with probability >= 0.9), or by a fixed planted bias;
//   the rejection rate with its interval. For the betting test the first is 1 by construction
//   (the detectable bias is the width of the run's own confidence sequence, which contains the
//   target: shifted by the width, the target lies outside it), so its power is measured at a
//   fixed planted bias.
// Every test kind runs: t, Catoni (with a variance bound) and the betting test (with the
// estimator's declared sample range: each run's betting processes, as `verify` builds them, one per
// α, against the exact target and again against the shifted one). With `sequential`, each
// repetition is a whole sequential run instead (verify/stats/sequential.hpp: anytime-valid block
// checks for betting, doubling rounds at α/K for t and Catoni) from the repetition's seed, and the
// samples it used are reported (null runs and power runs); with a `tolerance` too, the null runs'
// early passes are counted, and so are the passes of runs against a target shifted by exactly the
// tolerance on the coordinate (the false-pass rate, whose claim is also <= α).
// Counts are integers and p-values are stored by repetition, so every figure is independent of the
// thread count.
// judge_calibration turns the counts into a verdict on two claims per α (false-rejection rate <=
// M × α, power >= P) with one-sided Clopper–Pearson bounds and an exact binomial p-value: the
// suite's `calibrate` check (tools/suite.hpp, docs/suites.md "Calibrate checks").
#pragma once

#include "verify/stats/betting.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/stats/sequential.hpp"
#include "verify/stats/verdict.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace estcheck {

struct CalibrateOptions {
  std::uint64_t samples = 1000;      ///< per repetition
  std::uint64_t repetitions = 1000;
  std::uint64_t seed = 1;
  int threads = 0;
  std::vector<double> alphas{1e-2, 1e-3};
  TestMethod method = TestMethod::automatic;
  std::size_t coordinate = 0;        ///< where the bias is planted
  /// Set: each repetition is a sequential run up to sequential->max_samples (`samples` unused).
  std::optional<SequentialOptions> sequential;
  /// Sequential only: the pass rule's δ (early passes and the false-pass rate at a bias of δ).
  std::optional<double> tolerance;
  /// Set: the power is measured at this fixed bias for every run, instead of at each run's own
  /// detectable bias. (The betting test's power at its own run's detectable bias is 1 by
  /// construction: the shifted target lies outside that run's confidence sequence. A fixed bias,
  /// e.g. the median detectable bias of a first calibration, is the figure that says something.)
  std::optional<double> planted_bias;
};

struct RateEstimate {
  std::uint64_t count = 0, trials = 0;
  double rate = 0.0, lower = 0.0, upper = 1.0;  ///< Clopper–Pearson, 95% two-sided
};

/// Samples used by a set of sequential runs (all zero for fixed-n runs).
struct SamplesUsed {
  double mean = 0.0;
  std::uint64_t min = 0, median = 0, max = 0;
};

/// The figures of a list of sample counts (empty: all zero).
SamplesUsed samples_used(std::vector<std::uint64_t> counts);

struct CalibrationAtAlpha {
  double alpha = 0.0;
  RateEstimate false_rejection;  ///< under the true null
  double ratio_to_nominal = 0.0; ///< false_rejection.rate / alpha
  RateEstimate power;            ///< at the planted bias = each run's detectable bias
  double median_detectable_bias = 0.0;
  std::vector<double> detectable_bias;  ///< each run's, on the coordinate, by repetition (finite runs)
  /// Sequential: the samples the null runs and the power runs stopped at.
  SamplesUsed null_samples, power_samples;
  /// Sequential with a tolerance: null runs that passed (within δ), and the samples they used;
  /// runs against a target shifted by δ that passed (claim: rate <= α).
  std::optional<RateEstimate> tolerance_pass, false_pass;
  SamplesUsed pass_samples;
};

struct CalibrationResult {
  std::string test_method;          ///< the first run's BiasTest::method
  TestMethod method = TestMethod::t;  ///< the test that ran (never automatic)
  std::vector<double> variance_bound;
  std::vector<CalibrationAtAlpha> levels;
  std::vector<double> p_values;     ///< family p-values of the null runs at alphas[0], by repetition
  double ks_minus = 0.0, ks_minus_p = 1.0;  ///< one-sided KS D⁻ and its asymptotic p-value
  double anderson_darling = 0.0;    ///< A² for uniformity (see the file comment)
  std::uint64_t nonfinite_runs = 0; ///< repetitions with non-finite samples (no verdict; excluded)
  std::uint64_t error_runs = 0;     ///< repetitions whose test gave no verdict otherwise (excluded)
  std::string first_error;          ///< the first such run's reason (a sample outside its range)
  double elapsed_s = 0.0;
};

/// Clopper–Pearson interval at confidence 1 - 2 × 0.025 for k successes in n trials.
RateEstimate rate_estimate(std::uint64_t k, std::uint64_t n);

/// The claims of a calibrate check at one α (docs/suites.md, "calibrate"): false-rejection rate
/// q_α <= max_ratio × α, and power at the detectable bias π_α >= min_power.
struct CalibrationClaimAtAlpha {
  double alpha = 0.0;
  double max_rate = 0.0;                       ///< min(1, max_ratio × α)
  double rate_lower = 0.0, rate_upper = 1.0;   ///< one-sided Clopper–Pearson bounds on q_α, each at level γ
  double rate_p_value = 1.0;                   ///< P(Bin(n, max_rate) >= k): small when q_α > max_rate
  double power_lower = 0.0, power_upper = 1.0; ///< one-sided Clopper–Pearson bounds on π_α, each at level γ
  double power_p_value = 1.0;                  ///< P(Bin(n, min_power) <= j): small when π_α < min_power
};

/// The verdict on a calibration's claims at level `threshold`. Each of the 2A sub-claims (two per
/// α) is decided at γ = threshold / (2A) (Bonferroni): fail when a one-sided (1 - γ) bound
/// excludes a claim (rate_lower > max_rate or power_upper < min_power), pass when every bound
/// confirms it (rate_upper <= max_rate and power_lower >= min_power), else inconclusive.
/// `p_value` = min(1, 2A × the smallest sub-claim p-value) is the p-value of the fail verdict:
/// exact (binomial tails; the repetitions are independent), valid under "every claim holds", and
/// the check fails exactly when p_value <= threshold. Error when no repetition was finite.
struct CalibrationClaims {
  double max_ratio = 1.5, min_power = 0.85, threshold = 0.0;
  double level = 0.0;  ///< γ = threshold / (2A)
  std::vector<CalibrationClaimAtAlpha> levels;
  double p_value = 1.0;
  Verdict verdict = Verdict::error;
  std::string reason;
};

/// See CalibrationClaims. Throws InputError for max_ratio <= 0, min_power outside [0, 1] or a
/// threshold outside (0, 1).
CalibrationClaims judge_calibration(const CalibrationResult& result, double max_ratio, double min_power,
                                    double threshold);

/// Runs the calibration. `variance_bound` is passed to each test as `verify` would (empty: none);
/// `range` is the estimator's declared sample range (the betting test; automatic picks it after a
/// variance bound, as chosen_test in verify/pipeline.hpp). Throws InputError for repetitions < 1,
/// an α outside (0, 1), a coordinate out of range, catoni without a variance bound, betting
/// without a range, a tolerance without sequential or one that is not > 0.
CalibrationResult calibrate(const Estimator& est, const Model& model, const ExactGradient& exact,
                            const CalibrateOptions& options, std::span<const double> variance_bound,
                            const std::string& variance_source, const std::optional<SampleRange>& range = std::nullopt);

}  // namespace estcheck
