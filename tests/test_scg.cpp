// tests/test_scg.cpp — estimators/scg*.{hpp,cpp} and verify/oracles/graph_exact.hpp, deterministic parts:
// graph checks, the exact oracle against hand-derived values (docs/graphs.md) and against Boost's
// finite differences of the exact objective (tolerance = Boost's own error estimate of the
// difference quotient + the oracle's rounding bounds), the Hessian oracle against finite
// differences of the exact gradient, JSON graphs equal to the C++ ones, the estimators' checks
// (graph estimators on graphs only, the others never on graphs), and DiCE's order-1 samples equal
// to scg's. No Monte Carlo assertion here: tests/test_scg_verify.cpp has those.
#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/problems/graph_problems.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/harness/harness.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

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
      {"scg-fig1d", {0.3, 0.2}},
      {"scg-fig1e", {0.3, -0.5}},
      {"sbn", {0.1, -0.2, 0.5, -1, 1, 0.3, 0, 0.2}},
      {"mdp:states=3,horizon=3,slip=0.2", {0, 0.5, 0, 0.3, -0.2, 0}},
      {"mdp", {0, 0.5, 0, 0.3, -0.2, 0, 0, 1}},
      {ESTCHECK_SOURCE_DIR "/examples/chain2.json", {0.2, -0.4, 0.3}},
      {"scg-gauss", {0.3, -0.2}},
      {"grid:size=2,horizon=3,slip=0.2", {0.1, -0.2, 0.3, 0, 0.5, 0.1, -0.4, 0.2, 0, 0, 0.3, -0.1, 0.2, 0.4, -0.3, 0}},
      {ESTCHECK_SOURCE_DIR "/examples/gauss_quadratic.json", {0.4, -0.3}},
  };
  return c;
}

ExactGradient exact_at(const Problem& p, const std::vector<double>& theta) {
  return exact_gradient(make_model(p, theta));
}


TEST(ScgGraph, RejectsMalformedGraphs) {
  // A parent after its child.
  EXPECT_THROW(make_graph("g", {graph_node("t", NodeKind::param), graph_node("x", NodeKind::bernoulli, Op::identity, {2}),
                                graph_node("f", NodeKind::cost, Op::identity, {1})}),
               InputError);
  // A cost used as a parent.
  EXPECT_THROW(make_graph("g", {graph_node("t", NodeKind::param), graph_node("f", NodeKind::cost, Op::identity, {0}),
                                graph_node("x", NodeKind::bernoulli, Op::identity, {1})}),
               InputError);
  // No cost.
  EXPECT_THROW(make_graph("g", {graph_node("t", NodeKind::param), graph_node("x", NodeKind::bernoulli, Op::identity, {0})}),
               InputError);
  // A table indexed by a continuous node.
  GraphNode t = graph_node("f", NodeKind::cost, Op::table, {0});
  t.sizes = {2};
  t.table = {1, 2};
  EXPECT_THROW(make_graph("g", {graph_node("t", NodeKind::param), t}), InputError);
  // Repeated names.
  EXPECT_THROW(make_graph("g", {graph_node("t", NodeKind::param), graph_node("t", NodeKind::cost, Op::identity, {0})}),
               InputError);
}

TEST(ScgGraph, DownstreamCostsAndUpstreamNodes) {
  const Graph g = builtin_graph("scg-fig1e");
  ASSERT_EQ(g.stochastic.size(), 2u);
  ASSERT_EQ(g.costs.size(), 2u);
  EXPECT_EQ(g.downstream_costs[0].size(), 2u);  // x1 influences f1 and (through x2) f2
  EXPECT_EQ(g.downstream_costs[1].size(), 1u);  // x2 influences f2 only
  EXPECT_EQ(g.upstream_stochastic[0].size(), 1u);
  EXPECT_EQ(g.upstream_stochastic[1].size(), 2u);
  EXPECT_EQ(assignment_count(g), 6u);
}

// L(θ) and ∇L(θ) worked out by hand (docs/graphs.md), compared within the oracle's bound plus the
// rounding of the hand formula (a few operations: 16ε relative).
TEST(ScgExact, MatchesHandDerivedValues) {
  const auto check = [](const std::string& spec, std::vector<double> theta, double L, std::vector<double> grad) {
    const auto p = make_problem(spec);
    const ExactGradient e = exact_at(*p, theta);
    EXPECT_NEAR(e.objective, L, e.objective_error + 16 * kEps * std::abs(L)) << spec;
    for (std::size_t i = 0; i < grad.size(); ++i)
      EXPECT_NEAR(e.gradient[i], grad[i], e.error[i] + 16 * kEps * std::abs(grad[i])) << spec << " " << i;
  };
  const double t = 0.3;
  {  // (a) L = 0.5 + 1.5 σ(2θ-1), L' = 3 σ(2θ-1) σ(1-2θ)
    const double s = sigmoid(2 * t - 1);
    check("scg-fig1a", {t}, 0.5 + 1.5 * s, {3 * s * sigmoid(1 - 2 * t)});
  }
  {  // (b) L = 1 + 15 σ(θ), L' = 15 σ(θ) σ(-θ)
    check("scg-fig1b", {t}, 1 + 15 * sigmoid(t), {15 * sigmoid(t) * sigmoid(-t)});
  }
  {  // (c) P(y=1) = σ(θ)σ(1) + σ(-θ)σ(-1); L = 1 - 3 P(y=1); L' = -3 σ(θ)σ(-θ)(σ(1) - σ(-1))
    const double py = sigmoid(t) * sigmoid(1.0) + sigmoid(-t) * sigmoid(-1.0);
    check("scg-fig1c", {t}, 1 - 3 * py, {-3 * sigmoid(t) * sigmoid(-t) * (sigmoid(1.0) - sigmoid(-1.0))});
  }
  {  // (d) L = σ(a)(1-b)² + σ(-a)b², ∂a = σ(a)σ(-a)(1 - 2b), ∂b = 2(b - σ(a))
    const double a = 0.3, b = 0.2;
    check("scg-fig1d", {a, b}, sigmoid(a) * (1 - b) * (1 - b) + sigmoid(-a) * b * b,
          {sigmoid(a) * sigmoid(-a) * (1 - 2 * b), 2 * (b - sigmoid(a))});
  }
}

// The chain MDP without slip under the uniform policy (S = 4, H = 4, from state 0): of the 16
// action sequences, RRRR spends 2 steps at state 3, RRRL and LRRR one each: L = -(2 + 1 + 1)/16.
TEST(ScgExact, ChainMdpObjectiveByHand) {
  const auto p = make_problem("mdp:states=4,horizon=4,slip=0");
  const ExactGradient e = exact_at(*p, std::vector<double>(8, 0.0));
  EXPECT_NEAR(e.objective, -0.25, e.objective_error + 4 * kEps);
  EXPECT_EQ(e.support_points, 16u);
}

// The 4×4 gridworld without slip under the uniform policy reaches (3, 3) from (0, 0) in H = 6
// steps only by the C(6, 3) = 20 orderings of 3 rights and 3 downs, each of probability 4^-6,
// and only at the last step: L = -20/4096. On the 2×2 grid with H = 2: right-down and down-right.
TEST(ScgExact, GridworldObjectiveByHand) {
  const ExactGradient big = exact_at(*make_problem("grid:size=4,horizon=6"), std::vector<double>(64, 0.0));
  EXPECT_NEAR(big.objective, -20.0 / 4096.0, big.objective_error + 4 * kEps);
  const ExactGradient small = exact_at(*make_problem("grid:size=2,horizon=2"), std::vector<double>(16, 0.0));
  EXPECT_NEAR(small.objective, -2.0 / 16.0, small.objective_error + 4 * kEps);
}

// A gaussian node, by quadrature: L = (μ-1)² + e^{2s}, ∇L = (2(μ-1), 2e^{2s}),
// ∇²L = [[2, 0], [0, 4e^{2s}]] (gaussian-quadratic:d=1,c=1 written as a graph).
TEST(ScgExact, GaussianNodeMatchesHandDerivedValues) {
  const auto p = make_problem(ESTCHECK_SOURCE_DIR "/examples/gauss_quadratic.json");
  const double mu = 0.4, s = -0.3, v = std::exp(2 * s);
  const Model m = make_model(*p, std::vector<double>{mu, s});
  const ExactGradient e = exact_gradient(m);
  EXPECT_EQ(e.method, ExactMethod::quadrature);
  const auto tol = [](double x, double bound) { return bound + 16 * kEps * std::abs(x); };
  EXPECT_NEAR(e.objective, (mu - 1) * (mu - 1) + v, tol(e.objective, e.objective_error));
  EXPECT_NEAR(e.gradient[0], 2 * (mu - 1), tol(e.gradient[0], e.error[0]));
  EXPECT_NEAR(e.gradient[1], 2 * v, tol(e.gradient[1], e.error[1]));
  const ExactGradient h = exact_graph_hessian(m);
  EXPECT_NEAR(h.gradient[upper_index(0, 0, 2)], 2.0, tol(2.0, h.error[0]));
  EXPECT_NEAR(h.gradient[upper_index(0, 1, 2)], 0.0, h.error[1] + 16 * kEps);
  EXPECT_NEAR(h.gradient[upper_index(1, 1, 2)], 4 * v, tol(4 * v, h.error[2]));
}

TEST(ScgExact, AtMostOneGaussianNodeAndEnumeratingEstimatorsRefuseThem) {
  const nlohmann::json two = nlohmann::json::parse(R"({"nodes": [{"name": "m", "type": "param"},
      {"name": "x", "type": "gaussian", "parents": ["m", "m"]}, {"name": "y", "type": "gaussian", "parents": ["x", "m"]},
      {"name": "f", "type": "cost", "op": "square", "parents": ["y"]}]})");
  const GraphProblem p("two", std::make_shared<const Graph>(graph_from_json(two, "two.json")));
  EXPECT_THROW(exact_gradient(make_model(p, std::vector<double>{0.1})), InputError);
  const auto g = make_problem("scg-gauss");
  const Model m = make_model(*g, std::vector<double>{0.3, -0.2});
  EXPECT_THROW(make_estimator("scg:baseline=conditional")->prepare(m), InputError);
  EXPECT_THROW(make_estimator("scg-relax")->prepare(m), InputError);
}

// Central differences of the exact objective (Boost's 6th-order stencil, which also returns an
// error estimate of the quotient): |FD - ∇L| <= Boost's estimate + the oracle's gradient bound
// + the objective bound propagated through the stencil (Σ|w_k|/h with Σ|w_k| < 3 for order 6).
TEST(ScgExact, GradientMatchesFiniteDifferences) {
  for (const auto& c : cases()) {
    const auto p = make_problem(c.problem);
    const ExactGradient e = exact_at(*p, c.theta);
    for (std::size_t i = 0; i < c.theta.size(); ++i) {
      auto f = [&](double x) {
        auto th = c.theta;
        th[i] = x;
        return exact_at(*p, th).objective;
      };
      double fd_error = 0;
      const double fd =
          boost::math::differentiation::finite_difference_derivative<decltype(f), double, 6>(f, c.theta[i], &fd_error);
      const double h = std::pow(kEps, 1.0 / 7.0) * std::max(1.0, std::abs(c.theta[i]));
      EXPECT_NEAR(e.gradient[i], fd, fd_error + e.error[i] + 3.0 * e.objective_error / h) << c.problem << " " << i;
    }
  }
}

// The Hessian oracle: diagonal and off-diagonal entries against finite differences of the exact
// gradient (same tolerance recipe), and the objective equal to the gradient oracle's.
TEST(ScgExact, HessianMatchesFiniteDifferencesOfTheGradient) {
  for (const auto& c : cases()) {
    if (c.theta.size() > 6) continue;  // the 8-parameter graphs: covered by verify --order 2 on mdp below
    const auto p = make_problem(c.problem);
    const Model m = make_model(*p, c.theta);
    const ExactGradient h = exact_graph_hessian(m);
    const ExactGradient g = exact_gradient(m);
    EXPECT_NEAR(h.objective, g.objective, h.objective_error + g.objective_error);
    const std::size_t d = c.theta.size();
    std::map<std::vector<double>, ExactGradient> cache;  // the stencil's gradients, shared over i
    for (std::size_t j = 0; j < d; ++j) {
      std::vector<double> fd(d), fd_error(d);
      for (std::size_t i = 0; i < d; ++i) {
        auto f = [&](double x) {
          auto th = c.theta;
          th[j] = x;
          auto it = cache.find(th);
          if (it == cache.end()) it = cache.emplace(th, exact_at(*p, th)).first;
          return it->second.gradient[i];
        };
        fd[i] = boost::math::differentiation::finite_difference_derivative<decltype(f), double, 6>(f, c.theta[j],
                                                                                                 &fd_error[i]);
      }
      const double step = std::pow(kEps, 1.0 / 7.0) * std::max(1.0, std::abs(c.theta[j]));
      for (std::size_t i = 0; i < d; ++i) {
        const std::size_t k = upper_index(std::min(i, j), std::max(i, j), d);
        EXPECT_NEAR(h.gradient[k], fd[i], fd_error[i] + h.error[k] + 3.0 * g.error[i] / step)
            << c.problem << " H[" << i << "," << j << "]";
      }
    }
  }
}

TEST(ScgExact, JsonGraphGivesTheSameBitsAsTheBuiltIn) {
  const auto json = make_problem(ESTCHECK_SOURCE_DIR "/examples/fig1b.json");
  const auto builtin = make_problem("scg-fig1b");
  EXPECT_EQ(json->family(), Family::graph);
  for (double t : {-2.0, 0.3, 1.7}) {
    const ExactGradient a = exact_at(*json, {t}), b = exact_at(*builtin, {t});
    EXPECT_EQ(a.objective, b.objective);
    EXPECT_EQ(a.gradient, b.gradient);
  }
}

TEST(ScgExact, JsonErrorsNameTheNode) {
  const nlohmann::json bad = nlohmann::json::parse(
      R"({"nodes": [{"name": "t", "type": "param"}, {"name": "x", "type": "bernoulli", "parents": ["nope"]}]})");
  try {
    graph_from_json(bad, "g.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nodes[1]"), std::string::npos) << e.what();
  }
  const nlohmann::json op = nlohmann::json::parse(
      R"({"nodes": [{"name": "t", "type": "param"}, {"name": "f", "type": "cost", "op": "cube", "parents": ["t"]}]})");
  EXPECT_THROW(graph_from_json(op, "g.json"), InputError);
}

TEST(ScgEstimators, OnlyGraphEstimatorsRunOnGraphs) {
  const auto graph = make_problem("scg-fig1a");
  const auto toy = make_problem("toy");
  for (const auto& e : estimator_catalogue()) {
    const auto est = make_estimator(e.name);
    if (e.name == "scg" || e.name == "dice" || e.name == "scg-relax") {
      EXPECT_NO_THROW(est->check(*graph));
      EXPECT_THROW(est->check(*toy), InputError) << e.name;
    } else {
      EXPECT_THROW(est->check(*graph), InputError) << e.name;
    }
  }
  for (const auto& mi : mutant_catalogue()) {
    const auto est = make_estimator(mi.name);
    const bool graph_mutant = mi.fails_on.starts_with("scg") || mi.fails_on.starts_with("mdp");
    if (graph_mutant) EXPECT_THROW(est->check(*toy), InputError) << mi.name;
    else EXPECT_THROW(est->check(*graph), InputError) << mi.name;
  }
  try {
    make_estimator("reinforce")->check(*graph);
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("reinforce"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scg-fig1a"), std::string::npos) << msg;
  }
}

TEST(ScgEstimators, SpecsRoundTripAndBadValuesAreErrors) {
  EXPECT_EQ(make_estimator("scg")->info().spec, "scg");
  EXPECT_EQ(make_estimator("scg:baseline=conditional,credit=all")->info().spec, "scg:baseline=conditional,credit=all");
  EXPECT_EQ(make_estimator("scg:baseline=0.5")->info().spec, "scg:baseline=0.5");
  EXPECT_EQ(make_estimator("dice:order=2")->info().order, 2);
  EXPECT_THROW(make_estimator("scg:credit=upstream"), InputError);
  EXPECT_THROW(make_estimator("scg:baseline=x"), InputError);
  EXPECT_THROW(make_estimator("dice:order=3"), InputError);
  EXPECT_EQ(make_estimator("scg-relax")->info().spec, "scg-relax:temperature=0.5,eta=1");
  EXPECT_THROW(make_estimator("scg-relax:temperature=0"), InputError);
}

// DiCE's first derivative is Schulman's surrogate gradient: sample by sample on the same noise.
TEST(ScgEstimators, DiceOrderOneEqualsScgSampleBySample) {
  for (const auto& c : cases()) {
    const auto p = make_problem(c.problem);
    const Model m = make_model(*p, c.theta);
    const auto scg = make_estimator("scg"), dice = make_estimator("dice");
    std::vector<double> a(c.theta.size()), b(c.theta.size()), s1(scg->scratch_size(m)), s2(dice->scratch_size(m));
    for (std::uint64_t i = 0; i < 64; ++i) {
      draw_sample(*scg, m, 7, 0, i, s1, a);
      draw_sample(*dice, m, 7, 0, i, s2, b);
      for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-12 * (1 + std::abs(a[k]))) << c.problem;
    }
  }
}

// Credit on an MDP: the first decision influences every cost, so E[Q̂_{a_0}] = L exactly.
TEST(ScgEstimators, FirstDecisionIsCreditedWithEveryCost) {
  const auto p = make_problem("mdp:states=3,horizon=3,slip=0.2");
  const std::vector<double> theta{0, 0.5, 0, 0.3, -0.2, 0};
  const Model m = make_model(*p, theta);
  const ExactGradient e = exact_gradient(m);
  const Graph& g = *graph_of(*p);
  double mean_weight = 0;
  std::vector<double> choice(g.nodes.size());
  std::vector<double> values(g.nodes.size());
  for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
    assignment(g, a, choice);
    const double pa = std::exp(evaluate_values(g, theta, choice, values));
    double q = 0;
    for (std::size_t c : g.downstream_costs[0]) q += values[c];
    mean_weight += pa * q;
  }
  EXPECT_NEAR(mean_weight, e.objective, e.objective_error + 64 * kEps);
}

// scg-relax needs its action-value table: unprepared, every sample is NaN (verify reports an error).
TEST(ScgEstimators, UnpreparedRelaxFailsLoudly) {
  const auto p = make_problem("scg-fig1e");
  const Model m = make_model(*p, std::vector<double>{0.3, -0.5});
  const auto est = make_estimator("scg-relax");
  std::vector<double> s(est->scratch_size(m)), g(2);
  draw_sample(*est, m, 1, 0, 0, s, g);
  EXPECT_TRUE(std::isnan(g[0]));
  est->prepare(m);
  draw_sample(*est, m, 1, 0, 0, s, g);
  EXPECT_TRUE(std::isfinite(g[0]) && std::isfinite(g[1]));
}

// With η = 0 the RELAX form is the reward-to-go surrogate on Gumbel-max draws: compare it with
// scg's gradient at the same assignment (Gumbel noise only changes which assignment is drawn).
TEST(ScgEstimators, RelaxWithoutControlVariateIsTheSurrogate) {
  const auto p = make_problem("mdp:states=3,horizon=3,slip=0.2");
  const std::vector<double> theta{0, 0.5, 0, 0.3, -0.2, 0};
  const Model m = make_model(*p, theta);
  const Graph& g = *graph_of(*p);
  std::vector<double> choice(g.nodes.size());
  std::vector<double> values(g.nodes.size()), u(gumbel_size(g)), v(gumbel_size(g)), q(gumbel_size(g), 1.0),
      w(g.stochastic.size()), a(6), b(6);
  for (std::uint64_t i = 0; i < 32; ++i) {
    Noise noise(3, 0, i);
    sample_graph_gumbel(g, theta, noise, choice, values, u, v);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
      w[k] = 0;
      for (std::size_t c : g.downstream_costs[k]) w[k] += values[c];
    }
    relax_gradient(g, theta, choice, u, v, w, q, 0.5, 0.0, a);
    surrogate_gradient(g, theta, choice, w, 1.0, b);
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-12 * (1 + std::abs(b[k])));
  }
}

TEST(ScgEstimators, HessianSampleHasTheUpperTriangle) {
  const auto p = make_problem("scg-fig1d");
  const Model m = make_model(*p, std::vector<double>{0.3, 0.2});
  const auto est = make_estimator("dice:order=2");
  EXPECT_EQ(output_dim(est->info(), m.theta_dim()), 3u);
  std::vector<double> s(est->scratch_size(m)), h(3);
  draw_sample(*est, m, 1, 0, 0, s, h);
  for (double v : h) EXPECT_TRUE(std::isfinite(v));
  // ∂²/∂b² of (x - b)² is 2 whatever x, and the score of x does not involve b: H_bb = 2 exactly.
  EXPECT_NEAR(h[upper_index(1, 1, 2)], 2.0, 8 * kEps);
}

TEST(ScgExact, TooManyAssignmentsIsAnInputError) {
  // 4^6 trajectories is fine; the oracle refuses only past 2^24.
  const auto p = make_problem("mdp:states=2,horizon=6,slip=0.1");
  EXPECT_EQ(assignment_count(*graph_of(*p)), 4096u);
  EXPECT_THROW(make_problem("mdp:horizon=7"), InputError);
  EXPECT_THROW(exact_graph_gradient(make_model(*make_problem("toy"), std::vector<double>{0.0})), InputError);
}

}  // namespace
}  // namespace estcheck
