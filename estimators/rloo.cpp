// estimators/rloo.cpp — see rloo.hpp.
#include "estimators/rloo.hpp"

#include "estimators/core/error.hpp"

namespace estcheck {

constexpr const char* kReference = "Kool, van Hoof & Welling 2019, eq. 8 (leave-one-out baseline)";

Rloo::Rloo(int k)
    : k_(k),
      info_{"rloo:k=" + std::to_string(k), true, false, k,
            kReference} {
  if (k < 2) raise_input_error("rloo:k", "an integer >= 2", std::to_string(k));
}

void Rloo::sample(const Model& m, Noise& noise, std::span<double> scratch,
                  std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto xs = scratch.first(K * n);
  for (std::size_t k = 0; k < K; ++k) estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
  value_at(m, xs, scratch.subspan(K * n), grad);
}

void Rloo::value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                    std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto fs = scratch.first(K);
  const auto s = scratch.subspan(K, m.theta_dim());
  double fbar = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    fs[k] = m.f(xs.subspan(k * n, n));
    fbar += fs[k];
  }
  fbar /= static_cast<double>(K);
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    score(m.dist, xs.subspan(k * n, n), s);
    const double w = fs[k] - fbar;
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += w * s[i];
  }
  const double scale = 1.0 / static_cast<double>(K - 1);
  for (double& g : grad) g *= scale;
}

EstimatorDescriptor rloo_descriptor() {
  return {.name = "rloo",
          .params = {integer_param("k", 2, 2, 1 << 20, "samples per estimate, >= 2")},
          .claimed_unbiased = true,
          .requires_ = "any",
          .description = "REINFORCE over k samples with the leave-one-out baseline",
          .reference = kReference,
          .make = [](const ParamValues& v) { return std::make_unique<Rloo>(static_cast<int>(v.integer("k"))); }};
}

}  // namespace estcheck
