// tests/test_compare.cpp — verify/compare.hpp: the coverage of the variance-ratio interval,
// measured (not assumed) on two pairs with an exactly known ratio — a light-tailed one (REINFORCE
// with and without a baseline on the toy) and a heavy-tailed one (the Gaussian score function,
// whose samples are a degree-3 polynomial of a normal times a normal, against the pathwise
// estimator) — plus the verdicts: pass when a control variate reduces the variance, fail when it
// increases it, bit-identical figures for any thread count.
//
// Coverage at nominal 90% (α = 0.1, one comparison), R replications (seeds 1..R): the number of
// intervals meeting the exact ratio is Binomial(R, c); the test asserts it is at least the
// budget::kCompare / 2 quantile of Binomial(R, 0.9) for each pair, and records the observed coverage.
// Measured (docs/statistics.md): the delta-method interval UNDERCOVERS on the heavy-tailed pair at
// small n — 0.87 at n = 2·10^4, 0.895 at 2·10^5, 0.90 at 2·10^6 (the misses are one-sided: the
// score function's variance is underestimated) — so the heavy-tailed pair is asserted at
// n = 2·10^5 (R = 200), where coverage is at nominal within the test's resolution, and the
// light-tailed pair at n = 2·10^4 (R = 400). A small-sample-robust interval is open work (issue 4).
#include "estimators/problems.hpp"
#include "estimators/registry.hpp"
#include "tests/budget.hpp"
#include "verify/compare.hpp"
#include "verify/estimator_mean.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <gtest/gtest.h>

namespace estcheck {
namespace {

struct Pair {
  std::string problem;
  std::vector<double> theta;
  std::string reference, other;
};

double coverage_count(const Pair& pair, int replications, std::uint64_t n, double* exact_out) {
  auto p = make_problem(pair.problem);
  const Model m = make_model(*p, pair.theta);
  auto a = make_estimator(pair.reference), b = make_estimator(pair.other);
  CompareOptions o;
  o.alpha = 0.1;
  o.run.samples = n;
  o.run.threads = 1;
  int covered = 0;
  for (int rep = 1; rep <= replications; ++rep) {
    o.run.seed = static_cast<std::uint64_t>(rep);
    const CompareResult r = compare_estimators({a.get(), b.get()}, m, o);
    const Comparison& c = r.comparisons[0];
    EXPECT_TRUE(c.exact_trace_ratio.has_value());
    *exact_out = *c.exact_trace_ratio;
    // Covered: the interval meets the exact ratio's own error interval.
    const double e = *c.exact_trace_ratio_error;
    covered += c.trace.lower <= *c.exact_trace_ratio + e && *c.exact_trace_ratio - e <= c.trace.upper;
  }
  return covered;
}

TEST(Compare, IntervalCoverageIsAtLeastNominal) {
  struct Setting {
    Pair pair;
    int replications;
    std::uint64_t n;
  };
  for (const Setting& s : {Setting{{"toy:t=0.45", {0.5}, "reinforce", "reinforce:baseline=0.2"}, 400, 20000},
                           Setting{{"gaussian-quadratic:d=1,c=0.5", {0.2, 0.3}, "reinforce", "reparam"}, 200, 200000}}) {
    const Pair& pair = s.pair;
    const int R = s.replications;
    const double min_count = boost::math::quantile(boost::math::binomial(R, 0.9), budget::kCompare / 2);
    double exact = 0;
    const double covered = coverage_count(pair, R, s.n, &exact);
    EXPECT_GE(covered, min_count) << pair.reference << " vs " << pair.other << " on " << pair.problem
                                  << ": coverage " << covered / R << " (exact ratio " << exact << ")";
    RecordProperty("coverage_" + pair.other, std::to_string(covered / R));
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
