// verify/oracles/certified/lqr.cpp — see lqr.hpp.
#include "verify/oracles/certified/lqr.hpp"

#include "estimators/problems/lqr.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <cmath>
#include <vector>

namespace estcheck::certified {

std::optional<ExactGradient> lqr_gradient(const Model& m) {
  const LqrSystem* sys = lqr_system_of(*m.problem);
  if (sys == nullptr) return std::nullopt;
  const std::size_t p = sys->theta_dim();
  std::vector<Ball> K;
  for (std::size_t i = 0; i + 1 < p; ++i) K.emplace_back(m.theta[i]);
  const Ball sigma = exp(Ball(m.theta[p - 1]));
  const auto r = lqr_objective<Ball>(*sys, std::span<const Ball>(K), sigma);
  ExactGradient g;
  g.method = ExactMethod::closed_form;
  const auto obj = r.objective.to_enclosure();
  if (!r.objective.finite() || !std::isfinite(obj.rad))
    return unknown_gradient(p, g.method, "the LQR objective does not fit a double at this θ");
  g.objective = obj.mid;
  g.objective_error = obj.rad;
  for (std::size_t i = 0; i < p; ++i) {
    const auto e = r.gradient[i].to_enclosure();
    if (!std::isfinite(e.rad))
      return unknown_gradient(p, g.method, "gradient coordinate " + std::to_string(i) + " does not fit a double");
    g.gradient.push_back(e.mid);
    g.error.push_back(e.rad);
  }
  g.certificate = proven("the LQR closed form (Gaussian state propagation, forward-mode ∇θ) in Arb ball "
                         "arithmetic at 128 bits, inputs exact doubles");
  return g;
}

}  // namespace estcheck::certified
