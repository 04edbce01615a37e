// tests/test_certified_graph.cpp — the graph oracle's certified route (issue 14;
// verify/oracles/certified/graph.hpp, dispatched from verify/oracles/graph_exact.cpp):
// - on the catalogue's discrete graphs the objective, gradient and Hessian are certified, the ball
//   enclosures contain an independent 256-bit reference (tests/graph_reference.hpp: Arb power
//   series over its own walk of the graph), and the double figures lie within their stated bounds
//   of it;
// - extremes: logits ±30 through affine, sigmoid, tanh, softplus, exp/log and categorical nodes;
// - the graph estimators' exact moments are certified and contain the reference sums of the same
//   samples;
// - the balls and bounds are the same bits for 1 and 2 threads;
// - where the double code overflows (Boost's fvar tanh past 355, e^800 · σ(-800)) the figures are
//   finite and certified;
// - a gaussian graph stays estimated, and its quadrature stops at the deadline; a route predicted
//   past the budget falls back to estimated with the reason; a clock's deadline turns the figure
//   unknown.
// Tolerances are the oracle's stated bounds; containment is Arb's own test (arb_contains).
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/graph_reference.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/graph.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace estcheck {
namespace {

using certified::Ball;

struct Case {
  std::string problem;
  std::vector<double> theta;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"scg-fig1a", {0.3}},
      {"scg-fig1b", {-0.7}},
      {"scg-fig1c", {-2.0}},
      {"scg-fig1d", {0.3, 0.2}},
      {"scg-fig1e", {0.3, -0.5}},
      {"sbn", {0.1, -0.2, 0.5, -1, 1, 0.3, 0, 0.2}},
      {"mdp:states=3,horizon=3,slip=0.2", {0, 0.5, 0, 0.3, -0.2, 0}},
      {"mdp:states=4,horizon=4,slip=0.1", {4, -4, 4, -4, 4, -4, 4, -4}},
      {"cartpole:horizon=5,start=falling", {0.3, -0.2, 1.5, 0.8, -0.1}},  // sin, cos, divide, inside
  };
  return c;
}

/// |x - every point of ref| <= bound, proven (the reference's radius included).
void expect_within(double x, double bound, const Ball& ref, const std::string& what) {
  EXPECT_LE(certified::distance_bound(x, ref), bound) << what << ": " << x << " vs " << ref.str();
}

void expect_contains(const Ball& enclosure, const Ball& ref, const std::string& what) {
  EXPECT_TRUE(arb_contains(enclosure.get(), ref.get())) << what << ": " << enclosure.str() << " vs " << ref.str();
}

/// Every check of one graph at one θ: certificates, enclosures ⊇ reference, doubles within bounds.
void check_graph(const Problem& problem, const std::vector<double>& theta, bool hessian, const std::string& what) {
  const Graph& g = *graph_of(problem);
  const Model m = make_model(problem, theta);
  const reference::Figures ref = reference::figures(g, theta, hessian);
  const std::size_t d = theta.size();

  const ExactGradient grad = exact_graph_gradient(m);
  ASSERT_TRUE(grad.certificate.certified()) << what << ": " << describe(grad.certificate);
  expect_within(grad.objective, grad.objective_error, ref.objective, what + " L");
  for (std::size_t i = 0; i < d; ++i)
    expect_within(grad.gradient[i], grad.error[i], ref.gradient[i], what + " dL/dθ" + std::to_string(i));
  const std::vector<Ball> b1 = certified::graph_derivative_sums(g, theta, 1, 0);
  expect_contains(b1[0], ref.objective, what + " L enclosure");
  for (std::size_t i = 0; i < d; ++i) expect_contains(b1[1 + i], ref.gradient[i], what + " gradient enclosure");
  if (!hessian) return;

  const ExactGradient h = exact_graph_hessian(m);
  ASSERT_TRUE(h.certificate.certified()) << what << ": " << describe(h.certificate);
  const std::vector<Ball> b2 = certified::graph_derivative_sums(g, theta, 2, 0);
  for (std::size_t k = 0; k < d * (d + 1) / 2; ++k) {
    expect_within(h.gradient[k], h.error[k], ref.hessian[k], what + " H entry " + std::to_string(k));
    expect_contains(b2[1 + k], ref.hessian[k], what + " H enclosure " + std::to_string(k));
  }
}

TEST(CertifiedGraph, CatalogueFiguresContainTheReference) {
  for (const Case& c : cases()) {
    const auto p = make_problem(c.problem);
    check_graph(*p, c.theta, c.theta.size() <= 8, c.problem);
  }
}

/// θ → l = 30θ → every op the forward pass has, at logits ±30 (θ = ±1) and near 0.
Graph extreme_graph() {
  std::vector<GraphNode> n;
  const auto add = [&](GraphNode node) {
    n.push_back(std::move(node));
    return n.size() - 1;
  };
  const auto op = [&](std::string name, Op o, std::vector<std::size_t> parents, NodeKind kind = NodeKind::deterministic) {
    GraphNode node;
    node.name = std::move(name);
    node.kind = kind;
    node.op = o;
    node.parents = std::move(parents);
    return add(std::move(node));
  };
  GraphNode th;
  th.name = "theta";
  th.kind = NodeKind::param;
  const auto t = add(th);
  GraphNode l;
  l.name = "l";
  l.kind = NodeKind::deterministic;
  l.op = Op::affine;
  l.parents = {t};
  l.weights = {30.0};
  const auto logit = add(l);
  GraphNode y;
  y.name = "y";
  y.kind = NodeKind::bernoulli;
  y.parents = {logit};
  const auto yy = add(y);
  const auto s = op("s", Op::sigmoid, {logit});
  const auto th2 = op("tanh", Op::tanh, {logit});
  const auto sp = op("sp", Op::softplus, {logit});
  const auto nl = op("neg", Op::neg, {logit});
  GraphNode zero;
  zero.name = "zero";
  zero.kind = NodeKind::constant;
  const auto z = add(zero);
  GraphNode cat;
  cat.name = "c";
  cat.kind = NodeKind::categorical;
  cat.parents = {logit, nl, z};
  const auto c = add(cat);
  GraphNode y2;
  y2.name = "y2";
  y2.kind = NodeKind::bernoulli;
  y2.parents = {s};  // a logit in (0, 1)
  const auto yy2 = add(y2);
  const auto e = op("e", Op::exp, {nl});
  const auto lg = op("lg", Op::log, {sp});
  op("cost1", Op::product, {s, yy}, NodeKind::cost);
  GraphNode c2;
  c2.name = "cost2";
  c2.kind = NodeKind::cost;
  c2.op = Op::affine;
  c2.parents = {th2, sp, yy2, lg};
  c2.weights = {1.0, 0.01, 2.0, -0.5};
  c2.bias = 0.25;
  add(c2);
  op("cost3", Op::select, {c, s, th2, e}, NodeKind::cost);
  op("cost4", Op::square, {th2}, NodeKind::cost);
  return make_graph("extreme", std::move(n));
}

TEST(CertifiedGraph, LogitsThirtyThroughEveryOp) {
  const auto g = std::make_shared<const Graph>(extreme_graph());
  const GraphProblem problem("extreme", g);
  for (double theta : {-1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0})
    check_graph(problem, {theta}, true, "extreme graph at θ = " + std::to_string(theta));
}


/// θ → l = w θ → f(l) as a cost, with y ~ Bern(σ(θ)) as the stochastic node (cost f(l) · y).
Graph overflow_graph(double w, Op op) {
  std::vector<GraphNode> n(1);
  n[0].name = "theta";
  n[0].kind = NodeKind::param;
  GraphNode l = graph_node("l", NodeKind::deterministic, Op::affine, {0});
  l.weights = {w};
  n.push_back(l);
  n.push_back(graph_node("y", NodeKind::bernoulli, Op::identity, {0}));
  if (op == Op::tanh) {
    n.push_back(graph_node("t", NodeKind::deterministic, Op::tanh, {1}));
  } else {  // e^l σ(-l) = σ(l): the double code's e^800 · σ(-800) is inf · 0
    n.push_back(graph_node("e", NodeKind::deterministic, Op::exp, {1}));
    n.push_back(graph_node("m", NodeKind::deterministic, Op::neg, {1}));
    n.push_back(graph_node("s", NodeKind::deterministic, Op::sigmoid, {4}));
    n.push_back(graph_node("t", NodeKind::deterministic, Op::product, {3, 5}));
  }
  n.push_back(graph_node("c", NodeKind::cost, Op::product, {n.size() - 1, 2}));
  return make_graph("overflow", std::move(n));
}

// Boost's fvar tanh, (e^{2x} - 1)/(e^{2x} + 1), was NaN past x ≈ 355: the Hessian and DiCE's
// order-2 sample at tanh(400 θ) are finite now (graph_eval.hpp's tanh_t), and certified.
TEST(CertifiedGraph, TanhPastOverflowIsFinite) {
  const GraphProblem problem("tanh400", std::make_shared<const Graph>(overflow_graph(400.0, Op::tanh)));
  check_graph(problem, {1.0}, true, "tanh(400 θ) at θ = 1");
  auto e = make_estimator("dice:order=2");
  e->check(problem);
  const std::vector<double> theta = {1.0};
  Model m = make_model(problem, theta);
  e->prepare(m);
  const auto mo = exact_estimator_moments(*e, m);
  ASSERT_TRUE(mo.has_value());
  EXPECT_TRUE(mo->certificate.certified()) << describe(mo->certificate);
  EXPECT_TRUE(std::isfinite(mo->mean[0]) && std::isfinite(mo->variance[0]));
}

// Where the double code overflows (e^800 · σ(-800) = inf · 0 = NaN), the figure is the enclosure's
// midpoint, certified with its radius.
TEST(CertifiedGraph, OverflowedDoubleFigureIsReplacedByTheEnclosure) {
  const GraphProblem problem("exp800", std::make_shared<const Graph>(overflow_graph(800.0, Op::exp)));
  const std::vector<double> theta = {1.0};
  const ExactGradient r = exact_graph_gradient(make_model(problem, theta));
  ASSERT_TRUE(r.certificate.certified()) << describe(r.certificate);
  EXPECT_NE(r.certificate.note.find("replaced"), std::string::npos) << r.certificate.note;
  const reference::Figures ref = reference::figures(*graph_of(problem), theta, false);
  expect_within(r.objective, r.objective_error, ref.objective, "L");
  expect_within(r.gradient[0], r.error[0], ref.gradient[0], "dL/dθ");
  // The replaced figure's bound: the midpoint's rounding to double (half an ulp) and Arb's radius.
  EXPECT_LE(r.objective_error, std::abs(r.objective) * std::numeric_limits<double>::epsilon());
}

TEST(CertifiedGraph, EstimatorMomentsContainTheReference) {
  for (const Case& c : cases())
    for (const std::string spec : {"scg", "scg:baseline=conditional,credit=all", "dice:order=1", "dice:order=2"}) {
      if (spec == "dice:order=2" && c.theta.size() > 4) continue;
      auto p = make_problem(c.problem);
      auto e = make_estimator(spec);
      e->check(*p);
      Model m = make_model(*p, c.theta);
      e->prepare(m);
      const auto mo = exact_estimator_moments(*e, m);
      ASSERT_TRUE(mo.has_value());
      ASSERT_TRUE(mo->certificate.certified()) << spec << " on " << c.problem << ": " << describe(mo->certificate);
      const Graph& g = *graph_of(*p);
      const std::size_t out = mo->mean.size();
      std::vector<Ball> s1(out), s2(out);
      std::vector<double> choice(g.nodes.size(), 0.0), scratch(e->scratch_size(m)), sample(out);
      for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
        assignment(g, a, choice);
        const Ball pa = reference::probability(g, c.theta, choice);
        e->value_at_assignment(m, choice, scratch, sample);
        for (std::size_t i = 0; i < out; ++i) {
          const Ball t = pa * Ball(sample[i]);
          reference::accumulate(s1[i], t);
          reference::accumulate(s2[i], t * Ball(sample[i]));
        }
      }
      for (std::size_t i = 0; i < out; ++i) {
        const std::string what = spec + " on " + c.problem + " coordinate " + std::to_string(i);
        expect_within(mo->mean[i], mo->mean_error[i], s1[i], what + " mean");
        expect_within(mo->variance[i], mo->variance_error[i], s2[i] - s1[i] * s1[i], what + " variance");
      }
    }
}

TEST(CertifiedGraph, SameBitsForAnyThreadCount) {
  const auto p = make_problem("mdp:states=3,horizon=6,slip=0.2");  // 4^6 assignments: 16 chunks
  const std::vector<double> theta = {0.2, -0.1, 0.4, 0.0, -0.3, 0.1};
  const Model m = make_model(*p, theta);
  const Graph& g = *graph_of(*p);
  ASSERT_GT(assignment_count(g), 1024u);
  const std::vector<Ball> one = certified::graph_derivative_sums(g, theta, 1, 1);
  const std::vector<Ball> two = certified::graph_derivative_sums(g, theta, 1, 2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(arb_equal(one[i].get(), two[i].get())) << i;
  const ExactGradient a = exact_graph_gradient(m, 1), b = exact_graph_gradient(m, 2);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.gradient, b.gradient);
}

TEST(CertifiedGraph, GaussianGraphStaysEstimated) {
  const auto p = make_problem("scg-gauss");
  const std::vector<double> theta = {0.3, -0.2};
  const ExactGradient r = exact_graph_gradient(make_model(*p, theta));
  EXPECT_EQ(r.certificate.certainty, Certainty::estimated);
  EXPECT_NE(r.certificate.note.find("Gauss-Kronrod"), std::string::npos) << r.certificate.note;
}

// The gaussian route (Gauss–Kronrod over x) checks the clock in its integrand: a 1 ms budget
// makes the figure unknown (budget exceeded) instead of running on.
TEST(CertifiedGraph, GaussianRouteStopsAtTheDeadline) {
  const double saved = oracle_seconds();
  set_oracle_seconds(1e-3);
  const auto p = make_problem("scg-gauss");
  const std::vector<double> theta = {0.3, -0.2};
  const Model m = make_model(*p, theta);
  ExactGradient r = exact_gradient(m);
  for (int i = 0; i < 20 && !r.certificate.unknown(); ++i) r = exact_gradient(m);  // a fast machine may finish
  set_oracle_seconds(saved);
  EXPECT_TRUE(r.certificate.unknown()) << describe(r.certificate);
}

TEST(CertifiedGraph, PredictedPastTheBudgetFallsBackToEstimated) {
  const double saved = oracle_seconds();
  set_oracle_seconds(1e-9);  // no clock running: the prediction is compared with this budget
  const auto p = make_problem("sbn");
  const std::vector<double> theta = {0.1, -0.2, 0.5, -1, 1, 0.3, 0, 0.2};
  const Model m = make_model(*p, theta);
  const ExactGradient r = exact_graph_gradient(m);
  set_oracle_seconds(saved);
  EXPECT_EQ(r.certificate.certainty, Certainty::estimated);
  EXPECT_NE(r.certificate.note.find("predicted"), std::string::npos) << r.certificate.note;
  EXPECT_TRUE(std::isfinite(r.objective));
}

TEST(CertifiedGraph, DeadlineGivesAnUnknownFigureInTime) {
  const double saved = oracle_seconds();
  set_oracle_seconds(0.2);
  const auto p = make_problem("grid:size=4,horizon=6");
  std::vector<double> theta(64, 0.1);
  const auto start = std::chrono::steady_clock::now();
  auto e = make_estimator("dice:order=2");
  e->check(*p);
  const Model m = make_model(*p, theta);
  const ExactGradient r = exact_target(*e, m);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  set_oracle_seconds(saved);
  EXPECT_NE(r.certificate.certainty, Certainty::certified) << describe(r.certificate);
  EXPECT_LT(took, 5.0);
}

}  // namespace
}  // namespace estcheck
