// estimators/concrete.hpp — relaxation-based estimators for Bernoulli variables: Concrete
// (binary Gumbel-softmax) and straight-through. Both are biased for every temperature λ > 0.
//
// Noise: u_i ~ U(0,1) (the i-th noise.uniform() of the sample), logistic L_i = log u_i - log(1-u_i),
// relaxed sample z_i = σ((θ_i + L_i)/λ), hard sample b_i = 1[θ_i + L_i > 0] ~ Bernoulli(σ(θ_i)).
// - concrete:temperature=λ — Maddison, Mnih & Teh 2017, "The Concrete distribution", §3.3 (binary
//   Concrete); Jang, Gu & Poole 2017. The pathwise gradient of the relaxed objective E f(z):
//     ĝ_i = ∂f/∂z_i(z) · z_i (1 - z_i) / λ.
// - straight-through:temperature=λ — Bengio, Léonard & Courville 2013; Jang et al. 2017, §2.2 (ST
//   Gumbel): the hard sample forward, the relaxation backward:
//     ĝ_i = ∂f/∂z_i(b) · z_i (1 - z_i) / λ.
// Both need f's extension to [0,1]^n (Problem::has_relaxation: the toy and Bernoulli tables).
// Their exact means are computed by verify/oracles/estimator_mean.hpp.
// Categorical problems get the Gumbel-softmax versions (sample_categorical in concrete.cpp:
// Jang et al. 2017, eq. 1–2; straight-through Gumbel, §2.2); a categorical table's relaxation is
// linear, so there ∂f/∂z is the same at z and at b and the two estimators coincide. No exact mean
// for the categorical versions yet (Monte Carlo bias only).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class RelaxedBernoulli : public Estimator {
 public:
  RelaxedBernoulli(std::string name, double temperature, bool straight_through);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model& m) const override { return 4 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  double temperature() const { return temperature_; }
  /// The Bernoulli form as a pure function of its uniforms u ∈ (0,1)^n (scratch: 3n doubles).
  void evaluate(const Model& m, std::span<const double> u, std::span<double> scratch,
                std::span<double> grad) const;
  void sample_categorical(const Model& m, Noise& noise, std::span<double> scratch,
                          std::span<double> grad) const;
  bool straight_through() const { return straight_through_; }
  /// |ĝ_i| <= max|∂f/∂z_i| / (4λ) (Bernoulli), spread(table) / (4λ) (categorical); derivation in
  /// concrete.cpp. nullopt where relaxation_bounds (estimators/sample_bounds.hpp) has no proof.
  std::optional<SampleRange> sample_range(const Model& m) const override;
  std::optional<RelaxedForm> relaxed_form() const override {
    return RelaxedForm{straight_through_ ? RelaxedForm::Kind::straight_through : RelaxedForm::Kind::concrete,
                       temperature_};
  }
  /// evaluate(m, u) (Bernoulli form); v is not used.
  void value_at_uniforms(const Model& m, std::span<const double> u, std::span<const double>,
                         std::span<double> scratch, std::span<double> grad) const override {
    evaluate(m, u, scratch, grad);
  }

 private:
  EstimatorInfo info_;
  double temperature_;
  bool straight_through_;
};

/// concrete:temperature=λ (λ > 0).
std::unique_ptr<Estimator> make_concrete(double temperature);
/// straight-through:temperature=λ (λ > 0).
std::unique_ptr<Estimator> make_straight_through(double temperature);

/// concrete:temperature=λ and straight-through:temperature=λ (estimators/descriptor.hpp).
EstimatorDescriptor concrete_descriptor();
EstimatorDescriptor straight_through_descriptor();

}  // namespace estcheck
