// estimators/vimco.cpp — see vimco.hpp.
#include "estimators/vimco.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/sample_bounds.hpp"

#include <algorithm>
#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Mnih & Rezende 2016, eq. 8-10 (VIMCO)";

Vimco::Vimco(int k, bool self_included)
    : k_(k),
      self_included_(self_included),
      info_{self_included ? std::string("mutant/vimco-self-included") : "vimco:k=" + std::to_string(k),
            !self_included, false, k, kReference, k} {
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
    const double geo = self_included_ ? std::exp(sum_log / kd)  // the planted bug: the sample's own log f
                                      : std::exp((sum_log - logs[k]) / (kd - 1.0));
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

void Vimco::sample_block_log_weights(const Model& m, const Amortization& a, Noise& noise, std::span<double> scratch,
                                     std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_), M = a.blocks(), N = a.block_bits();
  const auto xs = scratch.first(K * n), lw = scratch.subspan(K * n, K * M), s = scratch.subspan(K * n + K * M, n);
  const auto v = scratch.subspan(K * n + K * M + n, K);
  for (std::size_t k = 0; k < K; ++k) {
    estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
    a.block_values(xs.subspan(k * n, n), lw.subspan(k * M, M));  // lw[k M + m] = f_m(b_{m,k})
  }
  // Per block: L̂_m - L̂_{m,-k} (log K cancels), written over the log-weights.
  const double kd = static_cast<double>(K);
  for (std::size_t b = 0; b < M; ++b) {
    for (std::size_t k = 0; k < K; ++k) v[k] = lw[k * M + b];
    const double l_hat = log_sum_exp(v);
    for (std::size_t k = 0; k < K; ++k) {
      double others = 0.0;
      for (std::size_t q = 0; q < K; ++q)
        if (q != k || self_included_) others += v[q];
      const double own = v[k];
      v[k] = self_included_ ? others / kd : others / (kd - 1.0);
      lw[k * M + b] = l_hat - log_sum_exp(v);
      v[k] = own;
    }
  }
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    score(m.dist, xs.subspan(k * n, n), s);
    for (std::size_t b = 0; b < M; ++b)
      for (std::size_t j = 0; j < N; ++j) grad[b * N + j] += lw[k * M + b] * s[b * N + j];
  }
}

// The range of the blockwise form, a proof for every draw: the log-weights f_{m,k} lie in
// [lo_m, hi_m] (block m's table, the values block_values returns bit for bit), and so does the mean
// of the others. log Σ_k exp v_k has partial derivatives softmax_k ∈ [0, 1], so replacing one
// coordinate by another value in [lo_m, hi_m] moves it by at most hi_m - lo_m:
// |L̂_m - L̂_{m,-k}| <= hi_m - lo_m, and |ĝ_{mj}| <= K (hi_m - lo_m) max(|score lo_j|, |score hi_j|).
// Rounding, with libm's exp and log within 2^-32 relative (kRangeSlack's assumption): each exp in
// (0, 1] is off by <= 2^-32, the sum in [1, K] by <= K 2^-31 relative, its log by <= K 2^-31 +
// 2^-32 log K, the mean and the max part by <= γ_K max|f_m|: each computed difference is within
// 4 K 2^-30 (max|f_m| + log K + 1) of the real one, and the products and the K-term sum are inside
// the final (1 + kRangeSlack).
std::optional<SampleRange> Vimco::block_log_weight_range(const Model& m, const Amortization& a) const {
  const std::size_t M = a.blocks(), N = a.block_bits();
  if (N >= 32 || (static_cast<double>(M) * std::ldexp(1.0, static_cast<int>(N))) > 0x1p26) return std::nullopt;
  std::vector<double> lo, hi, table(std::size_t{1} << N);
  if (!score_bounds(m, lo, hi)) return std::nullopt;
  const double K = static_cast<double>(k_);
  SampleRange r;
  for (std::size_t b = 0; b < M; ++b) {
    a.block_table(b, table);
    const auto [mn, mx] = std::minmax_element(table.begin(), table.end());
    const double size = std::max(std::abs(*mn), std::abs(*mx));
    const double L = (*mx - *mn) * (1.0 + kRangeSlack) + 4.0 * K * kRangeSlack * (size + std::log(K) + 1.0);
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t i = b * N + j;
      const double bound = K * L * std::max(std::abs(lo[i]), std::abs(hi[i])) * (1.0 + kRangeSlack);
      if (!std::isfinite(bound)) return std::nullopt;
      r.lo.push_back(-bound);
      r.hi.push_back(bound);
    }
  }
  r.source = "K (max f_m - min f_m) max |score| per image (log-weights' spread from the per-image tables)";
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
