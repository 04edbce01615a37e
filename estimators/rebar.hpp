// estimators/rebar.hpp — REBAR for a vector of Bernoulli variables (unbiased for every λ, η).
//
// Tucker, Mnih, Maddison, Lawson & Sohl-Dickstein 2017, "REBAR: Low-variance, unbiased gradient
// estimates for discrete latent variable models", eq. 7 (single sample, binary); the same form is
// eq. 8 of the RELAX draft (../shared/seeds/). With u_i, v_i ~ U(0,1), z_i = θ_i + logit(u_i),
// b_i = 1[z_i > 0], the conditional sample z̃ ~ p(z | b): ũ_i = σ(-θ_i) + v_i σ(θ_i) if b_i = 1,
// ũ_i = v_i σ(-θ_i) if b_i = 0, z̃_i = θ_i + logit(ũ_i); and σ_λ(z) = σ(z/λ):
//   ĝ = [f(b) - η f(σ_λ(z̃))] ∇θ log p(b) + η ∇θ f(σ_λ(z)) - η ∇θ f(σ_λ(z̃)),
// where ∇θ f(σ_λ(z̃)) differentiates through z̃'s reparameterization with b and v held fixed:
// ∂z̃_i/∂θ_i = 1 + (∂ũ_i/∂θ_i) / (ũ_i(1 - ũ_i)), ∂ũ_i/∂θ_i = -σσ₀(1 - v_i) (b_i = 1) or -v_i σσ₀ (b_i = 0),
// σσ₀ = σ(θ_i)σ(-θ_i). Unbiased: the last two terms have the mean of the control variate's score
// term. Three evaluations of f (one discrete, two relaxed) per sample. Noise: per variable u_i then v_i.
//
// Categorical problems (Tucker et al. 2017, Appendix C): with normalized log-probabilities ℓ,
// z_i = ℓ_i - log(-log u_i), b = e_argmax z, σ_λ(z) = softmax(z/λ), and the conditional sample
// given b: z̃_b = -log(-log v_b) and, for i ≠ b, the Gumbel(ℓ_i) truncated below z̃_b,
// z̃_i = -log(A_i + B) with A_i = -log v_i · e^{-ℓ_i}, B = -log v_b; so ∂z̃_i/∂θ_j =
// (A_i/(A_i + B)) (δ_ij - p_j) and z̃_b does not depend on θ. Noise: u_1..u_K then v_1..v_K.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

/// The relaxed pair of REBAR and RELAX for uniforms u, v (see above): b, s = σ_λ(z),
/// st = σ_λ(z̃), and dzt = ∂z̃/∂θ; each of size n, written into the given spans; z and z̃ themselves
/// too where `z`, `zt` are non-empty (relaxed-REBAR's network reads them).
void conditional_relaxation(const BernoulliLogits& d, double temperature, bool conditional,
                            std::span<const double> u, std::span<const double> v,
                            std::span<double> b, std::span<double> s, std::span<double> st,
                            std::span<double> dzt, std::span<double> z = {}, std::span<double> zt = {});


/// REBAR's parameters and their defaults (the spec's and the planted mutant's).
struct RebarOptions {
  double temperature = 0.5;  ///< λ > 0
  double eta = 1.0;          ///< η
};

class Rebar : public Estimator {
 public:
  /// `conditional` = false is the planted bug "REBAR without the conditional sample" (z̃ := z).
  Rebar(double temperature, double eta, bool conditional = true);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  double temperature() const { return temperature_; }
  double eta() const { return eta_; }
  std::optional<RelaxedForm> relaxed_form() const override {
    return RelaxedForm{RelaxedForm::Kind::rebar, temperature_, eta_, !conditional_};
  }
  /// evaluate(m, u, v) (Bernoulli form).
  void value_at_uniforms(const Model& m, std::span<const double> u, std::span<const double> v,
                         std::span<double> scratch, std::span<double> grad) const override {
    evaluate(m, u, v, scratch, grad);
  }
  std::size_t scratch_size(const Model& m) const override { return 9 * m.sample_dim(); }
  /// A proven interval per coordinate (derivation in rebar.cpp); nullopt where
  /// relaxation_bounds (estimators/sample_bounds.hpp) has no proof.
  std::optional<SampleRange> sample_range(const Model& m) const override;
  /// Draws u_i then v_i for each variable and returns evaluate(m, u, v).
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  /// The estimator as a pure function of its uniforms u, v ∈ (0,1)^n (so tests can integrate it).
  /// `scratch` needs 7n doubles.
  void evaluate(const Model& m, std::span<const double> u, std::span<const double> v,
                std::span<double> scratch, std::span<double> grad) const;
  /// The categorical form above (scratch: 7K doubles).
  void evaluate_categorical(const Model& m, std::span<const double> u, std::span<const double> v,
                            std::span<double> scratch, std::span<double> grad) const;

 private:
  EstimatorInfo info_;
  double temperature_, eta_;
  bool conditional_;
};

/// rebar:temperature=λ,eta=η (estimators/descriptor.hpp).
EstimatorDescriptor rebar_descriptor();

}  // namespace estcheck
