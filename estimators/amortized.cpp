// estimators/amortized.cpp — see amortized.hpp.
#include "estimators/amortized.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/math.hpp"
#include "estimators/sample_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace estcheck {

AmortizedEstimator::AmortizedEstimator(Estimator& inner, const Problem& problem)
    : inner_(inner), amortization_(*problem.amortization()) {}

void AmortizedEstimator::check(const Problem& problem) const {
  const EstimatorInfo& i = inner_.info();
  if (i.objective_samples > 0 && !inner_.has_block_log_weight_form())
    raise_input_error("estimator",
                      "an estimator of ∇E[f], or of the per-image K-sample bound (vimco), on the amortized problem '" +
                          problem.spec() + "'",
                      "'" + i.spec + "'");
  if (i.order != 1)
    raise_input_error("estimator", "a gradient estimator (order 1) on an amortized problem", "'" + i.spec + "'");
  inner_.check(amortization_.logit_problem());
}

void AmortizedEstimator::prepare(const Model& model) {
  std::vector<double> l(amortization_.logit_map().logit_dim);
  logits(amortization_.logit_map(), model.theta, l);
  inner_model_.emplace(make_model(amortization_.logit_problem(), l, "theta"));
  inner_.prepare(*inner_model_);
}

std::size_t AmortizedEstimator::scratch_size(const Model&) const {
  if (!inner_model_) throw std::logic_error("AmortizedEstimator: prepare() first");
  const auto k = static_cast<std::size_t>(inner_.info().objective_samples);
  return inner_.scratch_size(*inner_model_) + amortization_.logit_map().logit_dim + k * amortization_.blocks();
}

bool AmortizedEstimator::blockwise() const { return inner_.info().objective_samples > 0; }

void AmortizedEstimator::sample(const Model&, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  const std::size_t n = amortization_.logit_map().logit_dim;
  const std::span<double> g = scratch.first(n);
  if (blockwise())
    inner_.sample_block_log_weights(*inner_model_, amortization_, noise, scratch.subspan(n), g);
  else
    inner_.sample(*inner_model_, noise, scratch.subspan(n), g);
  pull_back(amortization_.logit_map(), g, grad);
}

void AmortizedEstimator::sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                                      std::vector<double>& work, std::span<double> out) const {
  // The inner estimator's own block (its batched path, the same noise as sample()), then Aᵀ per row;
  // the blockwise multi-sample form has no batched path: sample() row by row.
  if (blockwise()) return Estimator::sample_block(model, seed, block, count, work, out);
  const LogitMap& map = amortization_.logit_map();
  thread_local std::vector<double> logit_grads;
  logit_grads.resize(count * map.logit_dim);
  inner_.sample_block(*inner_model_, seed, block, count, work, logit_grads);
  for (std::size_t i = 0; i < count; ++i)
    pull_back(map, std::span<const double>(logit_grads).subspan(i * map.logit_dim, map.logit_dim),
              out.subspan(i * map.theta_dim, map.theta_dim));
}

// The sample range: the inner sample g lies in [lo_r, hi_r] per logit r (the inner estimator's
// proof, on the logit model prepare() built: the very model its samples come from), and pull_back
// writes θ_k = 0 + t_1 + ... + t_n (left to right over the n rows r that hold column k) with
// t_r = fl(A_rk g_r). fl is monotone, so t_r ∈ [min, max] of fl(A_rk lo_r), fl(A_rk hi_r)
// (interval_product); the sum's rounding is sum_slack's (core/math.hpp: γ_{n-1} Σ |t_r| for
// the code's sum and for this bound's own), taken over n + 1 terms so that a fused multiply-add
// (A_rk g_r not rounded before the addition: an extra u |t_r| at most) is covered too. A column no
// row holds is exactly 0.
std::optional<SampleRange> AmortizedEstimator::sample_range(const Model&) const {
  if (!inner_model_) throw std::logic_error("AmortizedEstimator: prepare() first");
  const std::optional<SampleRange> g = blockwise() ? inner_.block_log_weight_range(*inner_model_, amortization_)
                                                   : inner_.sample_range(*inner_model_);
  if (!g) return std::nullopt;
  const LogitMap& map = amortization_.logit_map();
  std::vector<double> lo(map.theta_dim, 0.0), hi(map.theta_dim, 0.0), abs_sum(map.theta_dim, 0.0);
  std::vector<std::size_t> terms(map.theta_dim, 0);
  for (std::size_t r = 0; r < map.logit_dim; ++r)
    for (std::size_t e = map.row_start[r]; e < map.row_start[r + 1]; ++e) {
      const std::size_t k = map.column[e];
      const auto [t_lo, t_hi] = interval_product(g->lo[r], g->hi[r], map.coefficient[e], map.coefficient[e]);
      lo[k] += t_lo;
      hi[k] += t_hi;
      abs_sum[k] += std::max(std::abs(t_lo), std::abs(t_hi));
      ++terms[k];
    }
  SampleRange out;
  for (std::size_t k = 0; k < map.theta_dim; ++k) {
    const double slack = terms[k] == 0 ? 0.0 : sum_slack(terms[k] + 1, abs_sum[k]);
    out.lo.push_back(lo[k] - slack);
    out.hi.push_back(hi[k] + slack);
    if (!std::isfinite(out.lo.back()) || !std::isfinite(out.hi.back())) return std::nullopt;
  }
  out.source = "Aᵀ (RELAX eq. 17) of the logit estimator's range by interval arithmetic, widened for the sum's "
               "rounding; on the logits: " + g->source;
  return out;
}

std::unique_ptr<Estimator> amortize(Estimator& estimator, const Problem& problem) {
  if (problem.amortization() == nullptr) return nullptr;
  return std::make_unique<AmortizedEstimator>(estimator, problem);
}

}  // namespace estcheck
