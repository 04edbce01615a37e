// verify/compare.cpp — see compare.hpp.
#include "verify/compare.hpp"

#include "estimators/error.hpp"
#include "verify/estimator_mean.hpp"

#include <boost/math/distributions/normal.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace estcheck {
namespace {

/// Σ U and Σ U² per comparison, per coordinate plus the trace (index d), and Σ (a - ā)(b - b̄)
/// per comparison and coordinate.
struct USums {
  std::vector<double> s1, s2, cross;
};

}  // namespace

CompareResult compare_estimators(const std::vector<const Estimator*>& ests, const Model& m,
                                 const CompareOptions& o) {
  if (ests.size() < 2) raise_input_error("ESTIMATOR", "at least two estimators to compare", std::to_string(ests.size()));
  if (!(o.alpha > 0.0 && o.alpha < 1.0)) raise_input_error("--alpha", "a number in (0, 1)", format_double(o.alpha));
  if (!(o.min_reduction > 0.0) || !std::isfinite(o.min_reduction))
    raise_input_error("--min-reduction", "a finite number > 0", format_double(o.min_reduction));
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
  // Pass 2: Σ U, Σ U² over the same paired samples.
  const std::uint64_t blocks = (o.run.samples + kBlockSize - 1) / kBlockSize;
  USums identity{std::vector<double>(C * (d + 1), 0.0), std::vector<double>(C * (d + 1), 0.0),
                 std::vector<double>(C * d, 0.0)};
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
  auto interval = [&](double ratio, std::size_t k) {
    const double mean_u = sums.s1[k] / n;
    const double var_u = std::max(0.0, sums.s2[k] / n - mean_u * mean_u);
    return RatioInterval{ratio, 0.0, 0.0, std::sqrt(var_u / n)};
  };
  // Exact variances, where known, for the exact ratios.
  std::vector<std::optional<EstimatorMoments>> exact(E);
  for (std::size_t e = 0; e < E; ++e)
    if (ests[e]->info().objective_samples == 0) exact[e] = exact_estimator_moments(*ests[e], m);
  for (std::size_t c = 0; c < C; ++c) {
    Comparison cmp;
    cmp.other = r.estimators[c + 1];
    for (std::size_t i = 0; i < d; ++i)
      cmp.per_coordinate.push_back(interval(r.variance[0][i] / r.variance[c + 1][i], c * (d + 1) + i));
    cmp.trace = interval(r.trace[0] / r.trace[c + 1], c * (d + 1) + d);
    if (exact[0] && exact[c + 1]) {
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
  decide(r, o.alpha);
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void decide(CompareResult& r, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0)) raise_input_error("--alpha", "a number in (0, 1)", format_double(alpha));
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
  auto widen = [&](RatioInterval& x) {
    const double half = r.z * x.se_log + r.rounding;
    x.lower = x.ratio * std::exp(-half);
    x.upper = x.ratio * std::exp(half);
  };
  bool any_fail = false, all_pass = true;
  std::string worst;
  for (auto& cmp : r.comparisons) {
    for (auto& x : cmp.per_coordinate) widen(x);
    widen(cmp.trace);
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
  double worst = -std::numeric_limits<double>::infinity();
  for (const auto& cmp : r.comparisons) {
    const double excess = std::log(r.min_reduction) - std::log(cmp.trace.ratio) - r.rounding;
    const double stat = cmp.trace.se_log > 0.0 ? excess / cmp.trace.se_log
                        : excess > 0.0         ? std::numeric_limits<double>::infinity()
                                               : -std::numeric_limits<double>::infinity();
    if (!std::isnan(stat)) worst = std::max(worst, stat);
  }
  if (worst == std::numeric_limits<double>::infinity()) return 0.0;
  if (worst == -std::numeric_limits<double>::infinity()) return 1.0;
  const double tail = boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), worst));
  return std::min(1.0, 2.0 * static_cast<double>(r.comparisons.size()) * tail);
}

}  // namespace estcheck
