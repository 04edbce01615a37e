// estimators/problems/graph_problems.cpp — see graph_problems.hpp.
#include "estimators/problems/graph_problems.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/core/spec.hpp"
#include "estimators/problems/cartpole.hpp"
#include "estimators/problems/graph_builder.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace estcheck {
namespace {

Graph fig1a() {
  GraphBuilder b;
  const auto th = b.param("theta");
  const auto x = b.affine("x", {th}, {2.0}, -1.0);
  const auto y = b.bernoulli("y", x);
  b.table("f", {y}, {2}, {0.5, 2.0}, NodeKind::cost);
  return make_graph("scg-fig1a", std::move(b.nodes));
}

Graph fig1b() {
  GraphBuilder b;
  const auto th = b.param("theta");
  const auto x = b.bernoulli("x", th);
  const auto y = b.affine("y", {x}, {3.0}, 1.0);
  b.op("f", Op::square, {y}, NodeKind::cost);
  return make_graph("scg-fig1b", std::move(b.nodes));
}

Graph fig1c() {
  GraphBuilder b;
  const auto th = b.param("theta");
  const auto x = b.bernoulli("x", th);
  const auto l = b.affine("logit_y", {x}, {2.0}, -1.0);
  const auto y = b.bernoulli("y", l);
  b.table("f", {y}, {2}, {1.0, -2.0}, NodeKind::cost);
  return make_graph("scg-fig1c", std::move(b.nodes));
}

Graph fig1d() {
  GraphBuilder b;
  const auto a = b.param("a");
  const auto c = b.param("b");
  const auto x = b.bernoulli("x", a);
  const auto diff = b.affine("x_minus_b", {x, c}, {1.0, -1.0}, 0.0);
  b.op("f", Op::square, {diff}, NodeKind::cost);
  return make_graph("scg-fig1d", std::move(b.nodes));
}

Graph fig1e() {
  GraphBuilder b;
  const auto a = b.param("a");
  const auto c = b.param("b");
  const auto x1 = b.bernoulli("x1", a);
  b.table("f1", {x1}, {2}, {0.5, -1.0}, NodeKind::cost);
  const auto zero = b.constant("zero", 0.0);
  const auto l1 = b.affine("logit1", {c, x1}, {1.0, 2.0}, -1.0);
  const auto l2 = b.op("logit2", Op::neg, {c});
  const auto x2 = b.categorical("x2", {zero, l1, l2});
  b.table("f2", {x2}, {3}, {1.0, -1.0, 3.0}, NodeKind::cost);
  return make_graph("scg-fig1e", std::move(b.nodes));
}

// A gaussian node upstream of a Bernoulli one: x ~ N(μ, σ²), y ~ Bern(σ(2x)), costs (x - 1)² and
// [0.5, -1][y]; θ = (μ, log σ). The oracle integrates x by quadrature.
Graph gauss() {
  GraphBuilder b;
  const auto mu = b.param("mu");
  const auto ls = b.param("log_sigma");
  const auto x = b.gaussian("x", mu, ls);
  const auto d = b.affine("x_minus_1", {x}, {1.0}, -1.0);
  b.op("f1", Op::square, {d}, NodeKind::cost);
  const auto l = b.affine("logit_y", {x}, {2.0}, 0.0);
  const auto y = b.bernoulli("y", l);
  b.table("f2", {y}, {2}, {0.5, -1.0}, NodeKind::cost);
  return make_graph("scg-gauss", std::move(b.nodes));
}

Graph sbn() {
  GraphBuilder b;
  std::size_t b1[2], w[2][2], b2[2];
  for (int j = 0; j < 2; ++j) b1[j] = b.param("b1[" + std::to_string(j) + "]");
  for (int j = 0; j < 2; ++j)
    for (int k = 0; k < 2; ++k) w[j][k] = b.param("W[" + std::to_string(j) + "," + std::to_string(k) + "]");
  for (int j = 0; j < 2; ++j) b2[j] = b.param("b2[" + std::to_string(j) + "]");
  std::size_t h1[2], h2[2];
  for (int k = 0; k < 2; ++k) h1[k] = b.bernoulli("h1[" + std::to_string(k) + "]", b1[k]);
  for (int j = 0; j < 2; ++j) {
    const std::string J = std::to_string(j);
    const auto p0 = b.op("W[" + J + ",0]*h1[0]", Op::product, {w[j][0], h1[0]});
    const auto p1 = b.op("W[" + J + ",1]*h1[1]", Op::product, {w[j][1], h1[1]});
    const auto l = b.op("logit_h2[" + J + "]", Op::sum, {p0, p1, b2[j]});
    h2[j] = b.bernoulli("h2[" + J + "]", l);
  }
  // Decoder (fixed): a = V h2 + c, V = [[2, -1], [-1, 2]], c = (-0.5, 0.5); x = (1, 0).
  // -log p(x_j | a_j) = softplus(-a_j) for x_j = 1 and softplus(a_j) for x_j = 0.
  const auto a0 = b.affine("-a[0]", {h2[0], h2[1]}, {-2.0, 1.0}, 0.5);
  const auto a1 = b.affine("a[1]", {h2[0], h2[1]}, {-1.0, 2.0}, 0.5);
  b.op("nll[0]", Op::softplus, {a0}, NodeKind::cost);
  b.op("nll[1]", Op::softplus, {a1}, NodeKind::cost);
  return make_graph("sbn", std::move(b.nodes));
}

/// A tabular MDP as a graph: from state 0, at each step t a_t ~ softmax(θ[s_t, ·]) (select nodes
/// pick state s_t's logits), slip_t ~ Bern(P) when P > 0, s_{t+1} = next[s_t, a_t, slip_t], and
/// cost_t = cost[s_{t+1}].
Graph tabular_mdp(std::size_t states, const std::vector<std::string>& actions, const std::vector<double>& next,
                  const std::vector<double>& cost, std::size_t horizon, double slip, const std::string& name) {
  GraphBuilder b;
  const std::size_t A = actions.size();
  std::vector<std::vector<std::size_t>> logit(A);
  for (std::size_t s = 0; s < states; ++s)
    for (std::size_t a = 0; a < A; ++a)
      logit[a].push_back(b.param("logit[" + std::to_string(s) + "," + actions[a] + "]"));
  std::size_t s = b.constant("s0", 0.0);
  const std::size_t slip_logit = slip > 0 ? b.constant("slip_logit", estcheck::logit(slip)) : 0;
  for (std::size_t t = 0; t < horizon; ++t) {
    const std::string T = std::to_string(t);
    std::vector<std::size_t> logits;
    for (std::size_t a = 0; a < A; ++a) {
      std::vector<std::size_t> parents{s};
      parents.insert(parents.end(), logit[a].begin(), logit[a].end());
      logits.push_back(b.op("pi_logit[" + T + "," + actions[a] + "]", Op::select, parents));
    }
    const auto act = b.categorical("a" + T, logits);
    std::string next_name = "s";  // (appended, not "s" + ...: avoids GCC 12's false -Wrestrict, bug 105329)
    next_name += std::to_string(t + 1);
    std::size_t s_next;
    if (slip > 0) {
      const auto z = b.bernoulli("slip" + T, slip_logit);
      s_next = b.table(next_name, {s, act, z}, {states, A, 2}, next);
    } else {
      std::vector<double> det;
      for (std::size_t i = 0; i < next.size(); i += 2) det.push_back(next[i]);
      s_next = b.table(next_name, {s, act}, {states, A}, det);
    }
    b.table("cost" + T, {s_next}, {states}, cost, NodeKind::cost);
    s = s_next;
  }
  return make_graph(name, std::move(b.nodes));
}

/// The chain: states 0..S-1, left/right, a slip reverses the action; cost -1 at S-1.
Graph mdp(std::size_t states, std::size_t horizon, double slip, const std::string& name) {
  std::vector<double> next;  // over (s, a, slip)
  for (std::size_t s = 0; s < states; ++s)
    for (int a = 0; a < 2; ++a)
      for (int z = 0; z < 2; ++z) {
        const int eff = a ^ z;
        next.push_back(static_cast<double>(eff ? std::min(s + 1, states - 1) : (s == 0 ? 0 : s - 1)));
      }
  std::vector<double> cost(states, 0.0);
  cost[states - 1] = -1.0;  // cost = -reward
  return tabular_mdp(states, {"left", "right"}, next, cost, horizon, slip, name);
}

/// The n × n gridworld: state r n + c from (0, 0), actions up/down/left/right clamped at the
/// walls, a slip keeps the agent in place; cost -1 at the far corner (n-1, n-1).
Graph grid(std::size_t n, std::size_t horizon, double slip, const std::string& name) {
  const std::size_t S = n * n;
  const int dr[4] = {-1, 1, 0, 0}, dc[4] = {0, 0, -1, 1};
  std::vector<double> next;  // over (s, a, slip)
  for (std::size_t s = 0; s < S; ++s)
    for (int a = 0; a < 4; ++a)
      for (int z = 0; z < 2; ++z) {
        const auto r = static_cast<long>(s / n), c = static_cast<long>(s % n), N = static_cast<long>(n);
        const long r2 = z ? r : std::clamp(r + dr[a], 0L, N - 1), c2 = z ? c : std::clamp(c + dc[a], 0L, N - 1);
        next.push_back(static_cast<double>(r2 * N + c2));
      }
  std::vector<double> cost(S, 0.0);
  cost[S - 1] = -1.0;
  return tabular_mdp(S, {"up", "down", "left", "right"}, next, cost, horizon, slip, name);
}

struct Built {
  std::string spec;
  Graph graph;
};

/// The built-in graph named by `s` (unknown name: empty spec).
Built build(Spec& s, const std::string& argument) {
  const std::string& n = s.name();
  if (n == "scg-fig1a") return {n, fig1a()};
  if (n == "scg-fig1b") return {n, fig1b()};
  if (n == "scg-fig1c") return {n, fig1c()};
  if (n == "scg-fig1d") return {n, fig1d()};
  if (n == "scg-fig1e") return {n, fig1e()};
  if (n == "sbn") return {n, sbn()};
  if (n == "scg-gauss") return {n, gauss()};
  if (n == "mdp") {
    const auto states = static_cast<std::size_t>(s.get_int("states", 4, 2, 16));
    const auto horizon = static_cast<std::size_t>(s.get_int("horizon", 4, 1, 6));
    const double slip = s.get_double("slip", 0.1);
    if (!(slip >= 0.0 && slip < 0.5))
      raise_input_error({argument, "mdp:slip"}, "a probability in [0, 0.5)", format_double(slip));
    const std::string spec = "mdp:states=" + std::to_string(states) + ",horizon=" + std::to_string(horizon) +
                             ",slip=" + format_double(slip);
    return {spec, mdp(states, horizon, slip, spec)};
  }
  if (n == "grid") {
    const auto size = static_cast<std::size_t>(s.get_int("size", 4, 2, 4));
    const auto horizon = static_cast<std::size_t>(s.get_int("horizon", 6, 1, 6));
    const double slip = s.get_double("slip", 0.0);  // 0: 4^H trajectories (a slip node per step: 8^H)
    if (!(slip >= 0.0 && slip < 1.0))
      raise_input_error({argument, "grid:slip"}, "a probability in [0, 1)", format_double(slip));
    const std::string spec = "grid:size=" + std::to_string(size) + ",horizon=" + std::to_string(horizon) +
                             ",slip=" + format_double(slip);
    return {spec, grid(size, horizon, slip, spec)};
  }
  if (n == "cartpole") {
    const auto horizon = static_cast<std::size_t>(s.get_int("horizon", 10, 1, 16));
    const std::string start = s.get_string("start", "tilted");
    std::string names;
    for (const CartPoleStart& c : cartpole_starts()) {
      if (start == c.name) {
        const std::string spec = "cartpole:horizon=" + std::to_string(horizon) + ",start=" + start;
        return {spec, cartpole_graph(horizon, c.state, spec)};
      }
      names += (names.empty() ? "" : ", ") + std::string(c.name);
    }
    raise_input_error({argument, "cartpole:start"}, "one of " + names, "'" + start + "'");
  }
  return {"", {}};
}

}  // namespace

std::vector<ProblemInfo> graph_problem_entries() {
  return {
      {"scg-fig1a", "graph", "Schulman Fig. 1 (a): x = 2θ-1, y ~ Bern(σ(x)), f = [0.5, 2][y]; θ: 1", {}},
      {"scg-fig1b", "graph", "Schulman Fig. 1 (b): x ~ Bern(σ(θ)), y = 3x+1, f = y²; θ: 1", {}},
      {"scg-fig1c", "graph", "Schulman Fig. 1 (c): x ~ Bern(σ(θ)), y ~ Bern(σ(2x-1)), f = [1, -2][y]; θ: 1", {}},
      {"scg-fig1d", "graph", "Schulman Fig. 1 (d): x ~ Bern(σ(a)), f = (x - b)²; θ = (a, b)", {}},
      {"scg-fig1e", "graph",
       "Schulman Fig. 1 (e): x1 ~ Bern(σ(a)), x2 ~ Cat(0, b+2x1-1, -b), f1(x1) + f2(x2); θ = (a, b)", {}},
      {"scg-gauss", "graph",
       "x ~ N(μ, σ²), y ~ Bern(σ(2x)), f = (x-1)² + [0.5, -1][y]; θ = (μ, log σ) (oracle: quadrature over x)", {}},
      {"sbn", "graph", "two-layer sigmoid belief network (2+2 units), cost -log p(x=(1,0) | h2); θ: 8", {}},
      {"mdp", "graph",
       "chain MDP: states 0..S-1, left/right with slip P, reward 1 at S-1; softmax policy, θ = 2S logits",
       {{"states", "4", "number of states S (2..16)"},
        {"horizon", "4", "steps H (1..6)"},
        {"slip", "0.1", "probability that an action is reversed"}}},
      {"grid", "graph",
       "n×n gridworld from (0,0): up/down/left/right, slip P stays put, reward 1 at (n-1,n-1); θ = 4n² logits",
       {{"size", "4", "n (2..4)"}, {"horizon", "6", "steps H (1..6)"}, {"slip", "0", "probability of staying put"}}},
      {"cartpole", "graph",
       "Cart-Pole (gym CartPole-v1 dynamics, Euler), reward 1 per step until |x| > 2.4 or |angle| > 12°; "
       "logistic policy π(right | s) = σ(θ · (s, 1)), θ: 5 (docs/cartpole.md)",
       {{"horizon", "10", "steps H (1..16); 2^H action sequences"},
        {"start", "tilted", "start state: upright, tilted, falling or edge"}}},
      {"FILE.json (nodes)", "graph", "a graph file: {\"nodes\": [...]} (docs/graphs.md)", {}},
  };
}

std::unique_ptr<Problem> make_graph_problem(std::string_view text, const std::string& argument) {
  Spec s = Spec::parse(text, argument);
  Built b = build(s, argument);
  if (b.spec.empty()) return nullptr;
  s.finish();
  return std::make_unique<GraphProblem>(b.spec, std::make_shared<const Graph>(std::move(b.graph)));
}

Graph builtin_graph(std::string_view text) {
  Spec s = Spec::parse(text, "problem");
  Built b = build(s, "problem");
  if (b.spec.empty()) raise_input_error("problem", "a built-in graph", "'" + std::string(text) + "'");
  s.finish();
  return std::move(b.graph);
}

Graph graph_from_json(const nlohmann::json& j, const std::string& where) {
  for (const auto& [key, value] : j.items())
    if (key != "nodes" && key != "graph" && key != "description")
      raise_input_error(where + ": " + key, "only the keys nodes, graph, description", "unknown key");
  std::string name = "json-graph";
  if (j.contains("graph")) {
    if (!j["graph"].is_string()) raise_input_error(where + ": graph", "a string (the graph's name)", j["graph"].dump());
    name = j["graph"].get<std::string>();
  }
  if (!j["nodes"].is_array()) raise_input_error(where + ": nodes", "an array of node objects", j["nodes"].type_name());
  static const std::map<std::string, NodeKind> kinds = {
      {"param", NodeKind::param},         {"constant", NodeKind::constant},
      {"deterministic", NodeKind::deterministic}, {"bernoulli", NodeKind::bernoulli},
      {"categorical", NodeKind::categorical}, {"gaussian", NodeKind::gaussian}, {"cost", NodeKind::cost}};
  static const std::map<std::string, Op> ops = {
      {"identity", Op::identity}, {"sum", Op::sum},         {"product", Op::product}, {"neg", Op::neg},
      {"exp", Op::exp},           {"log", Op::log},         {"sigmoid", Op::sigmoid}, {"softplus", Op::softplus},
      {"tanh", Op::tanh},         {"square", Op::square},   {"affine", Op::affine},   {"table", Op::table},
      {"select", Op::select},     {"equals", Op::equals},   {"sin", Op::sin},         {"cos", Op::cos},
      {"divide", Op::divide},     {"inside", Op::inside}};
  std::map<std::string, std::size_t> index;
  std::vector<GraphNode> nodes;
  for (std::size_t i = 0; i < j["nodes"].size(); ++i) {
    const auto& o = j["nodes"][i];
    const std::string at = where + ": nodes[" + std::to_string(i) + "]";
    if (!o.is_object()) raise_input_error(at, "a node object", o.type_name());
    for (const auto& [key, value] : o.items())
      if (key != "name" && key != "type" && key != "op" && key != "parents" && key != "value" && key != "weights" &&
          key != "bias" && key != "table" && key != "sizes" && key != "k")
        raise_input_error(at + ": " + key, "only name, type, op, parents, value, weights, bias, table, sizes, k",
                          "unknown key");
    const auto str = [&](const char* key) -> std::string {
      if (!o.contains(key) || !o[key].is_string())
        raise_input_error(at + ": " + key, "a string", o.contains(key) ? o[key].dump() : "nothing");
      return o[key].get<std::string>();
    };
    const auto number = [&](const char* key, double fallback) {
      if (!o.contains(key)) return fallback;
      if (!o[key].is_number()) raise_input_error(at + ": " + key, "a number", o[key].dump());
      return o[key].get<double>();
    };
    const auto numbers = [&](const char* key) {
      std::vector<double> v;
      if (!o.contains(key)) return v;
      if (!o[key].is_array()) raise_input_error(at + ": " + key, "an array of numbers", o[key].dump());
      for (const auto& x : o[key]) {
        if (!x.is_number()) raise_input_error(at + ": " + key, "an array of numbers", x.dump());
        v.push_back(x.get<double>());
      }
      return v;
    };
    GraphNode n;
    n.name = str("name");
    const std::string type = str("type");
    const auto kt = kinds.find(type);
    if (kt == kinds.end())
      raise_input_error(at + ": type", "param, constant, deterministic, bernoulli, categorical, gaussian or cost", "\"" + type + "\"");
    n.kind = kt->second;
    if (n.kind == NodeKind::deterministic || n.kind == NodeKind::cost) {
      const std::string op = str("op");
      const auto ot = ops.find(op);
      if (ot == ops.end())
        raise_input_error(at + ": op",
                          "one of identity, sum, product, neg, exp, log, sigmoid, softplus, tanh, square, affine, "
                          "table, select, equals, sin, cos, divide, inside",
                          "\"" + op + "\"");
      n.op = ot->second;
    } else if (o.contains("op")) {
      raise_input_error(at + ": op", "no op for a " + type + " node", o["op"].dump());
    }
    if (o.contains("parents")) {
      if (!o["parents"].is_array()) raise_input_error(at + ": parents", "an array of node names", o["parents"].dump());
      for (const auto& p : o["parents"]) {
        if (!p.is_string()) raise_input_error(at + ": parents", "node names (strings)", p.dump());
        const auto it = index.find(p.get<std::string>());
        if (it == index.end())
          raise_input_error(at + ": parents", "names of nodes listed earlier", p.dump());
        n.parents.push_back(it->second);
      }
    }
    n.value = number("value", 0.0);
    if (n.kind == NodeKind::constant && !o.contains("value"))
      raise_input_error(at + ": value", "a number for a constant", "nothing");
    n.weights = numbers("weights");
    n.bias = number("bias", 0.0);
    n.table = numbers("table");
    for (double s : numbers("sizes")) {
      if (!(s >= 1 && s <= 1e6 && s == std::floor(s))) raise_input_error(at + ": sizes", "positive integers", format_double(s));
      n.sizes.push_back(static_cast<std::size_t>(s));
    }
    const double k = number("k", 0.0);
    if (!(k >= 0 && k <= 1e6 && k == std::floor(k))) raise_input_error(at + ": k", "an integer >= 0", format_double(k));
    n.k = static_cast<int>(k);
    index[n.name] = nodes.size();
    nodes.push_back(std::move(n));
  }
  return make_graph(name, std::move(nodes), where);
}

std::unique_ptr<Problem> load_graph_json(const nlohmann::json& j, const std::string& path, const std::string& where) {
  return std::make_unique<GraphProblem>(path, std::make_shared<const Graph>(graph_from_json(j, where)));
}

}  // namespace estcheck
