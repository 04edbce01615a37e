// tests/test_rloo.cpp — estimators/rloo.hpp: the sample equals 1/(K-1) Σ_k (f_k - f̄) s(x_k) for
// the K draws of its noise stream (golden), and for K = 2 its exact mean over all pairs is ∇L
// (Kool et al. 2019, eq. 8).
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Rloo, InfoAndBadK) {
  auto e = make_estimator("rloo:k=5");
  EXPECT_EQ(e->info().spec, "rloo:k=5");
  EXPECT_EQ(e->info().evaluations, 5);
  EXPECT_EQ(make_estimator("rloo")->info().spec, "rloo:k=2");
  EXPECT_THROW(make_estimator("rloo:k=1"), InputError);
  EXPECT_THROW(make_estimator("rloo:k=two"), InputError);
}

// Golden: K categorical draws from one stream, in order, each by CDF inversion.
TEST(Rloo, SampleIsLeaveOneOutFormula) {
  const std::vector<double> table{2.0, -1.0, 0.5};
  auto p = make_table_problem(Family::categorical, table);
  auto e = make_estimator("rloo:k=4");
  const std::vector<double> theta{0.2, -0.4, 1.0};
  const Model m = make_model(*p, theta);
  const auto& d = std::get<CategoricalLogits>(m.dist);
  std::vector<double> scratch(e->scratch_size(m)), g(3);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(*e, m, 4, 0, i, scratch, g);
    Noise noise(4, 0, i);
    std::vector<std::vector<double>> xs(4, std::vector<double>(3));
    std::vector<double> fs(4);
    double fbar = 0;
    for (int k = 0; k < 4; ++k) {
      sample(d, noise, xs[k]);
      fs[k] = table[category(xs[k])];
      fbar += fs[k] / 4;
    }
    for (int j = 0; j < 3; ++j) {
      double want = 0, abs_sum = 0;
      for (int k = 0; k < 4; ++k) {
        want += (fs[k] - fbar) * (xs[k][j] - d.probs[j]);
        abs_sum += std::abs((fs[k] - fbar) * (xs[k][j] - d.probs[j]));
      }
      // The same operations in a different order: <= 8ε of the sum of |terms| (K = 4 products,
      // K additions, the mean f̄ and the final scale).
      EXPECT_NEAR(g[j], want / 3, 8 * kEps * abs_sum) << "sample " << i;
    }
  }
}

// Exact mean for K = 2: Σ_{x1,x2} p(x1)p(x2) ½[(f1 - f2)s(x1) + (f2 - f1)s(x2)] = ∇L.
TEST(Rloo, ExactMeanForTwoSamplesIsTheGradient) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const ExactGradient exact = exact_gradient(m);
  std::vector<double> x1(3), x2(3), s1(3), s2(3), mean(3, 0.0), abs_sum(3, 0.0);
  for (std::uint64_t a = 0; a < 8; ++a) {
    for (std::uint64_t b = 0; b < 8; ++b) {
      support_point(d, a, x1);
      support_point(d, b, x2);
      score(d, x1, s1);
      score(d, x2, s2);
      const double w = std::exp(log_prob(d, x1) + log_prob(d, x2));
      const double f1 = m.f(x1), f2 = m.f(x2);
      for (int i = 0; i < 3; ++i) {
        const double term = w * 0.5 * ((f1 - f2) * s1[i] + (f2 - f1) * s2[i]);
        mean[i] += term;
        abs_sum[i] += std::abs(term);
      }
    }
  }
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(mean[i], exact.gradient[i], exact.error[i] + 96 * kEps * abs_sum[i]);
}

}  // namespace
}  // namespace estcheck
