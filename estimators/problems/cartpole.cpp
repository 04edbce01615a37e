// estimators/problems/cartpole.cpp — see cartpole.hpp: gym CartPole-v1's Euler step (its
// expressions, in its order) as plain double code and as graph nodes.
#include "estimators/problems/cartpole.hpp"

#include "estimators/problems/graph_builder.hpp"

#include <cmath>
#include <utility>

namespace estcheck {

CartPoleState cartpole_step(const CartPoleState& s, int action) {
  using C = CartPoleConstants;
  // gym/gymnasium envs/classic_control/cartpole.py, CartPoleEnv.step, kinematics_integrator "euler".
  const double force = action == 1 ? C::force_mag : -C::force_mag;
  const double costheta = std::cos(s.angle), sintheta = std::sin(s.angle);
  const double temp = (force + C::polemass_length * (s.angle_dot * s.angle_dot) * sintheta) / C::total_mass;
  const double thetaacc = (C::gravity * sintheta - costheta * temp) /
                          (C::length * (4.0 / 3.0 - C::masspole * (costheta * costheta) / C::total_mass));
  const double xacc = temp - C::polemass_length * thetaacc * costheta / C::total_mass;
  CartPoleState n;
  n.x = s.x + C::tau * s.x_dot;
  n.x_dot = s.x_dot + C::tau * xacc;
  n.angle = s.angle + C::tau * s.angle_dot;
  n.angle_dot = s.angle_dot + C::tau * thetaacc;
  return n;
}

bool cartpole_ends(const CartPoleState& s) {
  using C = CartPoleConstants;
  return s.x < -C::x_threshold || s.x > C::x_threshold || s.angle < -C::theta_threshold ||
         s.angle > C::theta_threshold;
}

const std::vector<CartPoleStart>& cartpole_starts() {
  static const std::vector<CartPoleStart> starts = {
      {"upright", {0.0, 0.0, 0.0, 0.0}, "at rest, pole upright: (x, ẋ, φ, φ̇) = (0, 0, 0, 0)"},
      {"tilted", {0.0, 0.0, 0.1, 0.0}, "pole tilted 0.1 rad right, at rest: (0, 0, 0.1, 0)"},
      {"falling", {0.0, 0.0, 0.1, 0.5}, "pole tilted 0.1 rad and falling at 0.5 rad/s: (0, 0, 0.1, 0.5)"},
      {"edge", {2.2, 1.0, 0.0, 0.0}, "cart near the right end of the track, moving right: (2.2, 1, 0, 0)"},
  };
  return starts;
}

Graph cartpole_graph(std::size_t horizon, const CartPoleState& start, const std::string& name) {
  using C = CartPoleConstants;
  GraphBuilder b;
  const char* features[4] = {"x", "x_dot", "angle", "angle_dot"};
  std::size_t w[5];
  for (int i = 0; i < 4; ++i) w[i] = b.add(graph_node(std::string("w_") + features[i], NodeKind::param));
  w[4] = b.add(graph_node("bias", NodeKind::param));
  const auto g = b.constant("gravity", C::gravity), mp = b.constant("masspole", C::masspole),
             tm = b.constant("total_mass", C::total_mass), len = b.constant("length", C::length),
             pml = b.constant("polemass_length", C::polemass_length);
  std::size_t s[4] = {b.constant("x0", start.x), b.constant("x_dot0", start.x_dot), b.constant("angle0", start.angle),
                      b.constant("angle_dot0", start.angle_dot)};
  std::size_t alive = b.constant("alive0", 1.0);
  for (std::size_t t = 0; t < horizon; ++t) {
    const std::string T = std::to_string(t), N = std::to_string(t + 1);
    // The policy: a_t ~ Bern(σ(θ · (s_t, 1))).
    std::vector<std::size_t> terms;
    for (int i = 0; i < 4; ++i) terms.push_back(b.op("w_" + std::string(features[i]) + "*" + features[i] + T,
                                                     Op::product, {w[i], s[i]}));
    terms.push_back(w[4]);
    const auto logit = b.op("logit" + T, Op::sum, terms);
    const auto a = b.add(graph_node("a" + T, NodeKind::bernoulli, Op::identity, {logit}));
    b.op("cost" + T, Op::neg, {alive}, NodeKind::cost);  // -r_t: reward 1 while the episode runs
    if (t + 1 == horizon) break;  // s_H would end no step within the horizon
    // gym's step, one node per operation.
    const auto force = b.affine("force" + T, {a}, {2.0 * C::force_mag}, -C::force_mag);  // ±10, exact
    const auto cth = b.op("cos_angle" + T, Op::cos, {s[2]});
    const auto sth = b.op("sin_angle" + T, Op::sin, {s[2]});
    const auto w2 = b.op("angle_dot^2_" + T, Op::square, {s[3]});
    const auto push = b.op("pml*angle_dot^2*sin" + T, Op::product, {pml, w2, sth});
    const auto temp = b.op("temp" + T, Op::divide, {b.op("force+pml*angle_dot^2*sin" + T, Op::sum, {force, push}), tm});
    const auto gs = b.op("g*sin" + T, Op::product, {g, sth});
    const auto ct = b.op("cos*temp" + T, Op::product, {cth, temp});
    const auto num = b.affine("g*sin-cos*temp" + T, {gs, ct}, {1.0, -1.0}, 0.0);
    const auto c2 = b.op("cos^2_" + T, Op::square, {cth});
    const auto q = b.op("mp*cos^2/tm" + T, Op::divide, {b.op("mp*cos^2_" + T, Op::product, {mp, c2}), tm});
    const auto den = b.op("l*(4/3-mp*cos^2/tm)" + T, Op::product, {len, b.affine("4/3-mp*cos^2/tm" + T, {q}, {-1.0}, 4.0 / 3.0)});
    const auto angle_acc = b.op("angle_acc" + T, Op::divide, {num, den});
    const auto pq = b.op("pml*angle_acc*cos/tm" + T, Op::divide,
                         {b.op("pml*angle_acc*cos" + T, Op::product, {pml, angle_acc, cth}), tm});
    const auto x_acc = b.affine("x_acc" + T, {temp, pq}, {1.0, -1.0}, 0.0);
    const std::size_t next[4] = {b.affine("x" + N, {s[0], s[1]}, {1.0, C::tau}, 0.0),
                                 b.affine("x_dot" + N, {s[1], x_acc}, {1.0, C::tau}, 0.0),
                                 b.affine("angle" + N, {s[2], s[3]}, {1.0, C::tau}, 0.0),
                                 b.affine("angle_dot" + N, {s[3], angle_acc}, {1.0, C::tau}, 0.0)};
    const auto in_x = b.inside("|x" + N + "|<=2.4", next[0], C::x_threshold);
    const auto in_angle = b.inside("|angle" + N + "|<=12deg", next[2], C::theta_threshold);
    alive = b.op("alive" + N, Op::product, {alive, in_x, in_angle});
    for (int i = 0; i < 4; ++i) s[i] = next[i];
  }
  return make_graph(name, std::move(b.nodes));
}

}  // namespace estcheck
