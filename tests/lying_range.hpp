// tests/lying_range.hpp — a test-only estimator whose declared sample range is wrong: REINFORCE
// (estimators/reinforce.hpp) declaring half the upper end of its range on coordinate 0. The betting
// test (verify/stats/betting.hpp) must report its first sample outside the range as an error naming
// the estimator, never clip it (tests/test_betting.cpp, and the CLI's exit 4 in
// tests/test_sample_ranges.cpp).
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/registry/registry.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace estcheck::testing {

class LyingRange final : public Estimator {
 public:
  explicit LyingRange(std::string spec = "lying-range") : inner_(make_estimator("reinforce")), info_(inner_->info()) {
    info_.spec = std::move(spec);
  }
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override { return inner_->scratch_size(m); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    inner_->sample(m, noise, scratch, grad);
  }
  std::optional<SampleRange> sample_range(const Model& m) const override {
    SampleRange r = *inner_->sample_range(m);
    r.hi[0] *= 0.5;
    r.source = "a deliberately wrong range";
    return r;
  }

 private:
  std::unique_ptr<Estimator> inner_;
  EstimatorInfo info_;
};

}  // namespace estcheck::testing
