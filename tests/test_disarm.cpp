// tests/test_disarm.cpp — estimators/disarm.hpp: each sample is Dong et al.'s eq. 7 for the
// uniforms of its noise stream (golden), its exact mean over the 3^n cells of u is ∇L, and it is
// zero in every coordinate where b and its antithetic pair agree.
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

/// DisARM's formula for given u (Dong, Mnih & Tucker 2020, eq. 7, multivariate form).
void disarm_formula(const Model& m, const std::vector<double>& u, std::vector<double>& g) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  std::vector<double> b(d.size()), bt(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    b[i] = u[i] < d.probs[i];
    bt[i] = 1.0 - u[i] < d.probs[i];
  }
  const double diff = m.f(b) - m.f(bt);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double sign = bt[i] != 0.0 ? -1.0 : 1.0;
    g[i] = b[i] != bt[i] ? 0.5 * diff * sign * (1.0 / (1.0 + std::exp(-std::abs(m.theta[i])))) : 0.0;
  }
}

TEST(Disarm, SampleIsEquationSeven) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  auto e = make_estimator("disarm");
  const Model m = make_model(*p, std::vector<double>{0.4, -1.5, 2.0});
  std::vector<double> scratch(e->scratch_size(m)), g(3), want(3), u(3);
  for (std::uint64_t i = 0; i < 500; ++i) {
    draw_sample(*e, m, 6, 2, i, scratch, g);
    Noise noise(6, 2, i);
    for (double& v : u) v = noise.uniform();
    disarm_formula(m, u, want);
    for (int j = 0; j < 3; ++j) {
      // σ(|θ|) is computed two ways (max(σ(θ), σ(-θ)) in the estimator): <= 4ε relative.
      EXPECT_NEAR(g[j], want[j], 4 * kEps * std::abs(want[j])) << "sample " << i;
    }
  }
}

// Exact mean = ∇L over the cells; tolerance as in test_arm.cpp.
TEST(Disarm, ExactMeanOverCellsIsTheGradient) {
  testing::expect_cell_mean_is_gradient(disarm_formula, 8.0);
}

TEST(Disarm, RefusesNonBernoulliProblems) {
  auto e = make_estimator("disarm");
  EXPECT_THROW(e->check(*make_problem("gaussian-quadratic")), InputError);
  EXPECT_NO_THROW(e->check(*make_problem("toy")));
}

}  // namespace
}  // namespace estcheck
