// tests/test_sample_ranges.cpp — the proven sample ranges (Estimator::sample_range) of the relaxed
// estimators (concrete, straight-through, rebar, relax; estimators/sample_bounds.hpp) and of
// MuProp (enumeration of its one draw; past 2^20 draws its closed form): every sample lies inside its range, over many draws, at
// moderate and extreme logits (±30), at tiny temperatures, and at the extreme uniforms
// (u, v ∈ {2^-54, 1 - 2^-53}); MuProp's value_at is sample()'s code (same bits) and its exact
// moments are certified; and the CLI makes an out-of-range sample an error (exit 4) naming the
// estimator. Deterministic (fixed seeds, containment only): label unit.
#include "estimators/core/error.hpp"
#include "estimators/core/noise.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/lying_range.hpp"
#include "tools/cli.hpp"
#include "verify/harness/harness.hpp"
#include "verify/oracles/estimator_mean.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace estcheck {
namespace {

struct Case {
  std::string problem;
  std::vector<double> theta;
};

/// The problems with a relaxation: the toy, Bernoulli tables of 3 and 10 variables, a categorical table.
std::vector<Case> cases() {
  std::vector<Case> c;
  for (double t : {0.7, -3.0, 8.0, 30.0, -30.0}) c.push_back({"toy:t=0.45", {t}});
  c.push_back({"toy:t=-2", {0.3}});
  c.push_back({"toy:t=1.5", {-30.0}});
  c.push_back({"table3", {0.3, -1.0, 2.0}});
  c.push_back({"table3", {30.0, -30.0, 0.0}});
  c.push_back({"table10", {}});
  c.push_back({"cat4", {0.5, -1.0, 0.0, 2.0}});
  c.push_back({"cat4", {30.0, -30.0, 0.0, 30.0}});
  return c;
}

std::unique_ptr<Problem> problem_of(const std::string& name) {
  if (name == "table3") return make_table_problem(Family::bernoulli, {1, -2, 0.5, 3, 2, 0, -1, 4});
  if (name == "table10") {
    std::vector<double> t(1024);
    for (std::size_t k = 0; k < t.size(); ++k) t[k] = std::sin(0.37 * static_cast<double>(k)) * 5.0 + 0.1 * static_cast<double>(k % 7);
    return make_table_problem(Family::bernoulli, t);
  }
  if (name == "table10pos") {  // f > 0, for VIMCO
    std::vector<double> t(1024);
    for (std::size_t k = 0; k < t.size(); ++k) t[k] = 0.05 + std::abs(std::sin(0.37 * static_cast<double>(k))) * 3.0;
    return make_table_problem(Family::bernoulli, t);
  }
  if (name == "cat4pos") return make_table_problem(Family::categorical, {1.0, 0.2, 0.5, 3.0});
  if (name == "cat4") return make_table_problem(Family::categorical, {1.0, -2.0, 0.5, 3.0});
  return make_problem(name);
}

/// Cases where f > 0 (VIMCO's objective needs it).
std::vector<Case> positive_cases() {
  return {{"toy:t=0.45", {0.7}}, {"toy:t=0.45", {-30.0}}, {"table10pos", {}}, {"cat4pos", {0.5, -1.0, 0.0, 2.0}},
          {"cat4pos", {30.0, -30.0, 0.0, 30.0}}};
}

std::vector<double> theta_of(const Case& c, const Problem& p) {
  if (!c.theta.empty()) return c.theta;
  std::vector<double> th(p.theta_dim());
  for (std::size_t i = 0; i < th.size(); ++i) th[i] = (i % 3 == 0 ? 30.0 : -1.5) * (i % 2 ? -1.0 : 1.0);
  return th;
}

void expect_inside(const SampleRange& r, std::span<const double> g, const std::string& what) {
  for (std::size_t i = 0; i < g.size(); ++i) {
    ASSERT_TRUE(std::isfinite(g[i])) << what << " coordinate " << i;
    ASSERT_GE(g[i], r.lo[i]) << what << " coordinate " << i << " (" << r.source << ")";
    ASSERT_LE(g[i], r.hi[i]) << what << " coordinate " << i << " (" << r.source << ")";
  }
}

/// Every sample of `spec` on every case, `draws` draws each, lies in the declared range; on
/// Bernoulli problems also at the corners of the uniforms.
void check_contains(const std::string& spec, int draws, const std::vector<Case>& list = cases()) {
  for (const Case& c : list) {
    const auto p = problem_of(c.problem);
    auto e = make_estimator(spec);
    try {
      e->check(*p);
    } catch (const InputError&) {
      continue;  // this estimator does not run on this problem (MuProp on categorical tables)
    }
    const Model m = make_model(*p, theta_of(c, *p));
    e->prepare(m);
    const auto r = e->sample_range(m);
    ASSERT_TRUE(r) << spec << " on " << c.problem;
    ASSERT_EQ(r->lo.size(), m.theta_dim());
    const std::string what = spec + " on " + c.problem + " at theta[0] = " + format_double(m.theta[0]);
    std::vector<double> scratch(e->scratch_size(m)), g(m.theta_dim());
    const bool big = c.problem.starts_with("table10") && e->relaxed_form();
    const int count = big ? draws / 40 : draws;  // O(n² 2^n) per relaxed gradient
    for (int i = 0; i < count; ++i) {
      draw_sample(*e, m, 20261130, 0, static_cast<std::uint64_t>(i), scratch, g);
      expect_inside(*r, g, what);
    }
    if (p->family() != Family::bernoulli || !e->relaxed_form()) continue;
    const std::size_t n = m.sample_dim();
    const double corners[2] = {0x1p-54, 1.0 - 0x1p-53};
    std::vector<double> u(n), v(n);
    for (int mask = 0; mask < 16; ++mask) {
      for (std::size_t j = 0; j < n; ++j) {
        u[j] = corners[(mask + static_cast<int>(j)) & 1];
        v[j] = corners[((mask >> 1) + static_cast<int>(j)) & 1];
        if (mask >= 4) u[j] = 0.5 + 0.49 * std::sin(static_cast<double>(mask * 7 + static_cast<int>(j)));
        if (mask >= 8) v[j] = corners[(mask + static_cast<int>(j) / 2) & 1];
      }
      e->value_at_uniforms(m, u, v, scratch, g);
      expect_inside(*r, g, what + " at corner uniforms");
    }
  }
}

TEST(SampleRanges, ConcreteHoldsEverySample) {
  for (const char* spec : {"concrete", "concrete:temperature=0.01", "concrete:temperature=1e-6", "concrete:temperature=5"})
    check_contains(spec, 2000);
}

TEST(SampleRanges, StraightThroughHoldsEverySample) {
  for (const char* spec : {"straight-through", "straight-through:temperature=0.001", "straight-through:temperature=1e-6"})
    check_contains(spec, 2000);
}

TEST(SampleRanges, RebarHoldsEverySample) {
  for (const char* spec : {"rebar", "rebar:temperature=0.01,eta=2", "rebar:temperature=1e-5,eta=-0.5",
                           "mutant/rebar-no-conditional"})
    check_contains(spec, 2000);
}

TEST(SampleRanges, RelaxHoldsEverySampleOfTheTrainedNetwork) {
  for (const char* spec : {"relax:steps=50", "relax:temperature=0.01,steps=50,lr=0.1"}) check_contains(spec, 2000);
}

TEST(SampleRanges, RelaxedRebarHoldsEverySampleOfTheTrainedNetwork) {
  // The network reads the logistic sample z (∂z/∂θ = 1, not σ_λ' / λ): its pathwise bound is 4λ R_i
  // in rebar_form_range's units, which at λ = 0.01 is far below REBAR's slope/(2λ) term and at λ = 2
  // far above it — both are checked.
  for (const char* spec : {"relaxed-rebar:steps=50", "relaxed-rebar:temperature=0.01,steps=50,lr=0.1",
                           "relaxed-rebar:temperature=2,steps=50,lr=0.1"})
    check_contains(spec, 2000);
}

TEST(SampleRanges, MupropHoldsEverySample) { check_contains("muprop", 4000); }

TEST(SampleRanges, RlooAndVimcoClosedFormsHoldEverySample) {
  // k = 4 and 16: enumeration on the toy (and table3 at k = 4), the closed form past 2^20 tuples.
  for (const char* spec : {"rloo:k=4", "rloo:k=16"}) check_contains(spec, 4000);
  for (const char* spec : {"vimco:k=4", "vimco:k=16"}) check_contains(spec, 4000, positive_cases());
  const auto p = problem_of("table10");
  const Model m = make_model(*p, theta_of({"table10", {}}, *p));
  const auto r = make_estimator("rloo:k=4")->sample_range(m);
  ASSERT_TRUE(r);
  EXPECT_NE(r->source.find("closed form"), std::string::npos) << r->source;
}

TEST(SampleRanges, BoundsAreTheDerivedFormulas) {
  // Concrete on the toy t = 0.45: |f'| <= 2 max(|t|, |1 - t|) = 1.1, so |ĝ| <= 1.1 / (4 λ).
  const auto p = make_problem("toy:t=0.45");
  const Model m = make_model(*p, std::vector<double>{0.7});
  const auto r = make_estimator("concrete:temperature=0.5")->sample_range(m);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->hi[0], 1.1 / 2.0, 1e-8);
  EXPECT_EQ(r->lo[0], -r->hi[0]);
  // A table's slope is its largest vertex difference: table3 along x_0 pairs (1,-2), (0.5,3),
  // (2,0), (-1,4): the largest |difference| is 5.
  const auto t = problem_of("table3");
  const Model mt = make_model(*t, std::vector<double>{0.1, 0.2, 0.3});
  const auto rt = make_estimator("straight-through:temperature=1")->sample_range(mt);
  ASSERT_TRUE(rt);
  EXPECT_NEAR(rt->hi[0], 5.0 / 4.0, 1e-8);
  // Categorical: spread / (4 λ) = 5 / 2 at λ = 0.5.
  const auto c = problem_of("cat4");
  const Model mc = make_model(*c, std::vector<double>{0.1, 0.2, 0.3, 0.4});
  const auto rc = make_estimator("concrete:temperature=0.5")->sample_range(mc);
  ASSERT_TRUE(rc);
  EXPECT_NEAR(rc->hi[2], 2.5, 1e-6);  // widened by kRangeSlack = 2^-30 of a few scales
}

TEST(SampleRanges, RelaxBeforePrepareAndGaussianProblemsDeclareNone) {
  const auto p = make_problem("toy:t=0.45");
  const Model m = make_model(*p, std::vector<double>{0.7});
  EXPECT_FALSE(make_estimator("relax")->sample_range(m));  // φ not trained yet
}

/// A Bernoulli problem past MuProp's enumeration (24 variables, 2^24 draws) that is not the VAE:
/// f(z) = Σ_i w_i z_i + (Σ_i z_i)² / 4 with its relaxation (the same formula on [0,1]^n) and f's
/// bounds declared: Σ_i min(0, w_i) <= f <= Σ_i max(0, w_i) + n²/4, widened by 1e-9 for rounding
/// (|f| < 200, 50 operations: the rounding is below 1e-12).
class SumSquare final : public Problem {
 public:
  static constexpr std::size_t kN = 24;
  std::string spec() const override { return "test-sum-square"; }
  Family family() const override { return Family::bernoulli; }
  std::size_t sample_dim() const override { return kN; }
  std::size_t theta_dim() const override { return kN; }
  std::string theta_meaning() const override { return "logits"; }
  static double w(std::size_t i) { return std::sin(1.3 * static_cast<double>(i)) * 3.0; }
  double f(std::span<const double> x) const override { return f_relaxed(x); }
  bool has_relaxation() const override { return true; }
  double f_relaxed(std::span<const double> z) const override {
    double lin = 0.0, sum = 0.0;
    for (std::size_t i = 0; i < kN; ++i) {
      lin += w(i) * z[i];
      sum += z[i];
    }
    return lin + sum * sum / 4.0;
  }
  void relaxed_gradient(std::span<const double> z, std::span<double> out) const override {
    double sum = 0.0;
    for (std::size_t i = 0; i < kN; ++i) sum += z[i];
    for (std::size_t i = 0; i < kN; ++i) out[i] = w(i) + sum / 2.0;
  }
  std::optional<std::pair<double, double>> f_bounds() const override {
    double lo = 0.0, hi = static_cast<double>(kN * kN) / 4.0;
    for (std::size_t i = 0; i < kN; ++i) (w(i) < 0 ? lo : hi) += w(i);
    return std::pair{lo - 1e-9, hi + 1e-9};
  }
};

// MuProp's closed form past the enumeration (muprop.cpp) holds every sample of a Bernoulli problem
// that is not the VAE, at moderate and extreme logits (prepared and not: value_at recomputes f(μ)).
TEST(SampleRanges, MupropClosedFormHoldsPastTheEnumeration) {
  const SumSquare p;
  for (const double scale : {0.5, 30.0}) {
    std::vector<double> theta(SumSquare::kN);
    for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = scale * std::cos(0.7 * static_cast<double>(i));
    const Model m = make_model(p, theta);
    for (const bool prepared : {true, false}) {
      auto e = make_estimator("muprop");
      if (prepared) e->prepare(m);
      const auto r = e->sample_range(m);
      ASSERT_TRUE(r);
      EXPECT_NE(r->source.find("grad f(mu)"), std::string::npos) << r->source;
      std::vector<double> scratch(e->scratch_size(m)), g(m.theta_dim());
      for (int i = 0; i < 4000; ++i) {
        draw_sample(*e, m, 20261130, 1, static_cast<std::uint64_t>(i), scratch, g);
        expect_inside(*r, g, "muprop on test-sum-square at scale " + format_double(scale));
      }
    }
  }
}

TEST(Muprop, ValueAtIsTheSampleBitForBit) {
  const auto p = problem_of("table3");
  const Model m = make_model(*p, std::vector<double>{0.3, -1.0, 2.0});
  for (bool prepared : {false, true}) {
    auto e = make_estimator("muprop");
    if (prepared) e->prepare(m);
    ASSERT_EQ(e->draws(), 1);
    std::vector<double> scratch(e->scratch_size(m)), g(3), h(3), b(3);
    for (std::uint64_t i = 0; i < 500; ++i) {
      draw_sample(*e, m, 7, 0, i, scratch, g);
      Noise noise(7, 0, i);
      sample(std::get<BernoulliLogits>(m.dist), noise, b);
      e->value_at(m, b, scratch, h);
      for (int j = 0; j < 3; ++j) EXPECT_EQ(g[j], h[j]) << i;
    }
  }
}

TEST(Muprop, ExactMomentsAreCertifiedOnTenVariables) {
  const auto p = problem_of("table10");
  const Model m = make_model(*p, theta_of({"table10", {}}, *p));
  auto e = make_estimator("muprop");
  e->prepare(m);
  const auto mo = exact_estimator_moments(*e, m);
  ASSERT_TRUE(mo);
  EXPECT_TRUE(mo->certificate.certified()) << mo->certificate.note;
  ASSERT_EQ(mo->variance.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_GE(mo->variance[i] + mo->variance_error[i], 0.0);
}

// ---------------------------------------------------------------- the CLI: a sample outside its range


TEST(SampleRanges, CliOutOfRangeSampleExitsFourNamingTheEstimator) {
  register_estimator({.name = "test-lying-range",
                      .params = {},
                      .claimed_unbiased = true,
                      .requires_ = "bernoulli",
                      .description = "REINFORCE declaring half its range (test only)",
                      .reference = "tests/test_sample_ranges.cpp",
                      .make = [](const ParamValues&) { return std::make_unique<testing::LyingRange>("test-lying-range"); }});
  for (const char* test : {"auto", "betting"}) {
    std::ostringstream out, err;
    const int rc = run_cli({"estcheck", "verify", "toy:t=0.45", "test-lying-range", "--theta", "0.7", "--samples",
                            "10000", "--test", test},
                           out, err);
    EXPECT_EQ(rc, 4) << test << "\n" << out.str() << err.str();
    const std::string all = out.str() + err.str();
    EXPECT_NE(all.find("estimator 'test-lying-range' produced a sample outside its declared range"), std::string::npos)
        << all;
  }
}

}  // namespace
}  // namespace estcheck
