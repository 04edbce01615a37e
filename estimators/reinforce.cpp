// estimators/reinforce.cpp — see reinforce.hpp.
#include "estimators/reinforce.hpp"

#include "estimators/core/error.hpp"

namespace estcheck {

constexpr const char* kReference = "Williams 1992, eq. 8 (score function with a constant baseline)";

Reinforce::Reinforce(double baseline)
    : baseline_(baseline),
      info_{baseline == 0.0 ? "reinforce" : "reinforce:baseline=" + format_double(baseline), true,
            false, 1, kReference} {}

void Reinforce::sample(const Model& m, Noise& noise, std::span<double> scratch,
                       std::span<double> grad) const {
  const auto x = scratch.first(m.sample_dim());
  estcheck::sample(m.dist, noise, x);
  value_at(m, x, scratch, grad);
}

void Reinforce::value_at(const Model& m, std::span<const double> x, std::span<double>,
                         std::span<double> grad) const {
  const double weight = m.f(x) - baseline_;
  score(m.dist, x, grad);
  for (double& g : grad) g *= weight;
}

namespace {
/// out = score(x) · w: the same products as score() followed by scaling, fused into one sweep.
template <class Dist>
void scaled_score(const Dist& d, std::span<const double> x, double w, std::span<double> out) {
  score(d, x, out);
  for (double& v : out) v *= w;
}
void scaled_score(const BernoulliLogits& d, std::span<const double> x, double w,
                  std::span<double> out) {
  const double* __restrict b = x.data();
  const double* __restrict p0 = d.probs0.data();
  const double* __restrict p1 = d.probs.data();
  double* __restrict g = out.data();
  for (std::size_t i = 0; i < d.size(); ++i) g[i] = (b[i] * p0[i] - (1.0 - b[i]) * p1[i]) * w;
}
}  // namespace

// The same operations as sample(), per sample, in three passes over the block: draw every x,
// evaluate f on all of them (one call), then score and scale. One dispatch per block.
void Reinforce::sample_block(const Model& m, std::uint64_t seed, std::uint64_t block,
                             std::size_t count, std::vector<double>& work,
                             std::span<double> out) const {
  const std::size_t n = m.sample_dim(), d = m.theta_dim();
  work.resize(count * (n + 1));
  const std::span<double> xs = std::span(work).first(count * n);
  const std::span<double> fs = std::span(work).subspan(count * n, count);
  thread_local std::vector<Noise::Philox::ctr_type> first;
  first.resize(count);
  philox_first_outputs(seed, block, Purpose::estimator, first);
  std::visit(
      [&](const auto& dist) {
        for (std::size_t i = 0; i < count; ++i) {
          Noise noise(seed, block, i, Purpose::estimator, first[i]);
          estcheck::sample(dist, noise, xs.subspan(i * n, n));
        }
        m.problem->f_batch(xs, count, fs);
        for (std::size_t i = 0; i < count; ++i)
          scaled_score(dist, xs.subspan(i * n, n), fs[i] - baseline_, out.subspan(i * d, d));
      },
      m.dist);
}

EstimatorDescriptor reinforce_descriptor() {
  return {.name = "reinforce",
          .params = {real_param("baseline", 0.0, "constant subtracted from f")},
          .claimed_unbiased = true,
          .requires_ = "any",
          .description = "score function (REINFORCE), one sample: (f(x) - baseline) ∇θ log p(x)",
          .reference = kReference,
          .make = [](const ParamValues& v) { return std::make_unique<Reinforce>(v.real("baseline")); }};
}

}  // namespace estcheck
