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
  /// Computes f(μ) and ∇f(μ) once for `m` (they do not depend on the noise); sample() and
  /// value_at() reuse them on this model (the same bits as computing them afresh) and compute
  /// them afresh on any other.
  void prepare(const Model& m) override;
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  /// One sample's only noise is the draw b ~ p_θ: the oracles enumerate it (certified tuple
  /// moments, verify/oracles/certified/discrete.hpp) and sample_range takes the minimum and
  /// maximum over the 2^n draws while they fit.
  int draws() const override { return 1; }
  /// The enumerated range where the 2^n draws fit the default's budget; past it, a closed form
  /// from f's range on the support and the computed f(μ), ∇f(μ) (muprop.cpp has the proof).
  std::optional<SampleRange> sample_range(const Model& m) const override;
  /// The sample at the draw xs = b (sample() draws b and calls this).
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;

 private:
  EstimatorInfo info_;
  const Problem* prepared_problem_ = nullptr;  ///< the model prepare() saw (problem and θ)
  std::vector<double> prepared_theta_;
  double fmu_ = 0.0;          ///< f(μ) there
  std::vector<double> gmu_;   ///< ∇f(μ) there
};

/// muprop (estimators/descriptor.hpp).
EstimatorDescriptor muprop_descriptor();

}  // namespace estcheck
