// tests/test_estimator_moments.cpp — verify/estimator_mean.hpp's exact moments against
// hand-derived variances (issue: exact variance oracles), each to 1e-12 relative or the oracle's
// own bound:
// - REINFORCE on the toy: ĝ = f(b)(b - p); E ĝ² = p f1² (1-p)² + (1-p) f0² p².
// - Gaussian f = (x - k)², x = μ + σε (Mohamed et al. 2020, §5 and §7): the pathwise variance is 4σ²
//   for μ and 4σ²((μ-k)² + 2σ²) for log σ (σ² times the variance for σ); the score function's
//   variance for μ is ((μ-k)⁴ + 14σ²(μ-k)² + 15σ⁴)/σ².
// - A constant baseline changes the variance, never the mean.
#include "estimators/problems.hpp"
#include "estimators/registry.hpp"
#include "verify/estimator_mean.hpp"
#include "verify/exact.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace estcheck {
namespace {

void expect_rel(double got, double want, double bound) {
  EXPECT_NEAR(got, want, std::max(1e-12 * std::abs(want), bound)) << "want " << want;
}

TEST(EstimatorMoments, ReinforceOnTheToy) {
  for (double theta : {-2.0, 0.3, 4.0}) {
    auto p = make_problem("toy:t=0.45");
    const Model m = make_model(*p, std::vector<double>{theta});
    const auto mo = exact_estimator_moments(*make_estimator("reinforce"), m);
    ASSERT_TRUE(mo.has_value());
    const double pr = 1 / (1 + std::exp(-theta)), q = 1 / (1 + std::exp(theta));
    const double f1 = 0.55 * 0.55, f0 = 0.45 * 0.45;
    const double mean = pr * q * (f1 - f0), second = pr * f1 * f1 * q * q + q * f0 * f0 * pr * pr;
    expect_rel(mo->mean[0], mean, mo->mean_error[0]);
    expect_rel(mo->variance[0], second - mean * mean, mo->variance_error[0]);
  }
}

TEST(EstimatorMoments, GaussianQuadraticPathwiseAndScoreFunction) {
  const double k = 0.5;
  auto p = make_problem("gaussian-quadratic:d=1,c=0.5");
  for (const auto& [mu, log_sigma] : {std::pair{0.2, 0.3}, std::pair{-1.5, -0.7}, std::pair{2.0, 0.0}}) {
    const Model m = make_model(*p, std::vector<double>{mu, log_sigma});
    const double s2 = std::exp(2 * log_sigma), a = mu - k;
    const auto path = exact_estimator_moments(*make_estimator("reparam"), m);
    ASSERT_TRUE(path.has_value());
    expect_rel(path->variance[0], 4 * s2, path->variance_error[0]);
    expect_rel(path->variance[1], 4 * s2 * (a * a + 2 * s2), path->variance_error[1]);
    expect_rel(path->mean[0], 2 * a, path->mean_error[0]);
    const auto sf = exact_estimator_moments(*make_estimator("reinforce"), m);
    ASSERT_TRUE(sf.has_value());
    expect_rel(sf->variance[0], (a * a * a * a + 14 * s2 * a * a + 15 * s2 * s2) / s2, sf->variance_error[0]);
  }
}

TEST(EstimatorMoments, BaselinesChangeTheVarianceNotTheMean) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  const auto plain = exact_estimator_moments(*make_estimator("reinforce"), m);
  const auto base = exact_estimator_moments(*make_estimator("reinforce:baseline=1.2"), m);
  const auto loo = exact_estimator_moments(*make_estimator("rloo:k=2"), m);
  const ExactGradient g = exact_gradient(m);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(plain->mean[i], g.gradient[i], plain->mean_error[i] + g.error[i]);
    EXPECT_NEAR(base->mean[i], g.gradient[i], base->mean_error[i] + g.error[i]);
    EXPECT_NEAR(loo->mean[i], g.gradient[i], loo->mean_error[i] + g.error[i]);
    EXPECT_GT(std::abs(plain->variance[i] - base->variance[i]), plain->variance_error[i] + base->variance_error[i]);
  }
}

TEST(EstimatorMoments, OnlyForEstimatorsWhoseNoiseIsTheirDraws) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.0});
  EXPECT_FALSE(exact_estimator_moments(*make_estimator("arm"), m).has_value());
  EXPECT_FALSE(exact_estimator_moments(*make_estimator("concrete"), m).has_value());
  EXPECT_TRUE(exact_estimator_moments(*make_estimator("vimco:k=3"), m).has_value());
}

}  // namespace
}  // namespace estcheck
