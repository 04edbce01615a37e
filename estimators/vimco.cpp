// estimators/vimco.cpp — see vimco.hpp.
#include "estimators/vimco.hpp"

#include "estimators/core/error.hpp"

#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Mnih & Rezende 2016, eq. 8-10 (VIMCO)";

Vimco::Vimco(int k)
    : k_(k),
      info_{"vimco:k=" + std::to_string(k), true, false, k,
            kReference, k} {
  if (k < 2) raise_input_error("vimco:k", "an integer >= 2", std::to_string(k));
}

void Vimco::sample(const Model& m, Noise& noise, std::span<double> scratch,
                   std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto xs = scratch.first(K * n);
  for (std::size_t k = 0; k < K; ++k) estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
  value_at(m, xs, scratch.subspan(K * n), grad);
}

void Vimco::value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                     std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto fs = scratch.first(K), logs = scratch.subspan(K, K), s = scratch.subspan(2 * K, m.theta_dim());
  double sum_f = 0.0, sum_log = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const auto x = xs.subspan(k * n, n);
    fs[k] = m.f(x);
    logs[k] = std::log(fs[k]);  // NaN for f <= 0: counted by the harness
    sum_f += fs[k];
    sum_log += logs[k];
  }
  const double kd = static_cast<double>(K);
  const double l_hat = std::log(sum_f / kd);
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const double geo = std::exp((sum_log - logs[k]) / (kd - 1.0));
    const double l_minus = std::log((sum_f - fs[k] + geo) / kd);
    score(m.dist, xs.subspan(k * n, n), s);
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += (l_hat - l_minus) * s[i];
  }
}

EstimatorDescriptor vimco_descriptor() {
  return {.name = "vimco",
          .params = {integer_param("k", 2, 2, 64, "samples, >= 2")},
          .claimed_unbiased = true,
          .requires_ = "any problem with f > 0",
          .description = "VIMCO for the K-sample objective E[log mean_k f(x_k)]: leave-one-out with geometric means",
          .reference = kReference,
          .make = [](const ParamValues& v) { return std::make_unique<Vimco>(static_cast<int>(v.integer("k"))); }};
}

}  // namespace estcheck
