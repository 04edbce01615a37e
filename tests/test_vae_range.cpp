// tests/test_vae_range.cpp — proven sample ranges on the digits VAE (issue 18): the problem's
// declared f bounds (Problem::f_bounds, from the per-image tables of f = Σ_m f_m; vae.cpp) and the
// adapter's range, the logit estimator's range mapped through Aᵀ (RELAX eq. 17;
// estimators/amortized.cpp), read by the betting test (Waudby-Smith & Ramdas 2024). A range is a
// proof, so it is checked against f at every joint state where they can be enumerated and against
// many samples, at the encoder's θ and at extreme θ (the encoder scaled ×30); and through the
// pipeline, `verify --test auto` picks the betting test and passes. The relaxed estimators' ranges
// rest on the relaxation's enclosure over the cube (Problem::relaxation_enclosure, vae.cpp), checked
// here at many points of the cube, and MuProp's past 20 logits on its closed form (muprop.cpp).
//
// Budget: the pipeline pass cases are kChecks null hypotheses at α = budget::kVaeRange / kChecks
// each (the betting test: valid at any n, no CLT); the seed is fixed and printed.
#include "estimators/amortized.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "estimators/core/noise.hpp"
#include "tests/budget.hpp"
#include "verify/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace estcheck {
namespace {

/// One estimator through the VAE's adapter (estimators/amortized.hpp) at θ = the encoder's ×
/// `stretch`: whether it declares a range (one interval per θ coordinate), and `count` samples of
/// (seed, block) counted against it.
struct RangeCheck {
  bool declared = false;
  std::size_t outside = 0;                          ///< sample coordinates outside their interval
  double largest_end = 0.0, largest_sample = 0.0;  ///< max |range end|, max |sample coordinate|
};

RangeCheck check_adapter_range(const Problem& p, const char* name, double stretch, std::size_t count,
                               std::uint64_t seed, std::uint64_t block) {
  std::vector<double> theta = *p.default_theta();
  for (double& t : theta) t *= stretch;
  const Model m = make_model(p, theta);
  const auto inner = make_estimator(name);
  const auto est = amortize(*inner, p);
  est->check(p);
  est->prepare(m);
  const auto range = est->sample_range(m);
  RangeCheck c;
  const std::size_t d = m.theta_dim();
  if (!range || range->lo.size() != d || range->hi.size() != d) return c;
  c.declared = true;
  std::vector<double> work, out(count * d);
  est->sample_block(m, seed, block, count, work, out);
  for (std::size_t k = 0; k < d; ++k) c.largest_end = std::max({c.largest_end, std::abs(range->lo[k]), std::abs(range->hi[k])});
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < d; ++k) {
      const double g = out[i * d + k];
      if (!(g >= range->lo[k] && g <= range->hi[k])) ++c.outside;
      c.largest_sample = std::max(c.largest_sample, std::abs(g));
    }
  return c;
}

// f_bounds encloses f at every joint state (12 latents in all: 4096 states), and it is tight:
// its ends are within a few units of roundoff of f's own extremes (the blocks are independent, so
// Σ_m min f_m is attained).
TEST(VaeRange, FBoundsEncloseEveryJointState) {
  for (const char* spec : {"vae:latents=3,images=4", "vae:latents=4,images=3,coding=pm1",
                           "vae:latents=3,hidden=4,images=4,seed=5"}) {
    const auto p = make_problem(spec);
    const auto bounds = p->f_bounds();
    ASSERT_TRUE(bounds) << spec;
    ASSERT_TRUE(p->amortization()->logit_problem().f_bounds()) << spec;
    EXPECT_EQ(*p->amortization()->logit_problem().f_bounds(), *bounds);
    const std::size_t n = p->sample_dim();
    std::vector<double> x(n);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::uint64_t k = 0; k < (std::uint64_t{1} << n); ++k) {
      for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>((k >> i) & 1u);
      const double f = p->f(x);
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    EXPECT_LE(bounds->first, lo) << spec;
    EXPECT_GE(bounds->second, hi) << spec;
    const double scale = std::max(std::abs(lo), std::abs(hi));
    EXPECT_LT(lo - bounds->first, 1e-12 * scale) << spec;
    EXPECT_LT(bounds->second - hi, 1e-12 * scale) << spec;
  }
}

// Every sample of every estimator with a range lies inside it, at the encoder's θ and at θ ×30
// (logits far into the sigmoid's tails), on a VAE small enough to enumerate (12 logits: the inner
// ranges are enumerations) and on larger ones (24 and 192 logits: the closed forms from f_bounds).
TEST(VaeRange, SamplesLieInsideTheAdapterRange) {
  const char* estimators[] = {"reinforce", "reinforce:baseline=-300", "rloo", "rloo:k=4", "arm", "disarm",
                              "nvil", "nvil:normalize=0"};
  for (const char* spec : {"vae:latents=3,images=4", "vae:latents=4,images=6", "vae:latents=12,images=16"}) {
    const auto p = make_problem(spec);
    for (const double stretch : {1.0, 30.0})
      for (const char* name : estimators) {
        const RangeCheck c = check_adapter_range(*p, name, stretch, 2000, 17, 3);
        ASSERT_TRUE(c.declared) << name << " on " << spec;
        EXPECT_EQ(c.outside, 0u) << name << " on " << spec << " at theta x" << stretch;
        EXPECT_GT(c.largest_sample, 0.0) << name << " on " << spec;
      }
  }
}

// The relaxation's enclosure (Problem::relaxation_enclosure, vae.cpp) holds f_relaxed and every
// |∂f/∂z_j| at many points of the cube: the corners, uniform points, and points near the faces; on
// both codings and both decoders. The value range is compared with f's own range on the support
// (it contains it: the corners are in the cube) and the slopes with the largest seen.
TEST(VaeRange, RelaxationEnclosureHoldsOnTheCube) {
  for (const char* spec : {"vae:latents=3,images=4", "vae:latents=3,images=4,coding=pm1",
                           "vae:latents=3,hidden=8,images=4", "vae:latents=3,hidden=8,images=4,coding=pm1",
                           "vae:latents=12,images=16,coding=pm1", "vae:latents=12,hidden=8,images=16"}) {
    const auto p = make_problem(spec);
    const Problem& lp = p->amortization()->logit_problem();
    const auto e = lp.relaxation_enclosure();
    ASSERT_TRUE(e) << spec;
    const std::size_t n = lp.sample_dim();
    ASSERT_EQ(e->slope.size(), n);
    const auto fb = p->f_bounds();
    ASSERT_TRUE(fb);
    EXPECT_LE(e->value_lo, fb->first) << spec;
    EXPECT_GE(e->value_hi, fb->second) << spec;
    Noise noise(99, 1, 0);
    std::vector<double> z(n), g(n), seen(n, 0.0);
    double vlo = std::numeric_limits<double>::infinity(), vhi = -vlo;
    for (int t = 0; t < 3000; ++t) {
      for (double& x : z) {
        const double u = noise.uniform();
        x = t % 3 == 0 ? std::round(u) : t % 3 == 1 ? u : (u < 0.5 ? u * 1e-3 : 1.0 - (1.0 - u) * 1e-3);
      }
      const double v = lp.f_relaxed(z);
      lp.relaxed_gradient(z, g);
      EXPECT_TRUE(v >= e->value_lo && v <= e->value_hi) << spec << ": " << v;
      vlo = std::min(vlo, v);
      vhi = std::max(vhi, v);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_LE(std::abs(g[i]), e->slope[i]) << spec << " coordinate " << i;
        seen[i] = std::max(seen[i], std::abs(g[i]));
      }
    }
    double ratio = 0.0;
    for (std::size_t i = 0; i < n; ++i) ratio = std::max(ratio, e->slope[i] / seen[i]);
    std::printf("%s: relaxed value in [%.2f, %.2f] (seen [%.2f, %.2f], f on the support [%.2f, %.2f]); "
                "largest slope bound / largest seen |df/dz| = %.2f\n",
                spec, e->value_lo, e->value_hi, vlo, vhi, fb->first, fb->second, ratio);
  }
}

// Every sample of the relaxed estimators and of MuProp lies inside its range (the relaxation's
// enclosure through each estimator's own proof, then Aᵀ; MuProp's closed form past 20 logits), at
// the encoder's θ and at θ ×30 (logits out to about ±30), on both codings and both decoders. The
// printed ratio is the largest range end over the largest |sample| seen: how loose the proof is.
TEST(VaeRange, RelaxedSamplesLieInsideTheAdapterRange) {
  const char* estimators[] = {"rebar", "relax:steps=20", "relaxed-rebar:steps=20", "concrete", "straight-through",
                              "muprop"};
  for (const char* spec : {"vae:latents=3,images=4", "vae:latents=3,images=4,coding=pm1",
                           "vae:latents=3,hidden=8,images=4", "vae:latents=3,hidden=8,images=4,coding=pm1",
                           "vae:latents=12,images=16", "vae:latents=12,images=16,coding=pm1",
                           "vae:latents=12,hidden=8,images=16", "vae:latents=12,hidden=8,images=16,coding=pm1"}) {
    const auto p = make_problem(spec);
    for (const double stretch : {1.0, 30.0})
      for (const char* name : estimators) {
        const RangeCheck c = check_adapter_range(*p, name, stretch, 400, 23, 5);
        ASSERT_TRUE(c.declared) << name << " on " << spec;
        EXPECT_EQ(c.outside, 0u) << name << " on " << spec << " at theta x" << stretch;
        EXPECT_GT(c.largest_sample, 0.0) << name << " on " << spec;
        std::printf("%-24s %-44s x%-3g largest |range end| %.3g, largest |sample| %.3g: ratio %.1f\n", name, spec,
                    stretch, c.largest_end, c.largest_sample, c.largest_end / c.largest_sample);
      }
  }
}

// A θ column no image's pixel reaches is exactly 0 in every sample: its range is [0, 0].
TEST(VaeRange, UnreachedColumnsAreZero) {
  const auto p = make_problem("vae:latents=3,images=4");
  const Model m = make_model(*p, *p->default_theta());
  const auto inner = make_estimator("arm");
  const auto est = amortize(*inner, *p);
  est->prepare(m);
  const auto range = est->sample_range(m);
  ASSERT_TRUE(range);
  const LogitMap& map = p->amortization()->logit_map();
  std::vector<bool> used(map.theta_dim, false);
  for (std::uint32_t c : map.column) used[c] = true;
  std::size_t unused = 0;
  for (std::size_t k = 0; k < map.theta_dim; ++k)
    if (!used[k]) {
      ++unused;
      EXPECT_EQ(range->lo[k], 0.0);
      EXPECT_EQ(range->hi[k], 0.0);
    }
  EXPECT_GT(unused, 0u);  // the corner pixels of the first images are off
}

// On 24 logits (past the 2^20-point enumeration: the ranges come from f_bounds' closed forms, the
// relaxation's enclosure for rebar, and MuProp's closed form), the automatic test is the betting
// test, and the correct estimators pass against the certified target.
TEST(VaeRange, VerifyChoosesBettingAndPasses) {
  constexpr int kChecks = 4;
  constexpr std::uint64_t kSeed = 20261130;
  const auto p = make_problem("vae:latents=4,images=6");
  int checks = 0;
  for (const char* name : {"reinforce", "disarm", "rebar", "muprop"}) {
    const auto e = make_estimator(name);
    VerifyRequest q;
    q.problem = p.get();
    q.estimator = e.get();
    q.theta = *p->default_theta();
    q.run = {1u << 14, kSeed, 0};
    q.test = {budget::kVaeRange / kChecks, {}};
    q.method = TestMethod::automatic;
    const VerifyReport r = verify(q);
    ++checks;
    EXPECT_TRUE(r.exact.certificate.certified()) << name;
    EXPECT_EQ(r.test_method, TestMethod::betting) << name;
    ASSERT_TRUE(r.sample_range) << name;
    EXPECT_NE(r.sample_range->source.find("Aᵀ"), std::string::npos) << r.sample_range->source;
    EXPECT_EQ(r.test.verdict, Verdict::pass) << name << ", seed " << kSeed << ": " << r.test.reason;
  }
  EXPECT_EQ(checks, kChecks);
}

}  // namespace
}  // namespace estcheck
