// estimators/disarm.hpp — DisARM, the antithetic estimator for Bernoulli variables.
//
// Dong, Mnih & Tucker 2020, "DisARM: An antithetic gradient estimator for binary latent
// variables", eq. 7 and §4 (the multivariate form): with u ~ U(0,1)^n, b = 1[u < σ(θ)] and its
// antithetic pair b̃ = 1[1 - u < σ(θ)],
//   ĝ_i = ½ (f(b) - f(b̃)) (-1)^{b̃_i} 1[b_i ≠ b̃_i] σ(|θ_i|).
// It is ARM with the augmentation noise integrated out given (b, b̃): unbiased, with variance at
// most ARM's. Two evaluations of f per sample; Bernoulli problems only. Noise: u_i is the i-th
// noise.uniform() of the sample (1 - u_i is exact for the grid of Noise::uniform).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

#include <algorithm>

namespace estcheck {

class Disarm final : public Estimator {
 public:
  Disarm();
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model& m) const override { return 3 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  /// The sample for given uniforms u (size n), as Arm::evaluate; `scratch` has 2n doubles.
  void evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                std::span<double> grad) const;
  bool has_antithetic_cells() const override { return true; }
  /// |ĝ_i| <= (max f - min f) σ(|θ_i|) / 2 over the support (monotone rounding; 4ε of slack).
  std::optional<SampleRange> sample_range(const Model& model) const override;
  /// evaluate(m, u) (scratch: 2n doubles suffice); v is not used.
  void value_at_uniforms(const Model& m, std::span<const double> u, std::span<const double>,
                         std::span<double> scratch, std::span<double> grad) const override {
    evaluate(m, u, scratch, grad);
  }
  /// value: evaluate's outputs (constant on the cell), slope 0.
  void antithetic_cell(const Model& m, std::span<const double> u, std::span<double> scratch,
                       std::span<double> value, std::span<double> slope) const override {
    evaluate(m, u, scratch, value);
    std::fill(slope.begin(), slope.end(), 0.0);
  }

 private:
  EstimatorInfo info_;
};

/// disarm (estimators/descriptor.hpp).
EstimatorDescriptor disarm_descriptor();

}  // namespace estcheck
