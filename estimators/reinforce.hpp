// estimators/reinforce.hpp — the score-function (REINFORCE) estimator with a constant baseline.
//
// Williams 1992, "Simple statistical gradient-following algorithms", eq. 8 with a
// reinforcement baseline; Mohamed et al. 2020, eq. 13 and §7.4.1. One sample:
//   ĝ = (f(x) - B) ∇θ log p(x | θ),  x ~ p_θ.
// Unbiased for every constant B, since E[∇θ log p] = 0. `reinforce` is B = 0.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Reinforce final : public Estimator {
 public:
  explicit Reinforce(double baseline = 0.0);
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  int draws() const override { return 1; }
  std::optional<SampleForm> sample_form() const override {
    return SampleForm{SampleForm::Kind::score_function, baseline_, 1.0};
  }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;
  void sample_block(const Model& m, std::uint64_t seed, std::uint64_t block, std::size_t count,
                    std::vector<double>& work, std::span<double> out) const override;

 private:
  double baseline_;
  EstimatorInfo info_;
};

/// reinforce:baseline=B (estimators/descriptor.hpp).
EstimatorDescriptor reinforce_descriptor();

}  // namespace estcheck
