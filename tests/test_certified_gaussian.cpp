// tests/test_certified_gaussian.cpp — the certified Gaussian oracles (verify/oracles/certified/
// gaussian.hpp) and their dispatch from exact.cpp and estimator_mean.cpp (issue 14).
//
// - Issue 14, case 1: REINFORCE on gaussian-step:d=1 at θ = (1, -6) and (12.78, -6) (μ/σ ≈ 400 and
//   5200), with and without baseline 0.5: the exact variance is ((1 - b)²/σ², 2(1 - b)²) (up to
//   terms below e^{-80000}), certified; it was (0, 0) with error bound 0.
// - The closed-form and quadrature routes are certified on the three symbolic problems and
//   enclose each other; a separable g without a symbolic form stays estimated (Gauss–Kronrod) and
//   now sees the bulk at μ/σ = 400.
// - A sample form that is not what the code computes is caught by the cross-check (estimated).
// - d >= 2 (separable f): REINFORCE's and the pathwise moments against the textbook on two
//   coordinates; a misdeclared form is caught by the pointwise check.
// - Pathwise on the step: variance exactly 0, certified. NVIL's frozen (c, s): mean ∇L / s.
// - Values beyond double range: unknown, never a wrong finite figure.
// Every comparison is two enclosures overlapping: |a - b| <= rad_a + rad_b (the oracles' stated
// bounds; references from certified::Ball enclosures).
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/certified/ball.hpp"
#include "verify/oracles/certified/gaussian.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using certified::Ball;

void expect_overlap(double a, double rad_a, double b, double rad_b, const std::string& what) {
  EXPECT_LE(std::abs(a - b), rad_a + rad_b) << what << ": " << a << " ± " << rad_a << " vs " << b << " ± " << rad_b;
}

TEST(CertifiedGaussian, Case1ReinforceVarianceOnTheStep) {
  auto p = make_problem("gaussian-step:d=1");
  for (double mu : {1.0, 12.78})
    for (double b : {0.0, 0.5}) {
      const std::vector<double> theta{mu, -6.0};
      const Model m = make_model(*p, theta);
      const std::string spec = b == 0.0 ? "reinforce" : "reinforce:baseline=0.5";
      const auto mo = exact_estimator_moments(*make_estimator(spec), m);
      ASSERT_TRUE(mo);
      EXPECT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
      // (1 - b)²/σ² = (1 - b)² e^{12}, and 2(1 - b)².
      const auto want_mu = (sqr(Ball(1.0) - Ball(b)) * exp(Ball(12.0))).to_enclosure();
      const auto want_s = (Ball(2.0) * sqr(Ball(1.0) - Ball(b))).to_enclosure();
      const std::string at = spec + " at mu = " + std::to_string(mu);
      expect_overlap(mo->variance[0], mo->variance_error[0], want_mu.mid, want_mu.rad, at + " Var[mu]");
      expect_overlap(mo->variance[1], mo->variance_error[1], want_s.mid, want_s.rad, at + " Var[log sigma]");
      // The mean is the gradient (φ(μ/σ)/σ and -φ(μ/σ) μ/σ, below 1e-30000): certified too.
      const ExactGradient g = exact_gradient(m);
      EXPECT_TRUE(g.certificate.certified());
      for (int i = 0; i < 2; ++i)
        expect_overlap(mo->mean[i], mo->mean_error[i], g.gradient[i], g.error[i], at + " mean");
    }
}

TEST(CertifiedGaussian, ClosedFormAndQuadratureRoutesAreCertifiedAndAgree) {
  const std::vector<std::string> specs{"gaussian-quadratic:d=2,c=1.5", "gaussian-exp:d=2", "gaussian-step:d=2"};
  const std::vector<std::vector<double>> thetas{
      {0.3, -1.2, 0.0, 0.5}, {1.0, 12.78, -6.0, -6.0}, {-3.0, 2.0, -9.0, 2.0}, {0.0, 0.0, 0.0, 0.0}};
  for (const auto& spec : specs)
    for (const auto& theta : thetas) {
      auto p = make_problem(spec);
      const Model m = make_model(*p, theta);
      const ExactGradient c = exact_gradient(m, ExactMethod::closed_form);
      const ExactGradient q = exact_gradient(m, ExactMethod::quadrature);
      ASSERT_TRUE(c.certificate.certified()) << spec << " " << describe(c.certificate);
      ASSERT_TRUE(q.certificate.certified()) << spec << " " << describe(q.certificate);
      expect_overlap(c.objective, c.objective_error, q.objective, q.objective_error, spec + " objective");
      for (std::size_t i = 0; i < c.gradient.size(); ++i)
        expect_overlap(c.gradient[i], c.error[i], q.gradient[i], q.error[i], spec + " gradient");
    }
}

/// gaussian-step's f with its separable form but no symbolic form: the Gauss–Kronrod route.
class OpaqueStep final : public Problem {
 public:
  OpaqueStep() : inner_(make_problem("gaussian-step:d=1")) {}
  std::string spec() const override { return "opaque-step"; }
  Family family() const override { return Family::gaussian; }
  std::size_t sample_dim() const override { return 1; }
  std::size_t theta_dim() const override { return 2; }
  std::string theta_meaning() const override { return inner_->theta_meaning(); }
  double f(std::span<const double> x) const override { return inner_->f(x); }
  std::optional<ClosedForm> closed_form(std::span<const double>) const override { return std::nullopt; }
  std::optional<Separable> separable() const override { return inner_->separable(); }

 private:
  std::unique_ptr<Problem> inner_;
};

TEST(CertifiedGaussian, SeparableWithoutSymbolicFormStaysEstimatedAndSeesTheBulk) {
  OpaqueStep opaque;
  auto step = make_problem("gaussian-step:d=1");
  for (const std::vector<double>& theta : {std::vector<double>{0.004, -6.0}, std::vector<double>{1.0, -6.0},
                                           std::vector<double>{-0.3, 0.2}}) {
    const ExactGradient q = exact_gradient(make_model(opaque, theta), ExactMethod::quadrature);
    const ExactGradient c = exact_gradient(make_model(*step, theta));
    EXPECT_EQ(q.certificate.certainty, Certainty::estimated);
    EXPECT_TRUE(c.certificate.certified());
    expect_overlap(q.objective, q.objective_error, c.objective, c.objective_error, "objective");
    for (int i = 0; i < 2; ++i) expect_overlap(q.gradient[i], q.error[i], c.gradient[i], c.error[i], "gradient");
  }
  // With μ/σ = 400 the objective is 1 (it was 0: no Kronrod node in the bulk).
  const ExactGradient far = exact_gradient(make_model(opaque, std::vector<double>{1.0, -6.0}), ExactMethod::quadrature);
  EXPECT_NEAR(far.objective, 1.0, far.objective_error + 1e-15);
}

/// REINFORCE's code, declaring a score-function form with the wrong baseline.
class MisdeclaredReinforce final : public Estimator {
 public:
  MisdeclaredReinforce() : inner_(make_estimator("reinforce")) {}
  const EstimatorInfo& info() const override { return inner_->info(); }
  std::size_t scratch_size(const Model& m) const override { return inner_->scratch_size(m); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    inner_->sample(m, noise, scratch, grad);
  }
  int draws() const override { return 1; }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override {
    inner_->value_at(m, xs, scratch, grad);
  }
  std::optional<SampleForm> sample_form() const override {
    return SampleForm{SampleForm::Kind::score_function, 1.0, 1.0};
  }

 private:
  std::unique_ptr<Estimator> inner_;
};

TEST(CertifiedGaussian, AMisdeclaredFormIsCaughtByTheCrossCheck) {
  for (const std::string spec : {"gaussian-step:d=1", "gaussian-quadratic:d=1,c=0.5", "gaussian-exp:d=1"}) {
    auto p = make_problem(spec);
    const Model m = make_model(*p, std::vector<double>{0.2, -0.1});
    const auto mo = exact_estimator_moments(MisdeclaredReinforce(), m);
    ASSERT_TRUE(mo);
    EXPECT_EQ(mo->certificate.certainty, Certainty::estimated) << spec;
    EXPECT_NE(mo->certificate.note.find("disagree"), std::string::npos) << mo->certificate.note;
    EXPECT_EQ(mo->method, "Gauss-Kronrod over ε");
  }
}

TEST(CertifiedGaussian, PathwiseOnTheStepHasVarianceExactlyZeroCertified) {
  auto p = make_problem("gaussian-step:d=1");
  const auto mo = exact_estimator_moments(*make_estimator("reparam"), make_model(*p, std::vector<double>{1.0, -6.0}));
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.certified());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(mo->variance[i], 0.0);
    EXPECT_EQ(mo->variance_error[i], 0.0);
    EXPECT_EQ(mo->mean[i], 0.0);
  }
}

TEST(CertifiedGaussian, PathwiseAndScoreOnTheQuadraticMatchTheTextbook) {
  // Pathwise on (x - k)²: Var = 4σ² for μ and 4σ²((μ - k)² + 2σ²) for log σ.
  auto p = make_problem("gaussian-quadratic:d=1,c=2");
  const double mu = 0.7, ls = 0.3;
  const auto mo = exact_estimator_moments(*make_estimator("reparam"), make_model(*p, std::vector<double>{mu, ls}));
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
  const Ball s2 = exp(Ball(2.0 * ls)), a = Ball(mu) - Ball(2.0);
  const auto v0 = (Ball(4.0) * s2).to_enclosure(), v1 = (Ball(4.0) * s2 * (sqr(a) + Ball(2.0) * s2)).to_enclosure();
  expect_overlap(mo->variance[0], mo->variance_error[0], v0.mid, v0.rad, "Var[mu]");
  expect_overlap(mo->variance[1], mo->variance_error[1], v1.mid, v1.rad, "Var[log sigma]");
  // Score function, μ: ((μ-k)⁴ + 14σ²(μ-k)² + 15σ⁴)/σ² (E ĝ² = ((μ-k)⁴ + 18σ²(μ-k)² + 15σ⁴)/σ²
  // less the mean² (2(μ - k))²).
  const auto sf = exact_estimator_moments(*make_estimator("reinforce"), make_model(*p, std::vector<double>{mu, ls}));
  ASSERT_TRUE(sf);
  EXPECT_TRUE(sf->certificate.certified());
  const Ball a2 = sqr(a);
  const auto w = ((sqr(a2) + Ball(14.0) * s2 * a2 + Ball(15.0) * sqr(s2)) / s2).to_enclosure();
  expect_overlap(sf->variance[0], sf->variance_error[0], w.mid, w.rad, "score Var[mu]");
}

TEST(CertifiedGaussian, ScoreAndPathwiseOnTwoCoordinatesMatchTheTextbook) {
  // d = 2, f = u_1 + u_2 with u_l = (α_l + σ_l ε_l)²: REINFORCE's μ_1 coordinate is f ε_1/σ_1, so
  // E ĝ² = (E[u_1² ε_1²] + 2 E u_2 E[u_1 ε_1²] + E u_2²)/σ_1² with E[u_1² ε²] = α⁴ + 18σ²α² + 15σ⁴,
  // E[u_1 ε²] = α² + 3σ², E u_2 = α_2² + σ_2², E u_2² = α_2⁴ + 6α_2²σ_2² + 3σ_2⁴; the mean is 2α_1.
  // Pathwise on μ_1: 2(α_1 + σ_1 ε_1), Var 4σ_1², whatever coordinate 2 does.
  auto p = make_problem("gaussian-quadratic:d=2,c=0.5");
  // A moderate point, and a far one (μ_1/σ_1 ≈ 1.2e5, σ_2 = e^5: E ĝ² spans many decades).
  for (const std::vector<double>& theta : {std::vector<double>{0.7, -1.1, 0.3, -0.4},
                                           std::vector<double>{300.0, -1.1, -6.0, 5.0}}) {
    const Model m = make_model(*p, theta);
    const auto sf = exact_estimator_moments(*make_estimator("reinforce"), m);
    ASSERT_TRUE(sf);
    EXPECT_TRUE(sf->certificate.certified()) << describe(sf->certificate);
    ASSERT_EQ(sf->mean.size(), 4u);
    const Ball a1 = Ball(theta[0]) - Ball(0.5), a2 = Ball(theta[1]) - Ball(0.5);
    const Ball s1 = exp(Ball(theta[2])), s2 = exp(Ball(theta[3]));
    const Ball q1 = sqr(s1), q2 = sqr(s2), b1 = sqr(a1), b2 = sqr(a2);
    const Ball eu1e2 = sqr(b1) + Ball(18.0) * q1 * b1 + Ball(15.0) * sqr(q1), u1e2 = b1 + Ball(3.0) * q1;
    const Ball eu2 = b2 + q2, eu2sq = sqr(b2) + Ball(6.0) * b2 * q2 + Ball(3.0) * sqr(q2);
    const Ball mean = Ball(2.0) * a1;
    const auto want_var = ((eu1e2 + Ball(2.0) * eu2 * u1e2 + eu2sq) / q1 - sqr(mean)).to_enclosure();
    const auto want_mean = mean.to_enclosure();
    expect_overlap(sf->mean[0], sf->mean_error[0], want_mean.mid, want_mean.rad, "score E[mu_1]");
    expect_overlap(sf->variance[0], sf->variance_error[0], want_var.mid, want_var.rad, "score Var[mu_1]");
    // Every coordinate's mean is the certified gradient.
    const ExactGradient g = exact_gradient(m);
    ASSERT_TRUE(g.certificate.certified());
    for (std::size_t i = 0; i < 4; ++i)
      expect_overlap(sf->mean[i], sf->mean_error[i], g.gradient[i], g.error[i], "score mean " + std::to_string(i));
    const auto pw = exact_estimator_moments(*make_estimator("reparam"), m);
    ASSERT_TRUE(pw);
    EXPECT_TRUE(pw->certificate.certified()) << describe(pw->certificate);
    const auto v0 = (Ball(4.0) * q1).to_enclosure();
    expect_overlap(pw->variance[0], pw->variance_error[0], v0.mid, v0.rad, "pathwise Var[mu_1]");
    for (std::size_t i = 0; i < 4; ++i)
      expect_overlap(pw->mean[i], pw->mean_error[i], g.gradient[i], g.error[i], "pathwise mean " + std::to_string(i));
  }
}

TEST(CertifiedGaussian, OnTwoCoordinatesOverflowIsUnknownNotAWrongFigure) {
  // e^{2x} at μ_1 = 800 is past double range in E ĝ²: no figure, whatever coordinate 2 does.
  auto p = make_problem("gaussian-exp:d=2");
  const Model m = make_model(*p, std::vector<double>{800.0, 0.1, 0.0, -0.2});
  for (const char* spec : {"reinforce", "reparam", "rloo"}) {
    const auto mo = exact_estimator_moments(*make_estimator(spec), m);
    ASSERT_TRUE(mo) << spec;
    EXPECT_TRUE(mo->certificate.unknown()) << spec << ": " << describe(mo->certificate);
  }
}

TEST(CertifiedGaussian, OnSeveralCoordinatesAMisdeclaredFormIsCaughtPointwise) {
  for (const std::string spec : {"gaussian-step:d=3", "gaussian-quadratic:d=2,c=0.5", "gaussian-exp:d=2"}) {
    auto p = make_problem(spec);
    std::vector<double> theta(p->theta_dim(), 0.2);
    const Model m = make_model(*p, theta);
    const auto mo = exact_estimator_moments(MisdeclaredReinforce(), m);
    ASSERT_TRUE(mo);
    EXPECT_EQ(mo->certificate.certainty, Certainty::estimated) << spec;
    EXPECT_NE(mo->certificate.note.find("not what the estimator's code computes"), std::string::npos)
        << mo->certificate.note;
    // The honest declarations pass the same check.
    for (const std::string est : {"reinforce", "reparam", "reinforce:baseline=0.5"}) {
      const auto ok = exact_estimator_moments(*make_estimator(est), m);
      ASSERT_TRUE(ok) << spec << " " << est;
      EXPECT_TRUE(ok->certificate.certified()) << spec << " " << est << ": " << describe(ok->certificate);
    }
  }
}

TEST(CertifiedGaussian, NvilFrozenBaselineAndScale) {
  auto p = make_problem("gaussian-exp:d=1");
  const Model m = make_model(*p, std::vector<double>{0.2, -0.4});
  auto est = make_estimator("nvil:normalize=1,steps=20,batch=16");
  est->prepare(m);
  const auto mo = exact_estimator_moments(*est, m);
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
  const ExactGradient g = exact_gradient(m);
  const double s = *est->frozen_scale();
  for (int i = 0; i < 2; ++i) {
    const auto want = (Ball(g.gradient[i]) / Ball(s)).to_enclosure();
    expect_overlap(mo->mean[i], mo->mean_error[i], want.mid, want.rad + g.error[i] / s, "NVIL mean");
  }
}

TEST(CertifiedGaussian, OverflowIsUnknownNotAWrongFigure) {
  auto p = make_problem("gaussian-exp:d=1");
  const Model m = make_model(*p, std::vector<double>{800.0, 0.0});  // e^{800.5} > DBL_MAX
  const ExactGradient g = exact_gradient(m);
  EXPECT_TRUE(g.certificate.unknown()) << describe(g.certificate);
  EXPECT_TRUE(std::isnan(g.objective));
  const auto mo = exact_estimator_moments(*make_estimator("reinforce"), m);
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.unknown()) << describe(mo->certificate);
  // E ĝ² = e^{2μ + 2σ²}... ≈ 1e51875 while the code's quadrature over ε in [-40, 40] sees a
  // finite value (the mass is at ε ≈ 2σ ≈ 620): unknown, not that value.
  const Model far = make_model(*p, std::vector<double>{-36725.516470037815, 5.738380342721939});
  const auto fm = exact_estimator_moments(*make_estimator("reinforce"), far);
  ASSERT_TRUE(fm);
  EXPECT_TRUE(fm->certificate.unknown()) << describe(fm->certificate);
  EXPECT_TRUE(std::isnan(fm->variance[0]));
}

TEST(CertifiedGaussian, WhereTheCodesQuadratureOverflowsTheFormsFiguresStayEstimated) {
  // μ = 301, σ = e^{1.29} ≈ 3.6: the code's ĝ² = (e^x ...)² overflows once x > 355 (ε > 15, where
  // φ is 1e-51), while E ĝ² ≈ 1.5e273 (the audit's case).
  auto p = make_problem("gaussian-exp:d=1");
  const Model m = make_model(*p, std::vector<double>{301.25648550508475, 1.2919652312994003});
  for (const std::string spec : {"reinforce", "reparam"}) {
    const auto est = make_estimator(spec);
    const auto mo = exact_estimator_moments(*est, m);
    ASSERT_TRUE(mo);
    EXPECT_EQ(mo->certificate.certainty, Certainty::estimated) << describe(mo->certificate);
    const auto arb = certified::gaussian_form_moments(*est->sample_form(), m);
    ASSERT_TRUE(arb && arb->certificate.certified());
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(std::isfinite(mo->mean[i]) && std::isfinite(mo->variance[i]));
      EXPECT_EQ(mo->mean[i], arb->mean[i]);
      EXPECT_EQ(mo->variance[i], arb->variance[i]);
    }
  }
}

TEST(CertifiedGaussian, CostIsMicroseconds) {
  auto p = make_problem("gaussian-step:d=1");
  const Model m = make_model(*p, std::vector<double>{1.0, -6.0});
  const auto form = make_estimator("reinforce")->sample_form();
  ASSERT_TRUE(form);
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < 100; ++k) ASSERT_TRUE(certified::gaussian_form_moments(*form, m));
  const double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 100;
  std::printf("certified moments of reinforce on gaussian-step: %.1f us per call\n", per * 1e6);
  EXPECT_LT(per, 0.05);
  // The whole dispatch (Gauss–Kronrod of the code, then the certified form and the cross-check).
  const auto est = make_estimator("reinforce");
  const auto t1 = std::chrono::steady_clock::now();
  for (int k = 0; k < 10; ++k) ASSERT_TRUE(exact_estimator_moments(*est, m));
  std::printf("exact_estimator_moments of reinforce on gaussian-step: %.2f ms per call\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() / 10 * 1e3);
  const auto t2 = std::chrono::steady_clock::now();
  for (int k = 0; k < 100; ++k) ASSERT_TRUE(exact_gradient(m).certificate.certified());
  std::printf("certified exact_gradient on gaussian-step: %.1f us per call\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count() / 100 * 1e6);
}

}  // namespace
}  // namespace estcheck
