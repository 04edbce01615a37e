// tests/test_leave_one_out.cpp — verify/oracles/leave_one_out.hpp: RLOO's exact moments on the
// one-dimensional Gaussian problems. The mean equals the certified exact gradient (RLOO is
// unbiased; an independent route), and for K = 2 the second moment equals an independent
// expansion: ĝ = (f_1 - f_2)(s_1 - s_2)/2, so with M_ab = E[f^a s^b] over one draw and E s = 0,
//   E ĝ² = (M_22 + M_20 M_02 - 2 M_12 M_10 + 2 M_11²)/2,
// the M_ab by adaptive Gauss–Kronrod in this file. K = 3 (piecewise Gauss–Legendre) and K = 4
// (Gauss–Hermite) are certified on the quadratic; K = 4 on the step and K = 7 are certified by the
// pointwise check of the code against the form (no tensor rule follows the step or reaches K = 7),
// and a code that is not the form (halved) is never certified. Two coordinates (d = 2, K = 2)
// against a tensor Gauss–Hermite rule over the code's four normals, exact for the quadratic.
// Deterministic: label unit.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <Eigen/Eigenvalues>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {
namespace {

/// E[f(μ + σε)^a h(ε)^b] by Gauss–Kronrod over ε on [-12, 12], split at the step's breakpoint.
double one_draw(const Problem& p, double mu, double sigma, int coordinate, int a, int b) {
  auto integrand = [&](double e) {
    const double x = mu + sigma * e, f = p.f(std::span<const double>(&x, 1));
    const double h = coordinate == 0 ? e / sigma : e * e - 1.0;
    return std::pow(f, a) * std::pow(h, b) * std::exp(-0.5 * e * e) / std::sqrt(2.0 * M_PI);
  };
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const double cut = std::clamp(-mu / sigma, -12.0, 12.0);
  return GK::integrate(integrand, -12.0, cut, 15, 1e-14) + GK::integrate(integrand, cut, 12.0, 15, 1e-14);
}

TEST(LeaveOneOut, TwoDrawsMatchTheIndependentExpansion) {
  for (const char* spec : {"gaussian-quadratic:d=1,c=0.5", "gaussian-exp:d=1", "gaussian-step:d=1"}) {
    const auto p = make_problem(spec);
    const std::vector<double> theta{0.3, -0.2};
    const Model m = make_model(*p, theta);
    auto e = make_estimator("rloo:k=2");
    const auto mo = exact_estimator_moments(*e, m);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    const ExactGradient g = exact_gradient(m);
    const double mu = 0.3, sigma = std::exp(-0.2);
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(mo->mean[j], g.gradient[j], mo->mean_error[j] + g.error[j] + 1e-15) << spec << " coordinate " << j;
      auto M = [&](int a, int b) { return one_draw(*p, mu, sigma, j, a, b); };
      const double second = 0.5 * (M(2, 2) + M(2, 0) * M(0, 2) - 2.0 * M(1, 2) * M(1, 0) + 2.0 * M(1, 1) * M(1, 1));
      const double want = second - g.gradient[j] * g.gradient[j];
      EXPECT_NEAR(mo->variance[j], want, 1e-9 * second) << spec << " coordinate " << j;
    }
  }
}

TEST(LeaveOneOut, CrossCheckedByATensorRuleOrPointwise) {
  const auto p = make_problem("gaussian-quadratic:d=1,c=0");
  const Model m = make_model(*p, std::vector<double>{0.3, -0.2});
  std::vector<std::vector<double>> variances;
  for (const char* spec : {"rloo:k=3", "rloo:k=4"}) {
    const auto mo = exact_estimator_moments(*make_estimator(spec), m);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    EXPECT_NE(mo->certificate.note.find("tensor"), std::string::npos) << mo->certificate.note;
    variances.push_back(mo->variance);
  }
  // A larger K lowers the variance (RLOO's variance is the K-sample average's, roughly ∝ 1/K).
  for (int j = 0; j < 2; ++j) EXPECT_LT(variances[1][j], variances[0][j]);
  // Past the tensor rules (K = 7), and on the step at K = 4 (the Hermite rule cannot follow it),
  // the code is checked against the form pointwise; the mean is still the certified gradient.
  const auto step = make_problem("gaussian-step:d=1");
  const Model ms = make_model(*step, std::vector<double>{0.3, -0.2});
  for (const auto& [model, spec] : {std::pair{&m, "rloo:k=7"}, std::pair{&ms, "rloo:k=4"}}) {
    const auto mo = exact_estimator_moments(*make_estimator(spec), *model);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    EXPECT_NE(mo->certificate.note.find("64 test points"), std::string::npos) << mo->certificate.note;
    const ExactGradient g = exact_gradient(*model);
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(mo->mean[j], g.gradient[j], mo->mean_error[j] + g.error[j]) << spec << " coordinate " << j;
  }
}

/// RLOO's code with its output halved (the self-included baseline's effect at K = 2), still
/// declaring the leave-one-out form: every cross-check must refuse to certify the form's figures.
class HalvedRloo final : public Estimator {
 public:
  explicit HalvedRloo(int k) : inner_(make_estimator("rloo:k=" + std::to_string(k))) {}
  const EstimatorInfo& info() const override { return inner_->info(); }
  std::size_t scratch_size(const Model& m) const override { return inner_->scratch_size(m); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    inner_->sample(m, noise, scratch, grad);
    for (double& v : grad) v *= 0.5;
  }
  int draws() const override { return inner_->draws(); }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override {
    inner_->value_at(m, xs, scratch, grad);
    for (double& v : grad) v *= 0.5;
  }
  std::optional<SampleForm> sample_form() const override { return inner_->sample_form(); }

 private:
  std::unique_ptr<Estimator> inner_;
};

TEST(LeaveOneOut, AFormThatIsNotTheCodeIsNotCertified) {
  struct Case {
    const char* problem;
    std::vector<double> theta;
    int k;
  };
  for (const Case& c : {Case{"gaussian-quadratic:d=1,c=0", {0.3, -0.2}, 3}, Case{"gaussian-step:d=1", {0.3, -0.2}, 4},
                        Case{"gaussian-quadratic:d=1,c=0", {0.3, -0.2}, 7},
                        Case{"gaussian-exp:d=2", {0.3, -0.2, 0.1, -0.4}, 2}}) {
    const auto p = make_problem(c.problem);
    const auto mo = exact_estimator_moments(HalvedRloo(c.k), make_model(*p, c.theta));
    ASSERT_TRUE(mo) << c.problem;
    EXPECT_EQ(mo->certificate.certainty, Certainty::estimated) << c.problem << " K = " << c.k;
  }
}

/// The probabilists' Gauss–Hermite rule with `n` nodes (Golub–Welsch), exact for polynomials of
/// degree <= 2n - 1 under the weight φ.
void hermite(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int i = 1; i < n; ++i) J(i, i - 1) = J(i - 1, i) = std::sqrt(static_cast<double>(i));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(J);
  for (int i = 0; i < n; ++i) {
    nodes.push_back(eig.eigenvalues()[i]);
    weights.push_back(eig.eigenvectors()(0, i) * eig.eigenvectors()(0, i));
  }
}

TEST(LeaveOneOut, TwoCoordinatesMatchATensorGaussHermiteRuleOfTheCode) {
  // d = 2, K = 2 on the quadratic: ĝ² is a polynomial of degree <= 8 in each of the four normals,
  // so the 6-node rule (exact to degree 11) integrates the code's own samples exactly, up to
  // rounding; allowed: the oracle's bound plus 1e3 ε of E ĝ² (6^4 terms of the code's rounding).
  const auto p = make_problem("gaussian-quadratic:d=2,c=0.5");
  const std::vector<double> theta{0.3, -0.7, -0.2, 0.25};
  const Model m = make_model(*p, theta);
  auto e = make_estimator("rloo:k=2");
  const auto mo = exact_estimator_moments(*e, m);
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.certified()) << mo->certificate.note;
  const auto& d = std::get<DiagGaussian>(m.dist);
  std::vector<double> nodes, weights;
  hermite(6, nodes, weights);
  std::vector<double> s1(4, 0.0), s2(4, 0.0), xs(4), g(4), scratch(e->scratch_size(m));
  for (std::size_t a = 0; a < 6; ++a)
    for (std::size_t b = 0; b < 6; ++b)
      for (std::size_t c = 0; c < 6; ++c)
        for (std::size_t dd = 0; dd < 6; ++dd) {
          const double w = weights[a] * weights[b] * weights[c] * weights[dd];
          xs = {d.mu[0] + d.sigma[0] * nodes[a], d.mu[1] + d.sigma[1] * nodes[b], d.mu[0] + d.sigma[0] * nodes[c],
                d.mu[1] + d.sigma[1] * nodes[dd]};
          e->value_at(m, xs, scratch, g);
          for (std::size_t i = 0; i < 4; ++i) {
            s1[i] += w * g[i];
            s2[i] += w * g[i] * g[i];
          }
        }
  const ExactGradient grad = exact_gradient(m);
  for (std::size_t i = 0; i < 4; ++i) {
    const double eps = std::numeric_limits<double>::epsilon();
    EXPECT_NEAR(mo->mean[i], s1[i], mo->mean_error[i] + 1e3 * eps * std::sqrt(s2[i])) << "mean " << i;
    EXPECT_NEAR(mo->variance[i], s2[i] - s1[i] * s1[i], mo->variance_error[i] + 1e3 * eps * s2[i]) << "variance " << i;
    EXPECT_NEAR(mo->mean[i], grad.gradient[i], mo->mean_error[i] + grad.error[i]) << "mean vs gradient " << i;
  }
}

}  // namespace
}  // namespace estcheck
