// estimators/concrete.cpp — see concrete.hpp.
#include "estimators/concrete.hpp"

#include "estimators/core/error.hpp"
#include "estimators/sample_bounds.hpp"

#include <cmath>

namespace estcheck {

constexpr const char* kConcreteReference = "Maddison et al. 2017, §3.3; Jang et al. 2017 (binary Concrete)";
constexpr const char* kStraightThroughReference = "Bengio et al. 2013; Jang et al. 2017, §2.2 (straight-through)";

RelaxedBernoulli::RelaxedBernoulli(std::string name, double temperature, bool straight_through)
    : info_{name + ":temperature=" + format_double(temperature), false, false, 1,
            straight_through ? kStraightThroughReference : kConcreteReference},
      temperature_(temperature),
      straight_through_(straight_through) {
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    raise_input_error(name + ":temperature", "a finite number > 0", format_double(temperature));
}

void RelaxedBernoulli::check(const Problem& problem) const {
  if (problem.family() == Family::gaussian || !problem.has_relaxation())
    raise_input_error("estimator",
                      "an estimator that fits problem '" + problem.spec() + "': '" + info_.spec +
                          "' needs Bernoulli or categorical variables and f extended to their relaxation (toy, tables, vae)",
                      "'" + info_.spec + "' on problem '" + problem.spec() + "'");
}

void RelaxedBernoulli::sample(const Model& m, Noise& noise, std::span<double> scratch,
                              std::span<double> grad) const {
  if (std::holds_alternative<CategoricalLogits>(m.dist)) return sample_categorical(m, noise, scratch, grad);
  const std::size_t n = m.sample_dim();
  const auto u = scratch.subspan(3 * n, n);
  for (double& x : u) x = noise.uniform();
  evaluate(m, u, scratch.first(3 * n), grad);
}

void RelaxedBernoulli::evaluate(const Model& m, std::span<const double> uu, std::span<double> scratch,
                                std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto z = scratch.first(n), at = scratch.subspan(n, n), df = scratch.subspan(2 * n, n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = uu[i];
    const double logistic = logit(u);
    z[i] = sigmoid((d.logits[i] + logistic) / temperature_);
    at[i] = straight_through_ ? (d.logits[i] + logistic > 0.0 ? 1.0 : 0.0) : z[i];
  }
  m.problem->relaxed_gradient(at, df);
  for (std::size_t i = 0; i < n; ++i) grad[i] = df[i] * z[i] * (1.0 - z[i]) / temperature_;
}

// Gumbel-softmax (Jang et al. 2017, eq. 1–2; Maddison et al. 2017): G_k = -log(-log u_k),
// z = softmax((θ + G)/λ), hard b = e_argmax(θ + G) ~ Categorical(softmax θ). With c = ∂f/∂z at z
// (concrete) or at b (straight-through), ĝ_j = Σ_k c_k ∂z_k/∂θ_j = z_j (c_j - Σ_k c_k z_k) / λ.
void RelaxedBernoulli::sample_categorical(const Model& m, Noise& noise, std::span<double> scratch,
                                          std::span<double> grad) const {
  const auto& d = std::get<CategoricalLogits>(m.dist);
  const std::size_t K = d.size();
  const auto z = scratch.first(K), at = scratch.subspan(K, K), c = scratch.subspan(2 * K, K);
  std::size_t best = 0;
  double top = -INFINITY;
  for (std::size_t k = 0; k < K; ++k) {
    const double perturbed = d.logits[k] - std::log(-std::log(noise.uniform()));
    z[k] = perturbed / temperature_;
    if (perturbed > top) {
      top = perturbed;
      best = k;
    }
  }
  const double lse = log_sum_exp(z);
  for (std::size_t k = 0; k < K; ++k) z[k] = std::exp(z[k] - lse);
  for (std::size_t k = 0; k < K; ++k) at[k] = straight_through_ ? (k == best ? 1.0 : 0.0) : z[k];
  m.problem->relaxed_gradient(at, c);
  double cz = 0.0;
  for (std::size_t k = 0; k < K; ++k) cz += c[k] * z[k];
  for (std::size_t j = 0; j < K; ++j) grad[j] = z[j] * (c[j] - cz) / temperature_;
}

// The sample range (Estimator::sample_range), a proof for every u, θ and λ > 0:
// - Bernoulli: ĝ_i = ∂f/∂z_i(a) · z_i (1 - z_i) / λ with a = z (Concrete) or a = b (straight-
//   through), both in [0,1]^n. z_i = σ(·) lies in [0, 1] whatever exp returns (1/(1 + e) or
//   e/(1 + e) with e >= 0), so z_i (1 - z_i) <= 1/4 and |ĝ_i| <= slope_i / (4λ), slope_i the bound on
//   |∂f/∂z_i| over [0,1]^n (relaxation_bounds: for tables, the largest vertex difference).
// - Categorical: ĝ_j = z_j (c_j - Σ_k c_k z_k) / λ with c the table and z on the simplex. With
//   h = (max c - min c) / 2 and c' = c - mid, z_j (c_j - Σ_k c_k z_k) = z_j (1 - z_j) c'_j -
//   z_j Σ_{k != j} z_k c'_k, so |·| <= 2 z_j (1 - z_j) h <= h / 2 = spread / 4 when Σ z = 1; with
//   Σ z = S = 1 ± δ (rounding, libm), |·| <= (1 + S)² spread / 16 + |mid| δ, δ <= kRangeSlack.
std::optional<SampleRange> RelaxedBernoulli::sample_range(const Model& m) const {
  const auto rb = relaxation_bounds(m);
  if (!rb) return std::nullopt;
  const double lam = temperature_, up = 1.0 + 4.0 * kRangeSlack;
  SampleRange r;
  if (std::holds_alternative<CategoricalLogits>(m.dist)) {
    const double spread = rb->f_hi - rb->f_lo;
    const double bound = (0.25 * spread * up + kRangeSlack * (spread + rb->scale)) / lam * up;
    r.lo.assign(m.theta_dim(), -bound);
    r.hi.assign(m.theta_dim(), bound);
    r.source = "(max f - min f) / (4 lambda), " + rb->how;
  } else {
    for (double s : rb->slope) {
      r.lo.push_back(-0.25 * s / lam * up);
      r.hi.push_back(0.25 * s / lam * up);
    }
    r.source = "max |df/dz_i| / (4 lambda), " + rb->how;
  }
  for (double h : r.hi)
    if (!std::isfinite(h)) return std::nullopt;
  return r;
}

std::unique_ptr<Estimator> make_concrete(double temperature) {
  return std::make_unique<RelaxedBernoulli>("concrete", temperature, false);
}
std::unique_ptr<Estimator> make_straight_through(double temperature) {
  return std::make_unique<RelaxedBernoulli>("straight-through", temperature, true);
}

EstimatorDescriptor concrete_descriptor() {
  return {.name = "concrete",
          .params = {real_param("temperature", 0.5, "relaxation temperature λ > 0")},
          .claimed_unbiased = false,
          .requires_ = "bernoulli or categorical with a relaxation of f (toy, tables, vae)",
          .description = "binary Concrete / Gumbel-softmax: ∂f/∂z(z) z(1-z)/λ at z = σ((θ + L)/λ); biased",
          .reference = kConcreteReference,
          .make = [](const ParamValues& v) { return make_concrete(v.real("temperature")); }};
}

EstimatorDescriptor straight_through_descriptor() {
  return {.name = "straight-through",
          .params = {real_param("temperature", 1.0, "relaxation temperature λ > 0")},
          .claimed_unbiased = false,
          .requires_ = "bernoulli or categorical with a relaxation of f (toy, tables, vae)",
          .description = "straight-through: ∂f/∂z at the hard sample b, times z(1-z)/λ; biased",
          .reference = kStraightThroughReference,
          .make = [](const ParamValues& v) { return make_straight_through(v.real("temperature")); }};
}

}  // namespace estcheck
