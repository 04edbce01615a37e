// estimators/arm.hpp — Augment-REINFORCE-Merge (ARM) for a vector of Bernoulli variables.
//
// Yin & Zhou 2019, "ARM: Augment-REINFORCE-merge gradient estimator for binary latent variables",
// eq. 5 (Theorem 1): with u ~ U(0,1)^n,
//   ĝ_i = (f(1[u > σ(-θ)]) - f(1[u < σ(θ)])) (u_i - 1/2),
// unbiased for ∇θ E_{b ~ Bernoulli(σ(θ))}[f(b)]. Two evaluations of f per sample; Bernoulli
// problems only. Noise: u_i is the i-th noise.uniform() of the sample.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Arm final : public Estimator {
 public:
  Arm();
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model& m) const override { return 3 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  /// The sample for given uniforms u (size n): the pure kernel behind sample(), which draws u_i as
  /// the i-th noise.uniform(). `scratch` has 2n doubles. Lets verify/ integrate ĝ over u exactly.
  void evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                std::span<double> grad) const;
  /// f(b⁺) - f(b⁻) with b⁺ = 1[u > σ(-θ)], b⁻ = 1[u < σ(θ)]: the one difference evaluate scales.
  double cell_difference(const Model& m, std::span<const double> u, std::span<double> scratch) const;
  bool has_antithetic_cells() const override { return true; }
  /// |ĝ_i| = |f(b⁺) - f(b⁻)| |u_i - 1/2| <= (max f - min f) / 2 over the support (a proof:
  /// rounding is monotone, so the computed product stays within it; 4ε of slack besides).
  std::optional<SampleRange> sample_range(const Model& model) const override;
  /// evaluate(m, u) (scratch: 2n doubles suffice); v is not used.
  void value_at_uniforms(const Model& m, std::span<const double> u, std::span<const double>,
                         std::span<double> scratch, std::span<double> grad) const override {
    evaluate(m, u, scratch, grad);
  }
  /// value 0, slope fl(f(b⁺) - f(b⁻)): evaluate's own difference (cell_difference).
  void antithetic_cell(const Model& m, std::span<const double> u, std::span<double> scratch,
                       std::span<double> value, std::span<double> slope) const override;

 private:
  EstimatorInfo info_;
};


/// arm (estimators/descriptor.hpp).
EstimatorDescriptor arm_descriptor();

}  // namespace estcheck
