// verify/stats/catoni.cpp — see catoni.hpp.
#include "verify/stats/catoni.hpp"

#include "estimators/core/error.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <limits>
#include <numeric>

namespace estcheck {

double catoni_psi(double x) {
  const double ax = std::abs(x);
  return std::copysign(std::log1p(ax + 0.5 * ax * ax), x);
}

double catoni_psi_prime(double x) {
  const double ax = std::abs(x);
  return (1.0 + ax) / (1.0 + ax + 0.5 * ax * ax);
}

double catoni_scale(double n, double v, double delta) {
  const double L = -std::log(delta);
  return std::sqrt(2.0 * L / (n * v * (1.0 + 2.0 * L / (n - 2.0 * L))));
}

double catoni_deviation(double n, double v, double a, double delta) {
  const double rad = 1.0 - a * a * v - 2.0 * (-std::log(delta)) / n;
  if (rad < 0.0) return std::numeric_limits<double>::infinity();
  return (1.0 - std::sqrt(rad)) / a;
}

double catoni_tail(double n, double v, double a, double deviation) {
  const double ad = std::min(1.0, a * deviation);
  const double expo = -0.5 * n * (1.0 - a * a * v - (1.0 - ad) * (1.0 - ad));
  return std::min(1.0, std::exp(expo));
}

namespace {

/// Σ_j ψ(a_i (x_ji - t_ik)) and Σ_j ψ'(...) at up to two points t_i0, t_i1 per coordinate.
struct PsiSums {
  std::vector<double> s;  ///< [i * 4 + 2k]: Σψ at point k; [i * 4 + 2k + 1]: Σψ'
};

PsiSums psi_pass(const Estimator& est, const Model& model, const RunOptions& opt,
                 std::span<const double> scale, const std::vector<double>& points,
                 const std::vector<int>& npoints) {
  const std::size_t dim = output_dim(est.info(), model.theta_dim());
  const std::uint64_t blocks = (opt.samples + kBlockSize - 1) / kBlockSize;
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, PsiSums acc) {
    thread_local std::vector<double> buffer, work;
    buffer.resize(kBlockSize * dim);
    if (acc.s.empty()) acc.s.assign(4 * dim, 0.0);
    std::vector<double> block_sums(4 * dim);
    for (std::uint64_t b = r.begin(); b != r.end(); ++b) {
      const std::uint64_t count = std::min(kBlockSize, opt.samples - b * kBlockSize);
      est.sample_block(model, opt.seed, b, count, work, std::span(buffer).first(count * dim));
      std::fill(block_sums.begin(), block_sums.end(), 0.0);
      for (std::uint64_t j = 0; j < count; ++j) {
        const double* row = buffer.data() + j * dim;
        bool finite = true;
        for (std::size_t i = 0; i < dim; ++i) finite &= std::isfinite(row[i]);
        if (!finite) continue;  // left out, as run_estimator leaves it out
        for (std::size_t i = 0; i < dim; ++i)
          for (int k = 0; k < npoints[i]; ++k) {
            const double x = scale[i] * (row[i] - points[2 * i + k]);
            block_sums[4 * i + 2 * k] += catoni_psi(x);
            block_sums[4 * i + 2 * k + 1] += catoni_psi_prime(x);
          }
      }
      for (std::size_t q = 0; q < acc.s.size(); ++q) acc.s[q] += block_sums[q];
    }
    return acc;
  };
  auto join = [](PsiSums a, const PsiSums& b) {
    if (a.s.empty()) return b;
    for (std::size_t q = 0; q < b.s.size(); ++q) a.s[q] += b.s[q];
    return a;
  };
  tbb::task_arena arena(opt.threads > 0 ? opt.threads : tbb::task_arena::automatic);
  PsiSums total = arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, blocks, 1),
                                              PsiSums{}, leaf, join, tbb::simple_partitioner());
  });
  if (total.s.empty()) total.s.assign(4 * dim, 0.0);
  return total;
}

}  // namespace

CatoniMeans catoni_means(const Estimator& est, const Model& model, const RunOptions& opt,
                         std::span<const double> scale, std::span<const double> start,
                         std::span<const double> tolerance) {
  const std::size_t dim = output_dim(est.info(), model.theta_dim());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  CatoniMeans r;
  r.scale.assign(scale.begin(), scale.end());
  r.estimate.assign(start.begin(), start.end());
  r.root_error.assign(dim, 0.0);
  std::vector<double> lo(dim, -kInf), hi(dim, kInf), theta(start.begin(), start.end());
  std::vector<bool> done(dim, false), probing(dim, false);
  for (std::size_t i = 0; i < dim; ++i) done[i] = !(scale[i] > 0.0);  // v = 0: keep the mean
  // Each pass: a Newton evaluation at θ_i (one point), or, once a Newton step fell below half the
  // tolerance, a probe at θ_i ± tolerance_i / 2 (two points) that closes the bracket.
  constexpr int kMaxPasses = 60;
  while (std::find(done.begin(), done.end(), false) != done.end() && r.passes < kMaxPasses) {
    std::vector<double> points(2 * dim, 0.0);
    std::vector<int> npoints(dim, 0);
    for (std::size_t i = 0; i < dim; ++i) {
      if (done[i]) continue;
      if (probing[i]) {
        points[2 * i] = theta[i] - 0.5 * tolerance[i];
        points[2 * i + 1] = theta[i] + 0.5 * tolerance[i];
        npoints[i] = 2;
      } else {
        points[2 * i] = theta[i];
        npoints[i] = 1;
      }
    }
    const PsiSums sums = psi_pass(est, model, opt, scale, points, npoints);
    ++r.passes;
    for (std::size_t i = 0; i < dim; ++i) {
      if (done[i]) continue;
      // S(t) = Σψ(a(x - t)) strictly decreases in t: S > 0 puts the root above t.
      for (int k = 0; k < npoints[i]; ++k) {
        const double s = sums.s[4 * i + 2 * k], t = points[2 * i + k];
        if (s > 0.0) lo[i] = std::max(lo[i], t);
        else if (s < 0.0) hi[i] = std::min(hi[i], t);
        else lo[i] = hi[i] = t;
      }
      if (hi[i] - lo[i] <= tolerance[i]) {
        done[i] = true;
        continue;
      }
      double next;
      if (probing[i]) {  // the probe did not close the bracket: Newton from its midpoint
        probing[i] = false;
        next = 0.5 * (std::max(lo[i], theta[i] - tolerance[i]) + std::min(hi[i], theta[i] + tolerance[i]));
      } else {
        const double s = sums.s[4 * i], ds = sums.s[4 * i + 1];
        const double step = s / (scale[i] * ds);
        next = theta[i] + step;
        if (std::abs(step) < 0.5 * tolerance[i]) probing[i] = true;
      }
      if (!(next > lo[i] && next < hi[i]))  // safeguard: stay inside the bracket
        next = std::isfinite(lo[i]) && std::isfinite(hi[i]) ? 0.5 * (lo[i] + hi[i])
               : std::isfinite(lo[i]) ? lo[i] + tolerance[i] : hi[i] - tolerance[i];
      theta[i] = next;
    }
  }
  for (std::size_t i = 0; i < dim; ++i) {
    if (!(scale[i] > 0.0)) continue;
    if (std::isfinite(lo[i]) && std::isfinite(hi[i])) {
      r.estimate[i] = 0.5 * (lo[i] + hi[i]);
      r.root_error[i] = 0.5 * (hi[i] - lo[i]);
    } else {  // not bracketed within kMaxPasses (never seen): say so through an infinite error
      r.estimate[i] = theta[i];
      r.root_error[i] = kInf;
    }
  }
  return r;
}

TestMethod parse_test_method(const std::string& text, const std::string& argument) {
  if (text == "auto") return TestMethod::automatic;
  if (text == "t") return TestMethod::t;
  if (text == "catoni") return TestMethod::catoni;
  if (text == "betting") return TestMethod::betting;
  raise_input_error(argument, "one of auto, t, catoni, betting", "'" + text + "'");
}


BiasTest test_bias_catoni(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& o,
                          std::span<const double> vbound, const CatoniMeans& cm,
                          const std::string& source) {
  // Start from the t-test's figures (mean, variance, numerical budget, error handling), then
  // replace the statistic, p-values, bounds and verdict with Catoni's.
  BiasTest t = test_bias(run, exact, o);
  const std::size_t d = exact.gradient.size();
  const double n = static_cast<double>(run.moments.count);
  t.method = "Catoni M-estimator with a variance bound from the " + source + " (no normality assumed), Holm over " +
             std::to_string(d) + (d == 1 ? " coordinate" : " coordinates");
  t.error_rate = "P(fail | unbiased) <= alpha";
  if (o.tolerance) t.error_rate += "; P(pass | max_i |bias_i| >= tolerance) <= alpha";
  t.error_rate += " (non-asymptotic: holds for any distribution with Var <= the bound)";
  t.asymptotic = false;
  t.degenerate_coordinates.clear();  // the t-test's; Catoni's bound covers equal samples too
  t.variance_needed.clear();
  t.catoni_passes = cm.passes;
  if (t.verdict == Verdict::error && !no_verdict_reason(run, exact).empty()) return t;
  if (exact.certificate.unknown()) return t;  // test_bias made it inconclusive, with the reason
  const double delta0 = o.alpha / (2.0 * static_cast<double>(d));
  t.critical_value = 0.0;
  t.detectable_bias_per_coordinate.clear();
  t.bias_bound_per_coordinate.clear();
  for (std::size_t i = 0; i < d; ++i) {
    const double v = vbound[i], a = cm.scale[i];
    const double num = t.numerical_error[i] + cm.root_error[i];
    t.numerical_error[i] = num;
    t.mean[i] = cm.estimate[i];
    t.bias[i] = cm.estimate[i] - exact.gradient[i];
    const double excess = std::max(0.0, std::abs(t.bias[i]) - num);
    double width, width90, p;
    if (a > 0.0) {
      width = catoni_deviation(n, v, a, delta0);
      width90 = catoni_deviation(n, v, a, 0.1);
      p = excess > 0.0 ? std::min(1.0, 2.0 * catoni_tail(n, v, a, excess)) : 1.0;
      t.statistic[i] = excess / width;  // in units of the critical deviation
    } else {  // Var ĝ_i <= 0: ĝ_i is constant; any excess beyond the budget is certain bias
      width = width90 = 0.0;
      p = excess > 0.0 ? 0.0 : 1.0;
      t.statistic[i] = excess > 0.0 ? std::numeric_limits<double>::infinity() : 0.0;
    }
    t.p_value_raw[i] = p;
    t.bias_bound_per_coordinate.push_back(std::abs(t.bias[i]) + num + width);
    t.detectable_bias_per_coordinate.push_back(width + width90 + 2.0 * num);
  }
  t.p_value = holm_adjusted(t.p_value_raw);
  t.p_value_family = d ? *std::min_element(t.p_value.begin(), t.p_value.end()) : 1.0;
  t.bias_bound = d ? *std::max_element(t.bias_bound_per_coordinate.begin(), t.bias_bound_per_coordinate.end()) : 0.0;
  t.detectable_bias = d ? *std::max_element(t.detectable_bias_per_coordinate.begin(),
                                            t.detectable_bias_per_coordinate.end()) : 0.0;
  t.samples_for_tolerance.reset();
  conclude(t, o, "Catoni estimate");
  apply_target_certificate(t, exact);
  return t;
}

CatoniMeans catoni_means_for_test(const Estimator& est, const Model& model, const RunOptions& options,
                                  const RunResult& run, double alpha, std::span<const double> vbound) {
  const std::size_t d = output_dim(est.info(), model.theta_dim());
  const double n = static_cast<double>(run.moments.count);
  const double delta0 = alpha / (2.0 * static_cast<double>(d));
  if (n <= 2.0 * -std::log(delta0) + 1.0)
    raise_input_error("samples", "more than 2 log(2d/alpha) + 1 = " + format_double(2.0 * -std::log(delta0) + 1.0) +
                      " samples for the Catoni test", std::to_string(run.moments.count));
  std::vector<double> scale(d), tol(d);
  for (std::size_t i = 0; i < d; ++i) {
    scale[i] = vbound[i] > 0.0 ? catoni_scale(n, vbound[i], delta0) : 0.0;
    // The root to 1e-4 of the test's deviation: its error joins the numerical budget.
    tol[i] = scale[i] > 0.0 ? 1e-4 * catoni_deviation(n, vbound[i], scale[i], delta0) : 0.0;
  }
  return catoni_means(est, model, options, scale, run.moments.mean, tol);
}

bool uses_catoni(TestMethod method, std::span<const double> vbound, const RunResult& run) {
  const bool catoni = method == TestMethod::catoni || (method == TestMethod::automatic && !vbound.empty());
  return catoni && run.nonfinite == 0 && run.moments.count >= 2;
}

BiasTest decide_bias_test(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& test,
                          TestMethod method, std::span<const double> vbound, const std::string& source,
                          const CatoniMeans* means, bool explain_choice) {
  if (means) return test_bias_catoni(run, exact, test, vbound, *means, source);
  BiasTest t = test_bias(run, exact, test);
  if (method == TestMethod::automatic && explain_choice)
    t.method += "; chosen because no variance bound is known (the Catoni test needs one" +
                (source.empty() ? std::string(")") : "; " + source + ")");
  return t;
}

BiasTest verify_bias(const Estimator& est, const Model& model, const RunOptions& options,
                     const RunResult& run, const ExactGradient& exact, const BiasTestOptions& test,
                     TestMethod method, std::span<const double> vbound, const std::string& source) {
  if (method == TestMethod::betting)
    raise_input_error("test", "auto, t or catoni here (the betting test runs in verify and suites, where the "
                      "estimator declares its sample range)", "'betting'");
  if (method == TestMethod::catoni && vbound.empty())
    raise_input_error("test", "auto or t when no variance bound is known (give --variance-bound V, or use an "
                      "estimator and problem whose exact variance estcheck computes)", "'catoni'");
  std::optional<CatoniMeans> means;
  if (uses_catoni(method, vbound, run)) means = catoni_means_for_test(est, model, options, run, test.alpha, vbound);
  return decide_bias_test(run, exact, test, method, vbound, source, means ? &*means : nullptr);
}

}  // namespace estcheck
