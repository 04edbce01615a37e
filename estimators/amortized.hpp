// estimators/amortized.hpp — the one adapter that runs every Bernoulli estimator on an amortized
// problem (estimators/problems/amortized.hpp): RELAX eq. 17 (Grathwohl et al. 2018),
// ∂/∂W E[f] = g · ∂θ/∂W.
//
// The wrapped estimator runs unchanged on the problem's logit problem at the logits A θ (same f,
// θ = the logits); each of its samples ĝ (an estimate of ∇_logits E[f]) is mapped to Aᵀ ĝ, an
// estimate of ∇θ E[f] with the same expectation and the same claim. The pipeline
// (verify/pipeline.cpp) wraps every estimator here when the problem is amortized, so no estimator
// knows about amortization. What passes through: frozen_scale (NVIL: a scale commutes with Aᵀ,
// so E ĝ = ∇L / s still holds and its oracle is the amortized gradient). What does not: draws()
// (0 here), relaxed_form, antithetic cells and sample_form — their oracles enumerate the joint
// support of every logit, 2^(M·N) points, far past 2^64; the amortized oracle is
// verify/oracles/amortized_exact.hpp. sample_range is the inner estimator's range on the logit
// model (from the problem's declared f bounds, Problem::f_bounds) mapped through Aᵀ. Multi-sample
// objectives run blockwise: an estimator with Estimator::has_block_log_weight_form (VIMCO) samples
// the per-block IWAE bound Σ_m E log (1/K) Σ_k exp f_m (Burda et al. 2016) through
// sample_block_log_weights, its range is block_log_weight_range, and its oracle is
// verify/oracles/amortized_multisample.hpp. Refused: other multi-sample estimators and Hessians.
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/problems/amortized.hpp"

#include <memory>

namespace estcheck {

class AmortizedEstimator final : public Estimator {
 public:
  /// Wraps `inner` (not owned; it must outlive the adapter) for `problem`, which is amortized.
  AmortizedEstimator(Estimator& inner, const Problem& problem);
  const EstimatorInfo& info() const override { return inner_.info(); }
  void check(const Problem& problem) const override;
  void prepare(const Model& model) override;
  std::size_t scratch_size(const Model& model) const override;
  void sample(const Model& model, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  std::optional<double> frozen_scale() const override { return inner_.frozen_scale(); }
  /// The inner estimator's range on the logit model mapped through Aᵀ by interval arithmetic
  /// (amortized.cpp has the proof); nullopt when the inner estimator has none.
  std::optional<SampleRange> sample_range(const Model& model) const override;
  void sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                    std::vector<double>& work, std::span<double> out) const override;

 private:
  bool blockwise() const;  ///< the inner estimator targets the blockwise K-sample bound
  Estimator& inner_;
  const Amortization& amortization_;
  std::optional<Model> inner_model_;  ///< the logit problem at A θ, set by prepare()
};

/// The adapter for `estimator` when `problem` is amortized, else nullptr (use the estimator as is).
std::unique_ptr<Estimator> amortize(Estimator& estimator, const Problem& problem);

}  // namespace estcheck
