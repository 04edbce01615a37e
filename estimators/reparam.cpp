// estimators/reparam.cpp — see reparam.hpp.
#include "estimators/reparam.hpp"

#include "estimators/core/error.hpp"

namespace estcheck {

constexpr const char* kReference = "Kingma & Welling 2014, §2.4; Mohamed et al. 2020, eq. 33 (pathwise)";

Reparam::Reparam()
    : info_{"reparam", true, true, 1,
            kReference} {}

void Reparam::check(const Problem& problem) const {
  if (problem.family() != Family::gaussian || !problem.has_gradient())
    raise_input_error("estimator",
                      "an estimator that fits problem '" + problem.spec() +
                          "': 'reparam' needs a reparameterizable distribution with ∇x f "
                          "(the gaussian-* problems)",
                      "'reparam' on the " + std::string(to_string(problem.family())) +
                          " problem '" + problem.spec() + "'");
}

// Given the draw x, ε = (x - μ)/σ (for verify/'s quadrature over x; sample() keeps its own ε).
void Reparam::value_at(const Model& m, std::span<const double> x, std::span<double> scratch,
                       std::span<double> grad) const {
  const auto& d = std::get<DiagGaussian>(m.dist);
  const std::size_t n = d.size();
  const auto df = scratch.first(n);
  m.problem->gradient(x, df);
  for (std::size_t i = 0; i < n; ++i) {
    grad[i] = df[i];
    grad[n + i] = df[i] * (x[i] - d.mu[i]);  // = ∇f σ ε with ε = (x - μ)/σ
  }
}

void Reparam::sample(const Model& m, Noise& noise, std::span<double> scratch,
                     std::span<double> grad) const {
  const auto& d = std::get<DiagGaussian>(m.dist);
  const std::size_t n = d.size();
  const auto eps = scratch.first(n), x = scratch.subspan(n, n), df = scratch.subspan(2 * n, n);
  standard_noise(d, noise, eps);
  rsample(d, eps, x);
  m.problem->gradient(x, df);
  for (std::size_t i = 0; i < n; ++i) {
    grad[i] = df[i];
    grad[n + i] = df[i] * d.sigma[i] * eps[i];
  }
}

EstimatorDescriptor reparam_descriptor() {
  return {.name = "reparam",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "gaussian with ∇x f (unbiased only where f is differentiable)",
          .description = "pathwise (reparameterization): ∇x f(μ + σε) pulled back to (μ, log σ)",
          .reference = kReference,
          .make = [](const ParamValues&) { return std::make_unique<Reparam>(); }};
}

}  // namespace estcheck
