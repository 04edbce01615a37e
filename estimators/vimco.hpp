// estimators/vimco.hpp — VIMCO, for the K-sample objective L_K = E[log (1/K) Σ_k f(x_k)].
//
// Mnih & Rezende 2016, "Variational inference for Monte Carlo objectives", eq. 8–10, with f not
// depending on θ (so the pathwise term vanishes). With x_1..x_K ~ p_θ independent, f_k = f(x_k) > 0,
// L̂ = log (1/K) Σ_k f_k, and the leave-one-out estimate that replaces f_k by the geometric mean of
// the others, L̂_{-k} = log (1/K) (Σ_{j≠k} f_j + exp(mean_{j≠k} log f_j)):
//   ĝ = Σ_k (L̂ - L̂_{-k}) ∇θ log p(x_k | θ),
// unbiased for ∇θ L_K (each baseline L̂_{-k} is independent of x_k). Its oracle is
// verify/oracles/exact.hpp's exact_multisample_gradient. f <= 0 gives NaN samples (reported, no verdict).
// On an amortized problem (the digits VAE) f is a sum of per-image log-weights and the objective is
// the per-image IWAE bound (Burda et al. 2016, eq. 8); sample_block_log_weights is the same
// estimator in log space per block, its oracle verify/oracles/amortized_multisample.hpp.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Vimco final : public Estimator {
 public:
  /// `self_included`: the planted bug of mutant/vimco-self-included (estimators/mutants/): the
  /// baseline's mean runs over all K samples, the one it corrects included, so it is biased.
  explicit Vimco(int k, bool self_included = false);
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override {
    return static_cast<std::size_t>(k_) * (m.sample_dim() + 2) + m.theta_dim();
  }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  int draws() const override { return k_; }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;
  /// The default (minimum and maximum over every tuple of draws) when there are at most
  /// kMaxRangePoints tuples; past that, on Bernoulli and categorical problems with f > 0, the
  /// closed bound |ĝ_j| <= K log(max f / min f) max(|lo_j|, |hi_j|) (derivation in vimco.cpp).
  std::optional<SampleRange> sample_range(const Model& m) const override;
  /// On a sum of per-block log-weights (Estimator::has_block_log_weight_form; the amortized VAE),
  /// the same estimator in log space per block m, with f_{m,k} = f_m(b_{m,k}) the log-weights:
  ///   L̂_m = log (1/K) Σ_k exp f_{m,k},   L̂_{m,-k} = the same with f_{m,k} replaced by the
  ///   arithmetic mean of the others' log-weights (the geometric-mean baseline, in log space),
  ///   ĝ_{mj} = Σ_k (L̂_m - L̂_{m,-k}) (b_{m,k,j} - σ(ℓ_{mj})),
  /// unbiased for ∂/∂ℓ_{mj} of the IWAE bound Σ_m E log (1/K) Σ_k exp f_m (Burda et al. 2016).
  bool has_block_log_weight_form() const override { return true; }
  void sample_block_log_weights(const Model& m, const Amortization& blocks, Noise& noise, std::span<double> scratch,
                                std::span<double> grad) const override;
  /// |ĝ_{mj}| <= K (max f_m - min f_m) max(σ, 1 - σ), widened (derivation in vimco.cpp).
  std::optional<SampleRange> block_log_weight_range(const Model& m, const Amortization& blocks) const override;

 private:
  int k_;
  bool self_included_;
  EstimatorInfo info_;
};

/// vimco:k=K (estimators/descriptor.hpp).
EstimatorDescriptor vimco_descriptor();

}  // namespace estcheck
