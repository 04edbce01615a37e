// tests/test_nvil.cpp — estimators/nvil.hpp: the sample is (f(x) - c)/s ∇ log p(x) with the
// frozen baseline c and scale s (golden); its exact mean, enumerated over x, is ∇L / s, which the
// exact-mean oracle reports (so normalize = 1 is biased exactly where s > 1); training is
// deterministic; bad options are input errors.
#include "estimators/core/error.hpp"
#include "estimators/nvil.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::unique_ptr<Problem> wide_table() {  // |f| up to 9: the signal's standard deviation exceeds 1
  return make_table_problem(Family::bernoulli, {9, -7, 0.5, 3, 2, 0, -1, 4}, "wide");
}

TEST(Nvil, SampleUsesTheFrozenBaselineAndScale) {
  auto p = wide_table();
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  Nvil e(NvilOptions{});
  e.prepare(m);
  EXPECT_GT(e.scale(), 1.0);
  std::vector<double> scratch(e.scratch_size(m)), g(3), x(3), s(3);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(e, m, 1, 0, i, scratch, g);
    Noise noise(1, 0, i);
    sample(m.dist, noise, x);
    score(m.dist, x, s);
    for (int j = 0; j < 3; ++j) EXPECT_EQ(g[j], s[j] * ((m.f(x) - e.baseline()) / e.scale()));
  }
}

TEST(Nvil, ExactMeanIsTheGradientOverTheScale) {
  auto p = wide_table();
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  for (const bool normalize : {true, false}) {
    Nvil e(NvilOptions{.normalize = normalize});
    e.prepare(m);
    const ExactGradient g = exact_gradient(m);
    const auto& d = std::get<BernoulliLogits>(m.dist);
    std::vector<double> x(3), s(3), mean(3, 0.0), abs_sum(3, 0.0);
    for (std::uint64_t k = 0; k < 8; ++k) {
      support_point(d, k, x);
      score(d, x, s);
      const double w = std::exp(log_prob(d, x)) * (m.f(x) - e.baseline()) / e.scale();
      for (int i = 0; i < 3; ++i) {
        mean[i] += w * s[i];
        abs_sum[i] += std::abs(w * s[i]);
      }
    }
    const auto oracle = exact_estimator_mean(e, m);
    ASSERT_TRUE(oracle.has_value());
    for (int i = 0; i < 3; ++i) {
      // 8 terms of ~8 operations: <= 64ε of Σ|term|, plus the oracle's bounds.
      EXPECT_NEAR(mean[i], g.gradient[i] / e.scale(), g.error[i] + 64 * kEps * abs_sum[i]);
      EXPECT_NEAR(oracle->mean[i], mean[i], oracle->error[i] + 64 * kEps * abs_sum[i]);
    }
    EXPECT_EQ(e.info().claimed_unbiased, !normalize);
    if (!normalize) {
      EXPECT_EQ(e.scale(), 1.0);
    }
  }
}

TEST(Nvil, TrainingIsDeterministicAndOptionsAreChecked) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.5});
  Nvil a(NvilOptions{}), b(NvilOptions{}), c(NvilOptions{.train_seed = 3});
  a.prepare(m);
  b.prepare(m);
  c.prepare(m);
  EXPECT_EQ(a.baseline(), b.baseline());
  EXPECT_NE(a.baseline(), c.baseline());
  for (const char* bad : {"nvil:normalize=2", "nvil:batch=1", "nvil:rate=1", "nvil:steps=-1"})
    EXPECT_THROW(make_estimator(bad), InputError) << bad;
}

}  // namespace
}  // namespace estcheck
