// tests/test_verdict.cpp — verify/stats/verdict.hpp, the tester tested: the statistic, Holm's
// adjustment and the reported bounds on synthetic moments; the degenerate and error cases; and,
// by simulation, the false-failure rate under a true null and the power at the detectable bias
// that the verdict itself reports.
#include "estimators/core/error.hpp"
#include "tests/budget.hpp"
#include "verify/stats/verdict.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <gtest/gtest.h>

#include <cmath>

namespace estcheck {
namespace {

RunResult synthetic(std::vector<double> mean, std::vector<double> variance, std::uint64_t n) {
  RunResult r;
  r.requested = n;
  r.moments.count = n;
  r.moments.mean = mean;
  for (double v : variance) r.moments.m2.push_back(v * double(n - 1));
  for (double m : mean) r.moments.mean_abs.push_back(std::abs(m));
  return r;
}

ExactGradient exact(std::vector<double> g) {
  ExactGradient e;
  e.gradient = g;
  e.error.assign(g.size(), 0.0);
  e.certificate = proven("synthetic: exact by construction");
  return e;
}

// Issue 14: no verdict rests on an uncertified target. The same statistics that fail (5 SE off) or
// pass (on target) against a certified target are inconclusive against an estimated or unknown
// one, and the reason says what they would have concluded and why they cannot.
TEST(Verdict, UncertifiedTargetsGiveNoVerdict) {
  const std::uint64_t n = 10000;
  const RunResult off = synthetic({2.05}, {1.0}, n), on = synthetic({2.0}, {1.0}, n);
  ExactGradient certified = exact({2.0});
  ASSERT_EQ(test_bias(off, certified, {0.01, {}}).verdict, Verdict::fail);
  ASSERT_EQ(test_bias(on, certified, {0.01, {}}).verdict, Verdict::pass);

  ExactGradient guessed = certified;
  guessed.certificate = estimated("Gauss-Kronrod error estimate");
  for (const RunResult* r : {&off, &on}) {
    const BiasTest t = test_bias(*r, guessed, {0.01, {}});
    EXPECT_EQ(t.verdict, Verdict::inconclusive);
    EXPECT_NE(t.reason.find("estimated, not proven (Gauss-Kronrod error estimate)"), std::string::npos) << t.reason;
    EXPECT_NE(t.reason.find(r == &off ? "would fail" : "would pass"), std::string::npos) << t.reason;
    EXPECT_EQ(t.target_certificate.certainty, Certainty::estimated);
  }
  const ExactGradient missing = unknown_gradient(1, ExactMethod::automatic, "budget exceeded: a test");
  const BiasTest u = test_bias(off, missing, {0.01, {}});
  EXPECT_EQ(u.verdict, Verdict::inconclusive);
  EXPECT_NE(u.reason.find("exact target is unknown (budget exceeded: a test)"), std::string::npos) << u.reason;
}

TEST(Verdict, StatisticPValuesAndHolm) {
  const std::uint64_t n = 10000;
  // Coordinate 0: 1 SE off; coordinate 1: 5 SE off; coordinate 2: exact.
  const RunResult r = synthetic({1.01, 2.05, 3.0}, {1.0, 1.0, 1.0}, n);
  const BiasTest t = test_bias(r, exact({1.0, 2.0, 3.0}), {0.01, {}});
  const boost::math::students_t td(double(n - 1));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(t.std_error[i], 0.01, 1e-15);
  EXPECT_NEAR(t.statistic[0], 1.0, 1e-9);
  EXPECT_NEAR(t.statistic[1], 5.0, 1e-9);
  const double p0 = 2 * boost::math::cdf(boost::math::complement(td, t.statistic[0]));
  const double p1 = 2 * boost::math::cdf(boost::math::complement(td, t.statistic[1]));
  EXPECT_DOUBLE_EQ(t.p_value_raw[0], p0);
  // Holm: the smallest p times 3, the next times 2 (monotone), the largest times 1.
  EXPECT_DOUBLE_EQ(t.p_value[1], 3 * p1);
  EXPECT_DOUBLE_EQ(t.p_value[0], std::max(3 * p1, 2 * p0));
  EXPECT_DOUBLE_EQ(t.p_value[2], 1.0);
  EXPECT_EQ(t.verdict, Verdict::fail);
  EXPECT_NE(t.reason.find("coordinate 1"), std::string::npos);
  // Bonferroni critical value at α/(2d) and the bounds built on it.
  const double q = boost::math::quantile(boost::math::complement(td, 0.01 / 6));
  EXPECT_DOUBLE_EQ(t.critical_value, q);
  double bound = 0, detectable = 0;
  for (int i = 0; i < 3; ++i) {
    bound = std::max(bound, std::abs(t.bias[i]) + t.numerical_error[i] + q * t.std_error[i]);
    detectable = std::max(detectable, (q + boost::math::quantile(td, 0.9)) * t.std_error[i] +
                                          2 * t.numerical_error[i]);
    // The numerical budget: the mean's rounding bound, (1024 + 4 log2(blocks) + 4) ε mean|x|.
    EXPECT_DOUBLE_EQ(t.numerical_error[i], (1024.0 + 4 * 4 + 4) * 2.220446049250313e-16 * r.moments.mean_abs[i]);
  }
  EXPECT_DOUBLE_EQ(t.bias_bound, bound);
  EXPECT_DOUBLE_EQ(t.detectable_bias, detectable);
}

TEST(Verdict, PassAndToleranceAndInconclusive) {
  const RunResult r = synthetic({1.001}, {1.0}, 1000000);
  const ExactGradient g = exact({1.0});
  EXPECT_EQ(test_bias(r, g, {0.001, {}}).verdict, Verdict::pass);
  const BiasTest within = test_bias(r, g, {0.001, 0.1});
  EXPECT_EQ(within.verdict, Verdict::pass);
  EXPECT_LT(within.bias_bound, 0.1);
  const BiasTest tight = test_bias(r, g, {0.001, 0.004});
  EXPECT_EQ(tight.verdict, Verdict::inconclusive);
  ASSERT_TRUE(tight.samples_for_tolerance.has_value());
  // At the suggested n the bound would be |bias| + q σ/√n' = tolerance (if the estimate held).
  EXPECT_NEAR(0.001 + tight.critical_value / std::sqrt(*tight.samples_for_tolerance), 0.004, 1e-6);
  // A bias larger than the tolerance cannot be resolved by more samples: no estimate.
  EXPECT_FALSE(test_bias(r, g, {0.001, 0.0005}).samples_for_tolerance.has_value());
}

TEST(Verdict, ZeroVarianceUsesTheNumericalBudget) {
  const RunResult r = synthetic({0.5}, {0.0}, 1000);
  EXPECT_EQ(test_bias(r, exact({0.5}), {0.001, {}}).verdict, Verdict::pass);
  // One ulp off is inside the rounding budget of the mean: not evidence of bias.
  EXPECT_EQ(test_bias(r, exact({std::nextafter(0.5, 1.0)}), {0.001, {}}).verdict, Verdict::pass);
  // Off by more, with every sample equal: certain bias under the t-test's CLT assumption (p = 0),
  // and the verdict says how large a variance an unbiased estimator would need to produce this
  // with probability >= α/d: V* = Δ²/(a^(-1/n) - 1), Δ = 0.01 minus the rounding budget.
  const BiasTest off = test_bias(r, exact({0.51}), {0.001, {}});
  EXPECT_EQ(off.verdict, Verdict::fail);
  EXPECT_EQ(off.p_value_family, 0.0);
  ASSERT_EQ(off.degenerate_coordinates, std::vector<std::size_t>{0});
  const double delta = 0.01 - off.numerical_error[0];
  EXPECT_NEAR(off.variance_needed[0], delta * delta / std::expm1(std::log(1000.0) / 1000.0), 1e-12);
  EXPECT_NE(off.reason.find("samples of coordinate 0 are equal"), std::string::npos) << off.reason;
  // Check V*: with v = V*, (v / (v + Δ²))^n = a.
  const double v = off.variance_needed[0];
  EXPECT_NEAR(std::pow(v / (v + delta * delta), 1000.0), 0.001, 1e-9);
  // A spread above the rounding floor is ordinary data: no degenerate coordinate.
  EXPECT_TRUE(test_bias(synthetic({0.5}, {1e-6}, 1000), exact({0.51}), {0.001, {}}).degenerate_coordinates.empty());
}

TEST(Verdict, NonFiniteSamplesGiveAnError) {
  RunResult r = synthetic({0.5}, {1.0}, 1000);
  r.requested = 1003;
  r.nonfinite = 3;
  r.first_nonfinite = 17;
  const BiasTest t = test_bias(r, exact({0.5}), {0.001, {}});
  EXPECT_EQ(t.verdict, Verdict::error);
  EXPECT_EQ(exit_code(t.verdict), 4);
  EXPECT_NE(t.reason.find("3 of 1003"), std::string::npos) << t.reason;
  EXPECT_NE(t.reason.find("sample 17"), std::string::npos) << t.reason;
}

TEST(Verdict, RejectsBadOptions) {
  const RunResult r = synthetic({0.5}, {1.0}, 1000);
  EXPECT_THROW(test_bias(r, exact({0.5}), {0.0, {}}), InputError);
  EXPECT_THROW(test_bias(r, exact({0.5}), {1.0, {}}), InputError);
  EXPECT_THROW(test_bias(r, exact({0.5}), {0.01, -1.0}), InputError);
  EXPECT_THROW(test_bias(r, exact({0.5}), {0.01, NAN}), InputError);
}

// Simulation of the verdict on normal data (where Student's t is exact), R replications of n
// draws in d = 3 coordinates: under H0 the number of false failures is Binomial(R, ≤ α), and with
// a bias equal to the detectable bias in one coordinate the number of detections is at least
// Binomial(R, 0.9). Each of the 2 checks is made at kVerdict/2 with Boost's binomial quantiles.
struct Simulation {
  int rejections = 0;
};

Simulation simulate(int replications, std::uint64_t n, double alpha, double planted_bias) {
  Simulation s;
  for (int rep = 0; rep < replications; ++rep) {
    std::vector<double> x(n * 3);
    for (std::uint64_t i = 0; i < n; ++i) {
      Noise noise(31337, static_cast<std::uint64_t>(rep), i, Purpose::test);
      for (int j = 0; j < 3; ++j) x[i * 3 + j] = noise.normal() + (j == 0 ? planted_bias : 0.0);
    }
    RunResult r;
    r.requested = n;
    r.moments = block_moments(x, n, 3);
    const BiasTest t = test_bias(r, exact({0.0, 0.0, 0.0}), {alpha, {}});
    s.rejections += t.verdict == Verdict::fail;
  }
  return s;
}

TEST(Verdict, FalseFailureRateUnderTheNullIsAtMostAlpha) {
  const int R = 4000;
  const double alpha = 0.05, check_alpha = budget::kVerdict / 2;
  const Simulation s = simulate(R, 500, alpha, 0.0);
  // Holm with 3 independent t-tests rejects with probability 1 - (1 - α/3)^3 <= α.
  const double p_true = 1 - std::pow(1 - alpha / 3, 3);
  const double upper = boost::math::quantile(
      boost::math::complement(boost::math::binomial(R, p_true), check_alpha));
  EXPECT_LE(s.rejections, upper) << "observed false-failure rate " << double(s.rejections) / R;
  RecordProperty("false_failure_rate", std::to_string(double(s.rejections) / R));
}

TEST(Verdict, PowerAtTheReportedDetectableBiasIsAtLeastNinetyPercent) {
  const int R = 2000;
  const std::uint64_t n = 500;
  const double alpha = 0.01, check_alpha = budget::kVerdict / 2;
  // The detectable bias the verdict reports for σ = 1 and this n, d, α:
  const boost::math::students_t td(double(n - 1));
  const double q = boost::math::quantile(boost::math::complement(td, alpha / 6));
  const double detectable = (q + boost::math::quantile(td, 0.9)) / std::sqrt(double(n));
  const Simulation s = simulate(R, n, alpha, detectable);
  const double lower = boost::math::quantile(boost::math::binomial(R, 0.9), check_alpha);
  EXPECT_GE(s.rejections, lower) << "observed power " << double(s.rejections) / R;
  RecordProperty("power", std::to_string(double(s.rejections) / R));
}

}  // namespace
}  // namespace estcheck
