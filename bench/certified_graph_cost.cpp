// bench/certified_graph_cost.cpp — the cost of the graph oracle's certified route (issue 14;
// verify/oracles/certified/graph.hpp) next to its double route: wall seconds of the gradient, the
// Hessian and scg's exact moments on catalogue graphs and on chains of k Bernoulli nodes
// (2^k joint assignments, k = 10..20). The double route alone is timed by a budget too small for the
// certified route (it then falls back to the double figures, estimated). Prints a table; asserts
// nothing. Usage: certified_graph_cost [max k] [threads]  (docs/oracles.md quotes its output).
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/graph_exact.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

using namespace estcheck;

namespace {

/// θ = (a, b); y_j ~ Bern(σ(a + b (j + 1)/k - 0.5)), j < k; costs Σ_j w_j y_j and (Σ_j y_j / k)².
Graph chain(int k) {
  std::vector<GraphNode> n;
  n.push_back(graph_node("a", NodeKind::param));
  n.push_back(graph_node("b", NodeKind::param));
  std::vector<std::size_t> ys;
  std::vector<double> w;
  for (int j = 0; j < k; ++j) {
    GraphNode l = graph_node("l" + std::to_string(j), NodeKind::deterministic, Op::affine, {0, 1});
    l.weights = {1.0, (j + 1.0) / k};
    l.bias = -0.5;
    n.push_back(l);
    n.push_back(graph_node("y" + std::to_string(j), NodeKind::bernoulli, Op::identity, {n.size() - 1}));
    ys.push_back(n.size() - 1);
    w.push_back(0.1 * ((j % 3) - 1.0) + 0.05);
  }
  GraphNode c = graph_node("c", NodeKind::cost, Op::affine, ys);
  c.weights = w;
  n.push_back(c);
  GraphNode s = graph_node("s", NodeKind::deterministic, Op::affine, ys);
  s.weights.assign(ys.size(), 1.0 / k);
  n.push_back(s);
  n.push_back(graph_node("c2", NodeKind::cost, Op::square, {n.size() - 1}));
  return make_graph("chain" + std::to_string(k), std::move(n));
}

double seconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void row(const std::string& name, const Problem& p, const std::vector<double>& theta, int threads, bool hessian) {
  const Model m = make_model(p, theta);
  auto e = make_estimator("scg");
  e->check(p);
  e->prepare(m);
  const std::uint64_t count = assignment_count(*graph_of(p));
  const auto both = [&](const std::function<std::string()>& f, double& dbl, double& cert, std::string& c) {
    set_oracle_seconds(1e-9);
    dbl = seconds([&] { f(); });
    set_oracle_seconds(1e6);
    cert = seconds([&] { c = f(); });
  };
  double gd = 0, gc = 0, hd = 0, hc = 0, md = 0, mc = 0;
  std::string cg, ch = "-", cm;
  both([&] { return std::string(to_string(exact_graph_gradient(m, threads).certificate.certainty)); }, gd, gc, cg);
  if (hessian)
    both([&] { return std::string(to_string(exact_graph_hessian(m, threads).certificate.certainty)); }, hd, hc, ch);
  both([&] { return std::string(to_string(exact_graph_estimator_moments(*e, m, threads)->certificate.certainty)); }, md,
       mc, cm);
  std::printf("| %-34s | %8llu | %3zu | %8.3f | %8.3f %-9s | %8.3f | %8.3f %-9s | %8.3f | %8.3f %-9s |\n", name.c_str(),
              static_cast<unsigned long long>(count), theta.size(), gd, gc, cg.c_str(), hd, hc, ch.c_str(), md, mc,
              cm.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const int max_k = argc > 1 ? std::atoi(argv[1]) : 16;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  std::printf("| graph | assignments | d | ∇L double s | ∇L certified s | ∇²L double s | ∇²L certified s | "
              "scg moments double s | certified s |\n");
  for (const char* spec : {"scg-fig1e", "sbn", "mdp:states=3,horizon=3,slip=0.2", "mdp:states=4,horizon=6,slip=0.1",
                           "grid:size=2,horizon=3,slip=0.2", "grid:size=4,horizon=6"}) {
    const auto p = make_problem(spec);
    std::vector<double> theta(p->theta_dim());
    for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = 0.1 * static_cast<double>(i % 5) - 0.2;
    row(spec, *p, theta, threads, theta.size() <= 16);
  }
  for (int k = 10; k <= max_k; k += 2) {
    const GraphProblem p("chain" + std::to_string(k), std::make_shared<const Graph>(chain(k)));
    row("chain of " + std::to_string(k) + " Bernoulli nodes", p, {0.3, -0.4}, threads, true);
  }
}
