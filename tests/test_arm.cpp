// tests/test_arm.cpp — estimators/arm.hpp: each sample is Yin & Zhou's eq. 5 for the uniforms of
// its noise stream (golden), its exact mean over the 3^n cells of u is ∇L (antithetic_cells.hpp),
// and it refuses non-Bernoulli problems.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/antithetic_cells.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

/// ARM's formula for given u (Yin & Zhou 2019, eq. 5).
void arm_formula(const Model& m, const std::vector<double>& u, std::vector<double>& g) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  std::vector<double> b1(d.size()), b2(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    b1[i] = u[i] > d.probs0[i];
    b2[i] = u[i] < d.probs[i];
  }
  const double diff = m.f(b1) - m.f(b2);
  for (std::size_t i = 0; i < d.size(); ++i) g[i] = diff * (u[i] - 0.5);
}

TEST(Arm, SampleIsEquationFive) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  auto e = make_estimator("arm");
  const Model m = make_model(*p, std::vector<double>{0.4, -1.5, 2.0});
  std::vector<double> scratch(e->scratch_size(m)), g(3), want(3), u(3);
  for (std::uint64_t i = 0; i < 500; ++i) {
    draw_sample(*e, m, 6, 2, i, scratch, g);
    Noise noise(6, 2, i);
    for (double& v : u) v = noise.uniform();
    arm_formula(m, u, want);
    EXPECT_EQ(g, want) << "sample " << i;
  }
}

// Exact mean = ∇L, for tables of 1 to 4 variables at moderate and extreme logits. Tolerance:
// the oracle's bound plus the cell sum's rounding, <= (4n + 3^n) ε Σ|terms| (products of n
// lengths, one f difference, a naive sum of 3^n terms).
TEST(Arm, ExactMeanOverCellsIsTheGradient) {
  testing::expect_cell_mean_is_gradient(arm_formula, 4.0);
}

TEST(Arm, RefusesNonBernoulliProblems) {
  auto e = make_estimator("arm");
  EXPECT_THROW(e->check(*make_problem("gaussian-step")), InputError);
  EXPECT_THROW(e->check(*make_table_problem(Family::categorical, {1, 2, 3})), InputError);
  EXPECT_NO_THROW(e->check(*make_problem("toy")));
  EXPECT_TRUE(e->info().claimed_unbiased);
  EXPECT_EQ(e->info().evaluations, 2);
}

}  // namespace
}  // namespace estcheck
