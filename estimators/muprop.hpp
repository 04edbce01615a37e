// estimators/muprop.hpp — MuProp for a vector of Bernoulli variables.
//
// Gu, Levine, Sutskever & Mnih 2016, "MuProp: Unbiased backpropagation for stochastic neural
// networks", eq. 4 (the first-order Taylor control variate around the mean-field point μ = σ(θ)):
//   ĝ_i = [f(b) - f(μ) - ∇f(μ)ᵀ(b - μ)] (b_i - μ_i) + ∂_i f(μ) μ_i(1 - μ_i),
// with f's relaxation evaluated at μ. Unbiased: E[(b - μ)_j (b - μ)_i] = δ_ij μ_i(1 - μ_i), which
// the last term adds back. Needs f extended to [0,1]^n (toy, Bernoulli tables).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Muprop final : public Estimator {
 public:
  Muprop();
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model& m) const override { return 2 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;

 private:
  EstimatorInfo info_;
};

/// muprop (estimators/descriptor.hpp).
EstimatorDescriptor muprop_descriptor();

}  // namespace estcheck
