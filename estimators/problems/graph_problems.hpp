// estimators/problems/graph_problems.hpp — built-in stochastic computation graphs and JSON graph files.
//
// Built-ins (Family::graph; θ-free defaults in brackets):
// - scg-fig1a..scg-fig1e: the simple graphs of Schulman et al. 2015, Figure 1, with Bernoulli and
//   categorical nodes: (a) θ → x → y~p(·|x) → f(y); (b) x~p(·;θ) → y(x) → f(y); (c) x~p(·;θ) →
//   y~p(·|x) → f(y); (d) x~p(·;θ), f(x, θ); (e) a two-step chain x1~p(·;θ), x2~p(·|x1, θ) with a
//   cost at each step, f1(x1) + f2(x2). docs/graphs.md gives each L(θ) and ∇L by hand.
// - scg-gauss: x ~ N(μ, σ²) (a gaussian node), y ~ Bern(σ(2x)), f = (x - 1)² + [0.5, -1][y];
//   θ = (μ, log σ); the exact oracle integrates over x.
// - sbn: a two-layer sigmoid belief network h1 ~ Bern(σ(b1)), h2 ~ Bern(σ(W h1 + b2)) (2 + 2
//   units), cost -log p(x | h2) of a fixed observation x = (1, 0) under a fixed decoder;
//   θ = (b1, W row-major, b2), 8 values.
// - mdp:states=S,horizon=H,slip=P (4, 4, 0.1): a chain MDP, states 0..S-1 from state 0, actions
//   left/right reversed with probability P (a Bernoulli "slip" node per step), cost -1 per step
//   spent at state S-1 after moving (reward 1); the policy π(a | s) = softmax(θ[s, ·]),
//   θ = 2S logits. Exact objective by enumerating the 4^H trajectories (H ≤ 6).
// - grid:size=n,horizon=H,slip=P (4, 6, 0): the n × n gridworld from (0, 0), actions
//   up/down/left/right clamped at the walls, a slip (probability P) keeps the agent in place, cost -1
//   per step ending at (n-1, n-1); θ = 4n² logits.
// - cartpole:horizon=H,start=NAME (10, tilted): Cart-Pole with gym CartPole-v1's dynamics and a
//   logistic policy on the state, θ = 5 values (estimators/problems/cartpole.hpp, docs/cartpole.md).
// - FILE.json with a "nodes" key: a graph described node by node (docs/graphs.md), e.g.
//   examples/fig1b.json.
#pragma once

#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

/// Catalogue entries of the built-in graphs (appended to problem_catalogue()).
std::vector<ProblemInfo> graph_problem_entries();

/// A built-in graph problem from its spec; nullptr when the name is not a graph's. Throws
/// InputError for bad keys or values.
std::unique_ptr<Problem> make_graph_problem(std::string_view spec, const std::string& argument);

/// The graph a JSON object describes ({"nodes": [...], "graph": name, "description": text}).
/// Throws InputError naming `where` and the node or key at fault.
Graph graph_from_json(const nlohmann::json& j, const std::string& where);

/// A graph problem from a parsed JSON file (`path` is its spec).
std::unique_ptr<Problem> load_graph_json(const nlohmann::json& j, const std::string& path,
                                         const std::string& where);

/// The built-in graph `name` ("scg-fig1b", "sbn", "mdp:states=3"): for tests comparing with JSON.
Graph builtin_graph(std::string_view spec);

}  // namespace estcheck
