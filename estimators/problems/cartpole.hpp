// estimators/problems/cartpole.hpp — Cart-Pole (Barto, Sutton & Anderson 1983, "Neuronlike adaptive
// elements that can solve difficult learning control problems", IEEE SMC 13(5), the equations of
// motion of the appendix) with the constants, update order and explicit Euler step of the common
// CartPole-v1 implementation (gym/gymnasium classic_control/cartpole.py, kinematics_integrator =
// "euler"), as a stochastic computation graph (graph.hpp) with a linear logistic policy.
//
// State s = (x, ẋ, φ, φ̇). One step with action a ∈ {0, 1} (push left / right), in gym's order:
//   F = ±10, c = cos φ, s = sin φ, temp = (F + m_p l φ̇² s) / (m_c + m_p),
//   φ̈ = (g s - c temp) / (l (4/3 - m_p c² / (m_c + m_p))),  ẍ = temp - m_p l φ̈ c / (m_c + m_p),
//   x += τ ẋ, ẋ += τ ẍ, φ += τ φ̇, φ̇ += τ φ̈   (each with the old values: explicit Euler),
// g = 9.8, m_c = 1.0, m_p = 0.1, l = 0.5 (half the pole), τ = 0.02. The episode ends after the
// first step whose new state has |x| > 2.4 or |φ| > 12·2π/360; every step taken earns reward 1
// (gym pays the terminating step too), so the return of a horizon-H episode is the number of steps
// before it ends, at most H. The policy: π(a = 1 | s) = σ(θ_x x + θ_ẋ ẋ + θ_φ φ + θ_φ̇ φ̇ + θ_b),
// θ = 5 values. The objective is L(θ) = E[Σ_t c_t] with cost c_t = -r_t (minimized, as the other
// MDPs here), so ∇L = -∇E[return].
//
// As a graph: per step the deterministic nodes of the update above (ops sum, product, square,
// divide, sin, cos, affine — one node per gym operation, so the double forward pass rounds as
// gym's does), alive_{t+1} = alive_t · inside(x_{t+1}, 2.4) · inside(φ_{t+1}, 12°), the Bernoulli
// action node a_t with logit θ · (s_t, 1), and cost_t = -alive_t. Actions after the end are still
// drawn (their costs are 0), so the graph has exactly 2^H joint assignments. The states depend on
// the actions only, never on θ.
//
// cartpole_step and cartpole_ends are the plain double code of one step (gym's expressions), for
// the tests' independent enumeration.
#pragma once

#include "estimators/problems/graph.hpp"

#include <array>
#include <string>
#include <vector>

namespace estcheck {

struct CartPoleState {
  double x = 0.0, x_dot = 0.0, angle = 0.0, angle_dot = 0.0;
};

/// gym CartPole-v1's constants, computed as gym computes them.
struct CartPoleConstants {
  static constexpr double gravity = 9.8, masscart = 1.0, masspole = 0.1, length = 0.5, force_mag = 10.0,
                          tau = 0.02;
  static constexpr double total_mass = masspole + masscart;
  static constexpr double polemass_length = masspole * length;
  static constexpr double theta_threshold = 12 * 2 * 3.141592653589793 / 360;  // gym: 12 * 2 * math.pi / 360
  static constexpr double x_threshold = 2.4;
};

/// One explicit-Euler step of gym's CartPole-v1 from `s` with action a (0: push left, 1: right).
CartPoleState cartpole_step(const CartPoleState& s, int action);
/// Whether `s` ends the episode: |x| > 2.4 or |φ| > 12·2π/360.
bool cartpole_ends(const CartPoleState& s);

/// A named start state of the problem `cartpole:start=NAME`.
struct CartPoleStart {
  const char* name;
  CartPoleState state;
  const char* description;
};
const std::vector<CartPoleStart>& cartpole_starts();

/// The Cart-Pole graph over `horizon` steps from `start`, named `name`.
Graph cartpole_graph(std::size_t horizon, const CartPoleState& start, const std::string& name);

}  // namespace estcheck
