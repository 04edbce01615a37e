// tests/test_certified_relaxed.cpp — verify/oracles/certified/relaxed_moments.hpp: the certified
// exact mean and variance of Concrete, straight-through and REBAR (issue 14), and the failures of
// issue 14 in this area as regression tests:
// - REBAR's exact mean equals the exact gradient within the sum of their proven bounds at
//   θ ∈ {8, 10, 12, 16} × λ ∈ {0.01, 0.1, 0.5, 2} on toy:t=0.45 (η = 1); it was -2× the gradient
//   with a bound of 2.6e-11.
// - Concrete at θ = 8, λ = 0.01: mean +3.69e-5 and variance 1.18e-3 (the issue's mpmath values, to
//   the 3 digits it gives), not -6.56e-5 and 3.7e-4.
// - The oracles that did not return (REBAR at θ = 12, λ = 0.5 and θ = -12, λ = 2; RELAX at
//   θ = -12; REBAR on 20 variables) return within their budget, certified, estimated or unknown.
// - REBAR on Bernoulli tables with |θ| > 20: mean = gradient within the proven bounds.
// The precision audit over the whole parameter range is tests/test_audit_relaxed.cpp.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/relaxed_moments.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace estcheck {
namespace {

std::string rebar_spec(double lambda, double eta) {
  return "rebar:temperature=" + format_double(lambda) + ",eta=" + format_double(eta);
}

TEST(CertifiedRelaxed, RebarMeanIsTheGradientOnTheToyAtExtremeLogits) {
  auto toy = make_problem("toy:t=0.45");
  for (double theta : {8.0, 10.0, 12.0, 16.0})
    for (double lambda : {0.01, 0.1, 0.5, 2.0}) {
      const Model m = make_model(*toy, std::vector<double>{theta});
      const auto e = make_estimator(rebar_spec(lambda, 1.0));
      const ExactGradient g = exact_gradient(m);
      const auto mean = exact_estimator_mean(*e, m);
      ASSERT_TRUE(mean.has_value());
      ASSERT_TRUE(mean->certificate.certified()) << describe(mean->certificate);
      EXPECT_NEAR(mean->mean[0], g.gradient[0], mean->error[0] + g.error[0]) << "θ " << theta << " λ " << lambda;
      EXPECT_GT(mean->mean[0], 0.0);
      const auto mo = exact_estimator_moments(*e, m);
      ASSERT_TRUE(mo && mo->certificate.certified());
      EXPECT_NEAR(mo->mean[0], mean->mean[0], mo->mean_error[0] + mean->error[0]);
      EXPECT_GT(mo->variance[0] - mo->variance_error[0], 0.0);
    }
}

// The issue's reference values (mpmath, 40+ digits) are quoted to 3 significant digits, so they
// pin the figure to ± half a unit of the third digit.
TEST(CertifiedRelaxed, ConcreteAtThetaEightLambdaHundredthMatchesTheIssuesReference) {
  auto toy = make_problem("toy:t=0.45");
  const Model m = make_model(*toy, std::vector<double>{8.0});
  const auto mo = exact_estimator_moments(*make_estimator("concrete:temperature=0.01"), m);
  ASSERT_TRUE(mo && mo->certificate.certified());
  EXPECT_NEAR(mo->mean[0], 3.69e-5, 0.005e-5 + mo->mean_error[0]);
  EXPECT_NEAR(mo->variance[0], 1.18e-3, 0.005e-3 + mo->variance_error[0]);
}

// Each failed case of issue 14 returns within the default budget (30 s) times a small factor; the
// figure is certified (Concrete, straight-through, REBAR), estimated (RELAX, the REBAR mutant) or
// unknown (refused: REBAR past kCertifiedRelaxedMaxVariables when predicted too slow).
TEST(CertifiedRelaxed, TheSlowCasesReturnWithinTheirBudget) {
  set_oracle_seconds(kDefaultOracleSeconds);
  auto toy = make_problem("toy:t=0.45");
  struct Case {
    double theta;
    const char* spec;
    Certainty expected;
  };
  for (const Case& c : {Case{12.0, "rebar:temperature=0.5,eta=1", Certainty::certified},
                        Case{-12.0, "rebar:temperature=2,eta=1", Certainty::certified},
                        Case{-12.0, "relax:steps=0", Certainty::estimated},
                        Case{12.0, "mutant/rebar-no-conditional", Certainty::estimated}}) {
    const Model m = make_model(*toy, std::vector<double>{c.theta});
    const auto e = make_estimator(c.spec);
    e->prepare(m);
    const auto start = std::chrono::steady_clock::now();
    const auto mo = exact_estimator_moments(*e, m);
    const auto mean = exact_estimator_mean(*e, m);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(mo && mean) << c.spec;
    EXPECT_EQ(mo->certificate.certainty, c.expected) << c.spec << ": " << describe(mo->certificate);
    EXPECT_EQ(mean->certificate.certainty, c.expected) << c.spec << ": " << describe(mean->certificate);
    EXPECT_LT(seconds, 2.0 * kDefaultOracleSeconds) << c.spec;
    // RELAX and REBAR are unbiased: their means equal the gradient within the bounds (RELAX's an
    // estimate, which is all the estimated route states).
    if (c.expected != Certainty::estimated || std::string(c.spec).rfind("relax", 0) == 0) {
      const ExactGradient g = exact_gradient(m);
      EXPECT_NEAR(mean->mean[0], g.gradient[0], mean->error[0] + g.error[0]) << c.spec;
    }
  }
  // REBAR on a 20-variable table: refused (unknown) or estimated, within the budget.
  std::vector<double> table(std::size_t{1} << 20);
  for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::sin(1.7 * static_cast<double>(k));
  auto t20 = make_table_problem(Family::bernoulli, table, "t20");
  const Model m20 = make_model(*t20, std::vector<double>(20, 0.3));
  const auto start = std::chrono::steady_clock::now();
  const auto mean = exact_estimator_mean(*make_estimator("rebar"), m20);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(mean.has_value());
  EXPECT_FALSE(mean->certificate.certified());
  EXPECT_LT(seconds, 2.0 * kDefaultOracleSeconds);
}

// REBAR on Bernoulli tables with logits past ±20 (where the old tanh-sinh route's concrete mean
// missed its bound by up to 16×): certified, and the mean is the enumerated gradient.
TEST(CertifiedRelaxed, RebarMeanIsTheGradientOnTablesAtExtremeLogits) {
  for (std::size_t n : {1u, 3u, 6u}) {
    std::vector<double> table(std::size_t{1} << n);
    for (std::size_t k = 0; k < table.size(); ++k)
      table[k] = std::sin(1.7 * static_cast<double>(k) + 0.3) + 0.5 * std::cos(static_cast<double>(k * k));
    auto t = make_table_problem(Family::bernoulli, table, "t");
    std::vector<double> theta(n);
    for (std::size_t j = 0; j < n; ++j) theta[j] = (j % 2 ? -1.0 : 1.0) * (21.0 + 3.0 * static_cast<double>(j));
    const Model m = make_model(*t, theta);
    const ExactGradient g = exact_gradient(m);
    for (double lambda : {0.01, 0.5, 30.0}) {
      const auto e = make_estimator(rebar_spec(lambda, 0.8));
      const auto mo = exact_estimator_moments(*e, m);
      ASSERT_TRUE(mo && mo->certificate.certified());
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(mo->mean[i], g.gradient[i], mo->mean_error[i] + g.error[i]) << n << " " << lambda << " " << i;
        EXPECT_GE(mo->variance[i] + mo->variance_error[i], 0.0);
      }
      for (const char* name : {"concrete", "straight-through"}) {
        const auto c = make_estimator(std::string(name) + ":temperature=" + format_double(lambda));
        const auto cm = exact_estimator_moments(*c, m);
        ASSERT_TRUE(cm && cm->certificate.certified()) << name;
        const auto mean = exact_estimator_mean(*c, m);
        for (std::size_t i = 0; i < n; ++i)
          EXPECT_NEAR(cm->mean[i], mean->mean[i], cm->mean_error[i] + mean->error[i]) << name;
      }
    }
  }
}

// Past the variance's 8 variables the mean alone stays certified (to 14): REBAR's is the gradient.
TEST(CertifiedRelaxed, RebarMeanOnTwelveVariablesIsTheGradient) {
  std::vector<double> table(std::size_t{1} << 12);
  for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::sin(1.7 * static_cast<double>(k) + 0.3);
  auto t = make_table_problem(Family::bernoulli, table, "t12");
  std::vector<double> theta(12);
  for (std::size_t j = 0; j < 12; ++j) theta[j] = -6.0 + static_cast<double>(j);
  const Model m = make_model(*t, theta);
  const ExactGradient g = exact_gradient(m);
  const auto start = std::chrono::steady_clock::now();
  const auto mean = exact_estimator_mean(*make_estimator("rebar:temperature=0.3,eta=0.9"), m);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(mean && mean->certificate.certified());
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(mean->mean[i], g.gradient[i], mean->error[i] + g.error[i]) << i;
  EXPECT_LT(seconds, kDefaultOracleSeconds);
}

// The route takes only what it certifies: not RELAX, not the planted mutant, not past the
// variable limit, not a categorical problem.
TEST(CertifiedRelaxed, OnlyWhereItApplies) {
  auto toy = make_problem("toy:t=0.45");
  const Model m = make_model(*toy, std::vector<double>{1.0});
  EXPECT_TRUE(certified::relaxed_moments(*make_estimator("concrete"), m, false).has_value());
  EXPECT_TRUE(certified::relaxed_moments(*make_estimator("straight-through"), m, false).has_value());
  EXPECT_TRUE(certified::relaxed_moments(*make_estimator("rebar"), m, true).has_value());
  EXPECT_FALSE(certified::relaxed_moments(*make_estimator("mutant/rebar-no-conditional"), m, false).has_value());
  auto relax = make_estimator("relax:steps=0");
  relax->prepare(m);
  EXPECT_FALSE(certified::relaxed_moments(*relax, m, false).has_value());
  std::vector<double> table(std::size_t{1} << 9, 1.0);
  auto t9 = make_table_problem(Family::bernoulli, table, "t9");
  const Model m9 = make_model(*t9, std::vector<double>(9, 0.1));
  EXPECT_FALSE(certified::relaxed_moments(*make_estimator("rebar"), m9, false).has_value());
  EXPECT_TRUE(certified::relaxed_moments(*make_estimator("rebar"), m9, true).has_value());
  std::vector<double> t15(std::size_t{1} << 15, 1.0);
  auto p15 = make_table_problem(Family::bernoulli, t15, "t15");
  const Model m15 = make_model(*p15, std::vector<double>(15, 0.1));
  EXPECT_FALSE(certified::relaxed_moments(*make_estimator("rebar"), m15, true).has_value());
}

// The half-line integrals against a symmetry: at θ = 0, z ↔ 1 - z and t ↔ -t swap, so
// H_0[1 - z] + H_1[1 - z] = E[1 - z] = 1/2 and H_1[z] = H_0[1 - z], for every λ.
TEST(CertifiedRelaxed, HalfLineIntegralsHoldTheirSymmetry) {
  for (double lambda : {0.01, 0.3, 1.0, 7.0, 100.0}) {
    const auto a = certified::feature_half_integral(1, 0.0, lambda, false);
    const auto b = certified::feature_half_integral(1, 0.0, lambda, true);
    EXPECT_NEAR(a.mid + b.mid, 0.5, a.rad + b.rad + 0x1p-54) << lambda;  // + the sum's rounding (ulp(0.5)/2)
    const auto c = certified::feature_half_integral(0, 0.0, lambda, true);  // H_1[z] = H_0[1 - z]
    EXPECT_NEAR(c.mid, a.mid, c.rad + a.rad) << lambda;
  }
}

}  // namespace
}  // namespace estcheck
