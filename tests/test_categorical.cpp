// tests/test_categorical.cpp — estimators/distributions/categorical.hpp: softmax at large logits, the score
// against finite differences, one-hot support, sampling frequencies (chi-square), bad input.
#include "estimators/distributions/categorical.hpp"
#include "estimators/core/error.hpp"
#include "tests/budget.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Categorical, SoftmaxIsStableAtLargeLogits) {
  CategoricalLogits d(std::vector<double>{1000.0, 1000.0, 0.0});
  EXPECT_NEAR(d.probs[0], 0.5, 2 * kEps);
  EXPECT_NEAR(d.probs[1], 0.5, 2 * kEps);
  EXPECT_GE(d.probs[2], 0.0);
  EXPECT_EQ(d.cumulative.back(), 1.0);
  EXPECT_NEAR(d.log_probs[2], -1000.0 - std::log(2.0), 1000 * 4 * kEps);
}

TEST(Categorical, SupportIsOneHotAndSumsToOne) {
  CategoricalLogits d(std::vector<double>{0.1, -0.5, 2.0, 0.0});
  ASSERT_EQ(support_size(d), 4u);
  std::vector<double> x(4);
  double total = 0;
  for (std::uint64_t k = 0; k < 4; ++k) {
    support_point(d, k, x);
    EXPECT_EQ(category(x), k);
    total += std::exp(log_prob(d, x));
  }
  EXPECT_NEAR(total, 1.0, 16 * kEps);
}

// ∇θ log p(k) = e_k - softmax(θ), against Boost's finite difference with its error estimate.
TEST(Categorical, ScoreMatchesFiniteDifferences) {
  const std::vector<double> theta{0.1, -0.5, 2.0, 0.0};
  std::vector<double> x(4), s(4);
  for (std::uint64_t k = 0; k < 4; ++k) {
    support_point(CategoricalLogits(theta), k, x);
    score(CategoricalLogits(theta), x, s);
    for (std::size_t i = 0; i < 4; ++i) {
      auto lp = [&](double t) {
        auto th = theta;
        th[i] = t;
        return log_prob(CategoricalLogits(th), x);
      };
      double err = 0;
      const double fd = boost::math::differentiation::finite_difference_derivative(lp, theta[i], &err);
      EXPECT_NEAR(s[i], fd, 10 * err + 4 * kEps);
    }
  }
}

// Statistical: Pearson's chi-square over 2^20 draws of K = 5 classes, one check at a third of
// kDistributions; p from Boost's chi_squared(K - 1).
TEST(Categorical, SampleFrequencies) {
  const double alpha = budget::kDistributions / 3;
  CategoricalLogits d(std::vector<double>{0.0, 1.0, -1.0, 2.0, 0.5});
  const std::uint64_t n = 1u << 20;
  std::vector<double> x(5), counts(5, 0.0);
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(11, i / 1024, i % 1024);
    sample(d, noise, x);
    counts[category(x)] += 1;
  }
  double chi2 = 0;
  for (int k = 0; k < 5; ++k) {
    const double e = n * d.probs[k];
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  }
  const double p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(4), chi2));
  EXPECT_GT(p, alpha) << "chi2 = " << chi2;
}

TEST(Categorical, RejectsBadLogits) {
  EXPECT_THROW(CategoricalLogits(std::vector<double>{1.0}), InputError);
  EXPECT_THROW(CategoricalLogits(std::vector<double>{1.0, std::nan("")}), InputError);
}

}  // namespace
}  // namespace estcheck
