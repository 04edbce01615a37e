// estimators/rloo.cpp — see rloo.hpp.
#include "estimators/rloo.hpp"

#include "estimators/core/error.hpp"
#include "estimators/sample_bounds.hpp"

namespace estcheck {

constexpr const char* kReference = "Kool, van Hoof & Welling 2019, eq. 8 (leave-one-out baseline)";

Rloo::Rloo(int k)
    : k_(k),
      info_{"rloo:k=" + std::to_string(k), true, false, k,
            kReference} {
  if (k < 2) raise_input_error("rloo:k", "an integer >= 2", std::to_string(k));
}

void Rloo::sample(const Model& m, Noise& noise, std::span<double> scratch,
                  std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto xs = scratch.first(K * n);
  for (std::size_t k = 0; k < K; ++k) estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
  value_at(m, xs, scratch.subspan(K * n), grad);
}

void Rloo::value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                    std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto fs = scratch.first(K);
  const auto s = scratch.subspan(K, m.theta_dim());
  double fbar = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    fs[k] = m.f(xs.subspan(k * n, n));
    fbar += fs[k];
  }
  fbar /= static_cast<double>(K);
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    score(m.dist, xs.subspan(k * n, n), s);
    const double w = fs[k] - fbar;
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += w * s[i];
  }
  const double scale = 1.0 / static_cast<double>(K - 1);
  for (double& g : grad) g *= scale;
}

// The closed sample range, a proof for every tuple of draws. With f_k ∈ [a, b] (the support's
// table), the score's coordinate s_kj ∈ [lo_j, hi_j] (sample_bounds.hpp) and c its midpoint,
// Σ_k (f_k - f̄) = 0 gives Σ_k (f_k - f̄) s_kj = Σ_k (f_k - f̄)(s_kj - c), so
//   |ĝ_j| <= (hi_j - lo_j)/2 · Σ_k |f_k - f̄| / (K - 1) <= (hi_j - lo_j)/2 · (K (b - a)/2) / (K - 1),
// since a mean absolute deviation about the mean of values in [a, b] is at most (b - a)/2.
// Rounding: f̄'s error (γ_K of max|f|) adds at most 2 γ_K max|f| max|s| (Σ_k (f_k - f̄) is no
// longer 0 exactly), and the rest is a few relative roundings: both inside kRangeSlack's widening.
std::optional<SampleRange> Rloo::sample_range(const Model& m) const {
  if (auto r = Estimator::sample_range(m)) return r;
  const auto f = f_range_on_support(m);
  std::vector<double> lo, hi;
  if (!f || !score_bounds(m, lo, hi)) return std::nullopt;
  const double K = static_cast<double>(k_), spread = f->second - f->first;
  const double fmax = std::max(std::abs(f->first), std::abs(f->second));
  SampleRange r;
  for (std::size_t j = 0; j < lo.size(); ++j) {
    const double w = hi[j] - lo[j];
    const double b = w * spread * K / (4.0 * (K - 1.0)) * (1.0 + kRangeSlack) + kRangeSlack * 4.0 * fmax * w;
    r.lo.push_back(-b);
    r.hi.push_back(b);
  }
  r.source = "(score width) (max f - min f) K / (4 (K - 1)) over the support (closed form; too many tuples to enumerate)";
  return r;
}

EstimatorDescriptor rloo_descriptor() {
  return {.name = "rloo",
          .params = {integer_param("k", 2, 2, 1 << 20, "samples per estimate, >= 2")},
          .claimed_unbiased = true,
          .requires_ = "any",
          .description = "REINFORCE over k samples with the leave-one-out baseline",
          .reference = kReference,
          .make = [](const ParamValues& v) { return std::make_unique<Rloo>(static_cast<int>(v.integer("k"))); }};
}

}  // namespace estcheck
