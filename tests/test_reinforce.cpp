// tests/test_reinforce.cpp — estimators/reinforce.hpp: each sample is (f(x) - B) ∇θ log p(x) for
// the x its noise stream draws (golden test), and its exact mean — enumerated over the support —
// is the exact gradient for every baseline B (Williams 1992, eq. 8).
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

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
    // σ(0.3) > 1/2, so b = 0 is the rarer outcome: b = 0 iff U < t = ⌊σ(-0.3) 2^64⌋, U's top
    // byte from the first word, its low 56 bits from the next word if the top bytes tie.
    const auto t = static_cast<std::uint64_t>(std::ldexp(1 / (1 + std::exp(0.3)), 64));
    Noise noise(9, 3, i);
    const std::uint64_t head = noise.bits() >> 56;
    const bool rare = head != (t >> 56) ? head < (t >> 56)
                                        : (noise.bits() >> 8) < (t & 0x00FF'FFFF'FFFF'FFFFULL);
    const double b = rare ? 0.0 : 1.0;
    EXPECT_DOUBLE_EQ(g[0], ((b - 0.45) * (b - 0.45) - 0.1) * (b - s));
  }
}

// The block path is the per-sample kernel, bit for bit, on every family (and the default block
// path of another estimator too).
TEST(Reinforce, BlockPathEqualsPerSampleKernel) {
  std::vector<std::pair<std::unique_ptr<Problem>, std::vector<double>>> cases;
  std::vector<double> table(1 << 5);
  for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::sin(double(k));
  cases.emplace_back(make_table_problem(Family::bernoulli, table), std::vector<double>{0.1, -3, 2, 30, -0.5});
  cases.emplace_back(make_table_problem(Family::categorical, {1, 2, -1}), std::vector<double>{0.1, -3, 2});
  cases.emplace_back(make_problem("gaussian-quadratic:d=2,c=0.5"), std::vector<double>{0.1, -0.2, 0.3, -0.4});
  for (const std::string spec : {"reinforce", "reinforce:baseline=0.3", "rloo:k=3"}) {
    auto e = make_estimator(spec);
    for (const auto& [problem, theta] : cases) {
      const Model m = make_model(*problem, theta);
      const std::size_t d = m.theta_dim(), count = 1000;
      std::vector<double> work, block(count * d), scratch(e->scratch_size(m)), g(d);
      e->sample_block(m, 21, 4, count, work, block);
      for (std::size_t i = 0; i < count; ++i) {
        draw_sample(*e, m, 21, 4, i, scratch, g);
        for (std::size_t j = 0; j < d; ++j)
          ASSERT_EQ(block[i * d + j], g[j]) << spec << " on " << problem->spec() << " sample " << i;
      }
    }
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
