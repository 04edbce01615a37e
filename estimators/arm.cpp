// estimators/arm.cpp — see arm.hpp.
#include "estimators/arm.hpp"

#include "estimators/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace estcheck {

constexpr const char* kReference = "Yin & Zhou 2019, eq. 5 (Augment-REINFORCE-Merge)";

Arm::Arm()
    : info_{"arm", true, false, 2, kReference} {}

void Arm::check(const Problem& problem) const { require_bernoulli("arm", problem); }

void Arm::sample(const Model& m, Noise& noise, std::span<double> scratch,
                 std::span<double> grad) const {
  const std::size_t n = m.sample_dim();
  const auto u = scratch.first(n);
  for (std::size_t i = 0; i < n; ++i) u[i] = noise.uniform();
  evaluate(m, u, scratch.subspan(n, 2 * n), grad);
}

double Arm::cell_difference(const Model& m, std::span<const double> u, std::span<double> scratch) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto b1 = scratch.first(n), b2 = scratch.subspan(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    b1[i] = u[i] > d.probs0[i] ? 1.0 : 0.0;  // 1[u > σ(-θ)]
    b2[i] = u[i] < d.probs[i] ? 1.0 : 0.0;   // 1[u < σ(θ)]
  }
  return m.f(b1) - m.f(b2);
}

void Arm::evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                   std::span<double> grad) const {
  const double diff = cell_difference(m, u, scratch);
  for (std::size_t i = 0; i < u.size(); ++i) grad[i] = diff * (u[i] - 0.5);
}

void Arm::antithetic_cell(const Model& m, std::span<const double> u, std::span<double> scratch,
                          std::span<double> value, std::span<double> slope) const {
  const double diff = cell_difference(m, u, scratch);
  std::fill(value.begin(), value.end(), 0.0);
  std::fill(slope.begin(), slope.end(), diff);
}

std::optional<SampleRange> Arm::sample_range(const Model& m) const {
  const auto f = f_range_on_support(m);
  if (!f) return std::nullopt;
  const double half = 0.5 * (f->second - f->first) * (1.0 + 4.0 * std::numeric_limits<double>::epsilon());
  const std::size_t n = m.theta_dim();
  return SampleRange{std::vector<double>(n, -half), std::vector<double>(n, half),
                     "(max f - min f) / 2 over the " + format_double(std::ldexp(1.0, static_cast<int>(m.sample_dim()))) +
                         " support points"};
}

EstimatorDescriptor arm_descriptor() {
  return {.name = "arm",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "bernoulli",
          .description = "Augment-REINFORCE-Merge: (f(1[u > σ(-θ)]) - f(1[u < σ(θ)])) (u - 1/2)",
          .reference = kReference,
          .make = [](const ParamValues&) { return std::make_unique<Arm>(); }};
}

}  // namespace estcheck
