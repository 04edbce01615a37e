// verify/pipeline.cpp — see pipeline.hpp.
#include "verify/pipeline.hpp"

#include "verify/harness/run_cost.hpp"

#include "estimators/amortized.hpp"
#include "estimators/core/error.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/graph_exact.hpp"

#include <oneapi/tbb/info.h>

#include <cmath>

namespace estcheck {

namespace {

int threads_used(int threads) { return threads > 0 ? threads : tbb::info::default_concurrency(); }

/// Checks the estimator on the problem, builds the model at θ and prepares the estimator on it
/// (learned control variates train here, deterministically).
Model prepared_model(Estimator& est, const Problem& problem, const std::vector<double>& theta) {
  est.check(problem);
  Model model = make_model(problem, theta, "theta");
  est.prepare(model);
  return model;
}

/// The report's fixed part: what was asked, the exact target and the exact estimator oracles.
VerifyReport start_report(const VerifyRequest& q, const Estimator& est, const Model& model) {
  VerifyReport r;
  r.problem = q.problem->spec();
  r.estimator = est.info();
  const std::string K = std::to_string(est.info().objective_samples);
  r.objective = est.info().objective_samples == 0 ? "E[f(x)]"
                : q.problem->amortization() != nullptr
                    ? "sum_m E[log (1/" + K + ") sum_k exp f_m(b_m,k)] (the per-block K-sample (IWAE) bound)"
                    : "E[log (1/" + K + ") sum_k f(x_k)]";
  r.theta = q.theta;
  r.seed = q.run.seed;
  r.threads = threads_used(q.run.threads);
  r.ranks = q.run.partition ? q.run.partition->size() : 1;
  r.exact = exact_target(est, model, q.run.threads);  // ∇L, ∇L_K (VIMCO) or the Hessian (order 2)
  // Every estimator's own moments, VIMCO's included: E ĝ is then ∇L_K (the target above) and Var ĝ
  // is the variance of the samples the test sees, whichever objective they estimate.
  r.estimator_moments = exact_estimator_moments(est, model);
  // A graph estimator's exact mean is its moments' mean (exact_estimator_mean would enumerate again);
  // so is a policy-gradient estimator's (it would rebuild the same polynomials).
  if (r.estimator_moments && (est.samples_graph_assignment() || est.policy_gradient_form()))
    r.estimator_mean = EstimatorMean{r.estimator_moments->mean, r.estimator_moments->mean_error,
                                     r.estimator_moments->method, r.estimator_moments->certificate};
  else
    r.estimator_mean = exact_estimator_mean(est, model);
  const VarianceBound vb = choose_variance_bound(q.variance_bound, output_dim(est.info(), model.theta_dim()), q.method,
                                                 r.estimator_moments);
  r.variance_bound = vb.values;
  r.variance_source = vb.source;
  const bool given_variance = !q.variance_bound.values.empty();
  const bool exact_variance = !vb.values.empty() && !given_variance;
  // The declared range is looked for only where the betting test could be chosen.
  if (q.method == TestMethod::betting || (q.method == TestMethod::automatic && !exact_variance))
    r.sample_range = est.sample_range(model);
  if (q.method == TestMethod::betting && !r.sample_range)
    raise_input_error("method", "auto, t or catoni when the estimator declares no sample range on this problem (the "
                      "betting test needs one; Gaussian problems are unbounded)", "'betting'");
  r.test_method = chosen_test(q.method, exact_variance, r.sample_range.has_value(), given_variance);
  if (q.method == TestMethod::catoni && vb.values.empty())
    raise_input_error("method", "auto or t when no variance bound is known (give a variance bound, or use an "
                      "estimator and problem whose exact variance estcheck certifies" +
                      (vb.source.empty() ? std::string(")") : "; " + vb.source + ")"), "'catoni'");
  return r;
}

Checkpoint checkpoint(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& options) {
  const BiasTest t = test_bias(run, exact, options);
  return Checkpoint{run.requested, t.mean, t.std_error, t.bias_bound, t.critical_value};
}

}  // namespace

BoundEstimator bind_estimator(Estimator& est, const Problem& problem) {
  BoundEstimator b{amortize(est, problem), &est};
  if (b.adapter) b.estimator = b.adapter.get();
  return b;
}

TestMethod chosen_test(TestMethod method, bool exact_variance, bool has_range, bool given_variance) {
  if (method != TestMethod::automatic) return method;
  if (exact_variance) return TestMethod::catoni;
  if (has_range) return TestMethod::betting;
  if (given_variance) return TestMethod::catoni;
  return TestMethod::t;
}

VarianceBound choose_variance_bound(const VarianceBound& given, std::size_t dim, TestMethod method,
                                    const std::optional<EstimatorMoments>& moments) {
  if (!given.values.empty()) {
    for (double v : given.values)
      if (!(std::isfinite(v) && v >= 0.0)) raise_input_error("variance_bound", "finite numbers >= 0", format_double(v));
    VarianceBound vb = given;
    if (vb.values.size() == 1) vb.values.assign(dim, vb.values[0]);
    if (vb.values.size() != dim)
      raise_input_error("variance_bound", "1 or " + std::to_string(dim) + " values",
                        std::to_string(given.values.size()) + " values");
    return vb;
  }
  if (moments && method != TestMethod::t) {
    // Only a certified exact variance bounds anything (issue 14): an estimated or unknown one,
    // or a non-finite one (an infinite variance, an oracle's NaN), is not used; the test falls
    // back to t, which says it is asymptotic, and `source` says why the exact variance was not used.
    if (!moments->certificate.certified())
      return {{}, "the exact variance is " + describe(moments->certificate) + ", so it is not used"};
    const std::vector<double> bound = variance_upper_bound(*moments);
    for (double v : bound)
      if (!std::isfinite(v)) return {{}, "the exact variance is not finite, so it bounds nothing"};
    return {bound, variance_bound_source(*moments)};
  }
  return {};
}

VerifyRun run_verification(const VerifyRequest& q) {
  const BoundEstimator bound = bind_estimator(*q.estimator, *q.problem);
  Estimator& est = *bound;
  const Model model = prepared_model(est, *q.problem, q.theta);
  check_run_cost(est, model, q.run.samples, q.run.threads, q.run.max_seconds);
  VerifyRun v;
  v.method = q.method;
  v.explain_test_choice = q.explain_test_choice;
  v.checkpoints = q.checkpoints;
  v.report = start_report(q, est, model);
  if (q.checkpoints) {  // the first 2^k blocks (a prefix of the same noise streams), then the whole run
    const std::uint64_t blocks = (q.run.samples + kBlockSize - 1) / kBlockSize;
    for (std::uint64_t b = 1; b < blocks; b *= 2) {
      RunOptions prefix = q.run;
      prefix.samples = b * kBlockSize;
      v.prefixes.push_back(run_estimator(est, model, prefix));
    }
  }
  const VerifyReport& r = v.report;
  const double tuned_alpha = q.catoni_alpha.value_or(q.test.alpha);
  if (r.test_method == TestMethod::betting && !r.exact.certificate.unknown()) {
    // One pass: the betting processes and, when it went through, the run's moments (bit-identical
    // to run_estimator's); after a range violation the run is redone for its report.
    v.betting = betting_pass(est, model, q.run, *r.sample_range, r.exact,
                             tuned_alpha / static_cast<double>(r.exact.gradient.size()), nullptr, true);
    if (v.betting->run) {
      v.report.run = std::move(*v.betting->run);
      v.betting->run.reset();
    } else {
      v.report.run = run_estimator(est, model, q.run);
    }
    return v;
  }
  v.report.run = run_estimator(est, model, q.run);
  if (r.test_method == TestMethod::catoni && uses_catoni(TestMethod::catoni, r.variance_bound, r.run))
    v.catoni = catoni_means_for_test(est, model, q.run, r.run, tuned_alpha, r.variance_bound);
  return v;
}

void decide(VerifyRun& v, const BiasTestOptions& options) {
  VerifyReport& r = v.report;
  if (r.test_method == TestMethod::betting) {
    if (v.betting) {
      r.test = test_bias_betting(r.run, r.exact, options, *v.betting, *r.sample_range, r.estimator.spec);
    } else {  // no pass: non-finite samples or an unknown target; test_bias_betting says which
      BettingRun none;
      r.test = test_bias_betting(r.run, r.exact, options, none, *r.sample_range, r.estimator.spec);
    }
    if (v.method == TestMethod::automatic && v.explain_test_choice)
      r.test.method += "; chosen because no certified exact variance is known" +
                       (r.variance_source.empty() ? std::string() : " (" + r.variance_source + ")") +
                       " and the estimator declares its sample range (" + r.sample_range->source + ")";
  } else {
    r.test = decide_bias_test(r.run, r.exact, options, r.test_method == TestMethod::catoni ? TestMethod::catoni : v.method,
                              r.variance_bound, r.variance_source, v.catoni ? &*v.catoni : nullptr,
                              v.explain_test_choice);
  }
  r.checkpoints.clear();
  if (!v.checkpoints) return;
  for (const auto& prefix : v.prefixes) r.checkpoints.push_back(checkpoint(prefix, r.exact, options));
  r.checkpoints.push_back(checkpoint(r.run, r.exact, options));
}

VerifyReport verify(const VerifyRequest& q) {
  if (!q.sequential) {
    VerifyRun v = run_verification(q);
    decide(v, q.test);
    return std::move(v.report);
  }
  const BoundEstimator bound = bind_estimator(*q.estimator, *q.problem);
  Estimator& est = *bound;
  const Model model = prepared_model(est, *q.problem, q.theta);
  check_run_cost(est, model, q.sequential->max_samples, q.run.threads, q.run.max_seconds);
  VerifyReport r = start_report(q, est, model);
  if (r.test_method == TestMethod::betting)
    r.sequential = verify_sequential_betting(est, model, q.run, r.exact, q.test, *r.sample_range, *q.sequential);
  else
    r.sequential = verify_sequential(est, model, q.run, r.exact, q.test, q.method, r.variance_bound,
                                     r.variance_source, *q.sequential);
  r.run = r.sequential->run;
  r.test = r.sequential->test;
  return r;
}

CompareReport compare(const CompareRequest& q) {
  const Model model = make_model(*q.problem, q.theta, "theta");
  std::vector<const Estimator*> ests;
  std::vector<BoundEstimator> bound;
  for (Estimator* raw : q.estimators) {
    Estimator* e = bound.emplace_back(bind_estimator(*raw, *q.problem)).estimator;
    if (e->info().order != 1)
      raise_input_error("estimators", "gradient estimators (order 1)", "'" + e->info().spec + "'");
    e->check(*q.problem);
    e->prepare(model);
    check_run_cost(*e, model, q.options.run.samples, q.options.run.threads, q.options.run.max_seconds);
    ests.push_back(e);
  }
  return {q.problem->spec(), q.theta, q.options.run.seed, threads_used(q.options.run.threads),
          compare_estimators(ests, model, q.options)};
}

CalibrateReport calibrate(const CalibrateRequest& q) {
  const BoundEstimator bound = bind_estimator(*q.estimator, *q.problem);
  Estimator& est = *bound;
  const Model model = prepared_model(est, *q.problem, q.theta);
  if (est.info().order != 1)
    raise_input_error("estimator", "an estimator of a gradient (not a Hessian)", "'" + est.info().spec + "'");
  if (q.options.repetitions > 0 && q.max_run_seconds > 0.0) {
    const std::uint64_t per_run = q.options.sequential ? q.options.sequential->max_samples : q.options.samples;
    check_run_cost(est, model, per_run * q.options.repetitions, q.options.threads, q.max_run_seconds);
  }
  CalibrateReport r;
  r.problem = q.problem->spec();
  r.estimator = est.info().spec;
  r.theta = q.theta;
  r.options = q.options;
  r.threads = threads_used(q.options.threads);
  // The test `verify` would choose (chosen_test), from the same figures: the exact moments (VIMCO's
  // too: their variance is of the samples tested against ∇L_K), a given variance bound, the range.
  const std::optional<EstimatorMoments> moments = exact_estimator_moments(est, model);
  const VarianceBound vb = choose_variance_bound(q.variance_bound, model.theta_dim(), q.options.method, moments);
  const bool given_variance = !q.variance_bound.values.empty();
  const bool exact_variance = !vb.values.empty() && !given_variance;
  std::optional<SampleRange> range;
  if (q.options.method == TestMethod::betting || (q.options.method == TestMethod::automatic && !exact_variance))
    range = est.sample_range(model);
  if (q.options.method == TestMethod::betting && !range)
    raise_input_error("test", "auto, t or catoni when the estimator declares no sample range on this problem (the "
                      "betting test needs one; Gaussian problems are unbounded)", "'betting'");
  CalibrateOptions options = q.options;
  options.method = chosen_test(q.options.method, exact_variance, range.has_value(), given_variance);
  r.exact = exact_target(est, model, q.options.threads);  // ∇L, or ∇L_K for VIMCO
  // Rejection rates are counted against the target: only a certified one measures the test (issue 14).
  if (!r.exact.certificate.certified())
    raise_input_error("problem", "a problem whose exact gradient is certified (calibration counts rejections "
                      "against it)", "an exact gradient that is " + describe(r.exact.certificate));
  r.result = calibrate(est, model, r.exact, options, vb.values, vb.source, range);
  return r;
}

BiasCurveReport bias_curve(const BiasCurveRequest& q) {
  const Model model = make_model(*q.problem, q.theta, "theta");
  BiasCurveReport r;
  r.problem = q.problem->spec();
  r.estimator = q.estimator;
  r.theta = q.theta;
  r.param = q.param;
  r.exact = exact_gradient(model);
  for (std::size_t k = 0; k < q.count; ++k) {
    const double v = grid_value(q.from, q.to, k, q.count);
    const auto raw = make_estimator(with_param(q.estimator, q.param, v), "estimator");
    const BoundEstimator est = bind_estimator(*raw, *q.problem);
    est->check(*q.problem);
    est->prepare(model);
    auto mean = exact_estimator_mean(*est, model);
    if (!mean)
      raise_input_error("estimator", "an estimator with an exact-mean oracle on this problem (see 'estcheck exact')",
                        "'" + q.estimator + "'");
    r.values.push_back(v);
    r.means.push_back(std::move(*mean));
  }
  return r;
}

double grid_value(double from, double to, std::size_t k, std::size_t count) {
  return from + (to - from) * static_cast<double>(k) / static_cast<double>(count - 1);
}

std::string with_param(const std::string& spec, const std::string& key, double value) {
  return spec + (spec.find(':') == std::string::npos ? ":" : ",") + key + "=" + format_double(value);
}

}  // namespace estcheck
