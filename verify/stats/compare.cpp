// verify/stats/compare.cpp — see compare.hpp.
#include "verify/stats/compare.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/noise.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <boost/math/distributions/normal.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace estcheck {
namespace {

/// Σ U and Σ U² per comparison, per coordinate plus the trace (index d), and Σ (a - ā)(b - b̄)
/// per comparison and coordinate.
struct USums {
  std::vector<double> s1, s2, cross;
  /// Batch sums of the trace's squared deviations, Σ_{t in batch g} Σ_i (x_ti - x̄_i)², per batch g
  /// and estimator e: batch[g * E + e].
  std::vector<double> batch;
};

/// log(Σ_g A_g / Σ_g B_g) over the batches picked by `pick` (all G batches in order when null),
/// and its batch-means standard error: batch g's linearised contribution to the log ratio is
/// (A_g - n_g ΣA/N)/ΣA - (B_g - n_g ΣB/N)/ΣB = A_g/ΣA - B_g/ΣB (n_g its sample count, N = Σ n_g:
/// the counts cancel), and se² = G/(G - 1) Σ_g (A_g/ΣA - B_g/ΣB)².
double log_ratio_batches(const std::vector<double>& a, const std::vector<double>& b,
                         const std::vector<std::uint32_t>* pick, double* se) {
  const std::size_t G = a.size();
  double sa = 0.0, sb = 0.0;
  for (std::size_t k = 0; k < G; ++k) {
    const std::size_t g = pick ? (*pick)[k] : k;
    sa += a[g];
    sb += b[g];
  }
  double vv = 0.0;
  for (std::size_t k = 0; k < G; ++k) {
    const std::size_t g = pick ? (*pick)[k] : k;
    const double v = a[g] / sa - b[g] / sb;
    vv += v * v;
  }
  const double gd = static_cast<double>(G);
  *se = G > 1 && sa > 0.0 && sb > 0.0 ? std::sqrt(vv * gd / (gd - 1.0)) : 0.0;
  return std::log(sa / sb);
}

/// The sorted bootstrap-t replicates T* = (log ρ* - log ρ̂)/se* of comparison c: replicate k
/// resamples the G batches with replacement, reading Philox(seed, block = k, index = c,
/// Purpose::bootstrap), so the replicates are the same for any thread count.
std::vector<double> bootstrap_t_replicates(const std::vector<double>& a, const std::vector<double>& b,
                                           std::uint64_t seed, std::size_t c,
                                           std::uint64_t replicates) {
  const std::uint64_t G = a.size();
  double se0 = 0.0;
  const double th0 = log_ratio_batches(a, b, nullptr, &se0);
  std::vector<double> t(replicates);
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, replicates, 64), [&](const tbb::blocked_range<std::uint64_t>& rg) {
    std::vector<std::uint32_t> pick(G);
    for (std::uint64_t k = rg.begin(); k != rg.end(); ++k) {
      Noise noise(seed, k, c, Purpose::bootstrap);
      for (std::size_t j = 0; j < G; j += 2) {  // ⌊G h / 2^32⌋ for each 32-bit half h of 64 bits
        const std::uint64_t w = noise.bits();
        pick[j] = static_cast<std::uint32_t>(((w >> 32) * G) >> 32);
        if (j + 1 < G) pick[j + 1] = static_cast<std::uint32_t>(((w & 0xffffffffu) * G) >> 32);
      }
      double se = 0.0;
      const double th = log_ratio_batches(a, b, &pick, &se);
      t[k] = se > 0.0 ? (th - th0) / se : 0.0;
    }
  });
  std::sort(t.begin(), t.end());
  return t;
}

}  // namespace

RatioIntervalMethod parse_interval_method(const std::string& text, const std::string& argument) {
  if (text == "delta") return RatioIntervalMethod::delta;
  if (text == "bootstrap-t") return RatioIntervalMethod::bootstrap_t;
  if (text == "both") return RatioIntervalMethod::both;
  raise_input_error(argument, "one of delta, bootstrap-t, both", "'" + text + "'");
}

std::string to_string(RatioIntervalMethod m) {
  switch (m) {
    case RatioIntervalMethod::delta: return "delta";
    case RatioIntervalMethod::bootstrap_t: return "bootstrap-t";
    case RatioIntervalMethod::both: return "both";
  }
  return "both";
}

namespace {
/// Finite samples whose accumulated variance overflowed (values near the double range): no ratio
/// can be formed from it. Empty when every trace is finite.
std::string overflow_reason(const CompareResult& r) {
  for (std::size_t k = 0; k < r.trace.size(); ++k)
    if (!std::isfinite(r.trace[k]))
      return "the accumulated variance of estimator " + std::to_string(k) + " overflowed (trace " +
             format_double(r.trace[k]) + ") although every sample was finite; no verdict";
  return "";
}
}  // namespace

std::uint64_t bootstrap_replicates(double alpha, std::size_t comparisons) {
  // At least 10 replicates beyond each end's quantile (tail α / 2C), and no fewer than 999.
  const double want = std::ceil(20.0 * static_cast<double>(std::max<std::size_t>(1, comparisons)) / alpha);
  return static_cast<std::uint64_t>(std::clamp(want, 999.0, static_cast<double>(kMaxBootstrapReplicates)));
}

CompareResult compare_estimators(const std::vector<const Estimator*>& ests, const Model& m,
                                 const CompareOptions& o) {
  if (ests.size() < 2) raise_input_error("estimators", "at least two estimators to compare", std::to_string(ests.size()));
  if (!(o.alpha > 0.0 && o.alpha < 1.0)) raise_input_error("alpha", "a number in (0, 1)", format_double(o.alpha));
  if (!(o.min_reduction > 0.0) || !std::isfinite(o.min_reduction))
    raise_input_error("min_reduction", "a finite number > 0", format_double(o.min_reduction));
  if (o.batches < 2 || o.batches > 65536) raise_input_error("batches", "an integer in [2, 65536]", std::to_string(o.batches));
  const auto start = std::chrono::steady_clock::now();
  const std::size_t E = ests.size(), d = m.theta_dim(), C = E - 1;
  CompareResult r;
  r.alpha = o.alpha;
  r.min_reduction = o.min_reduction;
  r.samples = o.run.samples;
  // Pass 1: each estimator's moments (the harness; same seed = common random numbers).
  std::vector<RunResult> runs;
  for (const Estimator* e : ests) {
    r.estimators.push_back(e->info().spec);
    runs.push_back(run_estimator(*e, m, o.run));
    r.variance.push_back(runs.back().moments.variance());
    double t = 0.0;
    for (double v : r.variance.back()) t += v;
    r.trace.push_back(t);
    r.nonfinite.push_back(runs.back().nonfinite);
  }
  const boost::math::normal_distribution<double> n01;
  r.z = boost::math::quantile(boost::math::complement(n01, o.alpha / (2.0 * static_cast<double>(C))));
  for (std::uint64_t nf : r.nonfinite)
    if (nf > 0) {
      r.verdict = Verdict::error;
      r.reason = "an estimator produced NaN or infinite samples; no verdict";
      return r;
    }
  if (const std::string why = overflow_reason(r); !why.empty()) {
    r.verdict = Verdict::error;
    r.reason = why;
    return r;
  }
  // Pass 2: Σ U, Σ U² over the same paired samples.
  const std::uint64_t blocks = (o.run.samples + kBlockSize - 1) / kBlockSize;
  const std::uint64_t G = std::min<std::uint64_t>(o.batches, o.run.samples);
  USums identity{std::vector<double>(C * (d + 1), 0.0), std::vector<double>(C * (d + 1), 0.0),
                 std::vector<double>(C * d, 0.0), std::vector<double>(G * E, 0.0)};
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& range, USums acc) {
    std::vector<std::vector<double>> work(E), out(E);
    std::vector<double> ua(d);
    for (std::uint64_t b = range.begin(); b != range.end(); ++b) {
      const std::uint64_t count = std::min(kBlockSize, o.run.samples - b * kBlockSize);
      for (std::size_t e = 0; e < E; ++e) {
        out[e].resize(count * d);
        ests[e]->sample_block(m, o.run.seed, b, count, work[e], out[e]);
      }
      for (std::uint64_t t = 0; t < count; ++t) {
        // Batch g holds samples [g n / G, (g + 1) n / G).
        const std::uint64_t g = ((b * kBlockSize + t) * G) / o.run.samples;
        for (std::size_t e = 0; e < E; ++e) {
          double tr = 0.0;
          for (std::size_t i = 0; i < d; ++i) {
            const double dev = out[e][t * d + i] - runs[e].moments.mean[i];
            tr += dev * dev;
          }
          acc.batch[g * E + e] += tr;
        }
        double ta = 0.0;  // the reference's trace term
        for (std::size_t i = 0; i < d; ++i) {
          const double dev = out[0][t * d + i] - runs[0].moments.mean[i];
          ua[i] = dev * dev;
          ta += dev * dev;
        }
        for (std::size_t c = 0; c < C; ++c) {
          double tb = 0.0;
          for (std::size_t i = 0; i < d; ++i) {
            const double dev = out[c + 1][t * d + i] - runs[c + 1].moments.mean[i];
            tb += dev * dev;
            acc.cross[c * d + i] += (out[0][t * d + i] - runs[0].moments.mean[i]) * dev;
            const double u = ua[i] / r.variance[0][i] - dev * dev / r.variance[c + 1][i];
            acc.s1[c * (d + 1) + i] += u;
            acc.s2[c * (d + 1) + i] += u * u;
          }
          const double u = ta / r.trace[0] - tb / r.trace[c + 1];
          acc.s1[c * (d + 1) + d] += u;
          acc.s2[c * (d + 1) + d] += u * u;
        }
      }
    }
    return acc;
  };
  auto join = [](USums a, const USums& b) {
    for (std::size_t k = 0; k < a.s1.size(); ++k) {
      a.s1[k] += b.s1[k];
      a.s2[k] += b.s2[k];
    }
    for (std::size_t k = 0; k < a.cross.size(); ++k) a.cross[k] += b.cross[k];
    for (std::size_t k = 0; k < a.batch.size(); ++k) a.batch[k] += b.batch[k];
    return a;
  };
  tbb::task_arena arena(o.run.threads > 0 ? o.run.threads : tbb::task_arena::automatic);
  const USums sums = arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, blocks, 1), identity, leaf,
                                              join, tbb::simple_partitioner());
  });
  const double n = static_cast<double>(o.run.samples);
  const double levels = blocks > 1 ? std::ceil(std::log2(static_cast<double>(blocks))) : 0.0;
  const double rounding =
      4.0 * (static_cast<double>(kBlockSize) + 4.0 * levels + 8.0) * std::numeric_limits<double>::epsilon();
  r.rounding = rounding;
  r.batches = G;
  auto interval = [&](double ratio, std::size_t c, std::size_t k) {
    const double mean_u = sums.s1[c * (d + 1) + k] / n;
    const double var_u = std::max(0.0, sums.s2[c * (d + 1) + k] / n - mean_u * mean_u);
    return RatioInterval{ratio, 0.0, 0.0, std::sqrt(var_u / n)};
  };
  // Exact variances, where known, for the exact ratios (also for estimators of L_K, VIMCO: the
  // variance is that of the samples compared, whatever their target).
  std::vector<std::optional<EstimatorMoments>> exact(E);
  for (std::size_t e = 0; e < E; ++e) exact[e] = exact_estimator_moments(*ests[e], m);
  for (std::size_t c = 0; c < C; ++c) {
    Comparison cmp;
    cmp.other = r.estimators[c + 1];
    for (std::size_t i = 0; i < d; ++i)
      cmp.per_coordinate.push_back(interval(r.variance[0][i] / r.variance[c + 1][i], c, i));
    cmp.trace = interval(r.trace[0] / r.trace[c + 1], c, d);
    std::vector<double> batch_a(G), batch_b(G);
    for (std::uint64_t g = 0; g < G; ++g) {
      batch_a[g] = sums.batch[g * E];
      batch_b[g] = sums.batch[g * E + c + 1];
    }
    const std::uint64_t B = bootstrap_replicates(o.alpha, C);
    double se_batch = 0.0;
    log_ratio_batches(batch_a, batch_b, nullptr, &se_batch);
    cmp.trace.se_log_batch = se_batch;
    if (o.method != RatioIntervalMethod::delta)
      cmp.bootstrap_t = arena.execute(
          [&] { return bootstrap_t_replicates(batch_a, batch_b, o.run.seed, c, B); });
    // Exact ratios only from certified variances (issue 14): an estimated one is not reported as exact.
    if (exact[0] && exact[c + 1] && exact[0]->certificate.certified() && exact[c + 1]->certificate.certified()) {
      std::vector<double> ratios;
      double ta = 0.0, tb = 0.0, ea = 0.0, eb = 0.0;
      for (std::size_t i = 0; i < d; ++i) {
        ratios.push_back(exact[0]->variance[i] / exact[c + 1]->variance[i]);
        ta += exact[0]->variance[i];
        tb += exact[c + 1]->variance[i];
        ea += exact[0]->variance_error[i];
        eb += exact[c + 1]->variance_error[i];
      }
      cmp.exact_ratio = ratios;
      cmp.exact_trace_ratio = ta / tb;
      cmp.exact_trace_ratio_error = (ta / tb) * (ea / ta + eb / tb + 4.0 * std::numeric_limits<double>::epsilon());
    }
    if (ests[0]->info().claimed_unbiased && ests[c + 1]->info().claimed_unbiased &&
        ests[0]->info().objective_samples == ests[c + 1]->info().objective_samples) {
      double num = 0.0, den = 0.0, va_sum = 0.0;
      for (std::size_t i = 0; i < d; ++i) {
        const double va = r.variance[0][i], vb = r.variance[c + 1][i];
        const double cov_ab = sums.cross[c * d + i] / (n - 1.0);
        const double var_c = va + vb - 2.0 * cov_ab, cov_ac = cov_ab - va;
        const double s_i = var_c > 0.0 ? -cov_ac / var_c : 0.0;
        cmp.optimal_scale_per_coordinate.push_back(s_i);
        cmp.optimal_variance_per_coordinate.push_back(var_c > 0.0 ? va - cov_ac * cov_ac / var_c : va);
        num += -cov_ac;
        den += var_c;
        va_sum += va;
      }
      if (den > 0.0) {
        cmp.optimal_scale = num / den;
        cmp.optimal_trace_variance = va_sum - num * num / den;
      }
    }
    r.comparisons.push_back(std::move(cmp));
  }
  r.method = o.method;
  decide(r, o.alpha);
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void decide(CompareResult& r, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0)) raise_input_error("alpha", "a number in (0, 1)", format_double(alpha));
  const double C = static_cast<double>(r.comparisons.size());
  r.alpha = alpha;
  r.z = boost::math::quantile(
      boost::math::complement(boost::math::normal_distribution<double>(), alpha / (2.0 * std::max(1.0, C))));
  for (std::uint64_t nf : r.nonfinite)
    if (nf > 0) {
      r.verdict = Verdict::error;
      r.reason = "an estimator produced NaN or infinite samples; no verdict";
      return;
    }
  if (const std::string why = overflow_reason(r); !why.empty()) {
    r.verdict = Verdict::error;
    r.reason = why;
    return;
  }
  const double tail = alpha / (2.0 * std::max(1.0, C));
  auto widen = [&](RatioInterval& x) {
    x.lower = x.ratio * std::exp(-(r.z * x.se_log + r.rounding));
    x.upper = x.ratio * std::exp(r.z * x.se_log + r.rounding);
  };
  bool any_fail = false, all_pass = true;
  std::string worst;
  for (auto& cmp : r.comparisons) {
    for (auto& x : cmp.per_coordinate) widen(x);
    RatioInterval& x = cmp.trace;
    const double lo_delta = -r.z * x.se_log, hi_delta = r.z * x.se_log;  // offsets of log ρ̂
    double lo = lo_delta, hi = hi_delta;
    if (r.method != RatioIntervalMethod::delta && !cmp.bootstrap_t.empty()) {
      // Order statistics ⌈τ(B+1)⌉ and its mirror of the sorted T*: log ρ lies in
      // [log ρ̂ - T*_hi se, log ρ̂ - T*_lo se].
      const auto& t = cmp.bootstrap_t;
      const double B = static_cast<double>(t.size());
      const auto k = static_cast<std::size_t>(std::clamp(std::ceil(tail * (B + 1.0)) - 1.0, 0.0, B - 1.0));
      const double lo_boot = -t[t.size() - 1 - k] * x.se_log_batch, hi_boot = -t[k] * x.se_log_batch;
      lo = r.method == RatioIntervalMethod::bootstrap_t ? lo_boot : std::min(lo_delta, lo_boot);
      hi = r.method == RatioIntervalMethod::bootstrap_t ? hi_boot : std::max(hi_delta, hi_boot);
    }
    x.lower = x.ratio * std::exp(lo - r.rounding);
    x.upper = x.ratio * std::exp(hi + r.rounding);
    if (cmp.trace.upper < r.min_reduction) {
      any_fail = true;
      worst = cmp.other;
    }
    if (cmp.trace.lower < r.min_reduction) all_pass = false;
  }
  const std::string rs = format_double(r.min_reduction);
  if (any_fail) {
    r.verdict = Verdict::fail;
    r.reason = "Var(" + r.estimators[0] + ")/Var(" + worst + ") (traces) is below " + rs +
               " with confidence 1 - alpha";
  } else if (all_pass) {
    r.verdict = Verdict::pass;
    r.reason = "every variance ratio Var(" + r.estimators[0] + ")/Var(other) (traces) is at least " + rs +
               " with family-wise confidence 1 - alpha";
  } else {
    r.verdict = Verdict::inconclusive;
    r.reason = "some trace-ratio interval contains " + rs;
  }
}

double fail_p_value(const CompareResult& r) {
  for (std::uint64_t nf : r.nonfinite)
    if (nf > 0) return 1.0;
  if (r.comparisons.empty()) return 1.0;
  const double C = static_cast<double>(r.comparisons.size());
  const boost::math::normal_distribution<double> n01;
  double p = 1.0;  // fail when some comparison's upper end is < R: the least p over comparisons
  for (const auto& cmp : r.comparisons) {
    // Delta: upper < R at tail τ iff (log R - log ρ̂ - rounding)/se > z_τ.
    const double excess = std::log(r.min_reduction) - std::log(cmp.trace.ratio) - r.rounding;
    double p_delta = 1.0;
    if (cmp.trace.se_log > 0.0) {
      if (!std::isnan(excess)) p_delta = std::min(1.0, 2.0 * C * boost::math::cdf(boost::math::complement(n01, excess / cmp.trace.se_log)));
    } else if (excess > 0.0) {
      p_delta = 0.0;
    }
    // Bootstrap-t: upper < R at tail τ iff T*_(⌈τ(B+1)⌉) > -excess/se_b, i.e. iff
    // τ(B+1) > #{T* <= -excess/se_b}.
    double p_boot = 0.0;
    if (r.method != RatioIntervalMethod::delta && !cmp.bootstrap_t.empty()) {
      const auto& t = cmp.bootstrap_t;
      const double s = cmp.trace.se_log_batch > 0.0 ? -excess / cmp.trace.se_log_batch
                       : excess > 0.0                ? -std::numeric_limits<double>::infinity()
                                                     : std::numeric_limits<double>::infinity();
      const auto count = static_cast<double>(std::upper_bound(t.begin(), t.end(), s) - t.begin());
      p_boot = std::min(1.0, 2.0 * C * count / (static_cast<double>(t.size()) + 1.0));
    }
    const double pc = r.method == RatioIntervalMethod::delta         ? p_delta
                      : r.method == RatioIntervalMethod::bootstrap_t ? p_boot
                                                                     : std::max(p_delta, p_boot);
    p = std::min(p, pc);
  }
  return p;
}

}  // namespace estcheck
