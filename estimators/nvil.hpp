// estimators/nvil.hpp — NVIL's learned baseline with variance normalization, for any problem.
//
// Mnih & Gregor 2014, "Neural variational inference and learning in belief networks", §3.2–3.3
// (with no observed input: the input-independent baseline c only). One sample:
//   ĝ = (f(x) - c) / s · ∇θ log p(x | θ),   s = max(1, √v) when normalize = 1, else s = 1,
// where c and v are exponential moving averages (rate α = 0.8, the paper's) of the learning signal
// f(x) and of the variance of f(x) - c, fitted in prepare() over `steps` minibatches of `batch`
// samples from the training noise stream (Purpose::training, train_seed) and then frozen.
// With c and s frozen, E ĝ = ∇L / s: normalize = 0 is unbiased for every c; normalize = 1 (the
// paper's default) estimates a rescaled gradient — the right direction, the wrong length whenever
// √v > 1 — so estcheck does not claim it unbiased and reports its exact bias ∇L (1/s - 1).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

namespace estcheck {

struct NvilOptions {
  bool normalize = true;
  int steps = 200;
  int batch = 32;
  double rate = 0.8;  ///< α of the moving averages
  std::uint64_t train_seed = 0;
};

class Nvil final : public Estimator {
 public:
  explicit Nvil(const NvilOptions& options);
  const EstimatorInfo& info() const override { return info_; }
  void prepare(const Model& model) override;
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;
  int draws() const override { return 1; }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override;
  double baseline() const { return c_; }
  /// The divisor s = max(1, √v) (1 without normalization): E ĝ = ∇L / s.
  double scale() const;
  std::optional<double> frozen_scale() const override { return scale(); }
  std::optional<SampleForm> sample_form() const override {
    return SampleForm{SampleForm::Kind::score_function, c_, scale()};
  }

 private:
  NvilOptions opt_;
  EstimatorInfo info_;
  double c_ = 0.0, v_ = 0.0;
};

/// nvil:normalize=0|1,... (estimators/descriptor.hpp).
EstimatorDescriptor nvil_descriptor();

}  // namespace estcheck
