// estimators/vimco.cpp — see vimco.hpp.
#include "estimators/vimco.hpp"

#include "estimators/core/error.hpp"
#include "estimators/sample_bounds.hpp"

#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Mnih & Rezende 2016, eq. 8-10 (VIMCO)";

Vimco::Vimco(int k)
    : k_(k),
      info_{"vimco:k=" + std::to_string(k), true, false, k,
            kReference, k} {
  if (k < 2) raise_input_error("vimco:k", "an integer >= 2", std::to_string(k));
}

void Vimco::sample(const Model& m, Noise& noise, std::span<double> scratch,
                   std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto xs = scratch.first(K * n);
  for (std::size_t k = 0; k < K; ++k) estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
  value_at(m, xs, scratch.subspan(K * n), grad);
}

void Vimco::value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                     std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto fs = scratch.first(K), logs = scratch.subspan(K, K), s = scratch.subspan(2 * K, m.theta_dim());
  double sum_f = 0.0, sum_log = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const auto x = xs.subspan(k * n, n);
    fs[k] = m.f(x);
    logs[k] = std::log(fs[k]);  // NaN for f <= 0: counted by the harness
    sum_f += fs[k];
    sum_log += logs[k];
  }
  const double kd = static_cast<double>(K);
  const double l_hat = std::log(sum_f / kd);
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const double geo = std::exp((sum_log - logs[k]) / (kd - 1.0));
    const double l_minus = std::log((sum_f - fs[k] + geo) / kd);
    score(m.dist, xs.subspan(k * n, n), s);
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += (l_hat - l_minus) * s[i];
  }
}

// The closed sample range, a proof for every tuple of draws when f >= a > 0 on the support: with
// f_k ∈ [a, b], the geometric mean of the others also lies in [a, b], so Σ_k f_k and
// Σ_{j != k} f_j + geo_k both lie in [K a, K b] and |L̂ - L̂_{-k}| = |log(Σ f / (Σ_{j != k} f_j + geo_k))|
// <= log(b/a); hence |ĝ_j| <= K log(b/a) max(|lo_j|, |hi_j|), lo/hi the score's interval
// (sample_bounds.hpp). Rounding and libm's log and exp (within 2^-32 relative, as kRangeSlack
// assumes) move each log by at most 2^-31 (|log a| + |log b| + 1): inside the widening below.
std::optional<SampleRange> Vimco::sample_range(const Model& m) const {
  if (auto r = Estimator::sample_range(m)) return r;
  const auto f = f_range_on_support(m);
  std::vector<double> lo, hi;
  if (!f || !(f->first > 0.0) || !score_bounds(m, lo, hi)) return std::nullopt;
  const double K = static_cast<double>(k_);
  const double L = std::log(f->second / f->first) * (1.0 + kRangeSlack) +
                   4.0 * kRangeSlack * (std::abs(std::log(f->first)) + std::abs(std::log(f->second)) + 1.0);
  SampleRange r;
  for (std::size_t j = 0; j < lo.size(); ++j) {
    const double b = K * L * std::max(std::abs(lo[j]), std::abs(hi[j])) * (1.0 + kRangeSlack);
    if (!std::isfinite(b)) return std::nullopt;
    r.lo.push_back(-b);
    r.hi.push_back(b);
  }
  r.source = "K log(max f / min f) max |score| over the support (closed form; too many tuples to enumerate)";
  return r;
}

EstimatorDescriptor vimco_descriptor() {
  return {.name = "vimco",
          .params = {integer_param("k", 2, 2, 64, "samples, >= 2")},
          .claimed_unbiased = true,
          .requires_ = "any problem with f > 0",
          .description = "VIMCO for the K-sample objective E[log mean_k f(x_k)]: leave-one-out with geometric means",
          .reference = kReference,
          .make = [](const ParamValues& v) { return std::make_unique<Vimco>(static_cast<int>(v.integer("k"))); }};
}

}  // namespace estcheck
