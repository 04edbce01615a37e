// tests/test_certified_discrete.cpp — verify/oracles/certified/discrete.hpp: the certified
// enumeration, L_K, tuple-moment and toy closed-form routes (issue 14) against independent Arb
// references (tests/discrete_reference.hpp), each within the route's own proven bound, at the
// extremes the issue names: logits ±30 on 1-8 variable tables, 22 variables with mixed ±30
// logits, categorical logits spread over ±30, probabilities near 1e-105 (where exp(Σ log p) lost
// relative accuracy). Plus: the bits do not depend on the thread count; ARM/DisARM stay estimated.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/discrete_reference.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/discrete.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using reference::gap;
using reference::R;

/// Deterministic table values of mixed sign and magnitude (1e-3 .. 1e3, some exact zeros).
std::vector<double> table_values(std::size_t size, unsigned seed) {
  std::vector<double> t(size);
  for (std::size_t k = 0; k < size; ++k) {
    const double a = std::sin(1.3 * double(k) + 0.7 * seed), b = std::cos(2.9 * double(k) * (seed + 1));
    t[k] = (k % 7 == 3) ? 0.0 : a * std::pow(10.0, 3.0 * b);
  }
  return t;
}

/// Logits of ±30 and values in between, deterministic.
std::vector<double> extreme_logits(std::size_t n, unsigned seed) {
  const double pick[] = {30.0, -30.0, -29.75, 29.5, 0.0, 12.25, -17.5, 3.0};
  std::vector<double> th(n);
  for (std::size_t i = 0; i < n; ++i) th[i] = pick[(i * 3 + seed * 5 + i * seed) % 8];
  return th;
}

void expect_within(const ExactGradient& e, const reference::Figures& ref, const std::string& what) {
  EXPECT_TRUE(e.certificate.certified()) << what << ": " << describe(e.certificate);
  EXPECT_LE(gap(e.objective, ref.objective).lower, e.objective_error) << what << " objective";
  for (std::size_t i = 0; i < e.gradient.size(); ++i)
    EXPECT_LE(gap(e.gradient[i], ref.gradient[i]).lower, e.error[i]) << what << " coordinate " << i;
}

TEST(CertifiedDiscrete, BernoulliTablesWithLogitsOfThirty) {
  for (std::size_t n = 1; n <= 8; ++n)
    for (unsigned seed = 0; seed < 3; ++seed) {
      auto p = make_table_problem(Family::bernoulli, table_values(std::size_t{1} << n, seed));
      const Model m = make_model(*p, extreme_logits(n, seed));
      expect_within(exact_gradient(m), reference::enumeration(m),
                    "n = " + std::to_string(n) + ", seed " + std::to_string(seed));
    }
}

// The failure: p(x) = exp(Σ log p_i) with |log p| ~ 240 loses ~240 ε of relative
// accuracy. With f = 1 only at b = (1, ..., 1) and θ_i = -30, L = σ(-30)^8 ≈ 6e-105: the figure
// keeps full relative accuracy, within its bound, and the bound is relative (γ_{2n+1} |L| for a
// single non-negative term, doubled for the sum's own rounding).
TEST(CertifiedDiscrete, TinyProbabilitiesKeepRelativeAccuracy) {
  const std::size_t n = 8;
  std::vector<double> table(std::size_t{1} << n, 0.0);
  table.back() = 1.0;
  auto p = make_table_problem(Family::bernoulli, table);
  const Model m = make_model(*p, std::vector<double>(n, -30.0));
  const ExactGradient e = exact_gradient(m);
  const reference::Figures ref = reference::enumeration(m);
  expect_within(e, ref, "σ(-30)^8");
  const double u = 0x1p-53, k = 2.0 * n + 1.0;
  EXPECT_LE(e.objective_error, 2.0 * (k * u / (1 - k * u) + 2 * u) * e.objective);
  EXPECT_GT(e.objective, 1e-106);
}

// 22 variables, logits alternating ±30 and smaller, f(b) = Σ c_i b_i with integer c_i (exact
// doubles): L = Σ c_i σ(θ_i), ∂L/∂θ_i = c_i σ(θ_i) σ(-θ_i), in Arb. The same bits on 1 and 2 threads.
TEST(CertifiedDiscrete, TwentyTwoVariablesMixedLogits) {
  const std::size_t n = 22;
  std::vector<double> c(n), theta(n);
  for (std::size_t i = 0; i < n; ++i) {
    c[i] = double(int(i % 5) - 2);
    theta[i] = i % 3 == 0 ? 30.0 : i % 3 == 1 ? -30.0 : 0.5 * double(i) - 5.0;
  }
  std::vector<double> table(std::size_t{1} << n);
  for (std::size_t k = 0; k < table.size(); ++k) {
    double v = 0.0;
    for (std::size_t i = 0; i < n; ++i) v += ((k >> i) & 1u) ? c[i] : 0.0;
    table[k] = v;
  }
  auto p = make_table_problem(Family::bernoulli, std::move(table));
  const Model m = make_model(*p, theta);
  const ExactGradient one = exact_gradient(m, ExactMethod::enumeration, 1);
  const ExactGradient two = exact_gradient(m, ExactMethod::enumeration, 2);
  EXPECT_EQ(one.objective, two.objective);
  EXPECT_EQ(one.gradient, two.gradient);
  EXPECT_EQ(one.error, two.error);
  reference::Figures ref;
  ref.objective = R(0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const R s = reference::sig(theta[i]), s0 = reference::sig(-theta[i]);
    ref.objective = reference::add(ref.objective, reference::mul(R(c[i]), s));
    ref.gradient.push_back(reference::mul(R(c[i]), reference::mul(s, s0)));
  }
  expect_within(one, ref, "22 variables");
}

TEST(CertifiedDiscrete, CategoricalLogitsSpreadOverThirty) {
  for (std::size_t K : {2u, 3u, 7u, 16u}) {
    std::vector<double> theta(K);
    for (std::size_t k = 0; k < K; ++k) theta[k] = -30.0 + 60.0 * double(k) / double(K - 1) + (k % 2 ? 0.125 : 0.0);
    auto p = make_table_problem(Family::categorical, table_values(K, unsigned(K)));
    const Model m = make_model(*p, theta);
    expect_within(exact_gradient(m), reference::enumeration(m), "K = " + std::to_string(K));
  }
}

// The toy's closed form in Arb: certified, and equal to the enumeration reference.
TEST(CertifiedDiscrete, ToyClosedForm) {
  for (double t : {0.45, 0.499})
    for (double theta : {-30.0, -8.0, 0.0, 0.3, 16.0, 30.0}) {
      auto p = make_problem("toy:t=" + std::to_string(t));
      const Model m = make_model(*p, std::vector<double>{theta});
      const ExactGradient c = exact_gradient(m, ExactMethod::closed_form);
      EXPECT_EQ(c.method, ExactMethod::closed_form);
      expect_within(c, reference::enumeration(m), "toy θ = " + std::to_string(theta));
      expect_within(exact_gradient(m), reference::enumeration(m), "toy enumeration θ = " + std::to_string(theta));
    }
}

TEST(CertifiedDiscrete, MultisampleObjective) {
  {
    std::vector<double> table = table_values(4, 3);
    for (double& v : table) v = std::abs(v) + 0.25;
    auto p = make_table_problem(Family::bernoulli, table);
    const Model m = make_model(*p, std::vector<double>{-30.0, 12.0});
    for (int k : {1, 2, 3, 5}) expect_within(exact_multisample_gradient(m, k), reference::multisample(m, k), "K = " + std::to_string(k));
  }
  {
    auto p = make_table_problem(Family::categorical, {0.5, 2.0, 1e-3, 7.0});
    const Model m = make_model(*p, std::vector<double>{30.0, -30.0, 1.0, -12.0});
    for (int k : {2, 4}) expect_within(exact_multisample_gradient(m, k), reference::multisample(m, k), "categorical K = " + std::to_string(k));
  }
}

void expect_moments(const std::string& spec, const Model& m) {
  auto est = make_estimator(spec);
  const auto mo = exact_estimator_moments(*est, m);
  ASSERT_TRUE(mo.has_value()) << spec;
  EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << describe(mo->certificate);
  const reference::Moments ref = reference::tuple_moments(*est, m);
  for (std::size_t i = 0; i < mo->mean.size(); ++i) {
    EXPECT_LE(gap(mo->mean[i], ref.mean[i]).lower, mo->mean_error[i]) << spec << " mean " << i;
    EXPECT_LE(gap(mo->variance[i], ref.variance[i]).lower, mo->variance_error[i]) << spec << " variance " << i;
  }
}

TEST(CertifiedDiscrete, TupleMomentsAtExtremeLogits) {
  auto p = make_table_problem(Family::bernoulli, table_values(8, 5));
  const Model m = make_model(*p, std::vector<double>{30.0, -30.0, 2.5});
  for (const char* spec : {"reinforce", "reinforce:baseline=0.5", "rloo:k=2", "rloo:k=3"}) expect_moments(spec, m);
  std::vector<double> positive = table_values(8, 6);
  for (double& v : positive) v = std::abs(v) + 1e-3;
  auto q = make_table_problem(Family::bernoulli, positive);
  expect_moments("vimco:k=2", make_model(*q, std::vector<double>{30.0, -30.0, 2.5}));
  auto c = make_table_problem(Family::categorical, {1.0, -0.5, 3.0, 2.0});
  expect_moments("rloo:k=2", make_model(*c, std::vector<double>{30.0, -30.0, 0.0, 29.0}));
}

// Probabilities below the double range (σ(-800) ≈ 1e-348 rounds to 0, σ(-740) is subnormal): the
// absolute underflow terms keep the bounds proven.
TEST(CertifiedDiscrete, ProbabilitiesBelowTheDoubleRange) {
  auto p = make_table_problem(Family::bernoulli, table_values(8, 11));
  for (const std::vector<double>& theta : {std::vector<double>{-800.0, 740.0, 3.0}, std::vector<double>{-740.0, -720.0, 1e6},
                                           std::vector<double>{-1e6, 745.5, -30.0}}) {
    const Model m = make_model(*p, theta);
    expect_within(exact_gradient(m), reference::enumeration(m), "θ_0 = " + std::to_string(theta[0]));
    expect_moments("reinforce", m);
  }
  auto c = make_table_problem(Family::categorical, {1.0, -2.0, 0.5});
  const Model mc = make_model(*c, std::vector<double>{-800.0, 0.0, 700.0});
  expect_within(exact_gradient(mc), reference::enumeration(mc), "categorical spread 1500");
  expect_moments("rloo:k=2", mc);
}

// L_K over 4^9 tuples (the reduction tree has many leaves): the same bits on 1 and 2 threads.
TEST(CertifiedDiscrete, MultisampleBitIdenticalAcrossThreads) {
  std::vector<double> table = table_values(4, 9);
  for (double& v : table) v = std::abs(v) + 0.5;
  auto p = make_table_problem(Family::bernoulli, table);
  const Model m = make_model(*p, std::vector<double>{-30.0, 0.75});
  const ExactGradient one = exact_multisample_gradient(m, 9, 1), two = exact_multisample_gradient(m, 9, 2);
  EXPECT_TRUE(one.certificate.certified()) << describe(one.certificate);
  EXPECT_EQ(one.objective, two.objective);
  EXPECT_EQ(one.objective_error, two.objective_error);
  EXPECT_EQ(one.gradient, two.gradient);
  EXPECT_EQ(one.error, two.error);
}

// The routes check the oracle budget per chunk: past it the figure is unknown, never a hang.
TEST(CertifiedDiscrete, BudgetExceededIsUnknown) {
  const std::size_t n = 22;
  auto p = make_table_problem(Family::bernoulli, table_values(std::size_t{1} << n, 2));
  const Model m = make_model(*p, extreme_logits(n, 1));
  set_oracle_seconds(1e-4);
  const ExactGradient e = exact_gradient(m);
  auto q = make_table_problem(Family::bernoulli, table_values(1u << 10, 4));
  const auto mo = exact_estimator_moments(*make_estimator("rloo:k=2"), make_model(*q, extreme_logits(10, 2)));
  set_oracle_seconds(kDefaultOracleSeconds);
  EXPECT_TRUE(e.certificate.unknown()) << describe(e.certificate);
  EXPECT_TRUE(std::isnan(e.objective));
  ASSERT_TRUE(mo.has_value());
  EXPECT_TRUE(mo->certificate.unknown()) << describe(mo->certificate);
}

// Certified since issue 18 (verify/oracles/certified/antithetic.hpp; its references in
// tests/test_antithetic_moments.cpp).
TEST(CertifiedDiscrete, AntitheticCellsAreCertified) {
  auto p = make_table_problem(Family::bernoulli, table_values(4, 1));
  const Model m = make_model(*p, std::vector<double>{1.0, -2.0});
  for (const char* spec : {"arm", "disarm"}) {
    const auto mo = exact_estimator_moments(*make_estimator(spec), m);
    ASSERT_TRUE(mo.has_value());
    EXPECT_EQ(mo->certificate.certainty, Certainty::certified) << spec;
    EXPECT_FALSE(mo->certificate.note.empty());
  }
}

}  // namespace
}  // namespace estcheck
