// tests/test_reinforce.cpp — estimators/reinforce.hpp: each sample is (f(x) - B) ∇θ log p(x) for
// the x its noise stream draws (golden test), and its exact mean — enumerated over the support —
// is the exact gradient for every baseline B (Williams 1992, eq. 8).
#include "estimators/problems.hpp"
#include "estimators/registry.hpp"
#include "verify/exact.hpp"
#include "verify/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

TEST(Reinforce, InfoAndSpec) {
  auto e = make_estimator("reinforce");
  EXPECT_EQ(e->info().spec, "reinforce");
  EXPECT_TRUE(e->info().claimed_unbiased);
  EXPECT_FALSE(e->info().needs_rsample);
  EXPECT_EQ(make_estimator("reinforce:baseline=0.25")->info().spec, "reinforce:baseline=0.25");
}

// Golden: recompute the toy sample from the same Philox stream by hand.
TEST(Reinforce, SampleIsScoreTimesShiftedF) {
  auto p = make_problem("toy:t=0.45");
  auto e = make_estimator("reinforce:baseline=0.1");
  const Model m = make_model(*p, std::vector<double>{0.3});
  std::vector<double> scratch(e->scratch_size(m)), g(1);
  const double s = 1 / (1 + std::exp(-0.3));
  for (std::uint64_t i = 0; i < 200; ++i) {
    draw_sample(*e, m, 9, 3, i, scratch, g);
    Noise noise(9, 3, i);
    const double b = noise.uniform() < s ? 1.0 : 0.0;
    EXPECT_DOUBLE_EQ(g[0], ((b - 0.45) * (b - 0.45) - 0.1) * (b - s));
  }
}

// Exact mean: Σ_x p(x) (f(x) - B) s(x) equals ∇L within the summed rounding bounds, for a
// 3-variable table and a 4-class categorical table, for several baselines.
TEST(Reinforce, ExactMeanIsTheGradient) {
  const std::vector<std::unique_ptr<Problem>> problems = [] {
    std::vector<std::unique_ptr<Problem>> v;
    v.push_back(make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4}));
    v.push_back(make_table_problem(Family::categorical, {1, -2, 0.5, 3}));
    return v;
  }();
  const std::vector<std::vector<double>> thetas{{0.3, -1.0, 2.0}, {0.3, -1.0, 2.0, -4.0}};
  for (std::size_t j = 0; j < problems.size(); ++j) {
    const Model m = make_model(*problems[j], thetas[j]);
    const ExactGradient exact = exact_gradient(m);
    for (double baseline : {0.0, 1.5, -10.0}) {
      const std::size_t d = m.theta_dim();
      std::vector<double> x(m.sample_dim()), s(d), mean(d, 0.0), abs_sum(d, 0.0);
      const std::uint64_t points = std::visit([](const auto& dd) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(dd)>::has_enumerate_support) return support_size(dd);
        else return 0;
      }, m.dist);
      for (std::uint64_t k = 0; k < points; ++k) {
        std::visit([&](const auto& dd) {
          if constexpr (std::decay_t<decltype(dd)>::has_enumerate_support) support_point(dd, k, x);
        }, m.dist);
        const double w = std::exp(log_prob(m.dist, x)) * (m.f(x) - baseline);
        score(m.dist, x, s);
        for (std::size_t i = 0; i < d; ++i) {
          mean[i] += w * s[i];
          abs_sum[i] += std::abs(w * s[i]);
        }
      }
      // Rounding: each term <= 16ε relative, the naive sum <= points·ε of Σ|term|.
      for (std::size_t i = 0; i < d; ++i)
        EXPECT_NEAR(mean[i], exact.gradient[i],
                    exact.error[i] + (16.0 + double(points)) * std::numeric_limits<double>::epsilon() * abs_sum[i])
            << "problem " << j << " baseline " << baseline << " coordinate " << i;
    }
  }
}

}  // namespace
}  // namespace estcheck
