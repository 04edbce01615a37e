// verify/oracles/certified/graph.hpp — certified enclosures of a stochastic computation graph's
// exact figures (issue 14): L(θ) = Σ_a p_a f_a, ∇L, ∇²L and the moments Σ_a p_a ĝ_a, Σ_a p_a ĝ_a²
// of a graph estimator, over every joint assignment a of a graph whose stochastic nodes are all
// discrete (verify/oracles/graph_exact.hpp has the formulas).
//
// How: the graph's own forward pass (estimators/problems/graph_eval.hpp, the template the double
// routes use) is instantiated with Jet, a forward-mode jet over Arb balls (certified::Ball): a
// value, its gradient in θ and (second order) its Hessian in θ, each entry a ball, propagated by
// the chain rule with ball arithmetic, so every entry encloses the exact derivative of the exact
// function (Arb's operations are rigorous; θ, the graph's constants, weights and table entries
// are exact doubles; the forward pass's branches — softplus's and σ's sign, the categorical
// shift m — only pick among formulas that are equal in exact arithmetic, and its discrete values
// 0, 1, k are exact in every scalar type). Per assignment the jet exp(log p_a) · f_a carries, by
// the product rule, exactly the terms p_a f_a, p_a (f_a ∇log p_a + ∇f_a) and
// p_a (f_a (∇²log p_a + ∇log p_a ∇log p_aᵀ) + ∇log p_a ∇f_aᵀ + ∇f_a ∇log p_aᵀ + ∇²f_a); the
// terms are added in ball arithmetic in a fixed tree (chunks of 256 assignments in order, then a
// oneTBB parallel_deterministic_reduce over chunks), so the balls are the same for any thread
// count. The sums are therefore enclosures of the exact figures, not estimates.
//
// Cost: Arb at 128 bits, roughly (nodes × (d + 1) (× (d + 2) / 2 for Hessians)) ball operations
// per assignment; each call times its first assignments and refuses itself (OracleBudgetExceeded,
// from oracle_expect) when the whole enumeration is predicted to outlast the oracle's budget, and
// calls oracle_checkpoint() after every assignment.
#pragma once

#include "estimators/problems/graph.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace estcheck::certified {

/// Thrown by the jets' inside_t when a ball straddles the indicator's threshold: the exact
/// assignment's branch is not decided at this precision, so the route cannot certify (the oracle
/// then reports its figures as estimated, never a guess).
class UndecidedBranch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A function of θ near a point as balls: its value v, gradient g (d entries) and Hessian h (upper
/// triangle row-major, d(d+1)/2 entries, upper_index). An empty g or h means all zeros (constants,
/// discrete values; first-order jets have no h). The operators follow the chain and product rules
/// on balls, so each entry encloses the exact derivative of the exact function.
struct Jet {
  Ball v;
  std::vector<Ball> g, h;
  Jet() = default;
  Jet(double x) : v(x) {}  // NOLINT: implicit from an exact double, as the forward pass needs
};

Jet operator+(const Jet& a, const Jet& b);
Jet operator-(const Jet& a, const Jet& b);
Jet operator-(const Jet& a);
Jet operator*(const Jet& a, const Jet& b);
Jet operator*(double c, const Jet& a);
Jet operator*(const Jet& a, double c);
Jet operator/(const Jet& a, const Jet& b);
Jet& operator+=(Jet& a, const Jet& b);
Jet& operator-=(Jet& a, const Jet& b);
Jet& operator*=(Jet& a, const Jet& b);
Jet exp(const Jet& a);
Jet log(const Jet& a);
Jet tanh_t(const Jet& a);
/// sin and cos by Arb (arb_sin_cos): derivatives cos, -sin and -sin, -cos.
Jet sin(const Jet& a);
Jet cos(const Jet& a);
/// 1[|a| <= b] for every point of a's ball (a constant jet, derivatives 0); throws UndecidedBranch
/// when the ball holds points on both sides of the threshold.
Jet inside_t(const Jet& a, double b);
/// log(1 + e^a) (Arb's log1p of exp, no overflow in ball arithmetic).
Jet softplus(const Jet& a);
/// σ(a) = 1 / (1 + e^{-a}), derivatives σ(a)σ(-a) and σ(a)σ(-a)(σ(-a) - σ(a)) (no cancellation).
Jet sigmoid_t(const Jet& a);
/// The midpoint as a double: for the forward pass's branches and discrete indices only.
double val(const Jet& a);

/// Per output coordinate the ball sum; index 0 is L, then ∇L (order 1, d entries) or ∇²L's
/// upper triangle (order 2, d(d+1)/2 entries). The graph's stochastic nodes must all be discrete.
/// Throws OracleBudgetExceeded (via oracle_expect/oracle_checkpoint) past the oracle's budget.
std::vector<Ball> graph_derivative_sums(const Graph& g, std::span<const double> theta, int order, int threads);

/// ĝ at an assignment: writes one sample (out values) for the joint assignment `choice` (one entry
/// per node). Called from several threads at once.
using GraphSampleAt = std::function<void(std::span<const double> choice, std::span<double> sample)>;

/// Σ_a p_a ĝ_a,i (entries [0, out)) and Σ_a p_a ĝ_a,i² (entries [out, 2 out)) as balls, with the
/// ĝ_a from `sample_at` taken as exact inputs and p_a enclosed. Same tree, budget and
/// requirements as graph_derivative_sums.
std::vector<Ball> graph_moment_sums(const Graph& g, std::span<const double> theta, std::size_t out,
                                    const GraphSampleAt& sample_at, int threads);


}  // namespace estcheck::certified
