// tests/test_scg_relax_range.cpp — the proven sample range of scg-relax (the RELAX RL form on
// stochastic computation graphs, Grathwohl et al. 2018 §6.4.2; estimators/graphs/graph_relax.cpp's
// ScgRelax::sample_range): every sample lies inside it over thousands of draws on scg-fig1a..e,
// sbn, the chain MDP and Cart-Pole, at moderate and extreme θ (±8, ±30), at λ down to 10^-3 and
// η ∈ {-2, 1}, for the mutant without the correction too, and at the corner uniforms
// (u, v ∈ {2^-54, 1 - 2^-53}) at every joint assignment (value_at_gumbel, the code sample() runs);
// unprepared, no range. Deterministic (fixed seeds, containment only): label unit.
#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_relax.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace estcheck {
namespace {

const char* const kGraphs[] = {"scg-fig1a", "scg-fig1b", "scg-fig1c", "scg-fig1d", "scg-fig1e", "sbn",
                               "mdp:states=4,horizon=4,slip=0.1", "cartpole:horizon=8"};

/// θ of dimension d: a moderate point, then ±8 and ±30 alternating by coordinate.
std::vector<std::vector<double>> thetas(std::size_t d) {
  std::vector<std::vector<double>> out;
  std::vector<double> t(d);
  for (std::size_t i = 0; i < d; ++i) t[i] = 0.3 - 0.2 * static_cast<double>(i % 4);
  out.push_back(t);
  for (double e : {8.0, 30.0, -30.0}) {
    for (std::size_t i = 0; i < d; ++i) t[i] = (i % 2 ? -e : e);
    out.push_back(t);
  }
  return out;
}

void expect_inside(const SampleRange& r, std::span<const double> g, const std::string& what) {
  for (std::size_t i = 0; i < g.size(); ++i) {
    ASSERT_TRUE(std::isfinite(g[i])) << what << " coordinate " << i;
    ASSERT_GE(g[i], r.lo[i]) << what << " coordinate " << i << " (" << r.source << ")";
    ASSERT_LE(g[i], r.hi[i]) << what << " coordinate " << i << " (" << r.source << ")";
  }
}

/// Every sample of ScgRelax with options `o` (what `scg-relax:...` and the no-correction mutant
/// build) on every graph and θ, `draws` draws each, and at every assignment with corner uniforms,
/// lies in the declared range.
void check_contains(const ScgRelaxOptions& o, int draws) {
  for (const char* name : kGraphs) {
    const auto p = make_problem(name);
    for (const auto& theta : thetas(p->theta_dim())) {
      auto e = std::make_unique<ScgRelax>(o);
      const Model m = make_model(*p, theta);
      e->prepare(m);
      const auto r = e->sample_range(m);
      const std::string what = e->info().spec + " on " + name + " at theta[0] = " + format_double(theta[0]);
      ASSERT_TRUE(r) << what;
      ASSERT_EQ(r->lo.size(), m.theta_dim());
      std::vector<double> scratch(e->scratch_size(m)), g(m.theta_dim());
      for (int i = 0; i < draws; ++i) {
        draw_sample(*e, m, 20261130, 0, static_cast<std::uint64_t>(i), scratch, g);
        expect_inside(*r, g, what);
      }
      // Corner uniforms at every assignment, whether or not it is the argmax of z.
      const Graph& graph = *graph_of(*p);
      const std::size_t G = gumbel_size(graph);
      const double corners[2] = {0x1p-54, 1.0 - 0x1p-53};
      std::vector<double> choice(graph.nodes.size(), 0.0), u(G), v(G);
      for (std::uint64_t a = 0; a < assignment_count(graph); ++a) {
        assignment(graph, a, choice);
        for (int mask = 0; mask < 6; ++mask) {
          for (std::size_t j = 0; j < G; ++j) {
            u[j] = corners[(mask + static_cast<int>(j)) & 1];
            v[j] = corners[((mask >> 1) + static_cast<int>(j / 2)) & 1];
            if (mask >= 4) u[j] = 0.5 + 0.49 * std::sin(static_cast<double>(mask * 7 + static_cast<int>(j)));
          }
          e->value_at_gumbel(m, choice, u, v, scratch, g);
          expect_inside(*r, g, what + " at corner uniforms, assignment " + std::to_string(a));
        }
      }
    }
  }
}

TEST(ScgRelaxRange, HoldsEverySampleAtDefaultOptions) { check_contains(ScgRelaxOptions{}, 2000); }

TEST(ScgRelaxRange, HoldsAtSmallTemperatureAndNegativeEta) {
  check_contains(ScgRelaxOptions{.temperature = 0.001, .eta = -2.0}, 500);
}

TEST(ScgRelaxRange, HoldsForTheMutantWithoutCorrection) {
  check_contains(ScgRelaxOptions{.correction = false}, 500);
}

TEST(ScgRelaxRange, UnpreparedDeclaresNone) {
  const auto p = make_problem("scg-fig1c");
  const std::vector<double> theta{0.3};
  const Model m = make_model(*p, theta);
  EXPECT_FALSE(make_estimator("scg-relax")->sample_range(m));
}

}  // namespace
}  // namespace estcheck
