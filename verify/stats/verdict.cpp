// verify/stats/verdict.cpp — see verdict.hpp.
#include "verify/stats/verdict.hpp"

#include "estimators/core/error.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace estcheck {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::error: return "error";
  }
  return "?";
}

int exit_code(Verdict v) {
  switch (v) {
    case Verdict::pass: return 0;
    case Verdict::fail: return 1;
    case Verdict::inconclusive: return 3;
    case Verdict::error: return 4;
  }
  return 4;
}

void validate(const BiasTestOptions& o) {
  if (!(o.alpha > 0.0 && o.alpha < 1.0))
    raise_input_error("alpha", "a number in (0, 1)", format_double(o.alpha));
  if (o.tolerance && !(std::isfinite(*o.tolerance) && *o.tolerance > 0.0))
    raise_input_error("tolerance", "a finite number > 0", format_double(*o.tolerance));
}

std::string no_verdict_reason(const RunResult& run, const ExactGradient& exact) {
  const Moments& mo = run.moments;
  if (run.nonfinite > 0 || mo.count < 2) {
    std::string r = std::to_string(run.nonfinite) + " of " + std::to_string(run.requested) +
                    " estimator samples were NaN or infinite (first at sample " +
                    std::to_string(run.first_nonfinite) + "); they were left out and no verdict is given";
    return mo.count < 2 ? "fewer than 2 finite samples; " + r : r;
  }
  if (exact.certificate.unknown()) return "";  // no figure: apply_target_certificate says why
  if (const std::string bad = nonfinite_figure(exact); !bad.empty())
    return "the exact target is non-finite at " + bad +
           ": the problem's f overflows or is undefined, and no verdict can rest on it";
  const std::vector<double> var = mo.variance();
  for (std::size_t i = 0; i < mo.mean.size(); ++i)
    if (!std::isfinite(mo.mean[i]) || !std::isfinite(var[i]) || !std::isfinite(mo.mean_abs[i]))
      return "the accumulated moments overflowed at coordinate " + std::to_string(i) + " (mean " +
             format_double(mo.mean[i]) + ", variance " + format_double(var[i]) +
             ") although every sample was finite: the samples are too large to average in double "
             "precision, so no non-finite figure was averaged in and no verdict is given";
  return "";
}

void apply_target_certificate(BiasTest& t, const ExactGradient& exact) {
  t.target_certificate = exact.certificate;
  if (exact.certificate.certified() || t.verdict == Verdict::error) return;
  const std::string would = t.verdict == Verdict::fail   ? "the statistics would fail it (" + t.reason + ")"
                            : t.verdict == Verdict::pass ? "the statistics would pass it (" + t.reason + ")"
                                                         : t.reason;
  if (exact.certificate.unknown()) {
    t.reason = "no verdict: the exact target is unknown (" + exact.certificate.note + ")";
  } else {
    t.reason = "no verdict: the exact target's error bound is estimated, not proven (" + exact.certificate.note +
               "); " + would;
  }
  t.verdict = Verdict::inconclusive;
  t.samples_for_tolerance.reset();
}

void conclude(BiasTest& t, const BiasTestOptions& o, const std::string& estimate, const std::string& detail) {
  if (t.p_value_family <= o.alpha) {
    const auto worst = static_cast<std::size_t>(std::min_element(t.p_value.begin(), t.p_value.end()) - t.p_value.begin());
    t.verdict = Verdict::fail;
    t.reason = "bias detected: coordinate " + std::to_string(worst) + " " + estimate + " " + format_double(t.mean[worst]) +
               " vs exact " + format_double(t.exact[worst]) + " (" + detail + "Holm-adjusted p = " +
               format_double(t.p_value[worst]) + " <= alpha = " + format_double(o.alpha) + ")";
  } else if (!o.tolerance) {
    t.verdict = Verdict::pass;
    t.reason = "no bias detected at alpha = " + format_double(o.alpha) + "; max |bias| <= " +
               format_double(t.bias_bound) + " with confidence 1 - alpha";
  } else if (t.bias_bound < *o.tolerance) {
    t.verdict = Verdict::pass;
    t.reason = "max |bias| <= " + format_double(t.bias_bound) + " < tolerance " + format_double(*o.tolerance) +
               " with confidence 1 - alpha";
  } else {
    t.verdict = Verdict::inconclusive;
    t.reason = "no bias detected, but the bound " + format_double(t.bias_bound) +
               " on max |bias| is not below the tolerance " + format_double(*o.tolerance);
  }
}

BiasTest test_bias(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& o) {
  validate(o);
  namespace bm = boost::math;
  const std::size_t d = exact.gradient.size();
  const Moments& mo = run.moments;
  BiasTest t;
  t.alpha = o.alpha;
  t.tolerance = o.tolerance;
  t.samples = mo.count;
  t.method = "Student t per coordinate (CLT), Holm over " + std::to_string(d) +
             (d == 1 ? " coordinate" : " coordinates");
  t.error_rate = "P(fail | unbiased) <= alpha";
  if (o.tolerance) t.error_rate += "; P(pass | max_i |bias_i| >= tolerance) <= alpha";
  t.error_rate += " (CLT approximation; see docs/statistics.md for heavy tails)";
  t.exact = exact.gradient;
  t.mean = mo.mean;
  t.variance = mo.variance();
  const double n = static_cast<double>(mo.count);
  // Rounding of the harness mean: block sums of kBlockSize terms (<= kBlockSize ε relative to
  // the mean of |x|), then <= 4ε per level of the merge tree.
  const double blocks = std::ceil(n / static_cast<double>(kBlockSize));
  const double levels = blocks > 1 ? std::ceil(std::log2(blocks)) : 0.0;
  const double mean_rounding =
      (static_cast<double>(kBlockSize) + 4.0 * levels + 4.0) * std::numeric_limits<double>::epsilon();

  const std::string why = no_verdict_reason(run, exact);
  const bool no_verdict = !why.empty();
  if (no_verdict) {
    t.verdict = Verdict::error;
    t.reason = why;
  }
  const double df = std::max(1.0, n - 1.0);
  const bm::students_t tdist(df);
  t.critical_value = bm::quantile(bm::complement(tdist, o.alpha / (2.0 * static_cast<double>(d))));
  const double power_q = bm::quantile(tdist, 0.9);
  for (std::size_t i = 0; i < d; ++i) {
    const double se = std::sqrt(t.variance[i] / n);
    const double diff = mo.mean[i] - exact.gradient[i];
    const double num = exact.error[i] + mean_rounding * (mo.count ? mo.mean_abs[i] : 0.0);
    const double excess = std::max(0.0, std::abs(diff) - num);
    double stat = 0.0, p = 1.0;
    // Every sample equal up to the accumulation's rounding (a sample sd within the mean's rounding
    // budget) and off the exact gradient: under the t-test's assumption that the sample variance
    // is the variance this is certain bias (T = ∞, p = 0). But a constant biased estimator and one
    // whose rare values were never drawn (REINFORCE at logit 8 draws b = 0 with probability 3e-4)
    // look the same. If ĝ_i is unbiased with variance v and takes one value c, |c - g_i| = Δ, with
    // probability 1 - q, then v >= (1 - q)Δ²/q, and all n samples equal c with probability
    // (1 - q)^n <= (v / (v + Δ²))^n. That is >= a (= α/d, Holm's first step) only if
    // v >= V* = Δ² / (a^(-1/n) - 1): reported, so the reader can judge whether such a variance is
    // possible (and test it: --variance-bound, Catoni).
    const double spread_floor = mean_rounding * (mo.count ? mo.mean_abs[i] : 0.0);
    const bool degenerate = std::sqrt(t.variance[i]) <= spread_floor && excess > 0.0;
    if (degenerate) {
      stat = std::numeric_limits<double>::infinity();
      p = 0.0;
      const double a = o.alpha / static_cast<double>(d);
      t.degenerate_coordinates.push_back(i);
      t.variance_needed.push_back(excess * excess / std::expm1(-std::log(a) / n));
    } else if (se > 0.0) {
      stat = excess / se;
      p = 2.0 * bm::cdf(bm::complement(tdist, stat));
    }
    t.std_error.push_back(se);
    t.bias.push_back(diff);
    t.numerical_error.push_back(num);
    t.statistic.push_back(stat);
    t.p_value_raw.push_back(std::min(1.0, p));
    t.bias_bound_per_coordinate.push_back(std::abs(diff) + num + t.critical_value * se);
    t.detectable_bias_per_coordinate.push_back((t.critical_value + power_q) * se + 2.0 * num);
  }
  t.p_value = holm_adjusted(t.p_value_raw);
  t.p_value_family = d ? *std::min_element(t.p_value.begin(), t.p_value.end()) : 1.0;
  t.bias_bound = d ? *std::max_element(t.bias_bound_per_coordinate.begin(),
                                       t.bias_bound_per_coordinate.end()) : 0.0;
  t.detectable_bias = d ? *std::max_element(t.detectable_bias_per_coordinate.begin(),
                                            t.detectable_bias_per_coordinate.end()) : 0.0;
  if (no_verdict) return t;
  if (exact.certificate.unknown()) {
    t.verdict = Verdict::inconclusive;
    apply_target_certificate(t, exact);
    return t;
  }

  if (t.p_value_family <= o.alpha) {
    std::size_t worst = static_cast<std::size_t>(
        std::min_element(t.p_value.begin(), t.p_value.end()) - t.p_value.begin());
    t.verdict = Verdict::fail;
    t.reason = "bias detected: coordinate " + std::to_string(worst) + " mean " +
               format_double(t.mean[worst]) + " vs exact " + format_double(t.exact[worst]) +
               " (Holm-adjusted p = " + format_double(t.p_value[worst]) + " <= alpha = " +
               format_double(o.alpha) + ")";
    const auto it = std::find(t.degenerate_coordinates.begin(), t.degenerate_coordinates.end(), worst);
    if (it != t.degenerate_coordinates.end())
      t.reason += "; all " + std::to_string(mo.count) + " samples of coordinate " + std::to_string(worst) +
                  " are equal (sample variance 0): an unbiased estimator gives that with probability >= alpha/d "
                  "only if its variance is >= " +
                  format_double(t.variance_needed[static_cast<std::size_t>(it - t.degenerate_coordinates.begin())]) +
                  " (give --variance-bound to test that with the Catoni test)";
  } else if (!o.tolerance) {
    t.verdict = Verdict::pass;
    t.reason = "no bias detected at alpha = " + format_double(o.alpha) +
               "; max |bias| <= " + format_double(t.bias_bound) + " with confidence 1 - alpha";
  } else if (t.bias_bound < *o.tolerance) {
    t.verdict = Verdict::pass;
    t.reason = "max |bias| <= " + format_double(t.bias_bound) + " < tolerance " +
               format_double(*o.tolerance) + " with confidence 1 - alpha";
  } else {
    t.verdict = Verdict::inconclusive;
    t.reason = "no bias detected, but the bound " + format_double(t.bias_bound) +
               " on max |bias| is not below the tolerance " + format_double(*o.tolerance);
    // Samples at which q s_i √(n/n') + |m_i - g_i| + e_i < δ, if the bias estimates held.
    double need = 0.0;
    bool reachable = true;
    for (std::size_t i = 0; i < d; ++i) {
      const double room = *o.tolerance - std::abs(t.bias[i]) - t.numerical_error[i];
      const double width = t.critical_value * t.std_error[i];
      if (width == 0.0) continue;
      if (room <= 0.0) { reachable = false; break; }
      need = std::max(need, n * (width / room) * (width / room));
    }
    if (reachable) {
      t.samples_for_tolerance = std::ceil(need);
      t.reason += "; about " + format_double(std::ceil(need)) +
                  " samples would be needed if the bias estimates held";
    }
  }
  // The words next to every t verdict (issue 18): it rests on the CLT, not on a proven bound.
  t.asymptotic = true;
  t.reason = "asymptotic (CLT): " + t.reason;
  apply_target_certificate(t, exact);
  return t;
}

}  // namespace estcheck
