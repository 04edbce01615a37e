// tests/test_pipeline.cpp — verify/pipeline.hpp, the one pipeline every caller uses: the
// variance-bound policy case by case; a verify report carries the estimator's own EstimatorInfo
// (order, objective), the run step and the decision step give the one-call report, and the
// compare and bias-curve requests give what their parts give when called by hand. Deterministic
// (fixed seeds); the verdicts asserted are on cases far from the decision boundary (a 0.2 bias at a
// standard error near 1e-3), so none draws from tests/budget.hpp.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/pipeline.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

EstimatorMoments moments_of(std::vector<double> variance) {
  EstimatorMoments m;
  m.mean.assign(variance.size(), 0.0);
  m.mean_error.assign(variance.size(), 0.0);
  m.variance_error.assign(variance.size(), 0.25);
  m.variance = std::move(variance);
  m.method = "hand";
  m.certificate = proven("by construction");
  return m;
}

TEST(Pipeline, VarianceBoundPolicy) {
  const auto mo = moments_of({1.0, 2.0});
  // Given: one value stands for every coordinate, whatever the oracle knows.
  const VarianceBound given = choose_variance_bound({{3.0}, "caller"}, 2, TestMethod::t, mo);
  EXPECT_EQ(given.values, (std::vector<double>{3.0, 3.0}));
  EXPECT_EQ(given.source, "caller");
  EXPECT_THROW(choose_variance_bound({{1.0, 2.0, 3.0}, "caller"}, 2, TestMethod::automatic, mo), InputError);
  EXPECT_THROW(choose_variance_bound({{-1.0}, "caller"}, 2, TestMethod::automatic, mo), InputError);
  // Else the exact variance plus its error bound, unless the t-test was asked for.
  const VarianceBound exact = choose_variance_bound({}, 2, TestMethod::automatic, mo);
  EXPECT_EQ(exact.values, variance_upper_bound(mo));
  EXPECT_EQ(exact.source, variance_bound_source(mo));
  EXPECT_TRUE(choose_variance_bound({}, 2, TestMethod::t, mo).values.empty());
  EXPECT_TRUE(choose_variance_bound({}, 2, TestMethod::automatic, std::nullopt).values.empty());
  // Only a certified exact variance (issue 14): an estimated one is not used, and the source says why.
  auto guessed = mo;
  guessed.certificate = estimated("Gauss-Kronrod error estimate");
  const VarianceBound unused = choose_variance_bound({}, 2, TestMethod::automatic, guessed);
  EXPECT_TRUE(unused.values.empty());
  EXPECT_NE(unused.source.find("estimated (Gauss-Kronrod error estimate)"), std::string::npos) << unused.source;
}

VerifyRequest request(const Problem& problem, Estimator& estimator, std::vector<double> theta) {
  VerifyRequest q;
  q.problem = &problem;
  q.estimator = &estimator;
  q.theta = std::move(theta);
  q.run.samples = 20000;
  q.run.seed = 7;
  q.run.threads = 1;
  q.test = {1e-4, std::nullopt};
  return q;
}

TEST(Pipeline, ReportCarriesTheEstimatorsOwnInfo) {
  auto graph = make_problem("scg-fig1c");
  auto dice = make_estimator("dice:order=2");
  const VerifyReport h = verify(request(*graph, *dice, {0.5}));
  EXPECT_EQ(h.estimator.spec, "dice:order=2");
  EXPECT_EQ(h.estimator.order, 2);
  EXPECT_EQ(h.exact.gradient.size(), 1u);  // the 1 x 1 Hessian's upper triangle
  ASSERT_TRUE(h.estimator_moments.has_value());  // enumerated over the graph's draws (issue 18)
  EXPECT_EQ(h.estimator_moments->variance.size(), 1u);
  auto toy = make_problem("toy:t=0.45");
  auto vimco = make_estimator("vimco:k=3");
  const VerifyReport v = verify(request(*toy, *vimco, {0.3}));
  EXPECT_EQ(v.estimator.objective_samples, 3);
  EXPECT_EQ(v.estimator.order, 1);
}

TEST(Pipeline, RunThenDecideIsTheOneCallReport) {
  auto toy = make_problem("toy:t=0.45");
  auto bug = make_estimator("mutant/score-no-normalizer");
  VerifyRequest q = request(*toy, *bug, {1.0});
  q.checkpoints = true;
  const VerifyReport once = verify(q);
  EXPECT_EQ(once.test.verdict, Verdict::fail) << once.test.reason;
  EXPECT_NE(once.test.method.find("Catoni"), std::string::npos);  // the toy's exact variance is known
  EXPECT_EQ(once.checkpoints.size(), 6u);  // 1, 2, 4, 8, 16 blocks, then all 20000 samples
  VerifyRun run = run_verification(q);
  decide(run, {0.5, std::nullopt});  // another level first: the samples are not redrawn
  decide(run, q.test);
  EXPECT_EQ(run.report.test.p_value, once.test.p_value);
  EXPECT_EQ(run.report.test.reason, once.test.reason);
  EXPECT_EQ(run.report.checkpoints.back().bias_bound, once.checkpoints.back().bias_bound);
}

TEST(Pipeline, CompareAndBiasCurveAreTheirPartsCalledByHand) {
  auto toy = make_problem("toy:t=0.45");
  auto a = make_estimator("reinforce");
  auto b = make_estimator("rloo:k=2");
  CompareOptions co;
  co.run.samples = 4096;
  co.run.seed = 3;
  co.run.threads = 1;
  const CompareReport rep = compare({toy.get(), {a.get(), b.get()}, {0.2}, co});
  const Model model = make_model(*toy, std::vector<double>{0.2});
  const CompareResult direct = compare_estimators({a.get(), b.get()}, model, co);
  EXPECT_EQ(rep.result.trace, direct.trace);
  EXPECT_EQ(rep.result.reason, direct.reason);
  EXPECT_EQ(rep.threads, 1);

  const BiasCurveReport curve = bias_curve({toy.get(), "concrete", {1.0}, "temperature", 0.5, 1.5, 3});
  EXPECT_EQ(curve.values, (std::vector<double>{0.5, 1.0, 1.5}));
  auto concrete = make_estimator("concrete:temperature=1");
  concrete->prepare(make_model(*toy, std::vector<double>{1.0}));
  const auto mean = exact_estimator_mean(*concrete, make_model(*toy, std::vector<double>{1.0}));
  ASSERT_TRUE(mean.has_value());
  EXPECT_EQ(curve.means.at(1).mean, mean->mean);
  EXPECT_EQ(curve.estimator, "concrete");  // without the varied parameter
}

}  // namespace
}  // namespace estcheck
