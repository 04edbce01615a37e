// tests/test_gaussian.cpp — estimators/distributions/gaussian.hpp: log_prob against Boost's normal pdf, the
// score against finite differences, rsample = μ + σε, sample moments, bad input.
#include "estimators/core/error.hpp"
#include "estimators/distributions/gaussian.hpp"
#include "tests/budget.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Gaussian, LogProbMatchesBoost) {
  const std::vector<double> theta{0.5, -1.0, 0.2, -0.7};  // μ = (0.5, -1), log σ = (0.2, -0.7)
  DiagGaussian d(theta);
  const std::vector<double> x{1.3, -2.1};
  const double expected =
      std::log(boost::math::pdf(boost::math::normal_distribution<double>(0.5, std::exp(0.2)), 1.3)) +
      std::log(boost::math::pdf(boost::math::normal_distribution<double>(-1.0, std::exp(-0.7)), -2.1));
  EXPECT_NEAR(log_prob(d, x), expected, 32 * kEps * std::abs(expected));
}

TEST(Gaussian, ScoreMatchesFiniteDifferences) {
  const std::vector<double> theta{0.5, -1.0, 0.2, -0.7};
  const std::vector<double> x{1.3, -2.1};
  std::vector<double> s(4);
  score(DiagGaussian(theta), x, s);
  for (std::size_t i = 0; i < 4; ++i) {
    auto lp = [&](double t) {
      auto th = theta;
      th[i] = t;
      return log_prob(DiagGaussian(th), x);
    };
    double err = 0;
    const double fd = boost::math::differentiation::finite_difference_derivative(lp, theta[i], &err);
    EXPECT_NEAR(s[i], fd, 10 * err + 8 * kEps * std::abs(fd)) << "coordinate " << i;
  }
}

TEST(Gaussian, RsampleIsTheReparameterization) {
  DiagGaussian d(std::vector<double>{0.5, -1.0, 0.2, -0.7});
  Noise a(3, 0, 0), b(3, 0, 0);
  std::vector<double> eps(2), x(2), y(2);
  standard_noise(d, a, eps);
  rsample(d, eps, x);
  sample(d, b, y);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(x[i], d.mu[i] + d.sigma[i] * eps[i]);
    EXPECT_EQ(x[i], y[i]);
  }
}

// Statistical: the mean of x_0 over 2^20 samples; one z-test at a third of kDistributions.
TEST(Gaussian, SampleMean) {
  const double z = budget::z_critical(budget::kDistributions / 3);
  DiagGaussian d(std::vector<double>{0.5, std::log(2.0)});
  const std::uint64_t n = 1u << 20;
  std::vector<double> x(1);
  double sum = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(13, i / 1024, i % 1024);
    sample(d, noise, x);
    sum += x[0];
  }
  EXPECT_LT(std::abs(sum / n - 0.5), z * 2.0 / std::sqrt(double(n)));
}

TEST(Gaussian, RejectsBadParameters) {
  EXPECT_THROW(DiagGaussian(std::vector<double>{0.0}), InputError);              // odd length
  EXPECT_THROW(DiagGaussian(std::vector<double>{}), InputError);
  EXPECT_THROW(DiagGaussian(std::vector<double>{0.0, 800.0}), InputError);       // σ overflows
  EXPECT_THROW(DiagGaussian(std::vector<double>{0.0, -800.0}), InputError);      // σ underflows to 0
  EXPECT_THROW(DiagGaussian(std::vector<double>{std::nan(""), 0.0}), InputError);
}

}  // namespace
}  // namespace estcheck
