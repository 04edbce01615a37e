// estimators/problems/graph_builder.hpp — the C++ way to write a stochastic computation graph
// (Schulman et al. 2015): a node list built by add() in topological order, one helper per node
// shape, then make_graph() (estimators/problems/graph.hpp) checks it. Used by the built-in graphs
// (graph_problems.cpp: scg-fig1a..e, scg-gauss, sbn, mdp, grid) and Cart-Pole (cartpole.cpp).
#pragma once

#include "estimators/problems/graph.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {

struct GraphBuilder {
  std::vector<GraphNode> nodes;

  /// Appends `n`; returns its index (what later nodes name as a parent).
  std::size_t add(GraphNode n) {
    nodes.push_back(std::move(n));
    return nodes.size() - 1;
  }
  std::size_t param(std::string name) { return add(graph_node(std::move(name), NodeKind::param)); }
  std::size_t constant(std::string name, double value) {
    GraphNode n = graph_node(std::move(name), NodeKind::constant);
    n.value = value;
    return add(std::move(n));
  }
  std::size_t op(std::string name, Op o, std::vector<std::size_t> parents, NodeKind kind = NodeKind::deterministic) {
    return add(graph_node(std::move(name), kind, o, std::move(parents)));
  }
  /// bias + Σ w_i parent_i (graph_eval's order: bias first, then each term).
  std::size_t affine(std::string name, std::vector<std::size_t> parents, std::vector<double> w, double bias,
                     NodeKind kind = NodeKind::deterministic) {
    GraphNode n = graph_node(std::move(name), kind, Op::affine, std::move(parents));
    n.weights = std::move(w);
    n.bias = bias;
    return add(std::move(n));
  }
  std::size_t table(std::string name, std::vector<std::size_t> parents, std::vector<std::size_t> sizes,
                    std::vector<double> t, NodeKind kind = NodeKind::deterministic) {
    GraphNode n = graph_node(std::move(name), kind, Op::table, std::move(parents));
    n.sizes = std::move(sizes);
    n.table = std::move(t);
    return add(std::move(n));
  }
  /// 1 when |parent| <= bound, else 0 (Op::inside).
  std::size_t inside(std::string name, std::size_t parent, double bound) {
    GraphNode n = graph_node(std::move(name), NodeKind::deterministic, Op::inside, {parent});
    n.value = bound;
    return add(std::move(n));
  }
  std::size_t bernoulli(std::string name, std::size_t logit) {
    return add(graph_node(std::move(name), NodeKind::bernoulli, Op::identity, {logit}));
  }
  std::size_t gaussian(std::string name, std::size_t mean, std::size_t log_std) {
    return add(graph_node(std::move(name), NodeKind::gaussian, Op::identity, {mean, log_std}));
  }
  std::size_t categorical(std::string name, std::vector<std::size_t> logits) {
    return add(graph_node(std::move(name), NodeKind::categorical, Op::identity, std::move(logits)));
  }
};

}  // namespace estcheck
