// tests/test_leave_one_out.cpp — verify/oracles/leave_one_out.hpp: RLOO's exact moments on the
// one-dimensional Gaussian problems. The mean equals the certified exact gradient (RLOO is
// unbiased; an independent route), and for K = 2 the second moment equals an independent
// expansion: ĝ = (f_1 - f_2)(s_1 - s_2)/2, so with M_ab = E[f^a s^b] over one draw and E s = 0,
//   E ĝ² = (M_22 + M_20 M_02 - 2 M_12 M_10 + 2 M_11²)/2,
// the M_ab by adaptive Gauss–Kronrod in this file. K = 3 (piecewise Gauss–Legendre) and K = 4
// (Gauss–Hermite) are certified on the quadratic; K = 4 on the step and K = 7 are estimated
// (the Hermite rule misses the step; no cross-check past K = 6). Deterministic: label unit.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>

#include <cmath>

namespace estcheck {
namespace {

/// E[f(μ + σε)^a h(ε)^b] by Gauss–Kronrod over ε on [-12, 12], split at the step's breakpoint.
double one_draw(const Problem& p, double mu, double sigma, int coordinate, int a, int b) {
  auto integrand = [&](double e) {
    const double x = mu + sigma * e, f = p.f(std::span<const double>(&x, 1));
    const double h = coordinate == 0 ? e / sigma : e * e - 1.0;
    return std::pow(f, a) * std::pow(h, b) * std::exp(-0.5 * e * e) / std::sqrt(2.0 * M_PI);
  };
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const double cut = std::clamp(-mu / sigma, -12.0, 12.0);
  return GK::integrate(integrand, -12.0, cut, 15, 1e-14) + GK::integrate(integrand, cut, 12.0, 15, 1e-14);
}

TEST(LeaveOneOut, TwoDrawsMatchTheIndependentExpansion) {
  for (const char* spec : {"gaussian-quadratic:d=1,c=0.5", "gaussian-exp:d=1", "gaussian-step:d=1"}) {
    const auto p = make_problem(spec);
    const std::vector<double> theta{0.3, -0.2};
    const Model m = make_model(*p, theta);
    auto e = make_estimator("rloo:k=2");
    const auto mo = exact_estimator_moments(*e, m);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    const ExactGradient g = exact_gradient(m);
    const double mu = 0.3, sigma = std::exp(-0.2);
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(mo->mean[j], g.gradient[j], mo->mean_error[j] + g.error[j] + 1e-15) << spec << " coordinate " << j;
      auto M = [&](int a, int b) { return one_draw(*p, mu, sigma, j, a, b); };
      const double second = 0.5 * (M(2, 2) + M(2, 0) * M(0, 2) - 2.0 * M(1, 2) * M(1, 0) + 2.0 * M(1, 1) * M(1, 1));
      const double want = second - g.gradient[j] * g.gradient[j];
      EXPECT_NEAR(mo->variance[j], want, 1e-9 * second) << spec << " coordinate " << j;
    }
  }
}

TEST(LeaveOneOut, CrossCheckedUpToSixDraws) {
  const auto p = make_problem("gaussian-quadratic:d=1,c=0");
  const Model m = make_model(*p, std::vector<double>{0.3, -0.2});
  std::vector<std::vector<double>> variances;
  for (const char* spec : {"rloo:k=3", "rloo:k=4"}) {
    const auto mo = exact_estimator_moments(*make_estimator(spec), m);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    variances.push_back(mo->variance);
  }
  // A larger K lowers the variance (RLOO's variance is the K-sample average's, roughly ∝ 1/K).
  for (int j = 0; j < 2; ++j) EXPECT_LT(variances[1][j], variances[0][j]);
  const auto k7 = exact_estimator_moments(*make_estimator("rloo:k=7"), m);
  ASSERT_TRUE(k7);
  EXPECT_FALSE(k7->certificate.certified());
  const auto step = make_problem("gaussian-step:d=1");
  const Model ms = make_model(*step, std::vector<double>{0.3, -0.2});
  const auto k4 = exact_estimator_moments(*make_estimator("rloo:k=4"), ms);
  ASSERT_TRUE(k4);
  EXPECT_FALSE(k4->certificate.certified()) << "the Hermite rule cannot follow the step";
}

}  // namespace
}  // namespace estcheck
