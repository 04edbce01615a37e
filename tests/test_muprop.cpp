// tests/test_muprop.cpp — estimators/muprop.hpp: each sample is Gu et al.'s eq. 4 for the b its
// noise draws (golden), and the formula's exact mean, enumerated over b, is ∇L.
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

/// MuProp's formula for a given b.
std::vector<double> muprop_formula(const Model& m, const std::vector<double>& b) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  std::vector<double> gmu(n), g(n);
  m.problem->relaxed_gradient(d.probs, gmu);
  double taylor = m.problem->f_relaxed(d.probs);
  for (std::size_t j = 0; j < n; ++j) taylor += gmu[j] * (b[j] - d.probs[j]);
  for (std::size_t i = 0; i < n; ++i)
    g[i] = (m.f(b) - taylor) * (b[i] - d.probs[i]) + gmu[i] * d.probs[i] * d.probs0[i];
  return g;
}

TEST(Muprop, SampleIsEquationFour) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  auto e = make_estimator("muprop");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  std::vector<double> scratch(e->scratch_size(m)), g(3), b(3);
  for (std::uint64_t i = 0; i < 200; ++i) {
    draw_sample(*e, m, 5, 0, i, scratch, g);
    Noise noise(5, 0, i);
    sample(std::get<BernoulliLogits>(m.dist), noise, b);
    const auto want = muprop_formula(m, b);
    for (int j = 0; j < 3; ++j) {
      // b - μ is σ(-θ) itself in the estimator (the score), b - σ(θ) here: <= 4ε apart, times
      // the residual; the Taylor sum is formed in the same order.
      EXPECT_NEAR(g[j], want[j], 64 * kEps * (std::abs(want[j]) + 8)) << "sample " << i;
    }
  }
}

TEST(Muprop, ExactMeanIsTheGradient) {
  for (const std::vector<double>& theta : {std::vector<double>{0.3, -1.0, 2.0}, std::vector<double>{5.0, -4.0, 0.0}}) {
    auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
    const Model m = make_model(*p, theta);
    const auto& d = std::get<BernoulliLogits>(m.dist);
    const ExactGradient exact = exact_gradient(m);
    std::vector<double> mean(3, 0.0), abs_sum(3, 0.0), b(3);
    for (std::uint64_t k = 0; k < 8; ++k) {
      support_point(d, k, b);
      const double w = std::exp(log_prob(d, b));
      const auto g = muprop_formula(m, b);
      for (int i = 0; i < 3; ++i) {
        mean[i] += w * g[i];
        abs_sum[i] += std::abs(w * g[i]);
      }
    }
    // Each term: ~40 operations (Taylor sum over 8 table entries and 3 variables): <= 64ε of Σ|term|.
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(mean[i], exact.gradient[i], exact.error[i] + 64 * kEps * abs_sum[i]);
  }
}

TEST(Muprop, NeedsARelaxation) {
  EXPECT_THROW(make_estimator("muprop")->check(*make_table_problem(Family::categorical, {1, 2})), InputError);
  EXPECT_NO_THROW(make_estimator("muprop")->check(*make_problem("toy")));
}

}  // namespace
}  // namespace estcheck
