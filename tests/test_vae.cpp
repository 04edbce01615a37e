// tests/test_vae.cpp — the discrete VAE on the UCI digits (estimators/problems/vae.hpp), its
// amortization (estimators/problems/amortized.hpp, estimators/amortized.hpp: RELAX eq. 17) and its
// certified exact gradient (verify/oracles/amortized_exact.hpp), each against an independent
// computation: the Gray-code tables against f itself, the oracle against the existing certified
// enumeration of the joint table (every latent of every image, a different route) pulled back by
// a dense Jacobian built from the images, and against central differences of the exact objective.
#include "estimators/amortized.hpp"
#include "estimators/core/error.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/vae.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/budget.hpp"
#include "tests/vae_reference.hpp"
#include "verify/oracles/exact.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Vae, DigitsAreTheUciSet) {
  const auto d = binarized_digits();
  ASSERT_EQ(d.size(), 1797u);
  EXPECT_EQ(d[0], 0x1834246464643c18ULL);  // the first image, a 0
  std::uint64_t on = 0;
  for (auto w : d) on += static_cast<std::uint64_t>(std::popcount(w));
  EXPECT_EQ(on, 37151u);  // mean pixel 0.3230 (data/digits/make_digits.py prints it)
}

TEST(Vae, SpecAndShapes) {
  const auto p = make_problem("vae:latents=5,images=3");
  EXPECT_EQ(p->spec(), "vae:latents=5,hidden=0,images=3,seed=1,coding=01");
  EXPECT_EQ(p->sample_dim(), 15u);
  EXPECT_EQ(p->theta_dim(), 65u * 5u);
  ASSERT_TRUE(p->default_theta());
  EXPECT_EQ(p->default_theta()->size(), 325u);
  ASSERT_NE(p->amortization(), nullptr);
  EXPECT_EQ(p->amortization()->logit_map().logit_dim, 15u);
  EXPECT_THROW(make_problem("vae:latents=21"), InputError);
  EXPECT_THROW(make_problem("vae:coding=x"), InputError);
  EXPECT_THROW(make_problem("vae:images=0"), InputError);
  EXPECT_THROW(make_problem("vae:bogus=1"), InputError);
}

// The Gray-code tables are f's own values, bit for bit, at every state of every block.
TEST(Vae, BlockTablesAreFBitForBit) {
  for (const char* spec : {"vae:latents=6,images=2", "vae:latents=5,images=2,coding=pm1",
                           "vae:latents=4,hidden=3,images=2,seed=7", "vae:latents=4,hidden=5,images=2,coding=pm1"}) {
    const auto p = make_problem(spec);
    const Amortization& a = *p->amortization();
    const std::size_t n = a.block_bits(), states = std::size_t{1} << n;
    std::vector<double> t0(states), t1(states);
    a.block_table(0, t0);
    a.block_table(1, t1);
    std::vector<double> x(2 * n);
    for (std::size_t s0 = 0; s0 < states; ++s0) {
      const std::size_t s1 = (s0 * 7 + 3) % states;
      for (std::size_t j = 0; j < n; ++j) {
        x[j] = static_cast<double>((s0 >> j) & 1u);
        x[n + j] = static_cast<double>((s1 >> j) & 1u);
      }
      EXPECT_EQ(p->f(x), t0[s0] + t1[s1]) << spec << " state " << s0;
    }
  }
}

// The relaxation agrees with f on {0,1} and its gradient with central differences. Bound: the
// truncation h²/6 max|f'''| with |∂³ log σ(ℓ)/∂z³| <= |∂ℓ/∂z|³ max|σ''| = |∂ℓ/∂z|³/(6√3), |∂ℓ/∂z| <= 3
// (|V| <= 1.5, pm1 doubles it), 64 pixels: 64·27/(6√3) < 167; plus rounding, 4ε max|f| / (2h)
// (f is a sum of 80 values each within a few ε of its size: 4ε|f| per evaluation is generous
// for libm's log1p/exp at <= 1 ulp, summed in 80 terms: say (80 + 4) ε Σ|terms| <= 100ε·(|f| + 80·4)).
TEST(Vae, RelaxedGradientMatchesFiniteDifferences) {
  const auto p = make_problem("vae:latents=4,images=2,coding=pm1");
  std::vector<double> z{0.3, 0.9, 0.5, 0.1, 0.7, 0.2, 0.6, 0.45}, g(8);
  p->relaxed_gradient(z, g);
  const double h = 0x1p-17;
  for (std::size_t i = 0; i < z.size(); ++i) {
    auto zp = z, zm = z;
    zp[i] += h;
    zm[i] -= h;
    const double fp = p->f_relaxed(zp), fm = p->f_relaxed(zm);
    const double round = 100 * kEps * (std::abs(fp) + 320.0) / h;
    EXPECT_NEAR((fp - fm) / (2 * h), g[i], h * h / 6 * 167.0 * 2 + round) << i;
  }
  std::vector<double> b{1, 0, 0, 1, 1, 1, 0, 0};
  EXPECT_NEAR(p->f_relaxed(b), p->f(b), 200 * kEps * (std::abs(p->f(b)) + 320.0));
}

// Second route: the joint table over every latent of every image (2^(M N) states) through the
// existing certified table route, at the same logits, pulled back by the dense Jacobian. The two
// agree within the sum of their proven bounds plus the dense pull-back's rounding (M + 1 terms per
// coordinate: γ_{M+1} Σ |terms|, with the table route's errors added).
TEST(Vae, OracleMatchesJointTableRoute) {
  for (const char* spec : {"vae:latents=3,images=3", "vae:latents=2,hidden=2,images=4,coding=pm1,seed=3"}) {
    const auto p = make_problem(spec);
    const std::size_t n = p->amortization()->block_bits(), images = p->amortization()->blocks();
    auto theta = *p->default_theta();
    theta[5] += 0.375;  // off φ as well
    const Model m = make_model(*p, theta);
    const ExactGradient e = exact_gradient(m);
    ASSERT_TRUE(e.certificate.certified()) << describe(e.certificate);
    const std::size_t bits = n * images;
    std::vector<double> joint(std::size_t{1} << bits), x(bits);
    for (std::size_t s = 0; s < joint.size(); ++s) {
      for (std::size_t i = 0; i < bits; ++i) x[i] = static_cast<double>((s >> i) & 1u);
      joint[s] = p->f(x);
    }
    const auto table = make_table_problem(Family::bernoulli, joint);
    const Model tm = make_model(*table, std::get<BernoulliLogits>(m.dist).logits);
    const ExactGradient t = exact_gradient(tm);
    ASSERT_TRUE(t.certificate.certified());
    // The joint f sums the blocks in double (the oracle uses the real sum): each value off by at
    // most γ_M Σ_m |f_m| <= γ_M · 2 max|f|, moving the objective and each logit derivative by as much.
    double fmax = 0.0;
    for (double v : joint) fmax = std::max(fmax, std::abs(v));
    const double sum_slack = 2.0 * static_cast<double>(images) * kEps * 2.0 * fmax;
    EXPECT_NEAR(e.objective, t.objective, e.objective_error + t.objective_error + sum_slack);
    const auto jac = dense_jacobian(n, images);
    for (std::size_t i = 0; i < theta.size(); ++i) {
      double g = 0.0, abs_sum = 0.0, err = 0.0;
      for (std::size_t r = 0; r < bits; ++r) {
        g += jac[r][i] * t.gradient[r];
        abs_sum += std::abs(jac[r][i] * t.gradient[r]);
        err += jac[r][i] * (t.error[r] + sum_slack);
      }
      const double gamma = static_cast<double>(images + 1) * kEps;
      EXPECT_NEAR(e.gradient[i], g, e.error[i] + err + gamma * abs_sum) << spec << " coordinate " << i;
    }
  }
}

// Central differences of the exact objective L(θ) = E_{q_θ}[f]: θ_i moves one logit per image
// that has pixel d on (each image's L_m depends on it alone), so |∂³L/∂θ_i³| <= Σ_m max|f_m|
// Σ_b |∂³ q_m(b)| <= Σ_m max|f_m| · 2 max|σ'''| = Σ_m max|f_m| / 4. With h = 2^-10 (θ ± h exact
// on φ's 2^-8 grid) the truncation is <= h²/6 · that; the objective's bounds add (e+ + e-)/(2h),
// the difference's rounding ε(|L+| + |L-|)/(2h).
TEST(Vae, OracleMatchesFiniteDifferencesOfTheObjective) {
  const auto p = make_problem("vae:latents=4,images=3,seed=2");
  const Amortization& a = *p->amortization();
  double fsum = 0.0;
  for (std::size_t b = 0; b < a.blocks(); ++b) {
    std::vector<double> t(std::size_t{1} << a.block_bits());
    a.block_table(b, t);
    double mx = 0.0;
    for (double v : t) mx = std::max(mx, std::abs(v));
    fsum += mx;
  }
  const auto theta = *p->default_theta();
  const ExactGradient e = exact_gradient(make_model(*p, theta));
  ASSERT_TRUE(e.certificate.certified());
  const double h = 0x1p-10;
  for (std::size_t i : {0u, 5u, 100u, 129u, 200u, 255u, 256u, 259u}) {
    auto tp = theta, tm = theta;
    tp[i] += h;
    tm[i] -= h;
    const ExactGradient ep = exact_gradient(make_model(*p, tp)), em = exact_gradient(make_model(*p, tm));
    const double fd = (ep.objective - em.objective) / (2 * h);
    const double bound = h * h / 6 * fsum / 4 + (ep.objective_error + em.objective_error) / (2 * h) +
                         kEps * (std::abs(ep.objective) + std::abs(em.objective)) / (2 * h) + e.error[i];
    EXPECT_NEAR(fd, e.gradient[i], bound) << "coordinate " << i;
  }
}

// The adapter: a REINFORCE sample through it is Aᵀ (f(b) (b - σ(ℓ))) for the b its noise draws
// (the inner estimator's sample on the logit problem), computed here with the dense Jacobian;
// sample_block gives sample()'s bits; VIMCO is accepted (its per-image K-sample form).
TEST(Vae, AdapterMapsEachSampleByTheTranspose) {
  const auto p = make_problem("vae:latents=3,images=2");
  const auto theta = *p->default_theta();
  const Model m = make_model(*p, theta);
  const auto inner = make_estimator("reinforce");
  const auto est = amortize(*inner, *p);
  ASSERT_NE(est, nullptr);
  est->check(*p);
  est->prepare(m);
  EXPECT_EQ(est->draws(), 0);
  const auto& logits = std::get<BernoulliLogits>(m.dist).logits;
  const Model inner_model = make_model(p->amortization()->logit_problem(), logits);
  const auto jac = dense_jacobian(3, 2);
  std::vector<double> scratch(est->scratch_size(m)), g(theta.size()), b(6);
  for (std::uint64_t k = 0; k < 8; ++k) {
    Noise noise(5, 1, k), draw(5, 1, k);
    est->sample(m, noise, scratch, g);
    sample(inner_model.dist, draw, b);  // the draw REINFORCE makes from this stream
    const double f = p->f(b);
    for (std::size_t i = 0; i < theta.size(); ++i) {
      double want = 0.0, abs_sum = 0.0;
      for (std::size_t r = 0; r < 6; ++r) {
        const double s = b[r] - 1.0 / (1.0 + std::exp(-logits[r]));
        want += jac[r][i] * f * s;
        abs_sum += std::abs(jac[r][i] * f * s);
      }
      EXPECT_NEAR(g[i], want, 16 * kEps * abs_sum) << i;
    }
  }
  std::vector<double> work, block(4 * theta.size()), one(theta.size());
  est->sample_block(m, 9, 2, 4, work, block);
  for (std::size_t k = 0; k < 4; ++k) {
    Noise noise(9, 2, k);
    est->sample(m, noise, scratch, one);
    for (std::size_t i = 0; i < theta.size(); ++i) EXPECT_EQ(block[k * theta.size() + i], one[i]);
  }
  const auto vimco = make_estimator("vimco");  // its blockwise form (tests/test_vae_vimco.cpp)
  EXPECT_NO_THROW(amortize(*vimco, *p)->check(*p));
}

// The joint support of the VAE's M·N latents saturates instead of shifting past 63 bits.
TEST(Vae, JointSupportSizeSaturates) {
  EXPECT_EQ(support_size(BernoulliLogits(std::vector<double>(192, 0.0))), ~std::uint64_t{0});
  EXPECT_EQ(support_size(BernoulliLogits(std::vector<double>(63, 0.0))), std::uint64_t{1} << 63);
}

// Past the oracle budget the figure is unknown (NaN with the reason), never a silent partial sum.
TEST(Vae, OracleStopsWithinItsBudget) {
  const auto p = make_problem("vae:latents=16,images=32");
  const Model m = make_model(*p, *p->default_theta());
  set_oracle_seconds(1e-3);
  const ExactGradient e = exact_gradient(m);
  set_oracle_seconds(kDefaultOracleSeconds);
  EXPECT_TRUE(e.certificate.unknown()) << describe(e.certificate);
  EXPECT_TRUE(std::isnan(e.gradient[0]));
}

}  // namespace
}  // namespace estcheck
