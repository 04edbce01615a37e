// estimators/problems/graph_eval.hpp — the one forward pass of a stochastic computation graph
// (estimators/problems/graph.hpp), templated on the scalar type T: double for sampling, Boost.Math's
// autodiff fvar<double, 1> and fvar<double, 2> for derivatives (graph.cpp), and the certified
// oracle's ball jets (verify/oracles/certified/graph.cpp), which is why it is a header.
//
// A scalar type T needs: construction from double, +, -, * with T and double, / with T, +=, *=,
// unary -, and exp, log, sin, cos, tanh_t, softplus, sigmoid_t, inside_t and val found by
// argument-dependent lookup or here (the generic softplus/sigmoid_t below use exp, log and
// division). inside_t(x, b) = 1[|x| <= b] is a branch on the value itself, not a choice among
// equal formulas: a scalar type that encloses values must decide it for every point of its
// enclosure or refuse (the certified jets throw certified::UndecidedBranch). `val` is used only to choose among
// mathematically equal formulas (softplus's and σ's branch, the categorical shift m) and to read
// discrete values (0, 1, k: exact in every scalar type), so a T that encloses values gets an
// enclosure of the same mathematical function.
#pragma once

#include "estimators/core/math.hpp"
#include "estimators/problems/graph.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace estcheck::graph_eval {

/// The value of a scalar as a double: branch decisions and discrete indices only (never used in
/// the result's arithmetic). Boost autodiff's fvar: its 0-th derivative; other scalar types (the
/// certified oracle's balls) provide their own `val`, found by argument-dependent lookup.
inline double val(double x) { return x; }
template <class T>
double val(const T& x) {
  return static_cast<double>(x.derivative(0));
}

inline std::size_t index_of(double v) { return static_cast<std::size_t>(std::lround(v)); }

// softplus(x) = log(1 + e^x) without overflow; for doubles with log1p, for fvar (Boost autodiff
// has no log1p) as log(1 + e^{-|x|}), whose absolute error is <= ε — what log-probabilities need.
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
template <class T>
T softplus(const T& x) {
  using std::exp;
  using std::log;
  return val(x) > 0 ? x + log(1.0 + exp(-x)) : log(1.0 + exp(x));
}
inline double sigmoid_t(double x) { return sigmoid(x); }
template <class T>
T sigmoid_t(const T& x) {
  using std::exp;
  if (val(x) >= 0) return 1.0 / (1.0 + exp(-x));
  const T e = exp(x);
  return e / (1.0 + e);
}

inline double tanh_t(double x) { return std::tanh(x); }
/// tanh of a Boost autodiff fvar (orders 1 and 2) from its Taylor coefficients at x0: std::tanh(x0),
/// sech²(x0) = 4e / (1 + e)² with e = e^{-2|x0|} ∈ (0, 1], and -2 tanh sech². Boost's own fvar tanh,
/// (e^{2x} - 1) / (e^{2x} + 1), is NaN past x ≈ 355 (inf / inf) and loses relative accuracy near 0
/// (the cancellation in e^{2x} - 1); this has neither. Other scalar types bring their own tanh_t.
template <class T>
T tanh_t(const T& x) {
  static_assert(T::order_sum <= 2, "tanh_t: derivatives up to order 2");
  const double x0 = val(x);
  const double t = std::tanh(x0), e = std::exp(-2.0 * std::abs(x0));
  const double s = 4.0 * e / ((1.0 + e) * (1.0 + e));
  const double d[3] = {t, s, -2.0 * t * s};
  return x.apply_derivatives(T::order_sum, [&](std::size_t i) { return d[i]; });
}

/// 1[|x| <= b] (an episode's termination test): for doubles and Boost autodiff's fvar on the
/// value (the indicator's derivatives are 0 where it is defined); other scalar types bring their own.
inline double inside_t(double x, double b) { return std::abs(x) <= b ? 1.0 : 0.0; }
template <class T>
T inside_t(const T& x, double b) {
  return T(std::abs(val(x)) <= b ? 1.0 : 0.0);
}

template <class T>
T apply_op(const GraphNode& n, const std::vector<T>& v) {
  using std::cos;
  using std::exp;
  using std::log;
  using std::sin;
  using std::tanh;
  const auto p = [&](std::size_t i) -> const T& { return v[n.parents[i]]; };
  switch (n.op) {
    case Op::identity: return p(0);
    case Op::sum: {
      T s = p(0);
      for (std::size_t i = 1; i < n.parents.size(); ++i) s += p(i);
      return s;
    }
    case Op::product: {
      T s = p(0);
      for (std::size_t i = 1; i < n.parents.size(); ++i) s *= p(i);
      return s;
    }
    case Op::neg: return -p(0);
    case Op::exp: return exp(p(0));
    case Op::log: return log(p(0));
    case Op::sigmoid: return sigmoid_t(p(0));
    case Op::softplus: return softplus(p(0));
    case Op::tanh: return tanh_t(p(0));
    case Op::square: return p(0) * p(0);
    case Op::affine: {
      T s = T(n.bias);
      for (std::size_t i = 0; i < n.parents.size(); ++i) s += n.weights[i] * p(i);
      return s;
    }
    case Op::table: {
      std::size_t k = 0;
      for (std::size_t i = 0; i < n.parents.size(); ++i) k = k * n.sizes[i] + index_of(val(p(i)));
      return T(n.table[k]);
    }
    case Op::select: return p(1 + index_of(val(p(0))));
    case Op::equals: return T(index_of(val(p(0))) == static_cast<std::size_t>(n.k) ? 1.0 : 0.0);
    case Op::sin: return sin(p(0));
    case Op::cos: return cos(p(0));
    case Op::divide: return p(0) / p(1);
    case Op::inside: return inside_t(p(0), n.value);
  }
  return T(0.0);
}

/// log p(w = c | DEPS_w) for a Bernoulli (one logit), categorical (K logits) or gaussian (μ, log σ)
/// node; c is the draw (0/1, k, or x).
template <class T>
T node_log_prob(const GraphNode& n, const std::vector<T>& v, double draw) {
  using std::exp;
  using std::log;
  if (n.kind == NodeKind::gaussian) {
    const T z = (draw - v[n.parents[0]]) * exp(-v[n.parents[1]]);
    return -0.5 * z * z - v[n.parents[1]] - 0.91893853320467274178;  // log √(2π)
  }
  const int c = static_cast<int>(draw);
  if (n.kind == NodeKind::bernoulli) {
    const T& l = v[n.parents[0]];
    return c == 1 ? -softplus(-l) : -softplus(l);
  }
  double m = -std::numeric_limits<double>::infinity();
  for (std::size_t p : n.parents) m = std::max(m, val(v[p]));
  T s = exp(v[n.parents[0]] - m);
  for (std::size_t i = 1; i < n.parents.size(); ++i) s += exp(v[n.parents[i]] - m);
  return v[n.parents[static_cast<std::size_t>(c)]] - m - log(s);
}

/// Nodes first, first + 1, ... at the assignment `choice`, the earlier ones taken as they are in
/// `v` and `logp` (an earlier call at an assignment that agrees with `choice` on every stochastic
/// node before `first`): the same values as evaluate, for enumerations that change the late nodes
/// most often (the certified route).
template <class T>
void evaluate_from(const Graph& g, std::span<const T> theta, std::span<const double> choice, std::vector<T>& v,
                   std::vector<T>& logp, std::size_t first) {
  const std::size_t n = g.nodes.size();
  std::size_t next_theta = 0;
  for (std::size_t i = 0; i < first; ++i) next_theta += g.nodes[i].kind == NodeKind::param ? 1 : 0;
  for (std::size_t i = first; i < n; ++i) {
    const GraphNode& node = g.nodes[i];
    logp[i] = T(0.0);
    switch (node.kind) {
      case NodeKind::param: v[i] = theta[next_theta++]; break;
      case NodeKind::constant: v[i] = T(node.value); break;
      case NodeKind::deterministic:
      case NodeKind::cost: v[i] = apply_op(node, v); break;
      case NodeKind::bernoulli:
      case NodeKind::categorical:
      case NodeKind::gaussian:
        logp[i] = node_log_prob(node, v, choice[i]);
        v[i] = T(choice[i]);
        break;
    }
  }
}

/// Every node's value at the assignment `choice`; `logp` receives log p(w | DEPS_w) per node
/// (0 for non-stochastic nodes).
template <class T>
void evaluate(const Graph& g, std::span<const T> theta, std::span<const double> choice, std::vector<T>& v,
              std::vector<T>& logp) {
  v.assign(g.nodes.size(), T(0.0));
  logp.assign(g.nodes.size(), T(0.0));
  evaluate_from(g, theta, choice, v, logp, 0);
}

/// Which coordinates of θ the sample's log-probabilities and costs depend on at `choice`:
/// live[i] = 0 means every derivative in θ_i is exactly 0 there, so the forward pass along θ_i can
/// be skipped. Dependencies flow through parents, except that a `select` depends only on the
/// candidate it picks and `table`/`equals` (functions of discrete values) and `inside` (an
/// indicator, locally constant) on no θ; a stochastic
/// node's value (its draw) depends on no θ, its log-probability on its parents'.
inline void live_params(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                 std::vector<char>& live) {
  thread_local std::vector<double> v, lp;
  thread_local std::vector<std::uint64_t> dep;
  evaluate<double>(g, theta, choice, v, lp);
  const std::size_t n = g.nodes.size(), W = (theta.size() + 63) / 64;
  dep.assign(n * W, 0);
  live.assign(theta.size(), 0);
  const auto merge = [&](std::size_t to, std::size_t from) {
    for (std::size_t w = 0; w < W; ++w) dep[to * W + w] |= dep[from * W + w];
  };
  const auto mark = [&](std::size_t from) {
    for (std::size_t w = 0; w < W; ++w)
      for (std::uint64_t bits = dep[from * W + w]; bits != 0; bits &= bits - 1)
        live[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))] = 1;
  };
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const GraphNode& node = g.nodes[i];
    switch (node.kind) {
      case NodeKind::param:
        dep[i * W + next / 64] |= std::uint64_t{1} << (next % 64);
        ++next;
        break;
      case NodeKind::constant: break;
      case NodeKind::bernoulli:
      case NodeKind::categorical:
      case NodeKind::gaussian:
        for (std::size_t p : node.parents) mark(p);
        break;
      case NodeKind::deterministic:
      case NodeKind::cost:
        if (node.op == Op::select) merge(i, node.parents[1 + index_of(v[node.parents[0]])]);
        else if (node.op != Op::table && node.op != Op::equals && node.op != Op::inside)
          for (std::size_t p : node.parents) merge(i, p);
        if (node.kind == NodeKind::cost) mark(i);
        break;
    }
  }
}

}  // namespace estcheck::graph_eval
