// tests/test_graph_moments.cpp — the exact moments of the graph estimators (issue 18, item 1):
// exact_graph_estimator_moments (verify/oracles/graph_exact.hpp) through exact_estimator_moments,
// for scg with every baseline and credit option, dice of orders 1 and 2, and the graph mutants.
// - value_at_assignment gives sample()'s bits at the draws sample() made (the shared code path);
// - the exact mean is the exact gradient (Hessian) within the bounds, for every unbiased option,
//   on several graphs and θ, the estimator's own rounding bounded as derived below;
// - mean and variance equal an independent sequential long-double enumeration within the bounds;
// - every graph mutant has moments, and its exact mean misses the target by more than the bounds;
// - scg-relax (Gumbel noise besides the draws) and gaussian graphs get none;
// - the MDP of issue 18 at θ = (4, -4, ...) passes verify with the Catoni test at seeds 1, 2, 3.
//
// Budget: the three verdicts at the end are the only assertions that can fail falsely; the Catoni
// test with an exact variance bound holds at any n, so each fails falsely with probability at most
//   α = budget::kGraphMoments / 3 ≈ 3.3e-7 (union bound: this program at most kGraphMoments = 1e-6).
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/pipeline.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

struct Case {
  std::string problem;
  std::vector<double> theta;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"scg-fig1a", {0.3}},
      {"scg-fig1b", {-0.7}},
      {"scg-fig1c", {0.5}},
      {"scg-fig1c", {-2.0}},
      {"scg-fig1d", {0.3, 0.2}},
      {"scg-fig1e", {0.3, -0.5}},
      {"sbn", {0.1, -0.2, 0.5, -1, 1, 0.3, 0, 0.2}},
      {"mdp:states=3,horizon=3,slip=0.2", {0, 0.5, 0, 0.3, -0.2, 0}},
      {"mdp:states=4,horizon=4,slip=0.1", {4, -4, 4, -4, 4, -4, 4, -4}},
      {"grid:size=2,horizon=3,slip=0.2", {0.1, -0.2, 0.3, 0, 0.5, 0.1, -0.4, 0.2, 0, 0, 0.3, -0.1, 0.2, 0.4, -0.3, 0}},
      {ESTCHECK_SOURCE_DIR "/examples/chain2.json", {0.2, -0.4, 0.3}},
      {"cartpole:horizon=6,start=falling", {0.3, -0.2, 1.5, 0.8, -0.1}},
  };
  return c;
}

const std::vector<std::string> kUnbiased = {"scg",
                                            "scg:baseline=0.7",
                                            "scg:baseline=conditional",
                                            "scg:credit=all",
                                            "scg:baseline=-1.5,credit=all",
                                            "scg:baseline=conditional,credit=all",
                                            "dice:order=1"};

struct Prepared {
  std::unique_ptr<Problem> problem;
  std::unique_ptr<Estimator> estimator;
  Model model;
};

Prepared prepared(const std::string& problem, const std::string& spec, const std::vector<double>& theta) {
  auto p = make_problem(problem);
  auto e = make_estimator(spec);
  e->check(*p);
  Model m = make_model(*p, theta);
  e->prepare(m);
  return {std::move(p), std::move(e), std::move(m)};
}

/// Σ_a p_a ĝ_a, Σ_a p_a ĝ_a² and Σ_a p_a |ĝ_a| per coordinate, summed one
/// assignment after another in long double (64-bit significand), from the same ĝ_a and log p_a
/// the oracle uses but none of its reduction or bound arithmetic.
struct LongDoubleMoments {
  std::vector<long double> s1, s2, abs1;
};

LongDoubleMoments long_double_moments(const Estimator& e, const Model& m) {
  const Graph& g = *graph_of(*m.problem);
  const std::size_t out = output_dim(e.info(), m.theta_dim());
  LongDoubleMoments r{std::vector<long double>(out), std::vector<long double>(out), std::vector<long double>(out)};
  std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size()), scratch(e.scratch_size(m)), sample(out);
  for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
    assignment(g, a, choice);
    const long double p = std::exp(static_cast<long double>(evaluate_values(g, m.theta, choice, values)));
    e.value_at_assignment(m, choice, scratch, sample);
    for (std::size_t i = 0; i < out; ++i) {
      r.s1[i] += p * sample[i];
      r.s2[i] += p * sample[i] * sample[i];
      r.abs1[i] += p * std::abs(sample[i]);
    }
  }
  return r;
}

/// A bound on Σ_a p_a |ĝ_a,i (computed) - ĝ_a,i (exact)| for scg and dice:order=1, whose sample is
/// ĝ = Σ_w ∇log p(w | DEPS_w) weight_w + ∇Σ_c c, weight_w = Q̂_w - b_w. Under the graph oracle's
/// rounding model (each node within 4ε relative per node on its path, N nodes; graph_exact.cpp)
/// each product and partial derivative is within (4N + 8)ε of its magnitude, and the weighted sum
/// over S stochastic nodes adds Sε of it, so the error is at most (4N + 8 + S)ε times
///   M_a,i = Σ_w |∂_i log p(w | DEPS_w)| (|Q̂_w| + B_w) + |∂_i Σ_c c|,
/// with B_w ≥ |b_w|: 0 (none), |B| (a constant), max_a |Q̂_w(a)| (conditional: b_w is an average of
/// Q̂_w). The per-node scores are surrogate_gradient with unit weights (and no cost term).
std::vector<double> sample_rounding_bound(const Estimator& e, const Model& m) {
  const Graph& g = *graph_of(*m.problem);
  const std::size_t d = m.theta_dim(), S = g.stochastic.size();
  const std::string& spec = e.info().spec;
  const bool all = spec.find("credit=all") != std::string::npos;
  const bool conditional = spec.find("baseline=conditional") != std::string::npos;
  double constant = 0.0;
  if (const auto at = spec.find("baseline="); at != std::string::npos && !conditional)
    constant = std::abs(std::stod(spec.substr(at + 9)));
  std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size()), q(S), unit(S), grad(d);
  std::vector<double> bmax(S, constant);
  if (conditional)
    for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
      assignment(g, a, choice);
      evaluate_values(g, m.theta, choice, values);
      graph_credit(g, values, all, q);
      for (std::size_t k = 0; k < S; ++k) bmax[k] = std::max(bmax[k], std::abs(q[k]));
    }
  const double gamma = (4.0 * static_cast<double>(g.nodes.size()) + 8.0 + static_cast<double>(S)) * kEps;
  std::vector<double> total(d, 0.0);
  for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
    assignment(g, a, choice);
    const double p = std::exp(evaluate_values(g, m.theta, choice, values));
    graph_credit(g, values, all, q);
    std::fill(unit.begin(), unit.end(), 0.0);
    surrogate_gradient(g, m.theta, choice, unit, 1.0, grad);  // ∇Σ_c c
    std::vector<double> mag(d);
    for (std::size_t i = 0; i < d; ++i) mag[i] = std::abs(grad[i]);
    for (std::size_t k = 0; k < S; ++k) {
      unit[k] = 1.0;
      surrogate_gradient(g, m.theta, choice, unit, 0.0, grad);  // ∇log p(w_k | DEPS)
      unit[k] = 0.0;
      for (std::size_t i = 0; i < d; ++i) mag[i] += std::abs(grad[i]) * (std::abs(q[k]) + bmax[k]);
    }
    for (std::size_t i = 0; i < d; ++i) total[i] += gamma * p * mag[i];
  }
  for (double& t : total) t *= 1.0 + 1e-6;  // the bound's own sums (second order)
  return total;
}

TEST(GraphMoments, ValueAtAssignmentIsTheSampleAtItsDraws) {
  for (const Case& c : cases())
    for (const std::string spec : {"scg", "scg:baseline=conditional,credit=all", "dice:order=1", "dice:order=2",
                                    "mutant/scg-last-credit"}) {
      const Prepared s = prepared(c.problem, spec, c.theta);
      const Graph& g = *graph_of(*s.problem);
      const std::size_t out = output_dim(s.estimator->info(), s.model.theta_dim());
      std::vector<double> scratch(s.estimator->scratch_size(s.model)), drawn(out), at(out);
      std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size());
      ASSERT_TRUE(s.estimator->samples_graph_assignment());
      for (std::uint64_t i = 0; i < 50; ++i) {
        Noise n1(7, 3, i), n2(7, 3, i);
        s.estimator->sample(s.model, n1, scratch, drawn);
        sample_graph(g, s.model.theta, n2, choice, values);
        s.estimator->value_at_assignment(s.model, choice, scratch, at);
        for (std::size_t k = 0; k < out; ++k)
          ASSERT_EQ(std::bit_cast<std::uint64_t>(drawn[k]), std::bit_cast<std::uint64_t>(at[k]))
              << spec << " on " << c.problem << " sample " << i << " coordinate " << k;
      }
    }
}

TEST(GraphMoments, ExactMeanIsTheGradientForEveryUnbiasedOption) {
  for (const Case& c : cases())
    for (const std::string& spec : kUnbiased) {
      const Prepared s = prepared(c.problem, spec, c.theta);
      const auto mo = exact_estimator_moments(*s.estimator, s.model);
      ASSERT_TRUE(mo.has_value()) << spec << " on " << c.problem;
      const auto mean = exact_estimator_mean(*s.estimator, s.model);  // the same numbers
      ASSERT_TRUE(mean.has_value());
      EXPECT_EQ(mean->mean, mo->mean);
      EXPECT_EQ(mean->error, mo->mean_error);
      const ExactGradient exact = exact_graph_gradient(s.model);
      const std::vector<double> rounding = sample_rounding_bound(*s.estimator, s.model);
      for (std::size_t i = 0; i < exact.gradient.size(); ++i) {
        EXPECT_LE(std::abs(mo->mean[i] - exact.gradient[i]), mo->mean_error[i] + exact.error[i] + rounding[i])
            << spec << " on " << c.problem << " coordinate " << i << ": " << mo->mean[i] << " vs "
            << exact.gradient[i];
        EXPECT_GE(mo->variance[i] + mo->variance_error[i], 0.0) << spec << " on " << c.problem;
      }
    }
}

// DiCE's Hessian sample: its per-assignment terms are the oracle's own (products of the
// derivatives of log p and of the costs along the same directions, grouped per cost instead of
// per direction), so its rounding is within the oracle's bound of the same terms: tolerance = the
// moments' bound + twice the Hessian oracle's.
TEST(GraphMoments, DiceOrderTwoExactMeanIsTheHessian) {
  for (const Case& c : cases()) {
    if (c.theta.size() > 8) continue;  // grid: 136 Hessian entries; covered by the mean's LD check
    const Prepared s = prepared(c.problem, "dice:order=2", c.theta);
    const auto mo = exact_estimator_moments(*s.estimator, s.model);
    ASSERT_TRUE(mo.has_value()) << c.problem;
    const ExactGradient h = exact_graph_hessian(s.model);
    ASSERT_EQ(mo->mean.size(), h.gradient.size());
    for (std::size_t i = 0; i < h.gradient.size(); ++i)
      EXPECT_LE(std::abs(mo->mean[i] - h.gradient[i]), mo->mean_error[i] + 2.0 * h.error[i])
          << c.problem << " entry " << i << ": " << mo->mean[i] << " vs " << h.gradient[i];
  }
}

// The oracle's sums against a sequential long-double enumeration of the same samples: they differ
// by the oracle's rounding (within its bounds) and the long-double sums' own, at most
// count · 2^-63 relative to Σ|terms| (first order), which the tolerance adds.
TEST(GraphMoments, MomentsEqualALongDoubleEnumeration) {
  const double ld = std::numeric_limits<long double>::epsilon();
  for (const Case& c : cases())
    for (const std::string spec : {"scg", "scg:baseline=conditional", "scg:baseline=0.7,credit=all", "dice:order=1",
                                    "dice:order=2", "mutant/scg-baseline-uses-sample", "mutant/dice-first-order"}) {
      if (spec.starts_with("dice:order=2") && c.theta.size() > 8) continue;
      const Prepared s = prepared(c.problem, spec, c.theta);
      const auto mo = exact_estimator_moments(*s.estimator, s.model);
      ASSERT_TRUE(mo.has_value()) << spec << " on " << c.problem;
      const LongDoubleMoments ref = long_double_moments(*s.estimator, s.model);
      const double count = static_cast<double>(assignment_count(*graph_of(*s.problem)));
      for (std::size_t i = 0; i < mo->mean.size(); ++i) {
        const long double var = ref.s2[i] - ref.s1[i] * ref.s1[i];
        const double tol1 = mo->mean_error[i] + 2.0 * count * ld * static_cast<double>(ref.abs1[i]);
        const double tol2 = mo->variance_error[i] +
                            4.0 * count * ld * static_cast<double>(ref.s2[i] + ref.s1[i] * ref.s1[i]);
        EXPECT_LE(std::abs(static_cast<long double>(mo->mean[i]) - ref.s1[i]), tol1)
            << spec << " on " << c.problem << " coordinate " << i;
        EXPECT_LE(std::abs(static_cast<long double>(mo->variance[i]) - var), tol2)
            << spec << " on " << c.problem << " coordinate " << i << ": " << mo->variance[i] << " vs "
            << static_cast<double>(var);
      }
    }
}

// Every graph mutant on the problem its catalogue entry names has exact moments, and its exact
// mean misses the target by more than the bounds (its bias is then exact); scg-relax and its
// mutant have Gumbel noise besides the graph's draws, so none.
TEST(GraphMoments, MutantsHaveExactMomentsAndAnExactBias) {
  int seen = 0;
  for (const MutantInfo& info : mutant_catalogue()) {
    auto e = make_mutant(info.name);
    if (!e->samples_graph_assignment()) continue;
    ++seen;
    const auto p = make_problem(info.fails_on);
    e->check(*p);
    const Model m = make_model(*p, info.theta);
    e->prepare(m);
    const auto mo = exact_estimator_moments(*e, m);
    ASSERT_TRUE(mo.has_value()) << info.name;
    const ExactGradient target = exact_target(*e, m);
    double worst = 0.0;  // the largest bias in units of its bound
    for (std::size_t i = 0; i < target.gradient.size(); ++i) {
      // The rounding of the sample itself is at most the target's bound here (it is 1e-15 of
      // the values); a bias counts when it exceeds the moments' and twice the target's bound.
      const double bound = mo->mean_error[i] + 2.0 * target.error[i];
      worst = std::max(worst, std::abs(mo->mean[i] - target.gradient[i]) / bound);
    }
    EXPECT_GT(worst, 1e6) << info.name << " should be exactly biased";
  }
  EXPECT_EQ(seen, 4);  // scg-baseline-uses-sample, scg-missing-score, scg-last-credit, dice-first-order
}

TEST(GraphMoments, NoneWhereTheNoiseIsNotTheGraphsDraws) {
  {
    const Prepared s = prepared("scg-fig1c", "scg-relax", {0.5});
    EXPECT_FALSE(s.estimator->samples_graph_assignment());
    EXPECT_FALSE(exact_estimator_moments(*s.estimator, s.model).has_value());
  }
  {
    const Prepared s = prepared("scg-gauss", "scg", {0.3, -0.2});  // a gaussian node
    EXPECT_FALSE(exact_estimator_moments(*s.estimator, s.model).has_value());
  }
  const auto p = make_problem("scg-fig1c");
  const std::vector<double> theta{0.5};
  const Model m = make_model(*p, theta);
  auto relax = make_estimator("scg-relax");
  relax->prepare(m);
  std::vector<double> choice(graph_of(*p)->nodes.size(), 0.0), scratch(relax->scratch_size(m)), g(1);
  EXPECT_THROW(relax->value_at_assignment(m, choice, scratch, g), std::logic_error);
}

// Issue 18: with the t-test, `verify mdp:states=4,horizon=4,slip=0.1 scg --theta 4,-4,...` failed
// the correct estimator at seeds 1, 2 and 3 (10^6 samples; at 10^5 too): the gradient's mass sits
// on rare trajectories. With the exact variance, auto picks the Catoni test, valid at any n, so
// 10^5 samples (about 3 s each on 2 cores) check the same claim; the CLI's default 10^6 (about
// 30 s each) passes at those seeds too (docs/graphs.md).
TEST(GraphMoments, MdpWithRareTrajectoriesPassesCatoniAtSeedsOneTwoThree) {
  const auto problem = make_problem("mdp:states=4,horizon=4,slip=0.1");
  for (std::uint64_t seed : {1, 2, 3}) {
    auto est = make_estimator("scg");
    VerifyRequest q;
    q.problem = problem.get();
    q.estimator = est.get();
    q.theta = {4, -4, 4, -4, 4, -4, 4, -4};
    q.run.samples = 100'000;
    q.run.seed = seed;
    q.test.alpha = budget::kGraphMoments / 3;
    const VerifyReport r = verify(q);
    ASSERT_TRUE(r.estimator_moments.has_value());
    EXPECT_TRUE(r.test.method.starts_with("Catoni")) << r.test.method;
    EXPECT_EQ(r.test.verdict, Verdict::pass) << "seed " << seed << ": " << r.test.reason;
  }
}

}  // namespace
}  // namespace estcheck
