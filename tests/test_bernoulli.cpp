// tests/test_bernoulli.cpp — estimators/distributions/bernoulli.hpp: probabilities at extreme logits, the score
// against finite differences of log_prob, the support order, sampling frequencies, bad input.
#include "estimators/distributions/bernoulli.hpp"
#include "estimators/core/error.hpp"
#include "tests/budget.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>

#include <algorithm>
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

// Statistical: 2^20 draws of 3 variables; one z-test per variable. This file's share (a third of
// kDistributions) is split over 4 checks (these 3 and TiesAreDecidedByTheTail). SE = √(p(1-p)/n).
TEST(Bernoulli, SampleFrequencies) {
  const double z = budget::z_critical(budget::kDistributions / 3 / 4);
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

// The noise layout of sample(): per chunk of 64 variables, heads 8 per word (top byte first),
// then one word per tied variable. Recomputed here for 70 variables (two chunks); with 70 x 3000
// draws about 820 ties occur (rate 2^-8), so the tail path is exercised.
TEST(Bernoulli, SampleFollowsTheDocumentedNoiseLayout) {
  std::vector<double> theta(70);
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = -6.0 + 0.17 * double(i);
  BernoulliLogits d(theta);
  std::vector<double> b(70);
  std::uint64_t ties_seen = 0;
  for (std::uint64_t s = 0; s < 3000; ++s) {
    Noise a(17, 0, s), ref(17, 0, s);
    sample(d, a, b);
    for (std::size_t c0 = 0; c0 < 70; c0 += 64) {
      const std::size_t c1 = std::min<std::size_t>(70, c0 + 64);
      std::vector<std::size_t> tied;
      std::vector<double> want(c1 - c0);
      std::uint64_t word = 0;
      for (std::size_t i = c0; i < c1; ++i) {
        if ((i - c0) % 8 == 0) word = ref.bits();
        const std::uint64_t head = (word >> (56 - 8 * ((i - c0) % 8))) & 0xFF;
        const bool one_rare = d.probs[i] <= d.probs0[i];
        const auto t = static_cast<std::uint64_t>(std::ldexp(one_rare ? d.probs[i] : d.probs0[i], 64));
        if (head == (t >> 56)) tied.push_back(i);
        const bool rare = head < (t >> 56);
        want[i - c0] = (rare == one_rare) ? 1.0 : 0.0;
      }
      for (std::size_t i : tied) {
        const bool one_rare = d.probs[i] <= d.probs0[i];
        const auto t = static_cast<std::uint64_t>(std::ldexp(one_rare ? d.probs[i] : d.probs0[i], 64));
        const bool rare = (ref.bits() >> 8) < (t & 0x00FF'FFFF'FFFF'FFFFULL);
        want[i - c0] = (rare == one_rare) ? 1.0 : 0.0;
      }
      ties_seen += tied.size();
      for (std::size_t i = c0; i < c1; ++i) EXPECT_EQ(b[i], want[i - c0]) << "sample " << s << " var " << i;
    }
  }
  EXPECT_GT(ties_seen, 0u);
}

// Statistical: a probability whose 64-bit threshold is about 1.5 · 2^56, so a third of P(b = 1)
// comes from ties decided by the 56-bit tail (a broken tail moves P by 0.5/256, ~50 standard
// errors). z-test over 2^22 draws at this file's share / 4 (see SampleFrequencies).
TEST(Bernoulli, TiesAreDecidedByTheTail) {
  const double z = budget::z_critical(budget::kDistributions / 3 / 4);
  const double p = 1.5 / 256;
  BernoulliLogits d(std::vector<double>{std::log(p / (1 - p))});
  ASSERT_EQ(d.top[0], 1u);
  const std::uint64_t n = 1u << 22;
  std::vector<double> b(1);
  double ones = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(23, i >> 10, i & 1023);
    sample(d, noise, b);
    ones += b[0];
  }
  EXPECT_LT(std::abs(ones / n - p), z * std::sqrt(p * (1 - p) / n));
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
