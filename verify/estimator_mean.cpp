// verify/estimator_mean.cpp — see estimator_mean.hpp.
#include "verify/estimator_mean.hpp"

#include "estimators/arm.hpp"
#include "estimators/disarm.hpp"

#include "estimators/concrete.hpp"
#include "estimators/nvil.hpp"
#include "estimators/rebar.hpp"
#include "estimators/relax.hpp"
#include "verify/compensated_sum.hpp"
#include "verify/exact.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include <algorithm>
#include <array>
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

/// ∫∫ g(u, v) du dv over (0,1)², the outer integral split at `cut` (where b jumps); the error is
/// the outer one (2 × estimate + 4ε ∫|.|) plus the largest inner one.
Integral integrate_unit_square(const std::function<double(double, double)>& g, double cut) {
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  double inner_err = 0.0;
  auto inner = [&](double u) {
    double e = 0.0, l1 = 0.0;
    const double val = GK::integrate([&](double v) { return g(u, v); }, 0.0, 1.0, 12, 1e-10, &e, &l1);
    inner_err = std::max(inner_err, 2.0 * e + 4.0 * kEps * l1);
    return val;
  };
  Integral r;
  for (auto [a, b] : {std::pair{0.0, cut}, std::pair{cut, 1.0}}) {
    if (!(a < b)) continue;
    double e = 0.0, l1 = 0.0;
    r.value += GK::integrate(inner, a, b, 12, 1e-10, &e, &l1);
    r.error += 2.0 * e + 4.0 * kEps * l1;
  }
  r.error += inner_err;
  return r;
}

/// REBAR on a multilinear f (Bernoulli tables), exactly: given b the z̃_j are independent, so with
/// m_j(b_j) = E[σ_λ(z̃_j) | b_j] and J_i(b_i) = E[∂σ_λ(z̃_i)/∂θ_i | b_i] (1-D integrals over v),
///   E ĝ_i = Σ_b p(b) s_i(b) (f(b) - η F(m(b))) + η ∂_iF(E x) E[x_i(1-x_i)]/λ - η Σ_b p(b) ∂_iF(m(b)) J_i(b_i).
EstimatorMean rebar_multilinear(const Model& m, double lam, double eta) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  std::vector<double> ex(n), w(n), mt[2] = {std::vector<double>(n), std::vector<double>(n)},
                                   jt[2] = {std::vector<double>(n), std::vector<double>(n)};
  double integral_error = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = d.probs[i], p0 = d.probs0[i], th = d.logits[i];
    auto x_of = [&](double u) { return sigmoid((th + logit(u)) / lam); };
    const Integral a = integrate_unit([&](double u) { return x_of(u); }, p0);
    const Integral b = integrate_unit([&](double u) { const double x = x_of(u); return x * (1 - x) / lam; }, p0);
    ex[i] = a.value;
    w[i] = b.value;
    integral_error = std::max({integral_error, a.error, b.error});
    for (int bi = 0; bi < 2; ++bi) {
      // ũ and 1 - ũ without cancellation (as in estimators/rebar.cpp).
      auto ut_of = [&](double v) { return bi ? p0 + v * p : v * p0; };
      auto ut_c_of = [&](double v) { return bi ? (1.0 - v) * p : p + (1.0 - v) * p0; };
      auto xt_of = [&](double v) { return sigmoid((th + std::log(ut_of(v)) - std::log(ut_c_of(v))) / lam); };
      const Integral c = integrate_unit([&](double v) { return xt_of(v); }, 0.5);
      const Integral e = integrate_unit(
          [&](double v) {
            const double ut = ut_of(v), xt = xt_of(v);
            const double dut = bi ? -p * p0 * (1.0 - v) : -v * p * p0;
            return xt * (1 - xt) / lam * (1.0 + dut / (ut * ut_c_of(v)));
          },
          0.5);
      mt[bi][i] = c.value;
      jt[bi][i] = e.value;
      integral_error = std::max({integral_error, c.error, e.error});
    }
  }
  EstimatorMean r;
  r.method = "REBAR on a multilinear f: sum over b of products of 1-D Gauss-Kronrod integrals";
  r.mean.assign(n, 0.0);
  std::vector<double> grad_ex(n), bvec(n), mb(n), grad_mb(n), sc(n);
  m.problem->relaxed_gradient(ex, grad_ex);
  double abs_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    r.mean[i] = eta * grad_ex[i] * w[i];
    abs_sum = std::max(abs_sum, std::abs(r.mean[i]));
  }
  for (std::uint64_t k = 0; k < support_size(d); ++k) {
    support_point(d, k, bvec);
    const double pb = std::exp(log_prob(d, bvec));
    for (std::size_t j = 0; j < n; ++j) mb[j] = mt[bvec[j] != 0.0][j];
    const double fm = m.problem->f_relaxed(mb);
    m.problem->relaxed_gradient(mb, grad_mb);
    score(d, bvec, sc);
    const double fb = m.f(bvec);
    for (std::size_t i = 0; i < n; ++i) {
      const double term = pb * (sc[i] * (fb - eta * fm) - eta * grad_mb[i] * jt[bvec[i] != 0.0][i]);
      r.mean[i] += term;
      abs_sum = std::max(abs_sum, std::abs(term));
    }
  }
  // Each 1-D integral errs by <= integral_error; they enter linearly (through multilinear F and
  // its gradient, whose sensitivity is <= Σ|table| per unit change, bounded via f's range) — a
  // first-order bound: (|η| + 1) · 4 · max|f| · n · integral_error, plus rounding of the sums.
  double fmax = 0.0;
  for (std::uint64_t k = 0; k < support_size(d); ++k) {
    support_point(d, k, bvec);
    fmax = std::max(fmax, std::abs(m.f(bvec)));
  }
  for (std::size_t i = 0; i < n; ++i)
    r.error.push_back((std::abs(eta) + 1.0) * 4.0 * fmax * static_cast<double>(n) * integral_error * 8.0 +
                      64.0 * static_cast<double>(support_size(d)) * kEps * (abs_sum + fmax));
  return r;
}

}  // namespace

std::optional<EstimatorMoments> exact_estimator_moments(const Estimator& est, const Model& m) {
  // Continuous-noise estimators on one Bernoulli variable: quadrature of ĝ and ĝ² over their
  // uniforms — (u, v) for REBAR and RELAX, u for Concrete and straight-through.
  const auto* rebar = dynamic_cast<const Rebar*>(&est);
  const auto* relax = dynamic_cast<const Relax*>(&est);
  const auto* relaxed = dynamic_cast<const RelaxedBernoulli*>(&est);
  if ((rebar || relax || relaxed) && m.problem->family() == Family::bernoulli && m.sample_dim() == 1 &&
      m.problem->has_relaxation()) {
    const double cut = std::get<BernoulliLogits>(m.dist).probs0[0];
    std::vector<double> u(1), v(1), g(1), scratch(16);
    auto value = [&](double uu, double vv) {
      u[0] = uu;
      v[0] = vv;
      if (rebar) rebar->evaluate(m, u, v, scratch, g);
      else if (relax) relax->evaluate(m, u, v, g);
      else relaxed->evaluate(m, u, scratch, g);
      return g[0];
    };
    Integral first, second;
    if (relaxed) {
      first = integrate_unit([&](double uu) { return value(uu, 0.5); }, cut);
      second = integrate_unit([&](double uu) { const double x = value(uu, 0.5); return x * x; }, cut);
    } else {
      first = integrate_unit_square(value, cut);
      second = integrate_unit_square([&](double uu, double vv) { const double x = value(uu, vv); return x * x; }, cut);
    }
    EstimatorMoments r;
    r.method = relaxed ? "1-D Gauss-Kronrod over u" : "2-D Gauss-Kronrod over (u, v) of the estimator's code";
    r.mean = {first.value};
    r.mean_error = {first.error};
    r.variance = {second.value - first.value * first.value};
    r.variance_error = {second.error + 2.0 * std::abs(first.value) * first.error + 4.0 * kEps * second.value};
    return r;
  }
  // ARM and DisARM on Bernoulli problems of up to 7 variables: their noise is u ~ U(0,1)^n, and in
  // each u_j the sample only changes where u_j crosses σ(θ_j) or σ(-θ_j). On each of the 3^n cells
  // between those points ĝ is constant (DisARM) or affine in u_i (ARM: diff · (u_i - 1/2)), so
  // ĝ and ĝ² are polynomials of degree <= 2 in every u_j there, and the 2-point Gauss-Legendre
  // rule in every dimension integrates both exactly: 6^n evaluations of the estimator's own code.
  const auto* arm = dynamic_cast<const Arm*>(&est);
  const auto* disarm = dynamic_cast<const Disarm*>(&est);
  if ((arm || disarm) && m.problem->family() == Family::bernoulli && m.sample_dim() <= 7) {
    const auto& d = std::get<BernoulliLogits>(m.dist);
    const std::size_t n = d.size();
    std::vector<std::array<double, 4>> edges(n);  // 0, min(σ(θ), σ(-θ)), max, 1 per dimension
    for (std::size_t j = 0; j < n; ++j)
      edges[j] = {0.0, std::min(d.probs[j], d.probs0[j]), std::max(d.probs[j], d.probs0[j]), 1.0};
    const double gl = 1.0 / std::sqrt(3.0);
    std::vector<double> u(n), scratch(2 * n), g(n);
    std::vector<CompensatedSum> s1(n), s2(n);
    std::vector<double> abs1(n, 0.0), abs2(n, 0.0);
    std::uint64_t total = 1;
    for (std::size_t j = 0; j < n; ++j) total *= 6;
    for (std::uint64_t code = 0; code < total; ++code) {  // digit j: cell (0..2) x node (0..1)
      double w = 1.0;
      std::uint64_t c = code;
      for (std::size_t j = 0; j < n; ++j, c /= 6) {
        const auto cell = static_cast<std::size_t>((c % 6) / 2);
        const double lo = edges[j][cell], hi = edges[j][cell + 1], half = 0.5 * (hi - lo);
        u[j] = lo + half + ((c % 2) == 0 ? -gl : gl) * half;
        w *= half;
      }
      if (w == 0.0) continue;  // an empty cell (θ_j = 0 makes the middle one empty)
      if (arm) arm->evaluate(m, u, scratch, g);
      else disarm->evaluate(m, u, scratch, g);
      for (std::size_t i = 0; i < n; ++i) {
        s1[i].add(w * g[i]);
        s2[i].add(w * g[i] * g[i]);
        abs1[i] += std::abs(w * g[i]);
        abs2[i] += w * g[i] * g[i];
      }
    }
    EstimatorMoments r;
    r.method = "exact: 2-point Gauss-Legendre on each of the 3^n cells of u (the estimator's code)";
    // Rounding: the weights are products of n halves, the nodes carry ~2ε, ĝ a few operations:
    // (4n + 16) ε of Σ|terms| per sum (first order), plus the compensated sums' own ε |S|.
    const double rel = (4.0 * static_cast<double>(n) + 16.0) * kEps;
    for (std::size_t i = 0; i < n; ++i) {
      const double m1 = s1[i].value(), m2 = s2[i].value();
      const double e1 = rel * abs1[i] + kEps * std::abs(m1), e2 = 2.0 * rel * abs2[i] + kEps * m2;
      r.mean.push_back(m1);
      r.mean_error.push_back(e1);
      r.variance.push_back(m2 - m1 * m1);
      r.variance_error.push_back(e2 + 2.0 * std::abs(m1) * e1 + 4.0 * kEps * m2);
    }
    return r;
  }
  const int draws = est.draws();
  if (draws <= 0) return std::nullopt;
  const std::size_t n = m.sample_dim(), dim = m.theta_dim(), K = static_cast<std::size_t>(draws);
  std::vector<double> xs(K * n), scratch(est.scratch_size(m)), g(dim);
  EstimatorMoments r;
  if (m.problem->family() != Family::gaussian) {
    const std::uint64_t points = std::visit(
        [](const auto& d) -> std::uint64_t {
          if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
          else return 0;
        },
        m.dist);
    const double tuples = std::pow(static_cast<double>(points), static_cast<double>(K));
    if (tuples > double(1 << 22)) return std::nullopt;
    // Σ p(tuple) ĝ and Σ p(tuple) ĝ², Neumaier-compensated; then Var = E ĝ² - (E ĝ)².
    std::vector<CompensatedSum> s1(dim), s2(dim);
    std::vector<double> abs1(dim, 0.0);
    for (std::uint64_t t = 0; t < static_cast<std::uint64_t>(tuples); ++t) {
      double w = 1.0;
      for (std::uint64_t code = t, k = 0; k < K; ++k, code /= points) {
        const auto x = std::span(xs).subspan(k * n, n);
        std::visit([&](const auto& d) {
          if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, code % points, x);
        }, m.dist);
        w *= std::exp(log_prob(m.dist, x));
      }
      est.value_at(m, xs, scratch, g);
      for (std::size_t i = 0; i < dim; ++i) {
        s1[i].add(w * g[i]);
        s2[i].add(w * g[i] * g[i]);
        abs1[i] += std::abs(w * g[i]);
      }
    }
    r.method = "enumeration of every tuple of draws";
    // Each term: K probabilities (<= (n+8)ε each) and the estimator's few dozen operations
    // (<= 64ε): γ = (K(n+8) + 64)ε relative, on Σ|terms|; the variance's subtraction adds ε of each.
    const double gamma = (static_cast<double>(K) * (static_cast<double>(n) + 8.0) + 64.0) * kEps;
    for (std::size_t i = 0; i < dim; ++i) {
      const double mean = s1[i].value(), second = s2[i].value();
      r.mean.push_back(mean);
      r.variance.push_back(second - mean * mean);
      r.mean_error.push_back(gamma * abs1[i]);
      r.variance_error.push_back(2.0 * gamma * (second + mean * mean) + 2.0 * std::abs(mean) * gamma * abs1[i]);
    }
    return r;
  }
  // Gaussian, d = 1: ∫ ĝ(μ + σε)^q φ(ε) dε for q = 1, 2, split where f is not smooth.
  if (n != 1 || K != 1) return std::nullopt;
  const auto& d = std::get<DiagGaussian>(m.dist);
  const auto sep = m.problem->separable();
  std::vector<double> cuts{-std::numeric_limits<double>::infinity()};
  if (sep)
    for (double b : sep->breakpoints) cuts.push_back((b - d.mu[0]) / d.sigma[0]);
  std::sort(cuts.begin() + 1, cuts.end());
  cuts.push_back(std::numeric_limits<double>::infinity());
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * 3.141592653589793238462643383279502884);
  r.method = "Gauss-Kronrod over ε";
  for (std::size_t i = 0; i < dim; ++i) {
    double moments[2] = {0.0, 0.0}, errors[2] = {0.0, 0.0};
    for (int q = 1; q <= 2; ++q)
      for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
        if (!(cuts[c] < cuts[c + 1])) continue;
        double e = 0.0, l1 = 0.0;
        moments[q - 1] += GK::integrate(
            [&](double eps) {
              // Where φ(ε) underflows (|ε| > 38.6) the integrand is 0 for any ĝ of at most
              // exponential growth; evaluating ĝ there could give inf · 0 = NaN (f = e^x).
              const double density = inv_sqrt_2pi * std::exp(-0.5 * eps * eps);
              if (density == 0.0) return 0.0;
              xs[0] = d.mu[0] + d.sigma[0] * eps;
              est.value_at(m, xs, scratch, g);
              return std::pow(g[i], q) * density;
            },
            cuts[c], cuts[c + 1], 15, 1e-13, &e, &l1);
        errors[q - 1] += 2.0 * e + 4.0 * kEps * l1;
      }
    r.mean.push_back(moments[0]);
    r.variance.push_back(moments[1] - moments[0] * moments[0]);
    r.mean_error.push_back(errors[0]);
    r.variance_error.push_back(errors[1] + 2.0 * std::abs(moments[0]) * errors[0] + 4.0 * kEps * moments[1]);
  }
  return r;
}

std::optional<EstimatorMean> exact_estimator_mean(const Estimator& est, const Model& m) {
  // REBAR and RELAX: on one Bernoulli variable by 2-D quadrature of the estimator's own code;
  // REBAR on multilinear tables by the exact reduction above.
  const auto* rebar = dynamic_cast<const Rebar*>(&est);
  const auto* relax = dynamic_cast<const Relax*>(&est);
  if ((rebar || relax) && m.problem->family() == Family::bernoulli && m.problem->has_relaxation()) {
    if (m.sample_dim() == 1) {
      std::vector<double> u(1), v(1), g(1), scratch(16);
      const Integral r = integrate_unit_square(
          [&](double uu, double vv) {
            u[0] = uu;
            v[0] = vv;
            if (rebar) rebar->evaluate(m, u, v, scratch, g);
            else relax->evaluate(m, u, v, g);
            return g[0];
          },
          std::get<BernoulliLogits>(m.dist).probs0[0]);
      return EstimatorMean{{r.value}, {r.error}, "2-D Gauss-Kronrod over (u, v) of the estimator's code"};
    }
    if (rebar && rebar->info().claimed_unbiased && m.problem->relaxation_is_multilinear())
      return rebar_multilinear(m, rebar->temperature(), rebar->eta());
    return std::nullopt;
  }
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

std::vector<double> variance_upper_bound(const EstimatorMoments& mo) {
  std::vector<double> v(mo.variance.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = mo.variance[i] + mo.variance_error[i];
  return v;
}

std::string variance_bound_source(const EstimatorMoments& mo) { return "exact oracle (" + mo.method + ")"; }

}  // namespace estcheck
