// tests/test_vimco.cpp — estimators/vimco.hpp and verify/oracles/exact.hpp's multi-sample oracle: the
// oracle's ∇L_K is the derivative of its L_K (finite differences); VIMCO's sample is eq. 8–10 of
// Mnih & Rezende 2016 on its draws (golden); its exact mean over every K-tuple is ∇L_K; f <= 0 is
// an input error for the oracle and NaN (counted) for the estimator; its exact variance on the toy
// (K = 2: 4 tuples, by hand in long double) is certified and is what verify's Catoni test uses.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/pipeline.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::unique_ptr<Problem> positive_table() {
  return make_table_problem(Family::bernoulli, {1.0, 2.0, 0.5, 3.0}, "pos2");
}

/// VIMCO's formula for given draws (their f values and scores).
std::vector<double> vimco_formula(const std::vector<double>& f, const std::vector<std::vector<double>>& s) {
  const std::size_t K = f.size(), d = s[0].size();
  double sum_f = 0, sum_log = 0;
  for (double v : f) {
    sum_f += v;
    sum_log += std::log(v);
  }
  const double l_hat = std::log(sum_f / double(K));
  std::vector<double> g(d, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const double geo = std::exp((sum_log - std::log(f[k])) / double(K - 1));
    const double w = l_hat - std::log((sum_f - f[k] + geo) / double(K));
    for (std::size_t i = 0; i < d; ++i) g[i] += w * s[k][i];
  }
  return g;
}

TEST(Vimco, OracleGradientIsTheDerivativeOfItsObjective) {
  auto p = positive_table();
  const std::vector<double> theta{0.4, -1.2};
  for (int k : {1, 2, 4}) {
    const ExactGradient e = exact_multisample_gradient(make_model(*p, theta), k);
    for (std::size_t i = 0; i < 2; ++i) {
      auto obj = [&](double t) {
        auto th = theta;
        th[i] = t;
        return exact_multisample_gradient(make_model(*p, th), k).objective;
      };
      double err = 0;
      const double fd = boost::math::differentiation::finite_difference_derivative(obj, theta[i], &err);
      EXPECT_NEAR(e.gradient[i], fd, 10 * err + e.error[i]) << "K = " << k << ", coordinate " << i;
    }
  }
  // K = 1 is E[log f]: enumerate it directly.
  const Model m = make_model(*p, theta);
  const auto& d = std::get<BernoulliLogits>(m.dist);
  double l1 = 0;
  std::vector<double> x(2);
  for (std::uint64_t j = 0; j < 4; ++j) {
    support_point(d, j, x);
    l1 += std::exp(log_prob(d, x)) * std::log(m.f(x));
  }
  const ExactGradient one = exact_multisample_gradient(m, 1);
  EXPECT_NEAR(one.objective, l1, one.objective_error + 16 * kEps * std::abs(l1));
}

TEST(Vimco, SampleIsTheFormulaAndItsExactMeanIsTheGradient) {
  auto p = positive_table();
  const Model m = make_model(*p, std::vector<double>{0.4, -1.2});
  const auto& d = std::get<BernoulliLogits>(m.dist);
  auto e = make_estimator("vimco:k=3");
  EXPECT_EQ(e->info().objective_samples, 3);
  // Golden: three draws from the stream, in order.
  std::vector<double> scratch(e->scratch_size(m)), g(2);
  for (std::uint64_t i = 0; i < 100; ++i) {
    draw_sample(*e, m, 2, 0, i, scratch, g);
    Noise noise(2, 0, i);
    std::vector<double> f(3);
    std::vector<std::vector<double>> s(3, std::vector<double>(2));
    for (int k = 0; k < 3; ++k) {
      std::vector<double> x(2);
      sample(d, noise, x);
      f[k] = m.f(x);
      score(d, x, s[k]);
    }
    const auto want = vimco_formula(f, s);
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(g[j], want[j], 64 * kEps * (std::abs(want[j]) + 1));
  }
  // Exact mean over the 4^3 tuples.
  const ExactGradient exact = exact_multisample_gradient(m, 3);
  std::vector<double> mean(2, 0.0), abs_sum(2, 0.0);
  for (std::uint64_t t = 0; t < 64; ++t) {
    std::vector<double> f(3);
    std::vector<std::vector<double>> s(3, std::vector<double>(2));
    double w = 1;
    for (std::uint64_t code = t, k = 0; k < 3; ++k, code /= 4) {
      std::vector<double> x(2);
      support_point(d, code % 4, x);
      w *= std::exp(log_prob(d, x));
      f[k] = m.f(x);
      score(d, x, s[k]);
    }
    const auto gk = vimco_formula(f, s);
    for (int j = 0; j < 2; ++j) {
      mean[j] += w * gk[j];
      abs_sum[j] += std::abs(w * gk[j]);
    }
  }
  for (int j = 0; j < 2; ++j)
    EXPECT_NEAR(mean[j], exact.gradient[j], exact.error[j] + 128 * kEps * abs_sum[j]) << "coordinate " << j;
}

// Issue 18: VIMCO's sample is its code's value_at over its K draws, so its moments are certified by
// enumerating the tuples (certified::tuple_moments), with respect to the code's doubles. Reference:
// the 4 tuples of K = 2 draws on the toy by hand — ĝ(a, b) = (L̂ - log f_b)(a - σ) + (L̂ - log f_a)(b - σ),
// L̂ = log((f_a + f_b)/2) (with K = 2 the geometric mean of the others is the other f), which the
// code's ĝ matches to its rounding (relative to the logs: L̂ - log f cancels) — and the weights
// σ^(a+b) σ(-θ)^(2-a-b) in long double times the code's ĝ: the proven bound must enclose that.
TEST(Vimco, ExactVarianceOnTheToyIsCertifiedAndMatchesTheFourTuplesByHand) {
  auto toy = make_problem("toy:t=0.499");
  auto e = make_estimator("vimco");
  for (double theta : {1.0, 8.0, -3.0}) {
    const Model m = make_model(*toy, std::vector<double>{theta});
    const auto mo = exact_estimator_moments(*e, m);
    ASSERT_TRUE(mo.has_value());
    ASSERT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
    const long double s1 = 1.0L / (1.0L + std::exp(-static_cast<long double>(theta))), s0 = 1.0L - s1;
    long double m1 = 0, m2 = 0, abs2 = 0;
    std::vector<double> scratch(e->scratch_size(m)), g(1);
    for (int a : {0, 1})
      for (int b : {0, 1}) {
        const std::vector<double> xa{double(a)}, xb{double(b)}, xs{double(a), double(b)};
        const long double fa = m.f(xa), fb = m.f(xb), l_hat = std::log((fa + fb) / 2.0L);
        const long double hand = (l_hat - std::log(fb)) * (a - s1) + (l_hat - std::log(fa)) * (b - s1);
        e->value_at(m, xs, scratch, g);
        EXPECT_NEAR(g[0], static_cast<double>(hand),
                    64 * kEps * static_cast<double>(std::abs(l_hat) + std::abs(std::log(fa)) + std::abs(std::log(fb))));
        const long double w = (a ? s1 : s0) * (b ? s1 : s0);
        m1 += w * g[0];
        m2 += w * g[0] * g[0];
        abs2 += w * g[0] * g[0];
      }
    const long double var = m2 - m1 * m1;
    // The reference's own error: long double rounding of a handful of operations (64-bit mantissa).
    const double ref_err = static_cast<double>(64 * std::numeric_limits<long double>::epsilon() * abs2);
    const double ref_mean_err = static_cast<double>(64 * std::numeric_limits<long double>::epsilon() * std::sqrt(abs2));
    EXPECT_LE(std::abs(mo->variance[0] - static_cast<double>(var)), mo->variance_error[0] + ref_err) << "θ = " << theta;
    EXPECT_LE(std::abs(mo->mean[0] - static_cast<double>(m1)), mo->mean_error[0] + ref_mean_err) << "θ = " << theta;
    // The mean is the multi-sample oracle's ∇L_K (both proven: their balls intersect).
    const ExactGradient lk = exact_multisample_gradient(m, 2);
    EXPECT_LE(std::abs(mo->mean[0] - lk.gradient[0]), mo->mean_error[0] + lk.error[0]) << "θ = " << theta;
    // verify uses it: Catoni with the certified variance, not the betting fallback.
    VerifyRequest q;
    q.problem = toy.get();
    q.estimator = e.get();
    q.theta = {theta};
    q.run.samples = 4096;
    const VerifyReport r = verify(q);
    ASSERT_TRUE(r.estimator_moments.has_value());
    EXPECT_EQ(r.test_method, TestMethod::catoni) << "θ = " << theta;
  }
}

TEST(Vimco, NonPositiveF) {
  auto neg = make_table_problem(Family::bernoulli, {1.0, -2.0}, "neg");
  const Model m = make_model(*neg, std::vector<double>{0.0});
  EXPECT_THROW(exact_multisample_gradient(m, 2), InputError);
  auto e = make_estimator("vimco");
  const RunResult r = run_estimator(*e, m, {4096, 1, 1});
  EXPECT_GT(r.nonfinite, 0u);
  EXPECT_THROW(make_estimator("vimco:k=1"), InputError);
}

}  // namespace
}  // namespace estcheck
