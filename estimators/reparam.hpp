// estimators/reparam.hpp — the pathwise (reparameterization) estimator for diagonal Gaussians.
//
// Kingma & Welling 2014, §2.4; Rezende et al. 2014; Mohamed et al. 2020, eq. 33. With x = μ + σ ⊙ ε,
// ε ~ N(0, I):
//   ĝ_μ = ∇x f(x),   ĝ_{log σ} = ∇x f(x) ⊙ σ ⊙ ε.
// Unbiased when f is differentiable with an integrable derivative; for a discontinuous f (the
// step problem) ∇x f misses the jump and the estimator is biased. Needs a reparameterizable
// family and a problem that provides ∇x f: on discrete problems it is an input error.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

class Reparam final : public Estimator {
 public:
  Reparam();
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model& m) const override { return 3 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  int draws() const override { return 1; }
  std::optional<SampleForm> sample_form() const override { return SampleForm{SampleForm::Kind::pathwise}; }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;

 private:
  EstimatorInfo info_;
};

/// reparam (estimators/descriptor.hpp).
EstimatorDescriptor reparam_descriptor();

}  // namespace estcheck
