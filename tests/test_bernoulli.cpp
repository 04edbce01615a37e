// tests/test_bernoulli.cpp — estimators/bernoulli.hpp: probabilities at extreme logits, the score
// against finite differences of log_prob, the support order, sampling frequencies, bad input.
#include "estimators/bernoulli.hpp"
#include "estimators/error.hpp"
#include "tests/budget.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Bernoulli, ProbabilitiesAndLogs) {
  const std::vector<double> theta{0.0, 2.0, -40.0, 40.0};
  BernoulliLogits d(theta);
  EXPECT_EQ(d.probs[0], 0.5);
  EXPECT_NEAR(d.probs[1], 1 / (1 + std::exp(-2.0)), 2 * kEps);
  // At θ = -40, σ = e^-40 / (1 + e^-40): relative accuracy, not absolute.
  EXPECT_NEAR(d.probs[2] / std::exp(-40.0), 1.0, 4 * kEps);
  EXPECT_NEAR(d.log_p1[2], -40.0, 4 * kEps * 40);
  EXPECT_NEAR(d.log_p0[3], -40.0, 4 * kEps * 40);
}

TEST(Bernoulli, SupportSumsToOneAndIsIndexedByBits) {
  BernoulliLogits d(std::vector<double>{0.3, -1.2, 2.5});
  ASSERT_EQ(support_size(d), 8u);
  double total = 0;
  std::vector<double> b(3);
  for (std::uint64_t k = 0; k < 8; ++k) {
    support_point(d, k, b);
    EXPECT_EQ(b[0] + 2 * b[1] + 4 * b[2], static_cast<double>(k));
    total += std::exp(log_prob(d, b));
  }
  // 8 terms, each exp of a sum of 3 logs: relative error <= 8ε per term, 8 additions.
  EXPECT_NEAR(total, 1.0, 16 * kEps);
}

// ∂/∂θ_i log p(b | θ) = b_i - σ(θ_i), checked against Boost's 6th-order finite difference, whose
// own error estimate (times 10 for its being an estimate) is the tolerance.
TEST(Bernoulli, ScoreMatchesFiniteDifferences) {
  const std::vector<double> theta{0.3, -1.2, 4.0};
  std::vector<double> b(3), s(3);
  for (std::uint64_t k = 0; k < 8; ++k) {
    support_point(BernoulliLogits(theta), k, b);
    score(BernoulliLogits(theta), b, s);
    for (std::size_t i = 0; i < 3; ++i) {
      auto lp = [&](double t) {
        auto th = theta;
        th[i] = t;
        return log_prob(BernoulliLogits(th), b);
      };
      double err = 0;
      const double fd = boost::math::differentiation::finite_difference_derivative(lp, theta[i], &err);
      EXPECT_NEAR(s[i], fd, 10 * err + 4 * kEps) << "k=" << k << " i=" << i;
    }
  }
}

// Statistical: 2^20 draws of 3 variables; one z-test per variable, each at share/3 of this file's
// share (a third of kDistributions). SE = √(p(1-p)/n).
TEST(Bernoulli, SampleFrequencies) {
  const double z = budget::z_critical(budget::kDistributions / 3 / 3);
  BernoulliLogits d(std::vector<double>{0.0, -2.0, 3.0});
  const std::uint64_t n = 1u << 20;
  std::vector<double> b(3), ones(3, 0.0);
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(7, i / 1024, i % 1024);
    sample(d, noise, b);
    for (int j = 0; j < 3; ++j) ones[j] += b[j];
  }
  for (int j = 0; j < 3; ++j) {
    const double p = d.probs[j];
    EXPECT_LT(std::abs(ones[j] / n - p), z * std::sqrt(p * (1 - p) / n)) << "variable " << j;
  }
}

TEST(Bernoulli, RejectsBadLogits) {
  EXPECT_THROW(BernoulliLogits(std::vector<double>{}), InputError);
  EXPECT_THROW(BernoulliLogits(std::vector<double>{0.0, std::nan("")}), InputError);
  EXPECT_THROW(BernoulliLogits(std::vector<double>{INFINITY}), InputError);
  try {
    BernoulliLogits(std::vector<double>{1.0, -INFINITY});
  } catch (const InputError& e) {
    EXPECT_EQ(e.argument(), "theta");
    EXPECT_NE(std::string(e.what()).find("position 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace estcheck
