// estimators/amortized.cpp — see amortized.hpp.
#include "estimators/amortized.hpp"

#include "estimators/core/error.hpp"

#include <stdexcept>

namespace estcheck {

AmortizedEstimator::AmortizedEstimator(Estimator& inner, const Problem& problem)
    : inner_(inner), amortization_(*problem.amortization()) {}

void AmortizedEstimator::check(const Problem& problem) const {
  const EstimatorInfo& i = inner_.info();
  if (i.objective_samples > 0)
    raise_input_error("estimator",
                      "an estimator of ∇E[f] on the amortized problem '" + problem.spec() +
                          "' (a K-sample bound over the joint latents of every image has no tractable exact oracle)",
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
  return inner_.scratch_size(*inner_model_) + amortization_.logit_map().logit_dim;
}

void AmortizedEstimator::sample(const Model&, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  const std::size_t n = amortization_.logit_map().logit_dim;
  const std::span<double> g = scratch.first(n);
  inner_.sample(*inner_model_, noise, scratch.subspan(n), g);
  pull_back(amortization_.logit_map(), g, grad);
}

void AmortizedEstimator::sample_block(const Model&, std::uint64_t seed, std::uint64_t block, std::size_t count,
                                      std::vector<double>& work, std::span<double> out) const {
  // The inner estimator's own block (its batched path, the same noise as sample()), then Aᵀ per row.
  const LogitMap& map = amortization_.logit_map();
  thread_local std::vector<double> logit_grads;
  logit_grads.resize(count * map.logit_dim);
  inner_.sample_block(*inner_model_, seed, block, count, work, logit_grads);
  for (std::size_t i = 0; i < count; ++i)
    pull_back(map, std::span<const double>(logit_grads).subspan(i * map.logit_dim, map.logit_dim),
              out.subspan(i * map.theta_dim, map.theta_dim));
}

std::unique_ptr<Estimator> amortize(Estimator& estimator, const Problem& problem) {
  if (problem.amortization() == nullptr) return nullptr;
  return std::make_unique<AmortizedEstimator>(estimator, problem);
}

}  // namespace estcheck
