// tests/test_vimco.cpp — estimators/vimco.hpp and verify/oracles/exact.hpp's multi-sample oracle: the
// oracle's ∇L_K is the derivative of its L_K (finite differences); VIMCO's sample is eq. 8–10 of
// Mnih & Rezende 2016 on its draws (golden); its exact mean over every K-tuple is ∇L_K; f <= 0 is
// an input error for the oracle and NaN (counted) for the estimator.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

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
