// estimators/rloo.hpp — REINFORCE with the leave-one-out baseline over K samples (RLOO).
//
// Kool, van Hoof & Welling 2019, "Buy 4 REINFORCE samples, get a baseline for free!", eq. 8;
// Mnih & Rezende 2016 (VIMCO) use the same construction. With x_1..x_K ~ p_θ independent and
// f_k = f(x_k):
//   ĝ = 1/K Σ_k (f_k - 1/(K-1) Σ_{j≠k} f_j) ∇θ log p(x_k | θ)
//     = 1/(K-1) Σ_k (f_k - f̄) ∇θ log p(x_k | θ),
// unbiased because each baseline is independent of the sample it multiplies. K >= 2.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Rloo final : public Estimator {
 public:
  explicit Rloo(int k);
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override {
    return static_cast<std::size_t>(k_) * (m.sample_dim() + 1) + m.theta_dim();
  }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  int draws() const override { return k_; }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;
  /// The default (minimum and maximum over every tuple of draws) when there are at most
  /// kMaxRangePoints tuples; past that, on Bernoulli and categorical problems, the closed bound
  /// |ĝ_j| <= (hi_j - lo_j) (max f - min f) K / (4 (K - 1)) (derivation in rloo.cpp).
  std::optional<SampleRange> sample_range(const Model& m) const override;
  /// The leave-one-out form (the certified Gaussian moments, verify/oracles/certified/gaussian.hpp).
  std::optional<SampleForm> sample_form() const override { return SampleForm{SampleForm::Kind::leave_one_out}; }

 private:
  int k_;
  EstimatorInfo info_;
};

/// rloo:k=K (estimators/descriptor.hpp).
EstimatorDescriptor rloo_descriptor();

}  // namespace estcheck
