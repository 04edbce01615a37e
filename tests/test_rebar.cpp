// tests/test_rebar.cpp — estimators/rebar.hpp: REBAR's exact mean on the toy, by integrating the
// estimator's own code (Rebar::evaluate) over its two uniforms with nested Boost.Math
// Gauss–Kronrod quadrature, equals ∇L for several (θ, λ, η): unbiased for every temperature and
// scale. The planted bug without the conditional sample has an exact bias far from 0. And
// sample() draws u_i then v_i per variable.
#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/rebar.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
using GK = boost::math::quadrature::gauss_kronrod<double, 61>;

struct Mean {
  double value, error;
};

/// E ĝ = ∫∫ evaluate(u, v) du dv on the toy. The outer integral is split at u* = σ(-θ), where b
/// jumps; the inner one is smooth in v. Error: 2 × the outer estimate + 4ε ∫|.| + the largest
/// inner error (2 × estimate + 4ε ∫|.|), the inner ones integrated over a unit interval.
Mean exact_rebar_mean(const Rebar& e, const Model& m) {
  std::vector<double> u(1), v(1), scratch(7), g(1);
  double inner_err = 0.0;
  auto inner = [&](double uu) {
    u[0] = uu;
    double err = 0.0, l1 = 0.0;
    const double val = GK::integrate(
        [&](double vv) {
          v[0] = vv;
          e.evaluate(m, u, v, scratch, g);
          return g[0];
        },
        0.0, 1.0, 12, 1e-10, &err, &l1);
    inner_err = std::max(inner_err, 2 * err + 4 * kEps * l1);
    return val;
  };
  const double cut = std::get<BernoulliLogits>(m.dist).probs0[0];
  Mean r{0.0, 0.0};
  for (auto [a, b] : {std::pair{0.0, cut}, std::pair{cut, 1.0}}) {
    double err = 0.0, l1 = 0.0;
    r.value += GK::integrate(inner, a, b, 12, 1e-10, &err, &l1);
    r.error += 2 * err + 4 * kEps * l1;
  }
  r.error += inner_err;
  return r;
}

TEST(Rebar, ExactMeanIsTheGradientForEveryTemperatureAndScale) {
  struct Case { double t, theta, lambda, eta; };
  for (const Case c : {Case{0.45, 1.0, 0.5, 1.0}, Case{0.499, -2.0, 0.1, 0.5}, Case{0.45, 0.3, 2.0, 1.3},
                       Case{0.499, 4.0, 0.5, 1.0}}) {
    auto p = make_problem("toy:t=" + std::to_string(c.t));
    const Model m = make_model(*p, std::vector<double>{c.theta});
    const Rebar e(c.lambda, c.eta);
    const Mean mean = exact_rebar_mean(e, m);
    const ExactGradient g = exact_gradient(m);
    EXPECT_NEAR(mean.value, g.gradient[0], mean.error + g.error[0])
        << "θ = " << c.theta << ", λ = " << c.lambda << ", η = " << c.eta << " (error " << mean.error << ")";
    // The check has teeth: the quadrature resolves the mean to < 1e-6, far below the biases it must
    // see (the planted bug's is ~2e-2) and below any Monte Carlo run's resolution (SE ~ 1e-5 at
    // 10^9 samples of REBAR on the toy).
    EXPECT_LT(mean.error, 1e-6);
  }
}

TEST(Rebar, WithoutTheConditionalSampleItIsBiased) {
  auto p = make_problem("toy:t=0.45");
  const Model m = make_model(*p, std::vector<double>{1.0});
  const Rebar bug(0.5, 1.0, false);
  const Mean mean = exact_rebar_mean(bug, m);
  EXPECT_GT(std::abs(mean.value - exact_gradient(m).gradient[0]), 1000 * mean.error);
  EXPECT_NE(make_mutant("mutant/rebar-no-conditional"), nullptr);
}

TEST(Rebar, SampleDrawsUThenVPerVariable) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3}, "t2");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0});
  const Rebar e(0.5, 1.0);
  std::vector<double> scratch(e.scratch_size(m)), g(2), want(2), u(2), v(2), s(14);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(e, m, 3, 1, i, scratch, g);
    Noise noise(3, 1, i);
    for (int j = 0; j < 2; ++j) {
      u[j] = noise.uniform();
      v[j] = noise.uniform();
    }
    e.evaluate(m, u, v, s, want);
    EXPECT_EQ(g, want);
  }
}

// Categorical: u_1..u_K then v_1..v_K, into evaluate_categorical (Tucker et al. 2017, App. C);
// its unbiasedness is checked statistically in test_verify_sweep.cpp (random categorical tables).
TEST(Rebar, CategoricalSampleDrawsAllUThenAllV) {
  auto p = make_table_problem(Family::categorical, {1, -2, 0.5, 3}, "c4");
  const Model m = make_model(*p, std::vector<double>{0.2, -1.0, 0.5, 1.5});
  const Rebar e(0.5, 1.0);
  EXPECT_NO_THROW(e.check(*p));
  std::vector<double> scratch(e.scratch_size(m)), g(4), want(4), u(4), v(4), s(28);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(e, m, 3, 1, i, scratch, g);
    Noise noise(3, 1, i);
    for (double& x : u) x = noise.uniform();
    for (double& x : v) x = noise.uniform();
    e.evaluate_categorical(m, u, v, s, want);
    EXPECT_EQ(g, want);
  }
  // The planted bug has no categorical form.
  EXPECT_THROW(make_estimator("mutant/rebar-no-conditional")->check(*p), InputError);
}

// verify/oracles/estimator_mean.hpp's REBAR oracle: on tables (sum over b of products of 1-D integrals)
// and on the toy (2-D quadrature) it equals ∇L within its stated error; for the planted bug it
// reports a bias far outside that error.
TEST(Rebar, ExactMeanOracle) {
  std::vector<double> table(8);
  for (std::size_t k = 0; k < 8; ++k) table[k] = std::sin(2.0 * double(k)) * 3.0;
  auto p = make_table_problem(Family::bernoulli, table, "t3");
  for (const auto& [theta, lam, eta] : {std::tuple{std::vector<double>{0.3, -1.0, 2.0}, 0.5, 1.0},
                                        std::tuple{std::vector<double>{4.0, -3.0, 0.5}, 0.1, 1.5},
                                        std::tuple{std::vector<double>{-0.2, 0.0, 6.0}, 2.0, -0.5}}) {
    const Model m = make_model(*p, theta);
    const auto mean = exact_estimator_mean(Rebar(lam, eta), m);
    ASSERT_TRUE(mean.has_value());
    const ExactGradient g = exact_gradient(m);
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_NEAR(mean->mean[i], g.gradient[i], mean->error[i] + g.error[i]) << "λ = " << lam << ", i = " << i;
  }
  auto toy = make_problem("toy:t=0.45");
  const Model mt = make_model(*toy, std::vector<double>{1.0});
  const auto good = exact_estimator_mean(Rebar(0.5, 1.0), mt), bad = exact_estimator_mean(Rebar(0.5, 1.0, false), mt);
  const double g = exact_gradient(mt).gradient[0];
  EXPECT_NEAR(good->mean[0], g, good->error[0] + 1e-17);
  EXPECT_GT(std::abs(bad->mean[0] - g), 1000 * bad->error[0]);
}

// Regression (found by a property test): at extreme logits ũ = σ(-θ) + vσ(θ) rounds to 1, and
// 1 - ũ formed by subtraction was 0, giving NaN. Samples and the exact-mean oracle stay finite.
TEST(Rebar, ExtremeLogitsStayFinite) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4}, "t3");
  const Model m = make_model(*p, std::vector<double>{-20.0, 0.0, -30.0});
  const Rebar e(0.05, 1.0);
  std::vector<double> scratch(e.scratch_size(m)), g(3);
  for (double u : {1e-15, 0.3, 1.0 - 1e-15})
    for (double v : {1e-15, 0.5, 1.0 - 1e-15}) {
      e.evaluate(m, std::vector<double>{u, u, u}, std::vector<double>{v, v, v}, scratch, g);
      for (double x : g) EXPECT_TRUE(std::isfinite(x)) << "u = " << u << ", v = " << v;
    }
  const RunResult r = run_estimator(e, m, {20000, 1, 0});
  EXPECT_EQ(r.nonfinite, 0u);
  auto zero = make_table_problem(Family::bernoulli, std::vector<double>(8, 0.0), "zero");
  const auto mean = exact_estimator_mean(Rebar(0.05, 0.0), make_model(*zero, std::vector<double>{-20.0, 0.0, -30.0}));
  for (double x : mean->mean) EXPECT_EQ(x, 0.0);
}

TEST(Rebar, SpecAndInputErrors) {
  EXPECT_EQ(make_estimator("rebar")->info().spec, "rebar:temperature=0.5,eta=1");
  EXPECT_TRUE(make_estimator("rebar:temperature=0.2,eta=0.3")->info().claimed_unbiased);
  EXPECT_THROW(make_estimator("rebar:temperature=0"), InputError);
  EXPECT_THROW(make_estimator("rebar:eta=nan"), InputError);
  EXPECT_THROW(make_estimator("rebar")->check(*make_problem("gaussian-step")), InputError);
}

}  // namespace
}  // namespace estcheck
