// tests/test_compare.cpp — verify/stats/compare.hpp: the coverage of the variance-ratio interval,
// measured (not assumed) on three pairs with an exactly known ratio — REINFORCE with and without a
// baseline on the toy (the ratio is estimated exactly: both are affine in the same draw), REINFORCE
// against RLOO with two draws on the toy (light tails; until issue 14 this pair was REINFORCE
// against ARM, whose exact variance is now estimated, not certified, so compare reports no exact
// ratio for it), and a heavy-tailed one: the Gaussian
// score function (a polynomial of degree 3 or 4 in a normal) against the pathwise estimator —
// plus the verdicts the issue names: rloo, arm, disarm and relax reduce REINFORCE's variance on the
// toy at t = 0.499 and rebar too on random tables; rebar does not on that toy (exactly, no η does:
// test_estimator_moments); a baseline that increases the variance fails; figures are
// bit-identical for any thread count.
//
// Coverage of the default interval (the union of the delta-method and the batch bootstrap-t
// intervals, RatioIntervalMethod::both) at nominal 90% and 99%, R replications (seeds 1..R): the
// number of intervals meeting the exact ratio is Binomial(R, c) and is asserted to be at least the
// a-quantile of Binomial(R, nominal), a = kCompare / 2 / 6 (3 pairs x 2 levels). Measured by hand
// (bench/coverage_by_method.cpp, docs/statistics.md): on the heavy-tailed pair every method
// UNDERCOVERS at small n — at 90%, delta / bootstrap-t / both: 0.84 / 0.875 / 0.89 at n = 2·10^4,
// 0.84 / 0.845 / 0.86 at 2·10^5 (R = 400), 0.915 / 0.915 / 0.925 at 2·10^6 (R = 200); at 99%:
// 0.95 / 0.975 / 0.98, 0.98 / 0.99 / 0.99, 0.99 / 0.99 / 0.99 (at 10^6: 0.94 / 0.94 / 0.945 and
// 1.00 / 0.995 / 1.00). The misses are mostly one-sided (the score
// function's variance is underestimated). So the heavy-tailed pair is asserted at n = 2·10^6.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "estimators/core/noise.hpp"
#include "tests/budget.hpp"
#include "verify/stats/compare.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <sstream>

namespace estcheck {
namespace {

struct Pair {
  std::string problem;
  std::vector<double> theta;
  std::string reference, other;
};

/// Intervals (the default method) meeting the exact trace ratio at nominal 90% and 99%, over seeds
/// 1..replications.
std::array<int, 2> coverage_count(const Pair& pair, int replications, std::uint64_t n, double* exact_out) {
  auto p = make_problem(pair.problem);
  const Model m = make_model(*p, pair.theta);
  auto a = make_estimator(pair.reference), b = make_estimator(pair.other);
  a->prepare(m);
  b->prepare(m);
  CompareOptions o;
  o.alpha = 0.01;  // bootstrap replicates for the 99% interval
  o.run.samples = n;
  o.run.threads = 0;
  std::array<int, 2> covered{0, 0};
  for (int rep = 1; rep <= replications; ++rep) {
    o.run.seed = static_cast<std::uint64_t>(rep);
    CompareResult r = compare_estimators({a.get(), b.get()}, m, o);
    const Comparison& c = r.comparisons[0];
    EXPECT_TRUE(c.exact_trace_ratio.has_value());
    *exact_out = *c.exact_trace_ratio;
    const double e = *c.exact_trace_ratio_error;
    for (int level = 0; level < 2; ++level) {
      decide(r, level == 0 ? 0.1 : 0.01);
      // Covered: the interval meets the exact ratio's own error interval.
      covered[level] += c.trace.lower <= *c.exact_trace_ratio + e && *c.exact_trace_ratio - e <= c.trace.upper;
    }
  }
  return covered;
}

TEST(Compare, IntervalCoverageIsAtLeastNominal) {
  struct Setting {
    Pair pair;
    int replications;
    std::uint64_t n;
  };
  const double a = budget::kCompare / 2 / 6;
  for (const Setting& s : {Setting{{"toy:t=0.45", {0.5}, "reinforce", "reinforce:baseline=0.2"}, 400, 20000},
                           Setting{{"toy:t=0.45", {0.5}, "reinforce", "rloo:k=2"}, 400, 20000},
                           Setting{{"gaussian-quadratic:d=1,c=0.5", {0.2, 0.3}, "reinforce", "reparam"}, 200, 2000000}}) {
    const Pair& pair = s.pair;
    const int R = s.replications;
    double exact = 0;
    const std::array<int, 2> covered = coverage_count(pair, R, s.n, &exact);
    for (int level = 0; level < 2; ++level) {
      const double nominal = level == 0 ? 0.9 : 0.99;
      const double min_count = boost::math::quantile(boost::math::binomial(R, nominal), a);
      EXPECT_GE(covered[level], min_count) << pair.reference << " vs " << pair.other << " on " << pair.problem
                                           << " at n = " << s.n << ": coverage " << double(covered[level]) / R
                                           << " at nominal " << nominal << " (exact ratio " << exact << ")";
      RecordProperty("coverage_" + std::to_string(level == 0 ? 90 : 99) + "_" + pair.other,
                     std::to_string(double(covered[level]) / R));
    }
  }
}

// The done-when of issue 4: compare says pass for rloo, arm, disarm and relax against REINFORCE on
// the toy at t = 0.499, and for rloo, arm, disarm, rebar and relax on three random Bernoulli
// tables (3 variables, f ~ U(0, 1), θ ~ U(-2, 2), drawn once from Philox(2026, table, 0,
// Purpose::test)); fail for a baseline that increases the variance; and fail for rebar on that
// toy, which is the truth: its exact variance ratio there is 0.70 at the default (λ, η) = (0.5, 1)
// and no η reaches a ratio above 1 + 3e-8 (test_estimator_moments, docs/estimators.md). Six
// verdicts at α = kCompare / 2 / 6 each; every true ratio is far from 1 (measured 2.4 to 6e4 for
// the passes, 0.70 and < 0.2 for the fails), so the power is 1 to many digits.
TEST(Compare, ReductionsTheIssueNames) {
  CompareOptions o;
  o.alpha = budget::kCompare / 2 / 6;
  o.run.samples = 100000;
  auto run = [&](const std::string& problem, const std::vector<double>& theta, const std::vector<std::string>& specs,
                 std::unique_ptr<Problem> table = nullptr) {
    auto p = table ? std::move(table) : make_problem(problem);
    const Model m = make_model(*p, theta);
    std::vector<std::unique_ptr<Estimator>> owned;
    std::vector<const Estimator*> ests;
    for (const auto& spec : specs) {
      owned.push_back(make_estimator(spec));
      owned.back()->prepare(m);
      ests.push_back(owned.back().get());
    }
    return compare_estimators(ests, m, o);
  };
  const CompareResult toy = run("toy:t=0.499", {0.0}, {"reinforce", "rloo:k=2", "arm", "disarm", "relax"});
  EXPECT_EQ(toy.verdict, Verdict::pass) << toy.reason;
  const CompareResult rebar = run("toy:t=0.499", {0.0}, {"reinforce", "rebar"});
  EXPECT_EQ(rebar.verdict, Verdict::fail) << rebar.reason;
  ASSERT_TRUE(rebar.comparisons[0].exact_trace_ratio.has_value());
  EXPECT_LT(*rebar.comparisons[0].exact_trace_ratio, 1.0);
  const CompareResult worse = run("toy:t=0.499", {0.0}, {"reinforce", "reinforce:baseline=-3"});
  EXPECT_EQ(worse.verdict, Verdict::fail) << worse.reason;
  for (std::uint64_t t = 0; t < 3; ++t) {
    Noise noise(2026, t, 0, Purpose::test);
    std::vector<double> table(8), theta(3);
    for (double& v : table) v = noise.uniform();
    for (double& v : theta) v = 4.0 * noise.uniform() - 2.0;
    const CompareResult r = run("", theta, {"reinforce", "rloo:k=2", "arm", "disarm", "rebar", "relax"},
                                make_table_problem(Family::bernoulli, table, "random" + std::to_string(t)));
    EXPECT_EQ(r.verdict, Verdict::pass) << "table " << t << ": " << r.reason;
    for (const auto& c : r.comparisons)
      RecordProperty("table" + std::to_string(t) + "_" + c.other.substr(0, c.other.find(':')), std::to_string(c.trace.ratio));
  }
}

TEST(Compare, VerdictsAndReproducibility) {
  auto p = make_problem("toy:t=0.499");
  const Model m = make_model(*p, std::vector<double>{0.0});
  auto reinforce = make_estimator("reinforce"), loo = make_estimator("rloo:k=2"),
       worse = make_estimator("reinforce:baseline=-3");
  CompareOptions o;
  o.run.samples = 100000;
  EXPECT_EQ(compare_estimators({reinforce.get(), loo.get()}, m, o).verdict, Verdict::pass);
  EXPECT_EQ(compare_estimators({reinforce.get(), worse.get()}, m, o).verdict, Verdict::fail);
  o.min_reduction = 1e9;  // far more reduction than rloo gives here: the interval is below it
  EXPECT_EQ(compare_estimators({reinforce.get(), loo.get()}, m, o).verdict, Verdict::fail);
  // Bit-identical for any thread count.
  o.min_reduction = 1.0;
  o.run.threads = 1;
  const CompareResult one = compare_estimators({reinforce.get(), worse.get()}, m, o);
  o.run.threads = 2;
  const CompareResult two = compare_estimators({reinforce.get(), worse.get()}, m, o);
  EXPECT_EQ(one.comparisons[0].trace.lower, two.comparisons[0].trace.lower);
  EXPECT_EQ(one.comparisons[0].trace.upper, two.comparisons[0].trace.upper);
  EXPECT_EQ(one.variance, two.variance);
  // The bootstrap replicates too, on an estimator with continuous noise.
  auto arm = make_estimator("arm");
  o.run.threads = 1;
  const CompareResult arm1 = compare_estimators({reinforce.get(), arm.get()}, m, o);
  o.run.threads = 2;
  const CompareResult arm2 = compare_estimators({reinforce.get(), arm.get()}, m, o);
  ASSERT_EQ(arm1.comparisons[0].bootstrap_t.size(), bootstrap_replicates(o.alpha, 1));
  EXPECT_EQ(arm1.comparisons[0].bootstrap_t, arm2.comparisons[0].bootstrap_t);
  EXPECT_EQ(arm1.comparisons[0].trace.lower, arm2.comparisons[0].trace.lower);
  // fail_p_value is the α at which the verdict turns to fail: here (R far above the ratio) fail
  // just above it, not fail just below.
  CompareResult q = compare_estimators({reinforce.get(), arm.get()}, m, o);
  q.min_reduction = q.comparisons[0].trace.ratio * 1.02;
  const double pv = fail_p_value(q);
  ASSERT_GT(pv, 0.0);
  ASSERT_LT(pv, 0.5);
  decide(q, std::min(0.9, pv * 1.01));
  EXPECT_EQ(q.verdict, Verdict::fail);
  decide(q, pv * 0.99);
  EXPECT_NE(q.verdict, Verdict::fail);
  // Optimal scaling: reported for unbiased pairs only, and never worse than either estimator
  // (s = 0 and s = 1 are candidates), up to the rounding of the sums.
  auto concrete = make_estimator("concrete");
  o.run.threads = 0;
  const CompareResult mixed = compare_estimators({reinforce.get(), worse.get(), concrete.get()}, m, o);
  ASSERT_TRUE(mixed.comparisons[0].optimal_scale.has_value());
  EXPECT_FALSE(mixed.comparisons[1].optimal_scale.has_value());  // concrete is biased
  const double opt = *mixed.comparisons[0].optimal_trace_variance;
  EXPECT_LE(opt, std::min(mixed.trace[0], mixed.trace[1]) * (1 + 1e-9));
}

}  // namespace
}  // namespace estcheck
