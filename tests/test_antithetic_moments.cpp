// tests/test_antithetic_moments.cpp — verify/oracles/certified/antithetic.hpp: the certified mean and
// variance of ARM (Yin & Zhou 2019, eq. 5) and DisARM (Dong, Mnih & Tucker 2020, eq. 7) against
// independent computations, each within the sum of both sides' error bounds:
// - the toy (one variable) in closed form, in Arb: ARM's ĝ is diff (u - ½) on the two outer cells
//   (diff = the code's fl(f1 - f0)), 0 on the middle one, so E ĝ² = diff² (2/3)((½ - σ(-|θ|))³ ... ;
//   DisARM's is its constant output v on the outer cells: E ĝ² = 2 σ(-|θ|) v²;
// - Bernoulli tables of 2 and 3 variables: a tensor-product 2-point Gauss–Legendre rule on the 3^n
//   cells (exact for degree <= 3 per variable) in long double, through value_at_uniforms (not
//   antithetic_cell), the cells from σ in long double; its own error: the code's rounding of ĝ at
//   the nodes (2 roundings) and the nodes' rounding to doubles, bounded below;
// - the certificate is proven and the bounds are tight (they do not certify by being huge).
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/certified/antithetic.hpp"
#include "verify/oracles/certified/ball.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using certified::Ball;
constexpr double kEps = std::numeric_limits<double>::epsilon();

/// |got - reference ball| <= got's bound (the reference's radius added).
void expect_encloses(double got, double bound, const Ball& ref, const std::string& what) {
  const Ball::Enclosure e = ref.to_enclosure();
  EXPECT_LE(std::abs(got - e.mid), bound + e.rad) << what << ": " << got << " vs " << ref.str();
}

TEST(AntitheticMoments, ToyInClosedForm) {
  auto toy = make_problem("toy:t=0.499");
  for (double theta : {1.0, 8.0, -3.0, 0.0, 30.0, -0.25}) {
    const Model m = make_model(*toy, std::vector<double>{theta});
    const std::vector<double> x0{0.0}, x1{1.0};
    const double f0 = m.f(x0), f1 = m.f(x1);
    const Ball lo = certified::sigmoid(Ball(-std::abs(theta)));  // σ(-|θ|): each outer cell's width
    const Ball a = Ball(0.5) - lo;                               // |u - ½| at the inner edges
    // ARM: diff (u - ½) on [0, σ(-|θ|)] and [σ(|θ|), 1], with diff = ±fl(f1 - f0) (sign by cell).
    {
      const double diff = f1 - f0;
      const Ball d(diff);
      const Ball mean = d * (Ball(0.25) - a * a);  // 2 · ∫_a^{½} w dw, the two cells' signs agreeing
      const Ball second = d * d * Ball(2.0) * (Ball(0.125) - a * a * a) / Ball(3.0);
      const auto mo = exact_estimator_moments(*make_estimator("arm"), m);
      ASSERT_TRUE(mo.has_value());
      ASSERT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
      const std::string what = "arm θ = " + std::to_string(theta);
      expect_encloses(mo->mean[0], mo->mean_error[0], mean, what + " mean");
      expect_encloses(mo->variance[0], mo->variance_error[0], second - mean * mean, what + " variance");
      // Tight: the bound is the slivers' (~1e-15 of G²) and the code's rounding (~ε of E ĝ²).
      EXPECT_LE(mo->variance_error[0], 1e-13 * diff * diff) << what;
    }
    // DisARM: its constant output v on the outer cells (the code's double, from σ's double).
    {
      auto e = make_estimator("disarm");
      const auto& d = std::get<BernoulliLogits>(m.dist);
      std::vector<double> u{0.5 * std::min(d.probs0[0], d.probs[0])}, scratch(e->scratch_size(m)), g(1);
      e->value_at_uniforms(m, u, {}, scratch, g);
      const Ball v(g[0]);
      const Ball mean = Ball(2.0) * lo * v, second = Ball(2.0) * lo * v * v;
      const auto mo = exact_estimator_moments(*e, m);
      ASSERT_TRUE(mo.has_value());
      ASSERT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
      const std::string what = "disarm θ = " + std::to_string(theta);
      expect_encloses(mo->mean[0], mo->mean_error[0], mean, what + " mean");
      expect_encloses(mo->variance[0], mo->variance_error[0], second - mean * mean, what + " variance");
      EXPECT_LE(mo->variance_error[0], 1e-13 * (f1 - f0) * (f1 - f0)) << what;
    }
  }
}

/// E ĝ and E ĝ² by the 2-point Gauss–Legendre rule on the 3^n cells, in long double, through the
/// estimator's value_at_uniforms; `err1`, `err2`: its own error bounds.
struct Reference {
  std::vector<long double> m1, m2;
  std::vector<double> err1, err2;
};

Reference gauss_legendre(const Estimator& est, const Model& m) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  std::vector<std::array<long double, 4>> edges(n);
  for (std::size_t j = 0; j < n; ++j) {
    const long double lo = 1.0L / (1.0L + std::exp(std::abs(static_cast<long double>(d.logits[j]))));
    edges[j] = {0.0L, lo, 1.0L - lo, 1.0L};
  }
  const long double gl = 1.0L / std::sqrt(3.0L);
  Reference r{std::vector<long double>(n, 0.0L), std::vector<long double>(n, 0.0L), {}, {}};
  std::vector<long double> abs2(n, 0.0L);
  std::vector<double> u(n), scratch(est.scratch_size(m)), g(n);
  double gmax = 0.0;
  std::uint64_t total = 1;
  for (std::size_t j = 0; j < n; ++j) total *= 6;
  for (std::uint64_t code = 0; code < total; ++code) {
    long double w = 1.0L;
    std::uint64_t c = code;
    for (std::size_t j = 0; j < n; ++j, c /= 6) {
      const auto cell = static_cast<std::size_t>((c % 6) / 2);
      const long double lo = edges[j][cell], hi = edges[j][cell + 1], half = 0.5L * (hi - lo);
      u[j] = static_cast<double>(lo + half + ((c % 2) == 0 ? -gl : gl) * half);
      w *= half;
    }
    if (w == 0.0L) continue;
    est.value_at_uniforms(m, u, {}, scratch, g);
    for (std::size_t i = 0; i < n; ++i) {
      r.m1[i] += w * g[i];
      r.m2[i] += w * g[i] * g[i];
      abs2[i] += w * g[i] * g[i];
      gmax = std::max(gmax, std::abs(g[i]));
    }
  }
  // The reference's error: at each node ĝ_code = ĝ (1 + ϑ), |ϑ| <= 2ε (two roundings), and the
  // node's rounding to a double moves ĝ by <= |slope| ε <= 2 gmax ε (ARM; DisARM is constant on
  // the cell); long double sums (64-bit mantissa) are far below. So |ΔE ĝ| <= 4ε gmax and
  // |ΔE ĝ²| <= 8ε gmax² (per unit mass), plus 1e-16 of the sums for the long double rounding.
  for (std::size_t i = 0; i < n; ++i) {
    r.err1.push_back(4 * kEps * gmax + 1e-16 * static_cast<double>(std::sqrt(abs2[i])));
    r.err2.push_back(8 * kEps * gmax * gmax + 1e-16 * static_cast<double>(abs2[i]));
  }
  return r;
}

TEST(AntitheticMoments, SmallTablesAgainstLongDoubleGaussLegendre) {
  const std::vector<std::vector<double>> thetas{{0.4, -1.3}, {0.0, 8.0}, {-30.0, 2.5}, {0.7, -0.2, 3.0},
                                                {1e-9, -5.0, 0.0}};
  for (const std::vector<double>& theta : thetas) {
    const std::size_t n = theta.size();
    std::vector<double> table(std::size_t{1} << n);
    for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::sin(1.7 * double(k) + 0.3) * (1.0 + double(k));
    auto p = make_table_problem(Family::bernoulli, table);
    const Model m = make_model(*p, theta);
    for (const char* spec : {"arm", "disarm"}) {
      auto e = make_estimator(spec);
      const auto mo = exact_estimator_moments(*e, m);
      ASSERT_TRUE(mo.has_value());
      ASSERT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
      const Reference ref = gauss_legendre(*e, m);
      for (std::size_t i = 0; i < n; ++i) {
        const std::string what = std::string(spec) + " n = " + std::to_string(n) + " θ_0 = " +
                                 std::to_string(theta[0]) + " coordinate " + std::to_string(i);
        const double mean = static_cast<double>(ref.m1[i]);
        const double var = static_cast<double>(ref.m2[i] - ref.m1[i] * ref.m1[i]);
        const double var_err = ref.err2[i] + 2 * std::abs(mean) * ref.err1[i] + ref.err1[i] * ref.err1[i];
        EXPECT_LE(std::abs(mo->mean[i] - mean), mo->mean_error[i] + ref.err1[i]) << what;
        EXPECT_LE(std::abs(mo->variance[i] - var), mo->variance_error[i] + var_err) << what;
        EXPECT_LE(mo->variance_error[i], 1e-12 * (1.0 + static_cast<double>(ref.m2[i]))) << what;
      }
    }
  }
}

// The exact mean is the gradient where the estimator is unbiased (ARM, DisARM): the certified
// moments' mean and the enumeration's ∇L (both proven) intersect, on the 10-variable calibration
// table (3^10 cells) too — and the cell sum stays fast there.
TEST(AntitheticMoments, MeanIsTheGradientUpToTenVariables) {
  std::vector<double> table(1024);
  for (std::size_t k = 0; k < table.size(); ++k) table[k] = std::cos(0.37 * double(k)) + 0.01 * double(k % 7);
  auto p = make_table_problem(Family::bernoulli, table);
  const Model m = make_model(*p, std::vector<double>{0.5, -0.5, 1, -1, 2, -2, 0, 0.3, -0.3, 1.5});
  const ExactGradient g = exact_gradient(m);
  for (const char* spec : {"arm", "disarm"}) {
    const auto mo = certified::antithetic_moments(*make_estimator(spec), m);
    ASSERT_TRUE(mo.has_value());
    ASSERT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
    for (std::size_t i = 0; i < 10; ++i)
      EXPECT_LE(std::abs(mo->mean[i] - g.gradient[i]), mo->mean_error[i] + g.error[i]) << spec << " " << i;
  }
  // Not for other estimators, nor past the variable limit.
  EXPECT_FALSE(certified::antithetic_moments(*make_estimator("reinforce"), m).has_value());
  EXPECT_FALSE(certified::antithetic_moments(*make_estimator("mutant/arm-swapped-merge"), m).has_value());
}

}  // namespace
}  // namespace estcheck
