// estimators/muprop.cpp — see muprop.hpp.
#include "estimators/muprop.hpp"

#include "estimators/core/error.hpp"

#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Gu et al. 2016, eq. 4 (MuProp)";

Muprop::Muprop() : info_{"muprop", true, false, 2, kReference} {}

void Muprop::check(const Problem& problem) const { require_relaxation("muprop", problem); }

void Muprop::prepare(const Model& m) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  gmu_.assign(d.size(), 0.0);
  fmu_ = m.problem->f_relaxed(d.probs);
  m.problem->relaxed_gradient(d.probs, gmu_);
  prepared_problem_ = m.problem;
  prepared_theta_ = m.theta;
}

void Muprop::sample(const Model& m, Noise& noise, std::span<double> scratch,
                    std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const auto b = scratch.first(d.size());
  estcheck::sample(d, noise, b);
  value_at(m, b, scratch.subspan(d.size()), grad);
}

void Muprop::value_at(const Model& m, std::span<const double> b, std::span<double> scratch,
                      std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  double fmu = fmu_;
  std::span<const double> gmu = gmu_;
  if (m.problem != prepared_problem_ || m.theta != prepared_theta_) {  // not prepared for this model
    const auto g = scratch.first(n);
    fmu = m.problem->f_relaxed(d.probs);
    m.problem->relaxed_gradient(d.probs, g);
    gmu = g;
  }
  double taylor = fmu;
  for (std::size_t j = 0; j < n; ++j) taylor += gmu[j] * (b[j] - d.probs[j]);
  const double residual = m.f(b) - taylor;
  score(d, b, grad);  // b - μ
  for (std::size_t i = 0; i < n; ++i)
    grad[i] = residual * grad[i] + gmu[i] * d.probs[i] * d.probs0[i];
}

EstimatorDescriptor muprop_descriptor() {
  return {.name = "muprop",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "bernoulli with f on [0,1]^n (toy, bernoulli tables)",
          .description = "MuProp: first-order Taylor control variate around the mean-field point σ(θ)",
          .reference = kReference,
          .make = [](const ParamValues&) { return std::make_unique<Muprop>(); }};
}

}  // namespace estcheck
