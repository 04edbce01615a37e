// tests/test_lqr.cpp — the LQR problem (estimators/problems/lqr.hpp) and its certified oracle
// (verify/oracles/certified/lqr.hpp), against computations that share none of its recursion:
// - the objective by a second route: the action sequence is jointly Gaussian, a = (I - Λ)⁻¹(h + σε)
//   with Λ = the stacked K Φ_t (s_t = A^t s_0 + Φ_t a), and C(a) = aᵀHa + 2gᵀa + c₀, so
//   E C = mᵀHm + 2gᵀm + c₀ + σ² tr(H N Nᵀ) (Eigen, doubles);
// - the gradient from the objective alone: along a coordinate of K, L is a polynomial of degree
//   ≤ 2T (μ_t has degree t in K, P_t degree 2t - 2), so the central difference on the 2T + 1
//   nodes θ_i + k h, |k| ≤ T, with weights (-1)^{k+1} (T!)² / (k (T-k)! (T+k)! h) (the derivative
//   of the interpolating polynomial) is exact; along log σ, L is affine in σ², so
//   ∂L/∂log σ = 2σ² (L(2σ) - L(σ)) / (3σ²). Both in Arb balls: enclosures must overlap.
// - the rollout's forward-mode path derivatives (used by pg-pathwise and lax) against central
//   differences of the rollout at fixed ε, and f(a) against the rollout's stage costs;
// - a Monte Carlo sanity check of L (mean cost of 2^16 rollouts; not an oracle check).
#include "estimators/core/error.hpp"
#include "estimators/core/noise.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/lqr.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/oracles/certified/ball.hpp"
#include "verify/oracles/exact.hpp"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using certified::Ball;

const std::vector<std::vector<double>> kThetas = {{-1.0, -1.0, -0.5}, {-2.0, -0.5, 0.25}, {0.5, 0.25, -1.0}};

/// E C by the stacked route of the header (doubles).
double stacked_objective(const LqrSystem& s, std::span<const double> theta) {
  const auto n = static_cast<Eigen::Index>(s.n), m = static_cast<Eigen::Index>(s.m);
  const auto T = static_cast<Eigen::Index>(s.horizon), D = T * m;
  const Eigen::MatrixXd A = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(s.A.data(), n, n);
  const Eigen::MatrixXd B = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(s.B.data(), n, m);
  const Eigen::MatrixXd Q = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(s.Q.data(), n, n);
  const Eigen::MatrixXd Qf = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(s.Qf.data(), n, n);
  const Eigen::MatrixXd R = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(s.R.data(), m, m);
  const Eigen::MatrixXd K = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(theta.data(), m, n);
  const double sigma = std::exp(theta[theta.size() - 1]);
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(D, D), Lambda = Eigen::MatrixXd::Zero(D, D);
  Eigen::VectorXd g = Eigen::VectorXd::Zero(D), h(D);
  double c0 = 0.0;
  Eigen::MatrixXd Phi = Eigen::MatrixXd::Zero(n, D);
  Eigen::VectorXd c = Eigen::Map<const Eigen::VectorXd>(s.s0.data(), n);
  for (Eigen::Index t = 0; t <= T; ++t) {
    const Eigen::MatrixXd& W = t == T ? Qf : Q;
    H += Phi.transpose() * W * Phi;
    g += Phi.transpose() * W * c;
    c0 += c.dot(W * c);
    if (t == T) break;
    H.block(t * m, t * m, m, m) += R;
    Lambda.middleRows(t * m, m) = K * Phi;
    h.segment(t * m, m) = K * c;
    Phi = (A * Phi).eval();
    Phi.middleCols(t * m, m) += B;
    c = (A * c).eval();
  }
  const Eigen::MatrixXd N = (Eigen::MatrixXd::Identity(D, D) - Lambda).inverse();
  const Eigen::VectorXd mean = N * h;
  return mean.dot(H * mean) + 2.0 * g.dot(mean) + c0 + sigma * sigma * (H * N * N.transpose()).trace();
}

Ball ball_objective(const LqrSystem& s, std::span<const double> K, const Ball& sigma) {
  std::vector<Ball> k(K.begin(), K.end());
  return lqr_objective<Ball>(s, std::span<const Ball>(k), sigma).objective;
}

void expect_overlap(double a, double rad_a, double b, double rad_b, const std::string& what) {
  EXPECT_LE(std::abs(a - b), rad_a + rad_b) << what << ": " << a << " ± " << rad_a << " vs " << b << " ± " << rad_b;
}

TEST(Lqr, SpecCatalogueAndBadInput) {
  auto p = make_problem("lqr");
  EXPECT_EQ(p->spec(), "lqr:horizon=8");
  EXPECT_EQ(p->family(), Family::control);
  EXPECT_EQ(p->theta_dim(), 3u);
  EXPECT_EQ(p->sample_dim(), 8u);
  EXPECT_EQ(make_problem("lqr:horizon=3")->sample_dim(), 3u);
  EXPECT_THROW(make_problem("lqr:horizon=17"), InputError);
  EXPECT_THROW(make_problem("lqr:steps=3"), InputError);
  const std::vector<double> short_theta{1.0, 2.0};
  EXPECT_THROW(make_model(*p, short_theta), InputError);
  // Single-distribution estimators refuse it; the policy-gradient ones refuse other problems.
  EXPECT_THROW(make_estimator("reinforce")->check(*p), InputError);
  EXPECT_THROW(make_estimator("lax")->check(*make_problem("toy")), InputError);
  EXPECT_NO_THROW(make_estimator("lax")->check(*p));
}

TEST(Lqr, CertifiedObjectiveAgreesWithTheStackedRouteAndTheDoubleRecursion) {
  for (int T : {1, 2, 8, 16}) {
    auto p = make_problem("lqr:horizon=" + std::to_string(T));
    const LqrSystem& s = *lqr_system_of(*p);
    for (const auto& theta : kThetas) {
      const Model m = make_model(*p, theta);
      const ExactGradient g = exact_gradient(m);
      ASSERT_TRUE(g.certificate.certified()) << describe(g.certificate);
      EXPECT_EQ(g.method, ExactMethod::closed_form);
      // 128-bit balls: the radius is the midpoint's rounding to a double (≤ ε/2 relative) plus ~2^-120.
      EXPECT_LE(g.objective_error, std::numeric_limits<double>::epsilon() * std::abs(g.objective));
      // The double routes make at most a few thousand roundings on O(1) values with no large
      // cancellation (every stage cost is a sum of nonnegative expectations): 1e-10 relative is far
      // above their rounding (k ε ≈ 1e-12 for k = 5000) and far below any formula error.
      const double stacked = stacked_objective(s, theta);
      EXPECT_NEAR(stacked, g.objective, 1e-10 * std::abs(g.objective)) << "T = " << T;
      const auto cf = p->closed_form(theta);
      EXPECT_NEAR(cf->objective, g.objective, 1e-10 * std::abs(g.objective));
      for (std::size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(cf->gradient[i], g.gradient[i], 1e-10 * (std::abs(g.gradient[i]) + std::abs(g.objective)));
    }
  }
}

TEST(Lqr, CertifiedGradientIsTheExactDerivativeOfTheObjective) {
  for (int T : {1, 3, 8}) {
    auto p = make_problem("lqr:horizon=" + std::to_string(T));
    const LqrSystem& s = *lqr_system_of(*p);
    for (const auto& theta : kThetas) {
      const ExactGradient g = exact_gradient(make_model(*p, theta));
      const Ball sigma = exp(Ball(theta[2]));
      const double h = 1.0 / 16.0;  // θ_i ± k h is an exact double for these dyadic θ
      for (std::size_t i = 0; i < 2; ++i) {
        // T! and (T ± k)! are exact in balls (integers below 2^53 as products of exact integers).
        auto factorial = [](int k) { Ball r(1.0); for (int j = 2; j <= k; ++j) r *= Ball(double(j)); return r; };
        Ball derivative(0.0);
        for (int k = 1; k <= T; ++k) {
          std::vector<double> up(theta.begin(), theta.begin() + 2), down = up;
          up[i] += k * h;
          down[i] -= k * h;
          const Ball w = sqr(factorial(T)) / (Ball(double(k)) * factorial(T - k) * factorial(T + k) * Ball(h));
          const Ball diff = ball_objective(s, up, sigma) - ball_objective(s, down, sigma);
          derivative += (k % 2 == 1 ? w : -w) * diff;
        }
        const auto e = derivative.to_enclosure();
        expect_overlap(g.gradient[i], g.error[i], e.mid, e.rad, "T = " + std::to_string(T) + ", K" + std::to_string(i));
      }
      const std::vector<double> K(theta.begin(), theta.begin() + 2);
      const Ball d_log_sigma = Ball(2.0) * (ball_objective(s, K, Ball(2.0) * sigma) - ball_objective(s, K, sigma)) / Ball(3.0);
      const auto e = d_log_sigma.to_enclosure();
      expect_overlap(g.gradient[2], g.error[2], e.mid, e.rad, "T = " + std::to_string(T) + ", log sigma");
    }
  }
}

TEST(Lqr, RolloutDerivativesMatchFiniteDifferencesAtFixedNoise) {
  auto p = make_problem("lqr");
  const LqrSystem& s = *lqr_system_of(*p);
  std::vector<double> eps(8);
  Noise noise(7, 0, 0, Purpose::test);
  for (double& e : eps) e = noise.normal();
  for (const auto& theta : kThetas) {
    LqrPath path, up, down;
    lqr_rollout(s, theta, eps, path);
    double total = 0.0;
    for (double c : path.costs) total += c;
    EXPECT_EQ(total, p->f(path.actions));  // the same bits as f(a)
    // C(a(θ, ε)) is smooth (a polynomial in K, σ): central differences with h = 1e-5 have
    // truncation O(h²) ≈ 1e-10 and rounding ε|C|/h ≈ 1e-11 times the scale; 1e-6 relative holds both.
    const double h = 1e-5;
    for (std::size_t c = 0; c < 3; ++c) {
      std::vector<double> tu = theta, td = theta;
      tu[c] += h;
      td[c] -= h;
      lqr_rollout(s, tu, eps, up, false);
      lqr_rollout(s, td, eps, down, false);
      double cu = 0.0, cd = 0.0;
      for (double v : up.costs) cu += v;
      for (double v : down.costs) cd += v;
      EXPECT_NEAR(path.d_cost[c], (cu - cd) / (2 * h), 1e-6 * (std::abs(total) + 1.0)) << "coordinate " << c;
      for (std::size_t t = 0; t < 8; ++t)
        EXPECT_NEAR(path.d_actions[t * 3 + c], (up.actions[t] - down.actions[t]) / (2 * h), 1e-6 * (std::abs(path.actions[t]) + 1.0));
    }
    // The score of N(a_t; K s_t, σ²) at fixed a, against its log-density's central difference.
    for (std::size_t t = 0; t < 8; ++t) {
      auto log_pi = [&](const std::vector<double>& th) {
        const double sg = std::exp(th[2]);
        const double r = path.actions[t] - th[0] * path.states[2 * t] - th[1] * path.states[2 * t + 1];
        return -0.5 * r * r / (sg * sg) - th[2];
      };
      for (std::size_t c = 0; c < 3; ++c) {
        std::vector<double> tu = theta, td = theta;
        tu[c] += h;
        td[c] -= h;
        EXPECT_NEAR(path.score[t * 3 + c], (log_pi(tu) - log_pi(td)) / (2 * h), 1e-5);
      }
    }
  }
}

TEST(Lqr, MonteCarloSanityOfTheObjective) {
  // Not an oracle check: the mean cost of 2^16 rollouts within z_{α/2} standard errors of L, at
  // α = kControl / 10 (kControl is split over ten assertions: this one and test_policy_gradient's).
  auto p = make_problem("lqr");
  const LqrSystem& s = *lqr_system_of(*p);
  const std::vector<double> theta = kThetas[0];
  const double L = exact_gradient(make_model(*p, theta)).objective;
  const std::size_t n = 1 << 16;
  double sum = 0.0, sum2 = 0.0;
  std::vector<double> eps(8);
  LqrPath path;
  for (std::size_t i = 0; i < n; ++i) {
    Noise noise(3, 0, i, Purpose::test);
    for (double& e : eps) e = noise.normal();
    lqr_rollout(s, theta, eps, path, false);
    const double c = p->f(path.actions);
    sum += c;
    sum2 += c * c;
  }
  const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
  EXPECT_NEAR(mean, L, budget::z_critical(budget::kControl / 10) * se);
}

}  // namespace
}  // namespace estcheck
