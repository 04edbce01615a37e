// verify/oracles/exact.cpp — see exact.hpp.
#include "verify/oracles/exact.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/compensated_sum.hpp"
#include "verify/oracles/gaussian_pieces.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/oracles/certified/gaussian.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

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
constexpr std::uint64_t kChunk = 4096;  ///< support points (or tuples) per leaf of the reduction

/// Partial sums over a range of support points: objective, gradient, and Σ|term| for the bounds.
struct EnumSums {
  CompensatedSum objective, objective_abs;
  std::vector<CompensatedSum> grad, grad_abs;
};

EnumSums join_sums(EnumSums a, const EnumSums& b) {
  a.objective.add(b.objective.value());
  a.objective_abs.add(b.objective_abs.value());
  for (std::size_t i = 0; i < a.grad.size(); ++i) {
    a.grad[i].add(b.grad[i].value());
    a.grad_abs[i].add(b.grad_abs[i].value());
  }
  return a;
}

/// Sums `leaf` over chunks [0, chunks) in the fixed tree of parallel_deterministic_reduce (grain 1,
/// simple_partitioner): the same bits for any thread count. `leaf(range, acc)` adds its chunks.
template <class Leaf>
EnumSums reduce_chunks(std::uint64_t chunks, std::size_t dim, int threads, const Leaf& leaf) {
  EnumSums identity;
  identity.grad.resize(dim);
  identity.grad_abs.resize(dim);
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  return arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, chunks, 1), identity, leaf,
                                              join_sums, tbb::simple_partitioner());
  });
}

ExactGradient enumerate(const Model& m, int threads) {
  const std::size_t n = m.sample_dim(), dim = m.theta_dim();
  const std::uint64_t points = std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
  const std::uint64_t chunks = (points + kChunk - 1) / kChunk;
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, EnumSums acc) {
    std::vector<double> x(n), s(dim);
    for (std::uint64_t c = r.begin(); c != r.end(); ++c) {
      const std::uint64_t end = std::min(points, (c + 1) * kChunk);
      for (std::uint64_t k = c * kChunk; k < end; ++k) {
        std::visit([&](const auto& d) {
          if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, k, x);
        }, m.dist);
        const double p = std::exp(log_prob(m.dist, x));
        const double pf = p * m.f(x);
        score(m.dist, x, s);
        acc.objective.add(pf);
        acc.objective_abs.add(std::abs(pf));
        for (std::size_t i = 0; i < dim; ++i) {
          acc.grad[i].add(pf * s[i]);
          acc.grad_abs[i].add(std::abs(pf * s[i]));
        }
      }
    }
    return acc;
  };
  const EnumSums total = reduce_chunks(chunks, dim, threads, leaf);
  // Rounding bound: each term p·f·s carries relative error <= (n + 8)ε (exp of a sum of n
  // logs, two products, the score), each compensated sum adds <= 3ε relative to Σ|term|, and
  // the join tree adds <= 3ε per level (⌈log2 chunks⌉ levels). Bound = γ Σ|term|.
  const double levels = chunks > 1 ? std::ceil(std::log2(static_cast<double>(chunks))) : 0.0;
  const double gamma = (static_cast<double>(n) + 8.0 + 3.0 + 3.0 * levels) * kEps;
  ExactGradient r;
  r.method = ExactMethod::enumeration;
  r.certificate = estimated("first-order rounding model; p = exp(Σ log p_i) is not bounded rigorously");
  r.support_points = points;
  r.objective = total.objective.value();
  r.objective_error = gamma * total.objective_abs.value();
  for (std::size_t i = 0; i < dim; ++i) {
    r.gradient.push_back(total.grad[i].value());
    r.error.push_back(gamma * total.grad_abs[i].value());
  }
  return r;
}

ExactGradient closed(const Model& m) {
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
  const std::size_t n = m.sample_dim(), dim = m.theta_dim(), K = static_cast<std::size_t>(k);
  const std::uint64_t points = std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
  if (points == 0)
    raise_input_error("problem", "a finite support for the multi-sample objective", "'" + m.problem->spec() + "'");
  double tuples = std::pow(static_cast<double>(points), static_cast<double>(K));
  if (tuples > double(1 << 24))
    raise_input_error("problem", "at most 2^24 K-tuples of support points for the exact L_K",
                      format_double(tuples) + " (support " + std::to_string(points) + ", K = " + std::to_string(K) + ")");
  // Per support point: p, f (> 0), log f, the score.
  std::vector<double> p(points), f(points), scores(points * dim), x(n);
  for (std::uint64_t j = 0; j < points; ++j) {
    std::visit([&](const auto& d) {
      if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, j, x);
    }, m.dist);
    p[j] = std::exp(log_prob(m.dist, x));
    f[j] = m.f(x);
    if (!(f[j] > 0.0))
      raise_input_error("problem", "f > 0 on the support for log (1/K) Σ f",
                        "f = " + format_double(f[j]) + " at support point " + std::to_string(j));
    score(m.dist, x, std::span(scores).subspan(j * dim, dim));
  }
  const auto total = static_cast<std::uint64_t>(tuples);
  const std::uint64_t chunks = (total + kChunk - 1) / kChunk;
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, EnumSums acc) {
    std::vector<double> s(dim);
    for (std::uint64_t c = r.begin(); c != r.end(); ++c) {
      for (std::uint64_t t = c * kChunk; t < std::min(total, (c + 1) * kChunk); ++t) {
        double w = 1.0, sum_f = 0.0;
        std::fill(s.begin(), s.end(), 0.0);
        for (std::uint64_t code = t, q = 0; q < K; ++q, code /= points) {
          const std::uint64_t j = code % points;
          w *= p[j];
          sum_f += f[j];
          for (std::size_t i = 0; i < dim; ++i) s[i] += scores[j * dim + i];
        }
        const double term = w * std::log(sum_f / static_cast<double>(K));
        acc.objective.add(term);
        acc.objective_abs.add(std::abs(term));
        for (std::size_t i = 0; i < dim; ++i) {
          acc.grad[i].add(term * s[i]);
          acc.grad_abs[i].add(std::abs(term * s[i]));
        }
      }
    }
    return acc;
  };
  const EnumSums sums = reduce_chunks(chunks, dim, threads, leaf);
  // Rounding: each term is a product of K probabilities (each <= (n+8)ε), a sum of K f's and a log
  // (<= (K+4)ε), and a sum of K scores (<= Kε relative to Σ|s|, bounded by the same Σ|term|·K);
  // compensated sums and the join tree as in enumerate().
  const double levels = chunks > 1 ? std::ceil(std::log2(static_cast<double>(chunks))) : 0.0;
  const double gamma = (static_cast<double>(K) * (static_cast<double>(n) + 10.0) + 10.0 + 3.0 * levels) * kEps;
  ExactGradient r;
  r.method = ExactMethod::enumeration;
  r.certificate = estimated("first-order rounding model");
  r.support_points = total;
  r.objective = sums.objective.value();
  r.objective_error = gamma * sums.objective_abs.value();
  for (std::size_t i = 0; i < dim; ++i) {
    r.gradient.push_back(sums.grad[i].value());
    r.error.push_back(gamma * static_cast<double>(K) * sums.grad_abs[i].value());
  }
  return r;
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
