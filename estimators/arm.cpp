// estimators/arm.cpp — see arm.hpp and disarm.hpp: the two antithetic Bernoulli estimators.
#include "estimators/arm.hpp"

#include "estimators/disarm.hpp"
#include "estimators/error.hpp"

#include <algorithm>

namespace estcheck {

void require_bernoulli(const std::string& estimator, const Problem& problem) {
  if (problem.family() != Family::bernoulli)
    raise_input_error("ESTIMATOR",
                      "an estimator that fits problem '" + problem.spec() + "': '" + estimator +
                          "' needs Bernoulli variables (toy or a bernoulli table)",
                      "'" + estimator + "' on the " + to_string(problem.family()) + " problem '" +
                          problem.spec() + "'");
}

Arm::Arm()
    : info_{"arm", true, false, 2, "Yin & Zhou 2019, eq. 5 (Augment-REINFORCE-Merge)"} {}

void Arm::check(const Problem& problem) const { require_bernoulli("arm", problem); }

void Arm::sample(const Model& m, Noise& noise, std::span<double> scratch,
                 std::span<double> grad) const {
  const std::size_t n = m.sample_dim();
  const auto u = scratch.first(n);
  for (std::size_t i = 0; i < n; ++i) u[i] = noise.uniform();
  evaluate(m, u, scratch.subspan(n, 2 * n), grad);
}

void Arm::evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                   std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto b1 = scratch.first(n), b2 = scratch.subspan(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    b1[i] = u[i] > d.probs0[i] ? 1.0 : 0.0;  // 1[u > σ(-θ)]
    b2[i] = u[i] < d.probs[i] ? 1.0 : 0.0;   // 1[u < σ(θ)]
  }
  const double diff = m.f(b1) - m.f(b2);
  for (std::size_t i = 0; i < n; ++i) grad[i] = diff * (u[i] - 0.5);
}

Disarm::Disarm()
    : info_{"disarm", true, false, 2, "Dong, Mnih & Tucker 2020, eq. 7 (DisARM)"} {}

void Disarm::check(const Problem& problem) const { require_bernoulli("disarm", problem); }

void Disarm::sample(const Model& m, Noise& noise, std::span<double> scratch,
                    std::span<double> grad) const {
  const std::size_t n = m.sample_dim();
  const auto u = scratch.first(n);
  for (std::size_t i = 0; i < n; ++i) u[i] = noise.uniform();
  evaluate(m, u, scratch.subspan(n, 2 * n), grad);
}

void Disarm::evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                      std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto b = scratch.first(n), bt = scratch.subspan(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = u[i] < d.probs[i] ? 1.0 : 0.0;          // b = 1[u < σ(θ)]
    bt[i] = 1.0 - u[i] < d.probs[i] ? 1.0 : 0.0;   // b̃ = 1[1 - u < σ(θ)]
  }
  const double half_diff = 0.5 * (m.f(b) - m.f(bt));
  for (std::size_t i = 0; i < n; ++i) {
    const double sigma_abs = std::max(d.probs[i], d.probs0[i]);  // σ(|θ_i|)
    grad[i] = b[i] != bt[i] ? half_diff * (bt[i] != 0.0 ? -1.0 : 1.0) * sigma_abs : 0.0;
  }
}

}  // namespace estcheck
