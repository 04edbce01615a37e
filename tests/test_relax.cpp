// tests/test_relax.cpp — estimators/relax.hpp: RELAX is unbiased for every φ (its exact mean on
// the toy, by integrating its own code over (u, v), equals ∇L before, during and after training);
// the hand-derived variance gradient ∂(Σ ĝ²)/∂φ matches finite differences; training is
// deterministic; and, measured, trained RELAX has lower variance than REINFORCE and REBAR on the
// toy at t = 0.499 (Grathwohl et al. 2018, §6.1).
//
// Budget: the two variance comparisons are one-sided z-tests at budget::kRelaxed / 10 each
// (test_concrete.cpp makes the other 8 checks of that share). SE of a sample variance s² over n
// independent draws: √((m4 - s⁴)/n) (asymptotic; every moment is finite here, the toy is bounded).
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "estimators/relax.hpp"
#include "tests/budget.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
using GK = boost::math::quadrature::gauss_kronrod<double, 61>;

/// ∫∫ evaluate(u, v) du dv on a one-variable problem (as in test_rebar.cpp): (value, error).
std::pair<double, double> exact_mean(const Relax& e, const Model& m) {
  std::vector<double> u(1), v(1), g(1);
  double inner_err = 0.0;
  auto inner = [&](double uu) {
    u[0] = uu;
    double err = 0.0, l1 = 0.0;
    const double val = GK::integrate([&](double vv) { v[0] = vv; e.evaluate(m, u, v, g); return g[0]; },
                                     0.0, 1.0, 12, 1e-10, &err, &l1);
    inner_err = std::max(inner_err, 2 * err + 4 * kEps * l1);
    return val;
  };
  const double cut = std::get<BernoulliLogits>(m.dist).probs0[0];
  double value = 0.0, error = inner_err;
  for (auto [a, b] : {std::pair{0.0, cut}, std::pair{cut, 1.0}}) {
    double err = 0.0, l1 = 0.0;
    value += GK::integrate(inner, a, b, 12, 1e-10, &err, &l1);
    error += 2 * err + 4 * kEps * l1;
  }
  return {value, error + inner_err};
}

TEST(Relax, UnbiasedBeforeDuringAndAfterTraining) {
  auto p = make_problem("toy:t=0.499");
  for (double theta : {0.0, 1.5}) {
    const Model m = make_model(*p, std::vector<double>{theta});
    const double g = exact_gradient(m).gradient[0];
    Relax e(RelaxOptions{});
    e.prepare(make_model(*p, std::vector<double>{theta}));  // initialize + 500 steps
    Relax fresh(RelaxOptions{.steps = 0});
    fresh.prepare(m);
    Relax partial(RelaxOptions{.steps = 0});
    partial.prepare(m);
    partial.train(m, 40);
    for (const Relax* r : {&fresh, &partial, &e}) {
      const auto [mean, err] = exact_mean(*r, m);
      EXPECT_NEAR(mean, g, err + exact_gradient(m).error[0]) << "θ = " << theta;
      EXPECT_LT(err, 1e-6);  // resolves far below any bias that matters (see test_rebar.cpp)
    }
  }
}

// ∂(Σ_i ĝ_i²)/∂φ_k from evaluate() against Boost's finite difference in φ_k (its own error
// estimate ×10, plus rounding of the analytic sum, 64ε of its terms' scale).
void expect_variance_gradient_matches(const Model& m, const std::vector<double>& u, const std::vector<double>& v) {
  const std::size_t n = u.size();
  Relax e(RelaxOptions{.hidden = 3, .steps = 30});
  e.prepare(m);  // a trained, non-trivial φ (a ≠ 0)
  std::vector<double> g(n), pg(e.parameter_count());
  e.evaluate(m, u, v, g, pg);
  for (std::size_t k = 0; k < e.parameter_count(); ++k) {
    auto loss = [&](double x) {
      Relax copy = e;
      const_cast<Eigen::VectorXd&>(copy.parameters())[static_cast<Eigen::Index>(k)] = x;
      std::vector<double> gg(n);
      copy.evaluate(m, u, v, gg);
      double l = 0;
      for (double t : gg) l += t * t;
      return l;
    };
    double err = 0;
    const double fd = boost::math::differentiation::finite_difference_derivative(
        loss, e.parameters()[static_cast<Eigen::Index>(k)], &err);
    EXPECT_NEAR(pg[k], fd, 10 * err + 64 * kEps * (std::abs(fd) + 1)) << "parameter " << k;
  }
}

TEST(Relax, VarianceGradientMatchesFiniteDifferences) {
  auto p = make_table_problem(Family::bernoulli, {1, -2, 0.5, 3}, "t2");
  expect_variance_gradient_matches(make_model(*p, std::vector<double>{0.3, -1.0}), {0.37, 0.81}, {0.22, 0.64});
}

TEST(Relax, CategoricalVarianceGradientMatchesFiniteDifferences) {
  auto p = make_table_problem(Family::categorical, {1, -2, 0.5}, "c3");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 0.8});
  for (const auto& [u, v] : {std::pair{std::vector<double>{0.37, 0.81, 0.5}, std::vector<double>{0.22, 0.64, 0.9}},
                             std::pair{std::vector<double>{0.9, 0.1, 0.45}, std::vector<double>{0.05, 0.5, 0.7}}})
    expect_variance_gradient_matches(m, u, v);
}

TEST(Relax, TrainingIsDeterministic) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.5});
  Relax a(RelaxOptions{.steps = 50}), b(RelaxOptions{.steps = 50}), c(RelaxOptions{.steps = 50, .train_seed = 1});
  a.prepare(m);
  b.prepare(m);
  c.prepare(m);
  EXPECT_EQ(a.parameters(), b.parameters());
  EXPECT_NE(a.parameters(), c.parameters());
}

struct VarianceEstimate {
  double variance, se;
};

VarianceEstimate measure(const Estimator& e, const Model& m, std::uint64_t seed, std::uint64_t n) {
  std::vector<double> scratch(e.scratch_size(m)), g(1), x(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    draw_sample(e, m, seed, i / kBlockSize, i % kBlockSize, scratch, g);
    x[i] = g[0];
  }
  double mean = 0;
  for (double v : x) mean += v / double(n);
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double d2 = (v - mean) * (v - mean);
    m2 += d2 / double(n);
    m4 += d2 * d2 / double(n);
  }
  return {m2 * double(n) / double(n - 1), std::sqrt((m4 - m2 * m2) / double(n))};
}

TEST(Relax, TrainedVarianceIsBelowReinforceAndRebar) {
  const double z = budget::z_critical(2 * budget::kRelaxed / 10);  // one-sided at kRelaxed/10
  auto p = make_problem("toy:t=0.499");
  const Model m = make_model(*p, std::vector<double>{0.0});
  auto relax = make_estimator("relax");
  relax->prepare(m);
  const std::uint64_t n = 1u << 18;
  const VarianceEstimate r = measure(*relax, m, 101, n);
  for (const std::string other : {"reinforce", "rebar"}) {
    const VarianceEstimate o = measure(*make_estimator(other), m, 202, n);  // independent stream
    EXPECT_GT(o.variance - r.variance, z * std::hypot(o.se, r.se))
        << other << " " << o.variance << " ± " << o.se << " vs relax " << r.variance << " ± " << r.se;
    RecordProperty("variance_" + other, std::to_string(o.variance));
  }
  RecordProperty("variance_relax", std::to_string(r.variance));
}

TEST(Relax, ExactMeanOracleOnTheToyAndThePrepareContract) {
  auto p = make_problem("toy:t=0.499");
  const Model m = make_model(*p, std::vector<double>{0.7});
  Relax e(RelaxOptions{.steps = 100});
  std::vector<double> scratch(e.scratch_size(m)), g(1);
  EXPECT_THROW(draw_sample(e, m, 1, 0, 0, scratch, g), std::logic_error);  // not prepared
  e.prepare(m);
  const auto mean = exact_estimator_mean(e, m);
  ASSERT_TRUE(mean.has_value());
  const ExactGradient exact = exact_gradient(m);
  EXPECT_NEAR(mean->mean[0], exact.gradient[0], mean->error[0] + exact.error[0]);
}

TEST(Relax, SpecAndInputErrors) {
  EXPECT_TRUE(make_estimator("relax")->info().claimed_unbiased);
  for (const char* bad : {"relax:temperature=0", "relax:hidden=0", "relax:steps=-1", "relax:lr=0",
                          "relax:batch=0", "relax:eta=inf", "relax:width=3"})
    EXPECT_THROW(make_estimator(bad), InputError) << bad;
  EXPECT_THROW(make_estimator("relax")->check(*make_problem("gaussian-step")), InputError);
}

}  // namespace
}  // namespace estcheck
