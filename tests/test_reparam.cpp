// tests/test_reparam.cpp — estimators/reparam.hpp: the sample is ∇x f(μ + σε) pulled back to
// (μ, log σ) (golden), it refuses discrete problems, and on the quadratic its mean and variance
// are the closed forms E ĝ_μ = 2(μ - c), Var ĝ_μ = 4σ² (Mohamed et al. 2020, §5).
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace estcheck {
namespace {

TEST(Reparam, RefusesDiscreteProblems) {
  auto e = make_estimator("reparam");
  EXPECT_TRUE(e->info().needs_rsample);
  auto toy = make_problem("toy");
  try {
    e->check(*toy);
    FAIL() << "no error";
  } catch (const InputError& err) {
    EXPECT_EQ(err.field(), "estimator");
    const std::string msg = err.what();
    EXPECT_NE(msg.find("reparam"), std::string::npos);
    EXPECT_NE(msg.find("toy:t=0.499"), std::string::npos);
  }
  EXPECT_NO_THROW(e->check(*make_problem("gaussian-step")));
}

TEST(Reparam, SampleIsPathwiseDerivative) {
  auto p = make_problem("gaussian-quadratic:d=2,c=0.5");
  auto e = make_estimator("reparam");
  const std::vector<double> theta{0.1, -0.2, 0.3, -0.4};
  const Model m = make_model(*p, theta);
  std::vector<double> scratch(e->scratch_size(m)), g(4);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(*e, m, 8, 1, i, scratch, g);
    Noise noise(8, 1, i);
    for (int j = 0; j < 2; ++j) {
      const double eps = noise.normal(), s = std::exp(theta[2 + j]);
      const double x = theta[j] + s * eps;
      EXPECT_EQ(g[j], 2 * (x - 0.5));
      EXPECT_EQ(g[2 + j], 2 * (x - 0.5) * s * eps);
    }
  }
}

TEST(Reparam, StepProblemGivesZero) {
  auto p = make_problem("gaussian-step");
  auto e = make_estimator("reparam");
  const Model m = make_model(*p, std::vector<double>{0.2, 0.0});
  const RunResult r = run_estimator(*e, m, {5000, 1, 1});
  EXPECT_EQ(r.moments.mean, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(r.moments.m2, (std::vector<double>{0.0, 0.0}));
}

// Statistical: ĝ_μ = 2(x - c) is normal with mean 2(μ - c) and variance 4σ², so its sample mean
// over n draws is within z·2σ/√n; and its sample variance within z·4σ²√(2/(n-1)). Two checks
// at kEstimators/2 each.
TEST(Reparam, QuadraticMeanAndVarianceMatchClosedForms) {
  const double z = budget::z_critical(budget::kEstimators / 2);
  auto p = make_problem("gaussian-quadratic:c=0.5");
  auto e = make_estimator("reparam");
  const double mu = -0.7, log_sigma = 0.4, sigma = std::exp(log_sigma);
  const Model m = make_model(*p, std::vector<double>{mu, log_sigma});
  const std::uint64_t n = 1u << 20;
  const RunResult r = run_estimator(*e, m, {n, 2026, 0});
  EXPECT_LT(std::abs(r.moments.mean[0] - 2 * (mu - 0.5)), z * 2 * sigma / std::sqrt(double(n)));
  const double var = r.moments.variance()[0];
  EXPECT_LT(std::abs(var - 4 * sigma * sigma), z * 4 * sigma * sigma * std::sqrt(2.0 / (n - 1)));
}

}  // namespace
}  // namespace estcheck
