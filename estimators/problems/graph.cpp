// estimators/problems/graph.cpp — see graph.hpp. The one templated forward pass (evaluate, in
// graph_eval.hpp) serves every scalar type: double for sampling, Boost.Math's fvar<double, 1> and
// fvar<double, 2> for derivatives.
#include "estimators/problems/graph.hpp"
#include "estimators/problems/graph_eval.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"

#include <boost/math/differentiation/autodiff.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <set>

namespace estcheck {

namespace ad = boost::math::differentiation;
using namespace graph_eval;  // NOLINT: the forward pass (evaluate, apply_op, node_log_prob, live_params)
using D1 = ad::autodiff_fvar<double, 1>;
using D2 = ad::autodiff_fvar<double, 2>;

const char* to_string(NodeKind k) {
  switch (k) {
    case NodeKind::param: return "param";
    case NodeKind::constant: return "constant";
    case NodeKind::deterministic: return "deterministic";
    case NodeKind::bernoulli: return "bernoulli";
    case NodeKind::categorical: return "categorical";
    case NodeKind::gaussian: return "gaussian";
    case NodeKind::cost: return "cost";
  }
  return "?";
}

const char* to_string(Op op) {
  switch (op) {
    case Op::identity: return "identity";
    case Op::sum: return "sum";
    case Op::product: return "product";
    case Op::neg: return "neg";
    case Op::exp: return "exp";
    case Op::log: return "log";
    case Op::sigmoid: return "sigmoid";
    case Op::softplus: return "softplus";
    case Op::tanh: return "tanh";
    case Op::square: return "square";
    case Op::affine: return "affine";
    case Op::table: return "table";
    case Op::select: return "select";
    case Op::equals: return "equals";
    case Op::sin: return "sin";
    case Op::cos: return "cos";
    case Op::divide: return "divide";
    case Op::inside: return "inside";
  }
  return "?";
}

namespace {

bool is_stochastic(NodeKind k) {
  return k == NodeKind::bernoulli || k == NodeKind::categorical || k == NodeKind::gaussian;
}


/// θ + t u as fvar values, t the autodiff variable at 0.
template <class T>
std::vector<T> seeded(std::span<const double> theta, std::span<const double> u) {
  constexpr std::size_t order = std::is_same_v<T, D1> ? 1 : 2;
  const auto t = ad::make_fvar<double, order>(0.0);
  std::vector<T> th;
  th.reserve(theta.size());
  for (std::size_t j = 0; j < theta.size(); ++j) th.push_back(T(theta[j]) + u[j] * t);
  return th;
}

template <class T>
T total_cost(const Graph& g, const std::vector<T>& v) {
  T s = T(0.0);
  for (std::size_t c : g.costs) s += v[c];
  return s;
}

template <class T>
T total_log_prob(const Graph& g, const std::vector<T>& logp) {
  T s = T(0.0);
  for (std::size_t w : g.stochastic) s += logp[w];
  return s;
}

}  // namespace

GraphNode graph_node(std::string name, NodeKind kind, Op op, std::vector<std::size_t> parents) {
  GraphNode n;
  n.name = std::move(name);
  n.kind = kind;
  n.op = op;
  n.parents = std::move(parents);
  return n;
}

Graph make_graph(std::string name, std::vector<GraphNode> nodes, const std::string& where) {
  Graph g;
  g.name = std::move(name);
  g.nodes = std::move(nodes);
  const std::size_t n = g.nodes.size();
  if (n == 0) raise_input_error(where + ": nodes", "at least one node", "none");
  if (n > 4096) raise_input_error(where + ": nodes", "at most 4096 nodes", std::to_string(n));
  g.support.assign(n, 0);
  std::set<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    GraphNode& node = g.nodes[i];
    const std::string at = where + ": node '" + node.name + "' (#" + std::to_string(i) + ")";
    if (node.name.empty()) raise_input_error(where + ": node #" + std::to_string(i), "a non-empty name", "''");
    if (!names.insert(node.name).second) raise_input_error(at, "a name used once", "a repeated name");
    for (std::size_t p : node.parents) {
      if (p >= i) raise_input_error(at, "parents listed before the node (topological order)", "parent #" + std::to_string(p));
      if (g.nodes[p].kind == NodeKind::cost)
        raise_input_error(at, "parents that are not cost nodes (costs are leaves)", "'" + g.nodes[p].name + "'");
    }
    const std::size_t np = node.parents.size();
    const auto arity = [&](bool ok, const std::string& expected) {
      if (!ok) raise_input_error(at, expected, std::to_string(np) + " parents");
    };
    switch (node.kind) {
      case NodeKind::param:
        arity(np == 0, "no parents for a param");
        g.theta_node.push_back(i);
        break;
      case NodeKind::constant:
        arity(np == 0, "no parents for a constant");
        if (!std::isfinite(node.value)) raise_input_error(at, "a finite value", format_double(node.value));
        if (node.value >= 0 && node.value < 1e9 && node.value == std::floor(node.value))
          g.support[i] = static_cast<std::size_t>(node.value) + 1;
        break;
      case NodeKind::bernoulli:
        arity(np == 1, "exactly one parent (the logit) for a bernoulli node");
        g.support[i] = 2;
        g.stochastic.push_back(i);
        break;
      case NodeKind::categorical:
        arity(np >= 2, "at least two parents (the logits) for a categorical node");
        g.support[i] = np;
        g.stochastic.push_back(i);
        break;
      case NodeKind::gaussian:
        arity(np == 2, "exactly two parents (μ, log σ) for a gaussian node");
        g.stochastic.push_back(i);
        g.gaussian.push_back(i);
        break;
      case NodeKind::deterministic:
      case NodeKind::cost: {
        if (node.kind == NodeKind::cost) g.costs.push_back(i);
        const auto discrete = [&](std::size_t p, std::size_t most) {
          const std::size_t s = g.support[node.parents[p]];
          if (s == 0 || s > most)
            raise_input_error(at, std::string("a discrete parent with at most ") + std::to_string(most) +
                                      " values as index of '" + to_string(node.op) + "'",
                              "'" + g.nodes[node.parents[p]].name + "' (" +
                                  (s == 0 ? std::string("not discrete") : std::to_string(s) + " values") + ")");
        };
        switch (node.op) {
          case Op::identity:
            arity(np == 1, "one parent");
            g.support[i] = g.support[node.parents[0]];
            break;
          case Op::neg: case Op::exp: case Op::log: case Op::sigmoid: case Op::softplus: case Op::tanh:
          case Op::square: case Op::sin: case Op::cos:
            arity(np == 1, std::string("one parent for '") + to_string(node.op) + "'");
            break;
          case Op::divide:
            arity(np == 2, "two parents (numerator, denominator) for 'divide'");
            break;
          case Op::inside:
            arity(np == 1, "one parent for 'inside'");
            if (!(node.value >= 0.0 && std::isfinite(node.value)))
              raise_input_error(at, "a finite bound value >= 0 for 'inside'", format_double(node.value));
            g.support[i] = 2;
            break;
          case Op::sum: case Op::product:
            arity(np >= 1, std::string("at least one parent for '") + to_string(node.op) + "'");
            break;
          case Op::affine:
            arity(np >= 1, "at least one parent for 'affine'");
            if (node.weights.size() != np)
              raise_input_error(at, std::to_string(np) + " weights (one per parent)", std::to_string(node.weights.size()));
            for (double w : node.weights)
              if (!std::isfinite(w)) raise_input_error(at, "finite weights", format_double(w));
            if (!std::isfinite(node.bias)) raise_input_error(at, "a finite bias", format_double(node.bias));
            break;
          case Op::table: {
            arity(np >= 1, "at least one parent for 'table'");
            if (node.sizes.size() != np)
              raise_input_error(at, std::to_string(np) + " sizes (one radix per parent)", std::to_string(node.sizes.size()));
            double entries = 1;
            for (std::size_t p = 0; p < np; ++p) {
              discrete(p, node.sizes[p]);
              entries *= static_cast<double>(node.sizes[p]);
            }
            if (static_cast<double>(node.table.size()) != entries)
              raise_input_error(at, format_double(entries) + " table entries (the product of sizes)",
                                std::to_string(node.table.size()));
            bool integral = true;
            double top = 0;
            for (double t : node.table) {
              if (!std::isfinite(t)) raise_input_error(at, "finite table entries", format_double(t));
              integral &= t >= 0 && t < 1e9 && t == std::floor(t);
              top = std::max(top, t);
            }
            if (integral) g.support[i] = static_cast<std::size_t>(top) + 1;
            break;
          }
          case Op::select:
            arity(np >= 2, "an index parent and at least one candidate for 'select'");
            discrete(0, np - 1);
            break;
          case Op::equals:
            arity(np == 1, "one (discrete) parent for 'equals'");
            discrete(0, std::numeric_limits<std::size_t>::max());
            if (node.k < 0) raise_input_error(at, "k >= 0", std::to_string(node.k));
            g.support[i] = 2;
            break;
        }
        break;
      }
    }
  }
  g.theta_dim = g.theta_node.size();
  if (g.theta_dim == 0) raise_input_error(where + ": nodes", "at least one param node (θ)", "none");
  if (g.costs.empty()) raise_input_error(where + ": nodes", "at least one cost node", "none");
  // Stochastic ancestors of each node: anc[i][w] = 1 when stochastic node w influences node i.
  std::vector<std::vector<char>> anc(n, std::vector<char>(n, 0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p : g.nodes[i].parents) {
      for (std::size_t w = 0; w < n; ++w) anc[i][w] |= anc[p][w];
      if (is_stochastic(g.nodes[p].kind)) anc[i][p] = 1;
    }
  for (std::size_t w : g.stochastic) {
    g.downstream_costs.emplace_back();
    for (std::size_t c : g.costs)
      if (anc[c][w]) g.downstream_costs.back().push_back(c);
  }
  for (std::size_t c : g.costs) {
    g.upstream_stochastic.emplace_back();
    for (std::size_t w : g.stochastic)
      if (anc[c][w]) g.upstream_stochastic.back().push_back(w);
  }
  return g;
}

std::uint64_t assignment_count(const Graph& g) {
  std::uint64_t total = 1;
  for (std::size_t w : g.stochastic) {
    const std::uint64_t s = g.support[w];
    if (s == 0) continue;  // gaussian
    if (total > (std::uint64_t{1} << 63) / s) return std::uint64_t{1} << 63;
    total *= s;
  }
  return total;
}

void assignment(const Graph& g, std::uint64_t code, std::span<double> choice) {
  for (std::size_t w : g.stochastic) {
    if (g.support[w] == 0) continue;  // gaussian
    choice[w] = static_cast<double>(code % g.support[w]);
    code /= g.support[w];
  }
}

double sample_graph(const Graph& g, std::span<const double> theta, Noise& noise, std::span<double> choice,
                    std::span<double> values) {
  thread_local std::vector<double> v;
  v.assign(g.nodes.size(), 0.0);
  std::size_t next_theta = 0;
  double total = 0.0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& node = g.nodes[i];
    switch (node.kind) {
      case NodeKind::param: v[i] = theta[next_theta++]; break;
      case NodeKind::constant: v[i] = node.value; break;
      case NodeKind::deterministic: v[i] = apply_op(node, v); break;
      case NodeKind::cost:
        v[i] = apply_op(node, v);
        total += v[i];
        break;
      case NodeKind::bernoulli:
        choice[i] = noise.uniform() < sigmoid(v[node.parents[0]]) ? 1 : 0;
        v[i] = choice[i];
        break;
      case NodeKind::gaussian:
        choice[i] = v[node.parents[0]] + std::exp(v[node.parents[1]]) * noise.normal();
        v[i] = choice[i];
        break;
      case NodeKind::categorical: {
        double m = -std::numeric_limits<double>::infinity();
        for (std::size_t p : node.parents) m = std::max(m, v[p]);
        double z = 0.0;
        for (std::size_t p : node.parents) z += std::exp(v[p] - m);
        const double u = noise.uniform() * z;
        double c = 0.0;
        std::size_t k = 0;
        for (; k + 1 < node.parents.size(); ++k) {
          c += std::exp(v[node.parents[k]] - m);
          if (u < c) break;
        }
        choice[i] = static_cast<double>(k);
        v[i] = static_cast<double>(k);
        break;
      }
    }
  }
  std::copy(v.begin(), v.end(), values.begin());
  return total;
}

double evaluate_values(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                       std::span<double> values) {
  thread_local std::vector<double> v, logp;
  evaluate<double>(g, theta, choice, v, logp);
  std::copy(v.begin(), v.end(), values.begin());
  return total_log_prob(g, logp);
}

void surrogate_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                        std::span<const double> weights, double cost_scale, std::span<double> grad) {
  thread_local std::vector<D1> v, logp, th;
  thread_local std::vector<char> live;
  const std::size_t d = theta.size();
  live_params(g, theta, choice, live);
  th.clear();
  for (double t : theta) th.emplace_back(t);  // constants; coordinate i becomes the variable below
  for (std::size_t i = 0; i < d; ++i) {
    if (!live[i]) {  // nothing at this sample depends on θ_i
      grad[i] = 0.0;
      continue;
    }
    th[i] = ad::make_fvar<double, 1>(theta[i]);
    evaluate<D1>(g, th, choice, v, logp);
    th[i] = D1(theta[i]);
    D1 s = cost_scale * total_cost(g, v);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) s += weights[k] * logp[g.stochastic[k]];
    grad[i] = s.derivative(1);
  }
}

void dice_hessian(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                  bool first_order_only, std::span<double> hessian) {
  thread_local std::vector<D2> v, logp;
  thread_local std::vector<double> u, q;
  const std::size_t d = theta.size();
  // Q̂_w (values only) for the first-order surrogate.
  if (first_order_only) {
    std::vector<double> dv, dl;
    evaluate<double>(g, theta, choice, dv, dl);
    q.assign(g.stochastic.size(), 0.0);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k)
      for (std::size_t c : g.downstream_costs[k]) q[k] += dv[c];
  }
  const auto second = [&](std::span<const double> dir) {
    const std::vector<D2> th = seeded<D2>(theta, dir);
    evaluate<D2>(g, th, choice, v, logp);
    D2 s = D2(0.0);
    if (first_order_only) {
      s = total_cost(g, v);
      for (std::size_t k = 0; k < g.stochastic.size(); ++k) s += q[k] * logp[g.stochastic[k]];
    } else {
      for (std::size_t ci = 0; ci < g.costs.size(); ++ci) {
        D2 tau = D2(0.0);
        for (std::size_t w : g.upstream_stochastic[ci]) tau += logp[w];
        s += exp(tau - val(tau)) * v[g.costs[ci]];  // ⊡(W_c) c, ⊡ = exp(τ - ⊥τ)
      }
    }
    return s.derivative(2);
  };
  thread_local std::vector<char> live;
  live_params(g, theta, choice, live);  // mixed partials in a dead θ_i are exactly 0
  u.assign(d, 0.0);
  for (std::size_t i = 0; i < d; ++i) {
    u[i] = 1.0;
    hessian[upper_index(i, i, d)] = live[i] ? second(u) : 0.0;
    u[i] = 0.0;
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) {
      if (!live[i] || !live[j]) {
        hessian[upper_index(i, j, d)] = 0.0;
        continue;
      }
      u[i] = u[j] = 1.0;
      const double both = second(u);
      u[i] = u[j] = 0.0;
      hessian[upper_index(i, j, d)] =
          0.5 * (both - hessian[upper_index(i, i, d)] - hessian[upper_index(j, j, d)]);
    }
}

std::size_t gumbel_size(const Graph& g) {
  std::size_t n = 0;
  for (std::size_t w : g.stochastic) n += g.support[w];
  return n;
}

double sample_graph_gumbel(const Graph& g, std::span<const double> theta, Noise& noise, std::span<double> choice,
                           std::span<double> values, std::span<double> u, std::span<double> v) {
  thread_local std::vector<double> vals;
  vals.assign(g.nodes.size(), 0.0);
  std::size_t next_theta = 0, offset = 0;
  double total = 0.0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& node = g.nodes[i];
    switch (node.kind) {
      case NodeKind::param: vals[i] = theta[next_theta++]; break;
      case NodeKind::constant: vals[i] = node.value; break;
      case NodeKind::deterministic: vals[i] = apply_op(node, vals); break;
      case NodeKind::cost:
        vals[i] = apply_op(node, vals);
        total += vals[i];
        break;
      case NodeKind::gaussian:
        choice[i] = vals[node.parents[0]] + std::exp(vals[node.parents[1]]) * noise.normal();
        vals[i] = choice[i];
        break;
      case NodeKind::bernoulli:
      case NodeKind::categorical: {
        const std::size_t K = g.support[i];
        int best = 0;
        double best_z = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < K; ++k) u[offset + k] = noise.uniform();
        for (std::size_t k = 0; k < K; ++k) v[offset + k] = noise.uniform();
        for (std::size_t k = 0; k < K; ++k) {
          const double z = node_log_prob(node, vals, static_cast<double>(k)) - std::log(-std::log(u[offset + k]));
          if (z > best_z) {
            best_z = z;
            best = static_cast<int>(k);
          }
        }
        choice[i] = static_cast<double>(best);
        vals[i] = static_cast<double>(best);
        offset += K;
        break;
      }
    }
  }
  std::copy(vals.begin(), vals.end(), values.begin());
  return total;
}

namespace {

/// Σ_k softmax(z/λ)_k q_k, shifted by max z/λ (a constant) so exp never overflows.
template <class T>
T relaxed_value(const std::vector<T>& z, std::span<const double> q, double lambda) {
  using std::exp;
  double mx = -std::numeric_limits<double>::infinity();
  for (const T& x : z) mx = std::max(mx, val(x) / lambda);
  T num = T(0.0), den = T(0.0);
  for (std::size_t k = 0; k < z.size(); ++k) {
    const T e = exp(z[k] / lambda - mx);
    num += e * q[k];
    den += e;
  }
  return num / den;
}

}  // namespace

void relax_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                    std::span<const double> u, std::span<const double> v, std::span<const double> weights,
                    std::span<const double> q, double lambda, double eta, std::span<double> grad,
                    bool correction) {
  thread_local std::vector<D1> vals, logp, z, zt;
  thread_local std::vector<double> dir;
  thread_local std::vector<char> live;
  const std::size_t d = theta.size();
  live_params(g, theta, choice, live);
  dir.assign(d, 0.0);
  for (std::size_t i = 0; i < d; ++i) {
    if (!live[i]) {
      grad[i] = 0.0;
      continue;
    }
    dir[i] = 1.0;
    const std::vector<D1> th = seeded<D1>(theta, dir);
    dir[i] = 0.0;
    evaluate<D1>(g, th, choice, vals, logp);
    D1 s = total_cost(g, vals);
    std::size_t offset = 0;
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
      const std::size_t w = g.stochastic[k], K = g.support[w];
      if (K == 0) {  // gaussian: score term only
        s += weights[k] * logp[w];
        continue;
      }
      const int a = static_cast<int>(choice[w]);
      z.assign(K, D1(0.0));
      zt.assign(K, D1(0.0));
      const double B = -std::log(v[offset + static_cast<std::size_t>(a)]);
      for (std::size_t c = 0; c < K; ++c) {
        const D1 lp = node_log_prob(g.nodes[w], vals, static_cast<double>(c));
        z[c] = lp - std::log(-std::log(u[offset + c]));
        zt[c] = static_cast<int>(c) == a ? D1(-std::log(B))
                                         : -log(-std::log(v[offset + c]) * exp(-lp) + B);
      }
      const auto qk = q.subspan(offset, K);
      const D1 m = relaxed_value(z, qk, lambda), mt = relaxed_value(zt, qk, lambda);
      // The score weight Q̂_w - η m(z̃) is held constant; the two m terms are differentiated.
      s += (weights[k] - eta * val(mt)) * logp[w];
      if (correction) s += eta * (m - mt);
      offset += K;
    }
    grad[i] = s.derivative(1);
  }
}

PointGradient point_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice) {
  thread_local std::vector<D1> v, logp;
  const std::size_t d = theta.size();
  PointGradient r;
  r.d_log_prob.resize(d);
  r.d_cost.resize(d);
  thread_local std::vector<char> live;
  live_params(g, theta, choice, live);
  {
    thread_local std::vector<double> dv, dl;
    evaluate<double>(g, theta, choice, dv, dl);
    r.log_prob = total_log_prob(g, dl);
    r.cost = total_cost(g, dv);
  }
  std::vector<double> u(d, 0.0);
  for (std::size_t i = 0; i < d; ++i) {
    if (!live[i]) continue;  // d_log_prob[i] = d_cost[i] = 0
    u[i] = 1.0;
    const std::vector<D1> th = seeded<D1>(theta, u);
    u[i] = 0.0;
    evaluate<D1>(g, th, choice, v, logp);
    const D1 lp = total_log_prob(g, logp), f = total_cost(g, v);
    r.d_log_prob[i] = lp.derivative(1);
    r.d_cost[i] = f.derivative(1);
  }
  return r;
}

PointDirectional point_directional(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                                   std::span<const double> u) {
  thread_local std::vector<D2> v, logp;
  const std::vector<D2> th = seeded<D2>(theta, u);
  evaluate<D2>(g, th, choice, v, logp);
  const D2 lp = total_log_prob(g, logp), f = total_cost(g, v);
  return {lp.derivative(0), lp.derivative(1), lp.derivative(2), f.derivative(0), f.derivative(1), f.derivative(2)};
}

GraphProblem::GraphProblem(std::string spec, std::shared_ptr<const Graph> graph)
    : spec_(std::move(spec)), graph_(std::move(graph)) {}

std::string GraphProblem::theta_meaning() const {
  std::string s = "θ = (";
  for (std::size_t i = 0; i < graph_->theta_node.size(); ++i)
    s += (i ? ", " : "") + graph_->nodes[graph_->theta_node[i]].name;
  return s + ") of graph '" + graph_->name + "'";
}

double GraphProblem::f(std::span<const double>) const {
  throw std::logic_error("GraphProblem::f: a graph's costs may depend on θ; use the graph estimators");
}

const Graph* graph_of(const Problem& p) { return p.computation_graph(); }

}  // namespace estcheck
