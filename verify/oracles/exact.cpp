// verify/oracles/exact.cpp — see exact.hpp.
#include "verify/oracles/exact.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/amortized_exact.hpp"
#include "verify/oracles/amortized_multisample.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/discrete.hpp"
#include "verify/oracles/gaussian_pieces.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/oracles/certified/gaussian.hpp"
#include "verify/oracles/certified/lqr.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

namespace estcheck {

const char* to_string(ExactMethod m) {
  switch (m) {
    case ExactMethod::automatic: return "automatic";
    case ExactMethod::enumeration: return "enumeration";
    case ExactMethod::closed_form: return "closed-form";
    case ExactMethod::quadrature: return "quadrature";
  }
  return "?";
}

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Enumeration on finite supports: certified (verify/oracles/certified/discrete.hpp).
ExactGradient enumerate(const Model& m, int threads) { return certified::enumerate_finite(m, threads); }

ExactGradient closed(const Model& m) {
  if (const auto sym = m.problem->symbolic(); sym && sym->kind == SymbolicF::Kind::toy) {
    const double zero = 0.0, one = 1.0;
    return certified::toy_closed_form(m.theta[0], m.f({&zero, 1}), m.f({&one, 1}));
  }
  // The LQR problem (estimators/problems/lqr.hpp): its recursion in Arb, certified.
  if (auto certified = certified::lqr_gradient(m)) return *certified;
  // The Gaussian problems with a symbolic f: the same formulas in Arb, certified.
  if (auto certified = certified::gaussian_gradient(m, ExactMethod::closed_form)) return *certified;
  const auto cf = m.problem->closed_form(m.theta);
  ExactGradient r;
  r.method = ExactMethod::closed_form;
  r.certificate = estimated("a few ε per value of a double-precision formula, not proven");
  r.objective = cf->objective;
  r.gradient = cf->gradient;
  // Default: closed forms are a few elementary operations and one Boost special function per
  // coordinate (each accurate to a few ε): bound each value by 16ε of its magnitude, unless the
  // problem states its own bounds (it must where the formula amplifies rounding).
  r.objective_error = cf->objective_error.value_or(16 * kEps * std::abs(r.objective));
  if (!cf->gradient_error.empty()) r.error = cf->gradient_error;
  else for (double g : r.gradient) r.error.push_back(16 * kEps * std::abs(g));
  return r;
}

ExactGradient quadrature(const Model& m) {
  // A symbolic f: the route's Gaussian integrals in closed form, in Arb (certified). Any other
  // separable g: Gauss–Kronrod below (estimated).
  if (auto certified = certified::gaussian_gradient(m, ExactMethod::quadrature)) return *certified;
  const auto sep = *m.problem->separable();
  const auto& d = std::get<DiagGaussian>(m.dist);
  const std::size_t n = d.size();
  ExactGradient r;
  r.method = ExactMethod::quadrature;
  r.certificate = estimated("Gauss-Kronrod error estimate (adaptive, not validated; ε outside [-40, 40] omitted)");
  r.gradient.assign(2 * n, 0.0);
  r.error.assign(2 * n, 0.0);
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * std::numbers::pi);
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  for (std::size_t i = 0; i < n; ++i) {
    const double mu = d.mu[i], s = d.sigma[i];
    const std::vector<double> cuts = gaussian_pieces(mu, s, sep.breakpoints);
    // ∫ g(μ + σε) w(ε) φ(ε) dε over all pieces; returns (value, error estimate). The estimate
    // per piece is 2 × Boost's |K - G| (a safety factor, kept from the half-infinite pieces
    // used before, whose transformation Boost reports the estimate before), plus 4ε ∫|integrand| for rounding in a cancelling sum, plus,
    // per cut point c = (b - μ)/σ (rounded by <= 2ε|c|), the integral over the misplaced sliver:
    // |jump of g at b| |w(c)| φ(c) 4ε max(1, |c|).
    auto integrate = [&](auto w) {
      double value = 0.0, err = 0.0;
      for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
        if (!(cuts[c] < cuts[c + 1])) continue;
        double e = 0.0, l1 = 0.0;
        value += GK::integrate(
            [&](double eps) {
              return sep.g(mu + s * eps) * w(eps) * inv_sqrt_2pi * std::exp(-0.5 * eps * eps);
            },
            cuts[c], cuts[c + 1], 15, 1e-14, &e, &l1);
        err += 2.0 * e + 4.0 * kEps * l1;
      }
      for (double b : sep.breakpoints) {
        const double c = (b - mu) / s;
        const double jump = std::abs(sep.g(std::nextafter(b, INFINITY)) - sep.g(std::nextafter(b, -INFINITY)));
        err += jump * std::abs(w(c)) * inv_sqrt_2pi * std::exp(-0.5 * c * c) * 4.0 * kEps *
               std::max(1.0, std::abs(c));
      }
      return std::pair{value, err};
    };
    const auto [l, le] = integrate([](double) { return 1.0; });
    const auto [gm, gme] = integrate([](double e) { return e; });
    const auto [gs, gse] = integrate([](double e) { return e * e - 1.0; });
    r.objective += l;
    r.objective_error += le;
    r.gradient[i] = gm / s;
    r.error[i] = gme / s;
    r.gradient[n + i] = gs;
    r.error[n + i] = gse;
  }
  return r;
}

}  // namespace

ExactGradient exact_multisample_gradient(const Model& m, int k, int threads) {
  // Amortized problems (the VAE): the per-image IWAE bound (amortized_multisample.hpp).
  if (m.problem->amortization()) return amortized_multisample_gradient(m, k, threads);
  return certified::multisample_finite(m, k, threads);
}

ExactGradient exact_target_gradient(const Model& m, int objective_samples, int threads) {
  return objective_samples > 0 ? exact_multisample_gradient(m, objective_samples, threads)
                               : exact_gradient(m, ExactMethod::automatic, threads);
}

ExactGradient unknown_gradient(std::size_t dim, ExactMethod method, std::string why) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ExactGradient r;
  r.method = method;
  r.objective = r.objective_error = nan;
  r.gradient.assign(dim, nan);
  r.error.assign(dim, nan);
  r.certificate = unknown_figure(std::move(why));
  return r;
}

bool exact_available(const Model& m, ExactMethod method) {
  const bool finite = m.problem->family() != Family::gaussian;
  // Control problems (lqr): only their closed form.
  if (m.problem->family() == Family::control)
    return (method == ExactMethod::automatic || method == ExactMethod::closed_form) &&
           m.problem->closed_form(m.theta).has_value();
  // Graph problems have their own enumeration oracle (verify/oracles/graph_exact.hpp).
  if (m.problem->family() == Family::graph)
    return method == ExactMethod::automatic || method == ExactMethod::enumeration;
  switch (method) {
    case ExactMethod::automatic:
      return finite || m.problem->closed_form(m.theta) || m.problem->separable();
    case ExactMethod::enumeration: return finite;
    case ExactMethod::closed_form: return m.problem->closed_form(m.theta).has_value();
    case ExactMethod::quadrature:
      return m.problem->family() == Family::gaussian && m.problem->separable().has_value();
  }
  return false;
}

ExactGradient exact_gradient(const Model& m, ExactMethod method, int threads) {
  OracleClock clock("the exact gradient on " + m.problem->spec());
  try {
    return compute_exact_gradient(m, method, threads);
  } catch (const OracleBudgetExceeded& e) {
    return unknown_gradient(m.theta_dim(), method, e.what());
  }
}

ExactGradient compute_exact_gradient(const Model& m, ExactMethod method, int threads) {
  if (method == ExactMethod::automatic) {
    if (exact_available(m, ExactMethod::enumeration)) method = ExactMethod::enumeration;
    else if (exact_available(m, ExactMethod::closed_form)) method = ExactMethod::closed_form;
    else method = ExactMethod::quadrature;
  }
  if (!exact_available(m, method))
    raise_input_error("problem",
                      std::string("a problem with an exact ") + to_string(method) + " oracle",
                      "'" + m.problem->spec() + "'");
  if (m.problem->family() == Family::graph) return exact_graph_gradient(m, threads);
  // Amortized problems (the VAE): per-block enumeration and RELAX eq. 17 (amortized_exact.hpp).
  if (method == ExactMethod::enumeration && m.problem->amortization()) return amortized_exact_gradient(m, threads);
  switch (method) {
    case ExactMethod::enumeration: return enumerate(m, threads);
    case ExactMethod::closed_form: return closed(m);
    default: return quadrature(m);
  }
}

std::string nonfinite_figure(const ExactGradient& g, bool objective) {
  if (objective && !std::isfinite(g.objective)) return "objective " + format_double(g.objective);
  for (std::size_t i = 0; i < g.gradient.size(); ++i)
    if (!std::isfinite(g.gradient[i]) || !std::isfinite(g.error[i]))
      return "coordinate " + std::to_string(i) + " " + format_double(g.gradient[i]) + " (error bound " +
             format_double(g.error[i]) + ")";
  return "";
}

}  // namespace estcheck
