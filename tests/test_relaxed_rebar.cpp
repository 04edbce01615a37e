// tests/test_relaxed_rebar.cpp — estimators/relaxed_rebar.hpp: relaxed-REBAR (Grathwohl et al.
// 2018, RELAX draft §6.2, r̄(z) = r_φ(z) + f(σ_λ(z))). Its exact mean (2-D Gauss–Kronrod of its
// own code over (u, v), the oracle route of exact_estimator_mean) equals ∇L before, during and
// after training; untrained (r_φ ≡ 0) it is REBAR(λ, η = 1) sample for sample; the hand-derived
// variance gradient ∂(Σ ĝ²)/∂φ with the network on z matches finite differences; and its exact
// variance on the toy at t = 0.499 is below REBAR's and REINFORCE's (deterministic quadrature, no
// sampling, so no share of the statistical budget). Spec and input errors.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/rebar.hpp"
#include "estimators/registry/registry.hpp"
#include "estimators/relax.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

RelaxOptions relaxed_rebar(int steps, int hidden = 8) {
  RelaxOptions o;
  o.input = RelaxOptions::Input::logistic;
  o.steps = steps;
  o.hidden = hidden;
  return o;
}

TEST(RelaxedRebar, UnbiasedBeforeDuringAndAfterTraining) {
  auto p = make_problem("toy:t=0.499");
  for (double theta : {0.0, 1.5}) {
    const Model m = make_model(*p, std::vector<double>{theta});
    const ExactGradient exact = exact_gradient(m);
    Relax fresh(relaxed_rebar(0)), partial(relaxed_rebar(0)), trained(relaxed_rebar(500));
    fresh.prepare(m);
    partial.prepare(m);
    partial.train(m, 40);
    trained.prepare(m);
    for (const Relax* r : {&fresh, &partial, &trained}) {
      const auto mean = exact_estimator_mean(*r, m);
      ASSERT_TRUE(mean.has_value());
      EXPECT_NEAR(mean->mean[0], exact.gradient[0], mean->error[0] + exact.error[0]) << "θ = " << theta;
      EXPECT_LT(mean->error[0], 1e-6);  // resolves far below the gradient (5e-4 at θ = 0)
    }
  }
}

TEST(RelaxedRebar, UntrainedIsRebarWithEtaOne) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3}, "t2");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0});
  Relax e(relaxed_rebar(0));
  e.prepare(m);
  const Rebar rebar(0.5, 1.0);
  std::vector<double> g(2), h(2), scratch(rebar.scratch_size(m));
  for (double u0 : {0.1, 0.4, 0.8})
    for (double v0 : {0.15, 0.5, 0.9}) {
      const std::vector<double> u{u0, 1 - u0 / 2}, v{v0, 0.3};
      e.evaluate(m, u, v, g);
      rebar.evaluate(m, u, v, scratch, h);
      // Same terms, grouped differently (gs·(s(1-s)/λ) against (gs·s(1-s))/λ): a few roundings.
      for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(g[i], h[i], 64 * kEps * (1 + std::abs(h[i])));
    }
}

TEST(RelaxedRebar, VarianceGradientMatchesFiniteDifferences) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3}, "t2");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0});
  Relax e(relaxed_rebar(30, 3));
  e.prepare(m);  // a trained, non-trivial φ (a ≠ 0)
  for (const auto& [u, v] : {std::pair{std::vector<double>{0.37, 0.81}, std::vector<double>{0.22, 0.64}},
                             std::pair{std::vector<double>{0.9, 0.05}, std::vector<double>{0.5, 0.97}}}) {
    std::vector<double> g(2), pg(e.parameter_count());
    e.evaluate(m, u, v, g, pg);
    for (std::size_t k = 0; k < e.parameter_count(); ++k) {
      auto loss = [&](double x) {
        Relax copy = e;
        const_cast<Eigen::VectorXd&>(copy.parameters())[static_cast<Eigen::Index>(k)] = x;
        std::vector<double> gg(2);
        copy.evaluate(m, u, v, gg);
        return gg[0] * gg[0] + gg[1] * gg[1];
      };
      double err = 0;
      const double fd = boost::math::differentiation::finite_difference_derivative(
          loss, e.parameters()[static_cast<Eigen::Index>(k)], &err);
      // Boost's own error estimate ×10, plus rounding of the analytic sum (64ε of its scale).
      EXPECT_NEAR(pg[k], fd, 10 * err + 64 * kEps * (std::abs(fd) + 1)) << "parameter " << k;
    }
  }
}

TEST(RelaxedRebar, ExactVarianceOnTheToyIsBelowRebarAndReinforce) {
  auto p = make_problem("toy:t=0.499");
  const Model m = make_model(*p, std::vector<double>{0.0});
  auto variance = [&](const std::string& spec) {
    auto e = make_estimator(spec);
    e->prepare(m);
    const auto mo = exact_estimator_moments(*e, m);
    EXPECT_TRUE(mo.has_value()) << spec;
    return std::pair{mo->variance[0], mo->variance_error[0]};
  };
  const auto [v, ve] = variance("relaxed-rebar");
  for (const std::string other : {"rebar", "reinforce"}) {
    const auto [o, oe] = variance(other);
    EXPECT_LT(v + ve, o - oe) << other;
    RecordProperty("variance_" + other, std::to_string(o));
  }
  RecordProperty("variance_relaxed_rebar", std::to_string(v));
}

TEST(RelaxedRebar, SpecAndInputErrors) {
  const auto e = make_estimator("relaxed-rebar:temperature=0.3,steps=10");
  EXPECT_TRUE(e->info().claimed_unbiased);
  EXPECT_EQ(e->info().spec, "relaxed-rebar:temperature=0.3,hidden=8,steps=10,batch=32,lr=0.01,train_seed=0");
  ASSERT_TRUE(e->relaxed_form().has_value());
  EXPECT_EQ(e->relaxed_form()->kind, RelaxedForm::Kind::relax);
  for (const char* bad : {"relaxed-rebar:temperature=0", "relaxed-rebar:hidden=0", "relaxed-rebar:steps=-1",
                          "relaxed-rebar:lr=0", "relaxed-rebar:batch=0", "relaxed-rebar:eta=1"})
    EXPECT_THROW(make_estimator(bad), InputError) << bad;
  EXPECT_THROW(e->check(*make_problem("gaussian-step")), InputError);
  EXPECT_THROW(e->check(*make_table_problem(Family::categorical, {1, -2, 0.5}, "c3")), InputError);
  EXPECT_NO_THROW(e->check(*make_problem("toy")));
  RelaxOptions o = relaxed_rebar(0);
  o.eta = 2.0;
  EXPECT_THROW(Relax{o}, InputError);
}

}  // namespace
}  // namespace estcheck
