// tests/test_concrete.cpp — estimators/concrete.hpp and verify/oracles/estimator_mean.hpp: the Concrete
// and straight-through samples are their formulas on the sample's noise (golden); their exact
// means agree with Monte Carlo within the stated interval; the exact bias is non-zero where the
// maths says so (even where the true gradient is 0) and zero where symmetry forces it; and the
// Concrete bias vanishes as the temperature goes to 0.
//
// Budget: the Monte Carlo agreement checks are 8 z-tests (one per coordinate of 4 runs), each at
// budget::kRelaxed / 10 (test_relax.cpp makes the other 2 checks of that share); the tolerance is z·SE plus the exact mean's own error bound.
#include "estimators/concrete.hpp"
#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::unique_ptr<Problem> table3() {
  return make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4}, "table3");
}

TEST(Concrete, SamplesAreTheirFormulas) {
  auto p = table3();
  const std::vector<double> theta{0.3, -1.0, 2.0};
  const Model m = make_model(*p, theta);
  for (const bool st : {false, true}) {
    auto e = st ? make_straight_through(0.7) : make_concrete(0.7);
    std::vector<double> scratch(e->scratch_size(m)), g(3), z(3), at(3), df(3);
    for (std::uint64_t i = 0; i < 200; ++i) {
      draw_sample(*e, m, 12, 0, i, scratch, g);
      Noise noise(12, 0, i);
      for (int j = 0; j < 3; ++j) {
        const double u = noise.uniform(), l = std::log(u) - std::log1p(-u);
        z[j] = sigmoid((theta[j] + l) / 0.7);
        at[j] = st ? double(theta[j] + l > 0) : z[j];
      }
      p->relaxed_gradient(at, df);
      for (int j = 0; j < 3; ++j)  // the same operations in the same order: the same bits
        EXPECT_EQ(g[j], df[j] * z[j] * (1 - z[j]) / 0.7) << (st ? "ST " : "concrete ") << i;
    }
  }
}

TEST(Concrete, ExactMeanAgreesWithMonteCarlo) {
  const double z = budget::z_critical(budget::kRelaxed / 10);
  struct Case {
    std::unique_ptr<Problem> problem;
    std::vector<double> theta;
    std::unique_ptr<Estimator> estimator;
  };
  std::vector<Case> cases;
  cases.push_back({make_problem("toy:t=0.45"), {1.0}, make_concrete(0.5)});
  cases.push_back({make_problem("toy:t=0.45"), {-0.5}, make_straight_through(1.0)});
  cases.push_back({table3(), {0.3, -1.0, 2.0}, make_concrete(0.7)});
  cases.push_back({table3(), {0.3, -1.0, 2.0}, make_straight_through(1.0)});
  int checks = 0;
  for (const auto& c : cases) {
    const Model m = make_model(*c.problem, c.theta);
    const auto exact = exact_estimator_mean(*c.estimator, m);
    ASSERT_TRUE(exact.has_value());
    const RunResult r = run_estimator(*c.estimator, m, {1u << 21, 777, 0});
    const auto var = r.moments.variance();
    for (std::size_t i = 0; i < c.theta.size(); ++i, ++checks) {
      const double se = std::sqrt(var[i] / double(r.moments.count));
      EXPECT_LT(std::abs(r.moments.mean[i] - exact->mean[i]), z * se + exact->error[i])
          << c.estimator->info().spec << " on " << c.problem->spec() << " coordinate " << i;
    }
  }
  EXPECT_EQ(checks, 8) << "update the budget split";
}

double bias(const std::string& problem, std::vector<double> theta, const Estimator& e, std::size_t i = 0) {
  auto p = make_problem(problem);
  const Model m = make_model(*p, theta);
  return exact_estimator_mean(e, m)->mean[i] - exact_gradient(m).gradient[i];
}

/// An independent reference for the toy's exact bias: E ĝ = ∫_0^1 2(a(u) - t) z(1 - z)/λ du with
/// z = σ((θ + logit u)/λ) and a = z (Concrete) or the hard sample 1[u > σ(-θ)] (straight-through),
/// by tanh-sinh in long double on (0, u*) and (u*, 1), u* = σ(-θ), where a jumps; minus the true
/// gradient σ(θ)σ(-θ)(1 - 2t). `error` gets the quadrature's own error estimate.
long double toy_bias_reference(double t, double theta, double lambda, bool straight_through, long double& error) {
  boost::math::quadrature::tanh_sinh<long double> q;
  const long double th = theta, lam = lambda, ustar = 1.0L / (1.0L + std::exp(th));
  auto integrand = [&](long double u) {
    const long double z = 1.0L / (1.0L + std::exp(-(th + std::log(u) - std::log1p(-u)) / lam));
    const long double a = straight_through ? (u > ustar ? 1.0L : 0.0L) : z;
    return 2.0L * (a - t) * z * (1.0L - z) / lam;
  };
  long double e1 = 0, e2 = 0;
  const long double mean = q.integrate(integrand, 0.0L, ustar, 1e-15L, &e1) +
                           q.integrate(integrand, ustar, 1.0L, 1e-15L, &e2);
  error = e1 + e2;
  const long double s = 1.0L / (1.0L + std::exp(-th));
  return mean - s * (1.0L - s) * (1.0L - 2.0L * t);
}

/// The oracle's exact bias equals the reference within both error bounds, and it is certainly not
/// zero: |bias| exceeds everything the two computations could be off by.
void expect_certain_bias(double t, double theta, const Estimator& e, double lambda, bool straight_through) {
  auto p = make_problem("toy:t=" + format_double(t));
  const Model m = make_model(*p, std::vector<double>{theta});
  const auto mean = exact_estimator_mean(e, m);
  const ExactGradient g = exact_gradient(m);
  ASSERT_TRUE(mean.has_value());
  long double ref_error = 0;
  const long double ref = toy_bias_reference(t, theta, lambda, straight_through, ref_error);
  const double oracle = mean->mean[0] - g.gradient[0];
  // The oracle's bound, the reference's estimate, and the rounding of the two subtractions.
  const double allowance = mean->error[0] + g.error[0] + static_cast<double>(ref_error) +
                           4 * kEps * (std::abs(mean->mean[0]) + std::abs(g.gradient[0]));
  EXPECT_NEAR(oracle, static_cast<double>(ref), allowance) << e.info().spec << " at t = " << t;
  EXPECT_GT(std::abs(oracle), allowance) << e.info().spec << " at t = " << t << ": bias not certainly non-zero";
}

TEST(Concrete, ExactBiasWhereTheMathsSays) {
  // Non-zero: toy at θ = 1, and toy t = 0.5 at θ = 1, where the true gradient σσ'(1 - 2t) is 0
  // but the relaxed objective E (z - 1/2)² still moves with θ. Each against an independent
  // long-double quadrature of the estimator's formula, within the derived error budget.
  expect_certain_bias(0.45, 1.0, *make_concrete(0.5), 0.5, false);
  expect_certain_bias(0.5, 1.0, *make_concrete(0.5), 0.5, false);
  expect_certain_bias(0.45, 1.0, *make_straight_through(1.0), 1.0, true);
  // Zero: toy t = 0.5 at θ = 0 — z is symmetric about 1/2 and 2(z - 1/2) z(1 - z) is odd in it,
  // so E ĝ = 0 = ∇L; within the oracle's error bound.
  for (const bool st : {false, true}) {
    const auto e = st ? make_straight_through(1.0) : make_concrete(0.5);
    auto p = make_problem("toy:t=0.5");
    const Model m = make_model(*p, std::vector<double>{0.0});
    const auto mean = exact_estimator_mean(*e, m);
    EXPECT_LE(std::abs(mean->mean[0]), mean->error[0]) << e->info().spec;
    EXPECT_EQ(exact_gradient(m).gradient[0], 0.0);
  }
  // Zero: a constant table, whose relaxation has zero gradient everywhere.
  auto c = make_table_problem(Family::bernoulli, {2, 2, 2, 2});
  const Model mc = make_model(*c, std::vector<double>{0.4, -1.0});
  const auto constant = exact_estimator_mean(*make_concrete(0.3), mc);
  for (double v : constant->mean) EXPECT_EQ(v, 0.0);
}

TEST(Concrete, BiasVanishesAsTemperatureGoesToZero) {
  const double b1 = std::abs(bias("toy:t=0.45", {1.0}, *make_concrete(0.5)));
  const double b2 = std::abs(bias("toy:t=0.45", {1.0}, *make_concrete(0.05)));
  const double b3 = std::abs(bias("toy:t=0.45", {1.0}, *make_concrete(0.005)));
  EXPECT_LT(b2, b1);
  EXPECT_LT(b3, b2);
}

// Gumbel-softmax on a categorical table: the golden formula, and straight-through = Concrete bit
// for bit (the table's relaxation is linear, so ∂f/∂z is the table at z and at b alike).
TEST(Concrete, CategoricalGumbelSoftmax) {
  const std::vector<double> table{1, -2, 0.5, 3};
  auto p = make_table_problem(Family::categorical, table, "c4");
  const std::vector<double> theta{0.2, -1.0, 0.5, 1.5};
  const Model m = make_model(*p, theta);
  auto concrete = make_concrete(0.6), st = make_straight_through(0.6);
  std::vector<double> scratch(concrete->scratch_size(m)), g(4), h(4), z(4);
  for (std::uint64_t i = 0; i < 200; ++i) {
    draw_sample(*concrete, m, 8, 0, i, scratch, g);
    draw_sample(*st, m, 8, 0, i, scratch, h);
    EXPECT_EQ(g, h) << "sample " << i;
    Noise noise(8, 0, i);
    for (int k = 0; k < 4; ++k) z[k] = (theta[k] - std::log(-std::log(noise.uniform()))) / 0.6;
    const double lse = log_sum_exp(z);
    double cz = 0;
    for (int k = 0; k < 4; ++k) {
      z[k] = std::exp(z[k] - lse);
      cz += table[k] * z[k];
    }
    for (int j = 0; j < 4; ++j) EXPECT_EQ(g[j], z[j] * (table[j] - cz) / 0.6) << "sample " << i;
  }
  // Biased, detectably, at λ = 1 (a power check: no share of the false-failure budget).
  const RunResult r = run_estimator(*make_concrete(1.0), m, {1'000'000, 3, 0});
  EXPECT_EQ(test_bias(r, exact_gradient(m), {1e-3, {}}).verdict, Verdict::fail);
  EXPECT_FALSE(exact_estimator_mean(*concrete, m).has_value());  // no categorical oracle yet
}

TEST(Concrete, InputErrors) {
  EXPECT_THROW(make_estimator("concrete:temperature=0"), InputError);
  EXPECT_THROW(make_estimator("straight-through:temperature=-1"), InputError);
  EXPECT_THROW(make_concrete(0.5)->check(*make_problem("gaussian-step")), InputError);
  EXPECT_NO_THROW(make_concrete(0.5)->check(*make_table_problem(Family::categorical, {1, 2})));
  EXPECT_FALSE(make_estimator("concrete")->info().claimed_unbiased);
  EXPECT_EQ(make_estimator("concrete")->info().spec, "concrete:temperature=0.5");
  EXPECT_EQ(make_estimator("straight-through")->info().spec, "straight-through:temperature=1");
}

}  // namespace
}  // namespace estcheck
