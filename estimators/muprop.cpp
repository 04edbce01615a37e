// estimators/muprop.cpp — see muprop.hpp.
#include "estimators/muprop.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/sample_bounds.hpp"

#include <algorithm>
#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Gu et al. 2016, eq. 4 (MuProp)";

Muprop::Muprop() : info_{"muprop", true, false, 2, kReference} {}

void Muprop::check(const Problem& problem) const { require_relaxation("muprop", problem); }

void Muprop::prepare(const Model& m) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  gmu_.assign(d.size(), 0.0);
  fmu_ = m.problem->f_relaxed(d.probs);
  m.problem->relaxed_gradient(d.probs, gmu_);
  prepared_problem_ = m.problem;
  prepared_theta_ = m.theta;
}

void Muprop::sample(const Model& m, Noise& noise, std::span<double> scratch,
                    std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const auto b = scratch.first(d.size());
  estcheck::sample(d, noise, b);
  value_at(m, b, scratch.subspan(d.size()), grad);
}

void Muprop::value_at(const Model& m, std::span<const double> b, std::span<double> scratch,
                      std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  double fmu = fmu_;
  std::span<const double> gmu = gmu_;
  if (m.problem != prepared_problem_ || m.theta != prepared_theta_) {  // not prepared for this model
    const auto g = scratch.first(n);
    fmu = m.problem->f_relaxed(d.probs);
    m.problem->relaxed_gradient(d.probs, g);
    gmu = g;
  }
  double taylor = fmu;
  for (std::size_t j = 0; j < n; ++j) taylor += gmu[j] * (b[j] - d.probs[j]);
  const double residual = m.f(b) - taylor;
  score(d, b, grad);  // b - μ
  for (std::size_t i = 0; i < n; ++i)
    grad[i] = residual * grad[i] + gmu[i] * d.probs[i] * d.probs0[i];
}

// The sample range past the enumeration (2^n > kMaxRangePoints draws), a proof for every draw b:
//   ĝ_i = R s_i + c_i,  R = fl(f(b) - T),  T = fl(f(μ) + Σ_j fl(∇_j f(μ) fl(b_j - μ_j))),
//   s_i = score_i ∈ {-μ_i, σ(-θ_i)} (score(): the model's own doubles), c_i = fl(fl(∇_i f(μ) μ_i) σ(-θ_i)),
// with f(μ), ∇f(μ) the values prepare() computed (the same bits value_at uses; computed afresh here
// for a model prepare() did not see, as value_at does). fl(b_j - μ_j) is -μ_j (b_j = 0) or
// fl(1 - μ_j) (b_j = 1), so each Taylor term t_j is one of the two products interval_product forms
// with the same bits, and T ∈ [f(μ) + Σ_j min_j, f(μ) + Σ_j max_j] widened by sum_slack (n + 2 terms:
// the n + 1 of the code's sum and one for a fused multiply-add). f(b) ∈ [f_lo, f_hi], f's range on
// the support (f_range_on_support: the enumeration or the problem's declared bounds; for a table
// past that, relaxation_bounds' enumeration up to 2^22 points), so R ∈ [f_lo - T_hi, f_hi - T_lo]
// (fl monotone), and ĝ_i ∈ [R] · [-μ_i, σ(-θ_i)] + c_i. The subtraction, product and final sum each
// round by u of their figures (or differ by a contraction): widened by kRangeSlack of them. Holds on
// every Bernoulli problem with a relaxation (f(μ), ∇f(μ) enter only as the computed doubles);
// nullopt when f's range is unknown or a figure is not finite. Not tight: R's interval is f's whole
// spread plus the Taylor term's, where a draw's residual is usually much smaller.
std::optional<SampleRange> Muprop::sample_range(const Model& m) const {
  if (auto r = Estimator::sample_range(m)) return r;
  const auto* d = std::get_if<BernoulliLogits>(&m.dist);
  if (d == nullptr) return std::nullopt;
  const std::size_t n = d->size();
  double fmu = fmu_;
  std::vector<double> gmu = gmu_;
  if (m.problem != prepared_problem_ || m.theta != prepared_theta_) {
    gmu.assign(n, 0.0);
    fmu = m.problem->f_relaxed(d->probs);
    m.problem->relaxed_gradient(d->probs, gmu);
  }
  std::optional<std::pair<double, double>> f = f_range_on_support(m);
  if (!f)
    if (const auto rb = relaxation_bounds(m)) f = std::pair{rb->f_lo, rb->f_hi};
  if (!f || !std::isfinite(fmu)) return std::nullopt;
  double t_lo = fmu, t_hi = fmu, t_abs = std::abs(fmu);
  for (std::size_t j = 0; j < n; ++j) {
    const auto [lo, hi] = interval_product(gmu[j], gmu[j], -d->probs[j], 1.0 - d->probs[j]);
    t_lo += lo;
    t_hi += hi;
    t_abs += std::max(std::abs(lo), std::abs(hi));
  }
  const double t_slack = sum_slack(n + 2, t_abs);
  const double r_lo0 = f->first - (t_hi + t_slack), r_hi0 = f->second - (t_lo - t_slack);
  const double r_pad = kRangeSlack * (std::abs(f->first) + std::abs(f->second) + t_abs + t_slack);
  const double r_lo = r_lo0 - r_pad, r_hi = r_hi0 + r_pad;
  SampleRange r;
  for (std::size_t i = 0; i < n; ++i) {
    const double c = gmu[i] * d->probs[i] * d->probs0[i];
    const auto [lo, hi] = interval_product(r_lo, r_hi, -d->probs[i], d->probs0[i]);
    const double pad = kRangeSlack * (std::max(std::abs(lo), std::abs(hi)) + std::abs(c));
    r.lo.push_back(lo + c - pad);
    r.hi.push_back(hi + c + pad);
    if (!std::isfinite(r.lo.back()) || !std::isfinite(r.hi.back())) return std::nullopt;
  }
  r.source = "(f(b) - f(mu) - grad f(mu).(b - mu)) (b - mu) + grad f(mu) mu (1 - mu) with f(b) in [" +
             format_double(f->first) + ", " + format_double(f->second) + "] and the computed f(mu), grad f(mu)";
  return r;
}

EstimatorDescriptor muprop_descriptor() {
  return {.name = "muprop",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "bernoulli with f on [0,1]^n (toy, bernoulli tables, vae)",
          .description = "MuProp: first-order Taylor control variate around the mean-field point σ(θ)",
          .reference = kReference,
          .make = [](const ParamValues&) { return std::make_unique<Muprop>(); }};
}

}  // namespace estcheck
