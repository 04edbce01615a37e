// verify/estimator_mean.cpp — see estimator_mean.hpp.
#include "verify/estimator_mean.hpp"

#include "estimators/concrete.hpp"
#include "estimators/nvil.hpp"
#include "verify/exact.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include <cmath>
#include <functional>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

struct Integral {
  double value = 0.0, error = 0.0;
};

/// ∫_0^1 h(u) du on (0, cut) and (cut, 1).
Integral integrate_unit(const std::function<double(double)>& h, double cut) {
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  Integral r;
  for (auto [a, b] : {std::pair{0.0, cut}, std::pair{cut, 1.0}}) {
    if (!(a < b)) continue;
    double e = 0.0, l1 = 0.0;
    r.value += GK::integrate(h, a, b, 15, 1e-14, &e, &l1);
    r.error += 2.0 * e + 4.0 * kEps * l1;
  }
  return r;
}

double logit(double u) { return std::log(u) - std::log1p(-u); }

}  // namespace

std::optional<EstimatorMean> exact_estimator_mean(const Estimator& est, const Model& m) {
  // NVIL with frozen (c, s): E ĝ = E[(f - c) ∇ log p] / s = ∇L / s exactly (E ∇ log p = 0).
  if (const auto* nvil = dynamic_cast<const Nvil*>(&est); nvil != nullptr && exact_available(m, ExactMethod::automatic)) {
    const ExactGradient g = exact_gradient(m);
    EstimatorMean r{{}, {}, "exact gradient / NVIL's frozen scale"};
    for (std::size_t i = 0; i < g.gradient.size(); ++i) {
      r.mean.push_back(g.gradient[i] / nvil->scale());
      r.error.push_back(g.error[i] / nvil->scale() + 2 * kEps * std::abs(r.mean.back()));
    }
    return r;
  }
  const auto* relaxed = dynamic_cast<const RelaxedBernoulli*>(&est);
  if (relaxed == nullptr || m.problem->family() != Family::bernoulli || !m.problem->has_relaxation())
    return std::nullopt;
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const double lambda = relaxed->temperature();
  const bool st = relaxed->straight_through();
  auto z_of = [&](std::size_t i, double u) { return sigmoid((d.logits[i] + logit(u)) / lambda); };
  EstimatorMean r;
  r.mean.assign(n, 0.0);
  r.error.assign(n, 0.0);

  if (m.problem->relaxation_is_multilinear()) {
    r.method = "multilinear product of 1-D Gauss-Kronrod integrals";
    std::vector<double> ez(n), ez_err(n), w(n), w_err(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double cut = d.probs0[i];  // u* = σ(-θ_i)
      const Integral a = integrate_unit([&](double u) { return z_of(i, u); }, cut);
      const Integral b = integrate_unit([&](double u) { const double z = z_of(i, u); return z * (1 - z); }, cut);
      ez[i] = a.value;
      ez_err[i] = a.error;
      w[i] = b.value / lambda;
      w_err[i] = b.error / lambda;
    }
    const std::vector<double>& at = st ? d.probs : ez;
    std::vector<double> grad(n), grad_plus(n);
    m.problem->relaxed_gradient(at, grad);
    // The E z errors move ∂_i F(E z) by (to first order, F being multilinear) at most twice the
    // change seen when every z_j moves by its error bound in one direction.
    double moved = 0.0;
    if (!st) {
      std::vector<double> shifted(ez);
      for (std::size_t j = 0; j < n; ++j) shifted[j] = std::min(1.0, ez[j] + ez_err[j]);
      m.problem->relaxed_gradient(shifted, grad_plus);
      for (std::size_t i = 0; i < n; ++i) moved = std::max(moved, std::abs(grad_plus[i] - grad[i]));
    }
    for (std::size_t i = 0; i < n; ++i) {
      r.mean[i] = grad[i] * w[i];
      r.error[i] = std::abs(grad[i]) * w_err[i] + (2.0 * moved + 8.0 * kEps * std::abs(grad[i])) * w[i] +
                   8.0 * static_cast<double>(n) * kEps * std::abs(r.mean[i]);
    }
    return r;
  }
  if (n == 1) {
    r.method = "1-D Gauss-Kronrod over u";
    const double cut = d.probs0[0];
    std::vector<double> at(1), df(1);
    const Integral g = integrate_unit(
        [&](double u) {
          const double z = z_of(0, u);
          at[0] = st ? (d.logits[0] + logit(u) > 0.0 ? 1.0 : 0.0) : z;
          m.problem->relaxed_gradient(at, df);
          return df[0] * z * (1 - z) / lambda;
        },
        cut);
    r.mean[0] = g.value;
    r.error[0] = g.error;
    return r;
  }
  return std::nullopt;
}

}  // namespace estcheck
