// verify/stats/calibrate.cpp — see calibrate.hpp.
#include "verify/stats/calibrate.hpp"

#include "estimators/core/error.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/statistics/anderson_darling.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <sstream>
#include <cmath>

namespace estcheck {

RateEstimate rate_estimate(std::uint64_t k, std::uint64_t n) {
  namespace bm = boost::math;
  RateEstimate r;
  r.count = k;
  r.trials = n;
  if (n == 0) return r;
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  r.rate = dk / dn;
  r.lower = k == 0 ? 0.0 : bm::binomial_distribution<double>::find_lower_bound_on_p(dn, dk, 0.025);
  r.upper = k == n ? 1.0 : bm::binomial_distribution<double>::find_upper_bound_on_p(dn, dk, 0.025);
  return r;
}

namespace {
std::string g4(double v) {
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}
}  // namespace

CalibrationClaims judge_calibration(const CalibrationResult& res, double max_ratio, double min_power,
                                    double threshold) {
  namespace bm = boost::math;
  using Binomial = bm::binomial_distribution<double>;
  if (!(max_ratio > 0.0 && std::isfinite(max_ratio))) raise_input_error("max_ratio", "a number > 0", format_double(max_ratio));
  if (!(min_power >= 0.0 && min_power <= 1.0)) raise_input_error("min_power", "a number in [0, 1]", format_double(min_power));
  if (!(threshold > 0.0 && threshold < 1.0)) raise_input_error("threshold", "a level in (0, 1)", format_double(threshold));
  CalibrationClaims c;
  c.max_ratio = max_ratio;
  c.min_power = min_power;
  c.threshold = threshold;
  const double subclaims = 2.0 * static_cast<double>(res.levels.size());
  c.level = threshold / subclaims;
  const std::uint64_t n = res.levels.empty() ? 0 : res.levels.front().false_rejection.trials;
  if (n == 0) {
    c.reason = "no repetition gave finite samples: no verdict";
    return c;
  }
  const double dn = static_cast<double>(n);
  // One-sided Clopper–Pearson bounds at level γ: P(Bin(n, upper) <= k) = γ, P(Bin(n, lower) >= k) = γ.
  auto lower = [&](std::uint64_t k) { return k == 0 ? 0.0 : Binomial::find_lower_bound_on_p(dn, static_cast<double>(k), c.level); };
  auto upper = [&](std::uint64_t k) { return k == n ? 1.0 : Binomial::find_upper_bound_on_p(dn, static_cast<double>(k), c.level); };
  double p_min = 1.0;
  std::string worst, unsettled;  // the sub-claim with the smallest p-value; the first one not confirmed
  for (const auto& lv : res.levels) {
    CalibrationClaimAtAlpha a;
    a.alpha = lv.alpha;
    a.max_rate = std::min(1.0, max_ratio * lv.alpha);
    const std::uint64_t k = lv.false_rejection.count, j = lv.power.count;
    a.rate_lower = lower(k);
    a.rate_upper = upper(k);
    a.power_lower = lower(j);
    a.power_upper = upper(j);
    // P(X >= k) under q = max_rate, and P(X <= j) under π = min_power: the tails of the fail direction.
    a.rate_p_value = k == 0 ? 1.0 : bm::cdf(bm::complement(Binomial(dn, a.max_rate), static_cast<double>(k - 1)));
    a.power_p_value = bm::cdf(Binomial(dn, min_power), static_cast<double>(j));
    const std::string at = " at alpha " + g4(lv.alpha);
    const std::string rate = "false-rejection rate " + std::to_string(k) + "/" + std::to_string(n) + at + ", bounds [" +
                             g4(a.rate_lower) + ", " + g4(a.rate_upper) + "] against the claim <= " + g4(a.max_rate) +
                             " (" + g4(max_ratio) + " x alpha)";
    const std::string power = "power at the detectable bias " + std::to_string(j) + "/" + std::to_string(n) + at +
                              ", bounds [" + g4(a.power_lower) + ", " + g4(a.power_upper) + "] against the claim >= " +
                              g4(min_power);
    if (worst.empty() || a.rate_p_value < p_min) worst = rate;
    p_min = std::min(p_min, a.rate_p_value);
    if (a.power_p_value < p_min) worst = power;
    p_min = std::min(p_min, a.power_p_value);
    if (unsettled.empty() && !(a.rate_upper <= a.max_rate)) unsettled = rate;
    if (unsettled.empty() && !(a.power_lower >= min_power)) unsettled = power;
    c.levels.push_back(a);
  }
  c.p_value = std::min(1.0, subclaims * p_min);
  const std::string how = " (one-sided Clopper-Pearson bounds at level threshold/" + g4(subclaims) + " = " +
                          g4(c.level) + ", over " + std::to_string(n) + " repetitions)";
  // Duality: rate_lower > max_rate exactly when rate_p_value < γ (likewise for power), so failing
  // on the p-value is failing when a bound excludes a claim, and keeps "fail iff p <= threshold".
  if (c.p_value <= threshold) {
    c.verdict = Verdict::fail;
    c.reason = "miscalibrated: " + worst + how;
  } else if (unsettled.empty()) {
    c.verdict = Verdict::pass;
    c.reason = "at every alpha the false-rejection rate is <= " + g4(max_ratio) +
               " x alpha and the power at the detectable bias >= " + g4(min_power) + how;
  } else {
    c.verdict = Verdict::inconclusive;
    c.reason = "too few repetitions to settle the claims: " + unsettled + how;
  }
  return c;
}

SamplesUsed samples_used(std::vector<std::uint64_t> counts) {
  SamplesUsed s;
  if (counts.empty()) return s;
  std::sort(counts.begin(), counts.end());
  double sum = 0.0;
  for (std::uint64_t c : counts) sum += static_cast<double>(c);
  s.mean = sum / static_cast<double>(counts.size());
  s.min = counts.front();
  s.median = counts[counts.size() / 2];
  s.max = counts.back();
  return s;
}

namespace {

/// One test of one repetition: the verdict, the detectable bias on the coordinate and the samples.
struct Outcome {
  BiasTest test;
  std::uint64_t samples = 0;
};

}  // namespace

CalibrationResult calibrate(const Estimator& est, const Model& model, const ExactGradient& exact,
                            const CalibrateOptions& o, std::span<const double> vbound,
                            const std::string& vsource, const std::optional<SampleRange>& range) {
  if (o.repetitions < 1) raise_input_error("repetitions", "an integer >= 1", std::to_string(o.repetitions));
  if (o.alphas.empty()) raise_input_error("alphas", "at least one level", "none");
  for (double a : o.alphas)
    if (!(a > 0.0 && a < 1.0)) raise_input_error("alphas", "levels in (0, 1)", format_double(a));
  if (o.coordinate >= exact.gradient.size())
    raise_input_error("coordinate", "an index < " + std::to_string(exact.gradient.size()), std::to_string(o.coordinate));
  if (o.method == TestMethod::betting && !range)
    raise_input_error("test", "auto, t or catoni when the estimator declares no sample range on this problem (the "
                      "betting test needs one)", "'betting'");
  if (o.method == TestMethod::catoni && vbound.empty())
    raise_input_error("test", "auto or t when no variance bound is known", "'catoni'");
  if (o.tolerance && !o.sequential)
    raise_input_error("tolerance", "no tolerance without sequential (a fixed-n calibration counts rejections only)",
                      format_double(*o.tolerance));
  if (o.planted_bias && !(*o.planted_bias > 0.0 && std::isfinite(*o.planted_bias)))
    raise_input_error("planted_bias", "a number > 0", format_double(*o.planted_bias));
  if (o.tolerance && !(*o.tolerance > 0.0 && std::isfinite(*o.tolerance)))
    raise_input_error("tolerance", "a number > 0", format_double(*o.tolerance));
  if (o.sequential) {
    if (o.sequential->max_samples < 2)
      raise_input_error("max_samples", "an integer >= 2", std::to_string(o.sequential->max_samples));
    if (o.sequential->first_samples < 2 || o.sequential->first_samples > o.sequential->max_samples)
      raise_input_error("first_samples", "an integer in [2, max_samples]", std::to_string(o.sequential->first_samples));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::size_t A = o.alphas.size(), R = o.repetitions, c = o.coordinate;
  const TestMethod kind = o.method != TestMethod::automatic ? o.method
                          : !vbound.empty()                 ? TestMethod::catoni
                          : range                           ? TestMethod::betting
                                                            : TestMethod::t;
  const double d = static_cast<double>(exact.gradient.size());
  // Per repetition and level: 0/1 outcomes and figures, written by index (thread-independent).
  std::vector<char> null_reject(A * R, 0), power_reject(A * R, 0), finite(R, 0), errored(R, 0);
  std::vector<char> tol_pass(A * R, 0), false_pass(A * R, 0);
  std::vector<std::uint64_t> null_n(A * R, 0), power_n(A * R, 0);
  std::vector<double> detectable(A * R, 0.0), p0(R, 1.0);
  std::vector<std::string> error_reason(R);
  std::string method;
  auto one = [&](std::size_t r) {
    RunOptions ro;
    ro.samples = o.samples;
    ro.seed = Noise(o.seed, 0, r, Purpose::test).bits();
    ro.threads = 1;
    // Fixed n: the run is shared by every level and target (t, Catoni); the betting test makes
    // its own passes over the same samples (one per level and target, as `verify` does).
    std::optional<RunResult> run;
    if (!o.sequential) {
      run = run_estimator(est, model, ro);
      if (run->nonfinite > 0 || run->moments.count < 2) return;
    }
    auto test = [&](const ExactGradient& target, const BiasTestOptions& bo) -> Outcome {
      if (o.sequential) {
        const SequentialResult s =
            kind == TestMethod::betting
                ? verify_sequential_betting(est, model, ro, target, bo, *range, *o.sequential)
                : verify_sequential(est, model, ro, target, bo, kind, vbound, vsource, *o.sequential);
        return {s.test, s.rounds.empty() ? 0 : s.rounds.back().samples};
      }
      if (kind == TestMethod::betting) {
        const BettingRun b = betting_pass(est, model, ro, *range, target, bo.alpha / d);
        return {test_bias_betting(*run, target, bo, b, *range, est.info().spec), ro.samples};
      }
      if (kind == TestMethod::catoni) {
        const CatoniMeans cm = catoni_means_for_test(est, model, ro, *run, bo.alpha, vbound);
        return {test_bias_catoni(*run, target, bo, vbound, cm, vsource), ro.samples};
      }
      return {test_bias(*run, target, bo), ro.samples};
    };
    for (std::size_t a = 0; a < A; ++a) {
      BiasTestOptions bo;
      bo.alpha = o.alphas[a];
      bo.tolerance = o.tolerance;
      const Outcome t0 = test(exact, bo);
      if (t0.test.verdict == Verdict::error) {
        // A sequential run's non-finite samples, or a sample outside the declared range: no verdict.
        errored[r] = 1;
        error_reason[r] = t0.test.reason;
        return;
      }
      ExactGradient shifted = exact;
      shifted.gradient[c] -= o.planted_bias.value_or(t0.test.detectable_bias_per_coordinate[c]);
      const Outcome t1 = test(shifted, bo);
      null_reject[a * R + r] = t0.test.verdict == Verdict::fail;
      power_reject[a * R + r] = t1.test.verdict == Verdict::fail;
      detectable[a * R + r] = t0.test.detectable_bias_per_coordinate[c];
      null_n[a * R + r] = t0.samples;
      power_n[a * R + r] = t1.samples;
      if (o.tolerance) {
        tol_pass[a * R + r] = t0.test.verdict == Verdict::pass;
        ExactGradient off = exact;
        off.gradient[c] -= *o.tolerance;  // a bias of exactly δ: a pass is a false pass
        false_pass[a * R + r] = test(off, bo).test.verdict == Verdict::pass;
      }
      if (a == 0) p0[r] = t0.test.p_value_family;
      if (r == 0 && a == 0) method = t0.test.method;
    }
    finite[r] = 1;
  };
  tbb::task_arena arena(o.threads > 0 ? o.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, R), [&](const tbb::blocked_range<std::size_t>& rg) {
      for (std::size_t r = rg.begin(); r != rg.end(); ++r) one(r);
    });
  });

  CalibrationResult res;
  res.test_method = method;
  res.method = kind;
  res.variance_bound.assign(vbound.begin(), vbound.end());
  std::uint64_t used = 0;
  for (std::size_t r = 0; r < R; ++r) {
    used += finite[r];
    res.error_runs += errored[r];
    if (errored[r] && res.first_error.empty()) res.first_error = error_reason[r];
  }
  res.nonfinite_runs = R - used - res.error_runs;
  for (std::size_t a = 0; a < A; ++a) {
    CalibrationAtAlpha lv;
    lv.alpha = o.alphas[a];
    std::uint64_t k0 = 0, k1 = 0, kp = 0, kf = 0;
    std::vector<double> det;
    std::vector<std::uint64_t> n0, n1, np;
    for (std::size_t r = 0; r < R; ++r) {
      if (!finite[r]) continue;
      k0 += static_cast<std::uint64_t>(null_reject[a * R + r]);
      k1 += static_cast<std::uint64_t>(power_reject[a * R + r]);
      kp += static_cast<std::uint64_t>(tol_pass[a * R + r]);
      kf += static_cast<std::uint64_t>(false_pass[a * R + r]);
      det.push_back(detectable[a * R + r]);
      if (o.sequential) {
        n0.push_back(null_n[a * R + r]);
        n1.push_back(power_n[a * R + r]);
        if (tol_pass[a * R + r]) np.push_back(null_n[a * R + r]);
      }
    }
    lv.false_rejection = rate_estimate(k0, used);
    lv.ratio_to_nominal = lv.false_rejection.rate / lv.alpha;
    lv.power = rate_estimate(k1, used);
    lv.null_samples = samples_used(n0);
    lv.power_samples = samples_used(n1);
    lv.pass_samples = samples_used(np);
    if (o.tolerance) {
      lv.tolerance_pass = rate_estimate(kp, used);
      lv.false_pass = rate_estimate(kf, used);
    }
    lv.detectable_bias = det;
    if (!det.empty()) {
      std::nth_element(det.begin(), det.begin() + static_cast<std::ptrdiff_t>(det.size() / 2), det.end());
      lv.median_detectable_bias = det[det.size() / 2];
    }
    res.levels.push_back(lv);
  }
  for (std::size_t r = 0; r < R; ++r)
    if (finite[r]) res.p_values.push_back(p0[r]);
  std::vector<double> p = res.p_values;
  std::sort(p.begin(), p.end());
  const double m = static_cast<double>(p.size());
  if (!p.empty()) {
    for (std::size_t i = 0; i < p.size(); ++i)
      res.ks_minus = std::max(res.ks_minus, static_cast<double>(i + 1) / m - p[i]);
    res.ks_minus_p = std::min(1.0, std::exp(-2.0 * m * res.ks_minus * res.ks_minus));
    const boost::math::normal_distribution<double> n01;
    std::vector<double> z(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      z[i] = boost::math::quantile(n01, std::clamp(p[i], 0.5 / m, 1.0 - 0.5 / m));
    res.anderson_darling = p.size() >= 2 ? boost::math::statistics::anderson_darling_normality_statistic(z, 0.0, 1.0) : 0.0;
  }
  res.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace estcheck
