// estimators/disarm.cpp — see disarm.hpp.
#include "estimators/disarm.hpp"

#include "estimators/core/error.hpp"

#include <algorithm>
#include <limits>

namespace estcheck {

constexpr const char* kReference = "Dong, Mnih & Tucker 2020, eq. 7 (DisARM)";

Disarm::Disarm()
    : info_{"disarm", true, false, 2, kReference} {}

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

std::optional<SampleRange> Disarm::sample_range(const Model& m) const {
  const auto f = f_range_on_support(m);
  if (!f) return std::nullopt;
  const auto& d = std::get<BernoulliLogits>(m.dist);
  SampleRange r;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double half = 0.5 * (f->second - f->first) * std::max(d.probs[i], d.probs0[i]) *
                        (1.0 + 4.0 * std::numeric_limits<double>::epsilon());
    r.lo.push_back(-half);
    r.hi.push_back(half);
  }
  r.source = "(max f - min f) sigma(|theta_i|) / 2 over the support";
  return r;
}

EstimatorDescriptor disarm_descriptor() {
  return {.name = "disarm",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "bernoulli",
          .description = "DisARM: ARM with the augmentation integrated out given the antithetic pair (b, b̃)",
          .reference = kReference,
          .make = [](const ParamValues&) { return std::make_unique<Disarm>(); }};
}

}  // namespace estcheck
