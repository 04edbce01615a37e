// verify/oracles/graph_exact.hpp — the exact oracle of stochastic computation graphs: L(θ) = E[Σ_c c],
// its gradient and its Hessian, by enumerating every joint assignment a of the discrete nodes:
//   L = Σ_a p_a f_a,  ∇L = Σ_a p_a (f_a ∇log p_a + ∇f_a),
//   ∇²L = Σ_a p_a (f_a (∇²log p_a + ∇log p_a ∇log p_aᵀ) + ∇log p_a ∇f_aᵀ + ∇f_a ∇log p_aᵀ + ∇²f_a),
// with p_a = Π_w p(w | DEPS_w) and f_a = Σ_c c at a; derivatives in θ by Boost.Math autodiff
// (estimators/problems/graph.hpp): one fvar<double, 1> pass per coordinate, and one fvar<double, 2> pass per
// direction e_i or e_i + e_j (H_ij = (D²_{e_i+e_j} - H_ii - H_jj) / 2). Summed in a fixed oneTBB
// parallel_deterministic_reduce tree (bits independent of the thread count) with Neumaier sums.
// A graph with one gaussian node x: each sum over a becomes Σ_a ∫ dx of the same terms, integrated
// by Boost.Math's adaptive Gauss–Kronrod over x = μ_a + σ_a ε (method `quadrature`).
// The same enumeration gives the exact moments E ĝ, Var ĝ of the graph estimators whose only noise
// is the graph's draws (exact_graph_estimator_moments).
// Certificates (verify/oracles/certificate.hpp): on graphs whose stochastic nodes are all discrete,
// every figure is certified by a second enumeration in Arb ball arithmetic
// (verify/oracles/certified/graph.hpp): the double figure is kept and its bound becomes
// max(rounding model, proven distance to the ball); a double figure that overflowed is replaced
// by the ball's midpoint and radius. When that route is predicted to outlast the oracle's budget
// (or reaches its deadline), the figures are estimated (the rounding model), with the reason.
// With a gaussian node the figures are estimated (Gauss–Kronrod's error estimate). Every loop and
// integrand checks the budget (oracle_checkpoint); past the deadline the double route throws
// OracleBudgetExceeded, which the entry points turn into an unknown figure.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <optional>

namespace estcheck {

/// Joint assignments the oracle enumerates at most.
inline constexpr std::uint64_t kMaxGraphAssignments = std::uint64_t{1} << 24;

/// The exact L and ∇L of a graph problem. Throws InputError (field "problem") for a non-graph
/// problem, more than kMaxGraphAssignments assignments, or more than one gaussian node.
ExactGradient exact_graph_gradient(const Model& model, int threads = 0);

/// The exact Hessian ∇²L, upper triangle row-major, in ExactGradient::gradient (with its error
/// bounds in `error`); `objective` is L. Same errors as exact_graph_gradient.
ExactGradient exact_graph_hessian(const Model& model, int threads = 0);

/// E[ĝ] and Var[ĝ] per output coordinate of an estimator whose only noise is the graph's draws
/// (Estimator::samples_graph_assignment(): scg with every option and its mutants, dice of orders 1
/// and 2), exactly, on a graph problem whose stochastic nodes are all discrete: Σ_a p_a ĝ_a and
/// Σ_a p_a ĝ_a² over every joint assignment a, ĝ_a from Estimator::value_at_assignment (the bits
/// sample() gives at a), in the same fixed reduction tree as the gradient, with a rounding bound
/// (derivation in graph_exact.cpp). The moments are those of the samples as computed: ĝ_a's own
/// rounding is not in the bounds. std::nullopt when the estimator lacks the capability, the
/// problem is no graph or has a gaussian node, or it has more than kMaxGraphAssignments
/// assignments. The estimator must be prepared on `model` (scg's conditional baseline).
std::optional<EstimatorMoments> exact_graph_estimator_moments(const Estimator& estimator, const Model& model,
                                                              int threads = 0);

/// What `estimator` targets, exactly: the Hessian for order-2 estimators (graph problems only),
/// otherwise exact_target_gradient(model, info().objective_samples).
ExactGradient exact_target(const Estimator& estimator, const Model& model, int threads = 0);

}  // namespace estcheck
