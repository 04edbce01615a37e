// estimators/problems/graph.hpp — stochastic computation graphs (Schulman, Heess, Weber & Abbeel 2015).
//
// A Graph is a list of scalar nodes in topological order (every parent comes before its child):
// - param: θ_i (the i-th param node in the list is θ_i);
// - constant: a fixed number;
// - deterministic: an Op applied to the parents' values (sum, product, affine, exp, ..., table;
//   sin, cos, divide = parent 0 / parent 1, and inside = 1[|parent| <= value], the indicator that
//   ends an episode, e.g. Cart-Pole's, estimators/problems/cartpole.hpp);
// - bernoulli: w ∈ {0, 1}, logit = the one parent's value; categorical: w ∈ {0..K-1}, logits =
//   the K parents' values (the "stochastic nodes" of the paper, whose parameters are functions of
//   their parents, DEPS_w); gaussian: w ∈ R, w ~ N(μ, σ²) with μ and log σ the two parents'
//   values (at most one gaussian node per graph for the exact oracle, which integrates it);
// - cost: an Op applied to the parents, added to the total cost; costs are leaves.
// The objective is L(θ) = E[Σ_c c]. Discrete values feed downstream nodes as numbers (0, 1, k),
// through `table` (mixed-radix lookup), `select` (pick one of several parents) and `equals`.
//
// Derivatives through the deterministic parts are Boost.Math's forward-mode autodiff
// (boost/math/differentiation/autodiff.hpp): fvar<double, 1> along θ's coordinate directions for
// gradients, fvar<double, 2> along directions u for u^T H u (Hessians by polarization). θ is small
// (≤ a few dozen), so d forward passes per evaluation are cheap; no new AD engine.
//
// The quantities the estimators (estimators/graphs/graph_estimators.hpp) and the exact oracle
// (verify/oracles/graph_exact.hpp) need are free functions here: sampling one joint assignment, the
// gradient of the surrogate Σ_w weight_w log p(w | DEPS_w) + Σ_c c (Schulman, Corollary 1 with
// weight_w = Q̂_w - b_w), the DiCE Hessian (Foerster et al. 2018, eq. 6 with the magic box
// ⊡(W) = exp(τ - ⊥τ)), and per-assignment derivatives of log p(a) and f(a) for enumeration.
#pragma once

#include "estimators/core/noise.hpp"
#include "estimators/problems/problem.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace estcheck {

enum class NodeKind { param, constant, deterministic, bernoulli, categorical, gaussian, cost };
enum class Op {
  identity, sum, product, neg, exp, log, sigmoid, softplus, tanh, square, affine, table, select, equals,
  sin, cos, divide, inside
};
const char* to_string(NodeKind k);
const char* to_string(Op op);

struct GraphNode {
  std::string name;
  NodeKind kind = NodeKind::constant;
  Op op = Op::identity;               ///< deterministic and cost nodes
  std::vector<std::size_t> parents;   ///< indices of earlier nodes
  double value = 0.0;                 ///< constant; inside: the bound b of 1[|parent| <= b]
  std::vector<double> weights;        ///< affine: Σ weights_i parent_i + bias
  double bias = 0.0;                  ///< affine
  std::vector<double> table;          ///< table: table[Σ_i v_i stride_i] (first parent slowest)
  std::vector<std::size_t> sizes;     ///< table: the radix of each parent
  int k = 0;                          ///< equals: 1[parent == k]
};

/// A checked graph (build with make_graph). Derived fields are filled by make_graph.
struct Graph {
  std::string name;
  std::vector<GraphNode> nodes;
  std::size_t theta_dim = 0;
  std::vector<std::size_t> theta_node;       ///< node of θ_i
  std::vector<std::size_t> stochastic;       ///< stochastic nodes, in order
  std::vector<std::size_t> gaussian;         ///< the gaussian ones among them
  std::vector<std::size_t> costs;            ///< cost nodes, in order
  std::vector<std::size_t> support;          ///< per node: number of values if discrete (else 0)
  /// Per stochastic node (by position in `stochastic`): the cost nodes downstream of it.
  std::vector<std::vector<std::size_t>> downstream_costs;
  /// Per cost node (by position in `costs`): the stochastic nodes upstream of it (DiCE's W_c).
  std::vector<std::vector<std::size_t>> upstream_stochastic;
};

/// A node from its name, kind, op and parents, every other field at its default: the C++ way to
/// write a graph (set weights, table, value... on the result where the op needs them).
GraphNode graph_node(std::string name, NodeKind kind, Op op = Op::identity, std::vector<std::size_t> parents = {});

/// Checks the nodes (parents earlier, arities, table sizes, discrete index parents, costs are
/// leaves) and fills the derived fields. Throws InputError naming `where` and the node.
Graph make_graph(std::string name, std::vector<GraphNode> nodes, const std::string& where = "graph");

/// Number of joint assignments of the discrete stochastic nodes (Π of their supports; saturates
/// at 2^63). Gaussian nodes are not counted: the oracle integrates over them.
std::uint64_t assignment_count(const Graph& g);
/// The assignment with mixed-radix code `code` (first discrete stochastic node fastest): `choice`
/// has one entry per node (the draw: 0/1, k, or x for gaussian nodes); discrete stochastic entries
/// are set, others are left as they are.
void assignment(const Graph& g, std::uint64_t code, std::span<double> choice);

/// Draws every stochastic node in order (Bernoulli: 1[u < σ(l)]; categorical: inverse CDF of one
/// uniform; gaussian: μ + σ ε, ε = Noise::normal()) and returns the total cost; `choice` (one entry per node) receives the draws and
/// `values` (one per node) every node's value.
double sample_graph(const Graph& g, std::span<const double> theta, Noise& noise, std::span<double> choice,
                    std::span<double> values);

/// Every node's value at the assignment `choice` (the same bits as sample_graph gives for those
/// draws), written to `values` (one per node); returns log p(a) = Σ_w log p(w | DEPS_w).
double evaluate_values(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                       std::span<double> values);

/// ∇θ [Σ_w weight_w log p(w | DEPS_w) + cost_scale Σ_c c] at the assignment `choice`, with
/// `weights` per stochastic node (by position) held constant. Written to `grad` (theta_dim).
void surrogate_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                        std::span<const double> weights, double cost_scale, std::span<double> grad);

/// The Hessian of the DiCE objective Σ_c ⊡(W_c) c at `choice`, upper triangle row-major
/// (d(d+1)/2 values): Σ_c [c (∇τ_c ∇τ_cᵀ + ∇²τ_c) + ∇τ_c ∇cᵀ + ∇c ∇τ_cᵀ + ∇²c].
/// With `first_order_only`, the Hessian of Schulman's surrogate Σ_w log p(w) ⊥(Q̂_w) + Σ_c c
/// instead (Σ_w ∇² log p(w) Q̂_w + Σ_c ∇²c): a planted bug, biased for the Hessian.
void dice_hessian(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                  bool first_order_only, std::span<double> hessian);

/// Uniforms per stochastic node for the Gumbel form of sampling: Σ_w |support of w| (gaussian
/// nodes: 0; they are drawn as in sample_graph and get no relaxed control variate).
std::size_t gumbel_size(const Graph& g);

/// Like sample_graph, but every stochastic node w (K = its support) is drawn by Gumbel-max:
/// z_k = log p(w = k | DEPS_w) - log(-log u_k), w = argmax_k z_k; `u` and `v` (gumbel_size each,
/// node after node) receive the K uniforms of z and K more for the conditional sample z̃ | w.
double sample_graph_gumbel(const Graph& g, std::span<const double> theta, Noise& noise, std::span<double> choice,
                           std::span<double> values, std::span<double> u, std::span<double> v);

/// The RELAX estimator on a graph (Grathwohl et al. 2018, §6.4.2 of the draft; Tucker et al. 2017,
/// App. C for z̃): ∇θ of Σ_w (weight_w - η m_w(z̃_w)) log p(w | DEPS_w) + Σ_c c
/// + η Σ_w [m_w(z_w) - m_w(z̃_w)], with the bracketed weights held constant, m_w(z) =
/// Σ_k softmax(z/λ)_k q_w[k], z_w = log p(w = · | DEPS_w) + G(u_w), and z̃_w the conditional Gumbel
/// sample given w's value: z̃_a = -log B, z̃_k = -log(-log v_k / p_k + B), B = -log v_a.
/// `q` is laid out like `u` (K values per node). `correction = false` drops η Σ_w (m(z) - m(z̃)):
/// the planted bug mutant/scg-relax-no-correction.
void relax_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                    std::span<const double> u, std::span<const double> v, std::span<const double> weights,
                    std::span<const double> q, double temperature, double eta, std::span<double> grad,
                    bool correction = true);

/// At an assignment: log p(a), f(a) = Σ_c c, and their gradients (theta_dim each).
struct PointGradient {
  double log_prob = 0.0, cost = 0.0;
  std::vector<double> d_log_prob, d_cost;
};
PointGradient point_gradient(const Graph& g, std::span<const double> theta, std::span<const double> choice);

/// At an assignment, along direction u: log p, f and their first and second derivatives in t of
/// θ + t u at t = 0.
struct PointDirectional {
  double log_prob = 0.0, d_log_prob = 0.0, d2_log_prob = 0.0;
  double cost = 0.0, d_cost = 0.0, d2_cost = 0.0;
};
PointDirectional point_directional(const Graph& g, std::span<const double> theta, std::span<const double> choice,
                                   std::span<const double> u);

/// Index of H_ij (i ≤ j) in the upper triangle, row-major, of a d × d matrix.
inline std::size_t upper_index(std::size_t i, std::size_t j, std::size_t d) {
  return i * d - i * (i - 1) / 2 + (j - i);
}

/// A problem whose model is a graph (Family::graph). f() is not used (costs may depend on θ):
/// the graph estimators and the graph oracle read graph() instead.
class GraphProblem final : public Problem {
 public:
  GraphProblem(std::string spec, std::shared_ptr<const Graph> graph);
  std::string spec() const override { return spec_; }
  Family family() const override { return Family::graph; }
  std::size_t sample_dim() const override { return graph_->stochastic.size(); }
  std::size_t theta_dim() const override { return graph_->theta_dim; }
  std::string theta_meaning() const override;
  /// Throws std::logic_error: a graph's cost may depend on θ, so it is no black box f(x).
  double f(std::span<const double> x) const override;
  const Graph& graph() const { return *graph_; }
  const Graph* computation_graph() const override { return graph_.get(); }

 private:
  std::string spec_;
  std::shared_ptr<const Graph> graph_;
};

/// The graph of a graph problem (Problem::computation_graph), or nullptr.
const Graph* graph_of(const Problem& p);

}  // namespace estcheck
