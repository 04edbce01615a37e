// proptests/prop_exact.cpp — RapidCheck properties of the exact oracles (verify/oracles/exact.hpp) over
// generated problems: random Bernoulli tables (n = 1..8 variables), random categorical tables
// (K = 2..8), the toy problem, and the Gaussian problems at random θ = (μ, log σ).
//
// Everything here is exact arithmetic on doubles: no Monte Carlo, so no share of the statistical
// budget (tests/budget.hpp) is used. Every tolerance is an error bound that the code states:
// - the oracle's own bounds (ExactGradient::error, ::objective_error),
// - Boost.Math's error estimate of its finite difference (finite_difference_derivative, order 6),
//   or Boost's Gauss–Kronrod error estimate (inside the quadrature oracle),
// - first-order rounding bounds (in units of ε = 2^-52) for the independent reference sums
//   written in this file, derived next to each helper.
// A factor kSafety = 2 multiplies the sum of the bounds in each comparison. It covers (i) the
// second-order terms that first-order rounding bounds leave out (relative size at most
// N·n·ε < 1e-10 here), (ii) the libm assumption that exp, log1p and log are within 1 ulp, and
// (iii) for the estimates (finite difference truncation, Gauss–Kronrod |K - G|) the remainder
// they neglect, argued at each use. A bug in an oracle or estimator moves a result by many orders
// of magnitude more than a factor 2 of a rounding bound, so the factor costs no power.
//
// Properties: (a) enumeration gradient = central finite difference of the enumeration objective;
// (b) Σ_x p(x) = 1; (c) the exact means of reinforce, reinforce:baseline=B and rloo:k=2 (by
// enumerating x, or pairs (x1, x2)) equal the exact gradient, allowing the estimator's own
// rounding of one sample (kSampleRounding); (d) Gaussian closed form = quadrature;
// (e) enumeration = independent closed formulas (toy closed form, the Bernoulli difference
// formula, the categorical covariance formula) that never form a score. Each runs separately per
// family, so a failure names it. PropExactRegression pins counterexamples the properties found,
// against references computed in 50-digit arithmetic.
// Replay a failure with RC_PARAMS="seed=..." (printed with the counterexample).
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "verify/oracles/compensated_sum.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "estimators/registry/registry.hpp"
#include "proptests/generators.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/math/differentiation/finite_difference.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using namespace prop;

constexpr double kEps = std::numeric_limits<double>::epsilon();  // ε = 2^-52; unit roundoff u = ε/2
constexpr double kSafety = 2.0;  // see the file comment

// ---------------------------------------------------------------------------------------------
// Independent references and their rounding bounds

// CompensatedSum (verify/oracles/compensated_sum.hpp): error at most ε|S| + N u² Σ|t|; with N <= 2^16
// terms the second part is below 2^16·2^-106 Σ|t| < ε·Σ|t|, so callers bound it by ε(|S| + Σ|t|).

/// A reference sum Σ t_k with Σ |t_k| · (relative error bound of t_k) carried along.
struct BoundedSum {
  CompensatedSum value;
  double abs_sum = 0.0;
  double error = 0.0;  ///< Σ_k |t_k| r_k
  void add(double term, double relative_error) {
    value.add(term);
    abs_sum += std::abs(term);
    error += std::abs(term) * relative_error;
  }
  /// Bound on |computed - exact|: the terms' own errors plus the compensated sum's.
  double bound() const { return error + kEps * (std::abs(value.value()) + abs_sum); }
};

/// The support points of a table case in table order (index Σ_i b_i 2^i, or class k).
std::vector<std::vector<double>> support(const TableCase& c) {
  const std::size_t n = c.theta.size();
  std::vector<std::vector<double>> xs;
  if (c.family == Family::bernoulli) {
    for (std::size_t k = 0; k < (std::size_t{1} << n); ++k) {
      std::vector<double> b(n);
      for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<double>((k >> i) & 1u);
      xs.push_back(b);
    }
  } else {
    for (std::size_t k = 0; k < n; ++k) {
      std::vector<double> e(n, 0.0);
      e[k] = 1.0;
      xs.push_back(e);
    }
  }
  return xs;
}

/// p(x) computed without logarithms, and a bound on its relative error.
/// Bernoulli: Π_i σ(±θ_i) with sigmoid() (math.hpp). One σ costs an exp (<= ε), an add and a
///   divide (u each), plus the exp's error passed through e/(1+e) (<= ε): <= 3ε. n factors and
///   n - 1 products: <= 3nε + (n-1)u <= 4nε.
/// Categorical: exp(θ_k - m) / Σ_j exp(θ_j - m), m = max θ, R = max θ - min θ. The subtraction
///   rounds by u|θ_k - m| <= uR, which exp turns into a relative error uR, plus the exp's ε;
///   the sum adds (K-1)u, the divide u: <= 2uR + 2ε + Ku <= (R + K + 4)ε.
struct ReferenceProbs {
  std::vector<double> p;
  double relative_error = 0.0;
};

ReferenceProbs reference_probs(const TableCase& c) {
  ReferenceProbs r;
  const std::size_t n = c.theta.size();
  if (c.family == Family::bernoulli) {
    for (std::size_t k = 0; k < (std::size_t{1} << n); ++k) {
      double p = 1.0;
      for (std::size_t i = 0; i < n; ++i) p *= ((k >> i) & 1u) ? sigmoid(c.theta[i]) : sigmoid(-c.theta[i]);
      r.p.push_back(p);
    }
    r.relative_error = 4.0 * static_cast<double>(n) * kEps;
  } else {
    const double m = *std::max_element(c.theta.begin(), c.theta.end());
    const double lo = *std::min_element(c.theta.begin(), c.theta.end());
    double s = 0.0;
    for (double t : c.theta) s += std::exp(t - m);
    for (double t : c.theta) r.p.push_back(std::exp(t - m) / s);
    r.relative_error = ((m - lo) + static_cast<double>(n) + 4.0) * kEps;
  }
  return r;
}

struct Oracle {
  std::unique_ptr<Problem> problem;
  Model model;
  ExactGradient exact;
};

Oracle enumerate_case(const TableCase& c) {
  auto problem = make_table_problem(c.family, c.table);
  Model model = make_model(*problem, c.theta);
  ExactGradient exact = exact_gradient(model, ExactMethod::enumeration, 1);
  return Oracle{std::move(problem), std::move(model), std::move(exact)};
}

// ---------------------------------------------------------------------------------------------
// (a) enumeration gradient = finite difference of the enumeration objective

void check_finite_difference(const TableCase& c) {
  classify_logits(c);
  const Oracle o = enumerate_case(c);
  for (std::size_t i = 0; i < c.theta.size(); ++i) {
    double max_objective_error = 0.0;  // over every point the stencil evaluates
    const auto objective = [&](double t) {
      std::vector<double> th = c.theta;
      th[i] = t;
      const Model m = make_model(*o.problem, th);
      const ExactGradient e = exact_gradient(m, ExactMethod::enumeration, 1);
      max_objective_error = std::max(max_objective_error, e.objective_error);
      return e.objective;
    };
    double fd_error = 0.0;
    const double x = c.theta[i];
    const double fd = boost::math::differentiation::finite_difference_derivative(objective, x, &fd_error);
    // Boost's step for order 6 (finite_difference.hpp): h = (ε/168)^(1/7), made representable.
    double h = std::pow(kEps / 168.0, 1.0 / 7.0);
    h = (x + h) - x;
    // fd_error = h^6 |L^(7)|/140 (estimated from a 7th difference) + 5(|L(x+h)| + |L(x-h)|)ε/h
    // (rounding if L were exact to ε|L|). Three terms it leaves out:
    // - each L(x + kh) is off by up to its objective_error; the stencil
    //   (y3 + 9 y2 + 45 y1)/(60h) has Σ|w_k| = 2(1 + 9 + 45)/60 = 11/6, so this adds (11/6) δ/h;
    // - the points x + 2h, x + 3h are rounded by u(|x| + 4h), which moves the result by
    //   (11/6)|L'| u (|x| + 4h)/h;
    // - the oracle's own error bound on the gradient.
    // The truncation estimate is good to a relative O((4h/π)²) < 1e-4: along one logit L is a
    // Möbius function of e^θ_i (poles at Im θ_i = ±π), so the Taylor coefficients fall like π^-k.
    const double slope = std::max(std::abs(fd), std::abs(o.exact.gradient[i]));
    const double stencil_noise = (11.0 / 6.0) * max_objective_error / h;
    const double point_rounding = (11.0 / 6.0) * slope * 0.5 * kEps * (std::abs(x) + 4.0 * h) / h;
    const double bound = kSafety * (fd_error + stencil_noise + point_rounding + o.exact.error[i]);
    RC_ASSERT(std::abs(fd - o.exact.gradient[i]) <= bound);
  }
}

RC_GTEST_PROP(PropExact, EnumerationGradientMatchesFiniteDifferenceBernoulli, ()) {
  check_finite_difference(*bernoulli_case(8));
}

RC_GTEST_PROP(PropExact, EnumerationGradientMatchesFiniteDifferenceCategorical, ()) {
  check_finite_difference(*categorical_case(8));
}

// ---------------------------------------------------------------------------------------------
// (b) Σ_x p(x) = 1

/// Σ_x p(x) with p(x) = exp(log_prob(x)), as the enumeration oracle forms it, and a bound on
/// |Σ - 1|:
/// Bernoulli: log σ(±θ_i) (log_sigmoid: exp, log1p and, for θ < 0, a subtraction of two numbers
///   of one sign) has relative error <= 2.5ε; the n log-terms all have one sign, so their sum s
///   has relative error <= 2.5ε + (n-1)u <= (n/2 + 2)ε, and exp(s) has relative error
///   (n/2 + 2)ε|s| + ε. Weighted by p, with Σ p|log p| = entropy <= n ln 2, that is
///   <= ((n/2 + 2) n ln 2 + 1)ε; the compensated sum adds ε(|S| + Σ p) = 2ε:
///   |Σ - 1| <= ((n/2 + 2) n ln 2 + 3)ε.
/// Categorical: log p_k = (θ_k - m) - log z, z = Σ_j exp(θ_j - m), m = max θ (distributions.cpp);
///   R = max θ - min θ. θ_k - m rounds by <= uR; z has relative error uR + ε + (K-1)u (an absolute
///   error of log z), the log adds u ln K, the subtraction u|log p_k|; exp turns this absolute
///   error into a relative one and adds ε. Weighted by p (entropy <= ln K) and with the sum's 2ε:
///   |Σ - 1| <= (R + K/2 + ln K + 4)ε.
void check_normalized(const TableCase& c) {
  classify_logits(c);
  const Oracle o = enumerate_case(c);
  CompensatedSum total;
  for (const auto& x : support(c)) total.add(std::exp(log_prob(o.model.dist, x)));
  const double n = static_cast<double>(c.theta.size());
  double bound = 0.0;
  if (c.family == Family::bernoulli) {
    bound = ((n / 2.0 + 2.0) * n * std::log(2.0) + 3.0) * kEps;
  } else {
    const double m = *std::max_element(c.theta.begin(), c.theta.end());
    const double lo = *std::min_element(c.theta.begin(), c.theta.end());
    bound = ((m - lo) + n / 2.0 + std::log(n) + 4.0) * kEps;
  }
  RC_ASSERT(std::abs(total.value() - 1.0) <= kSafety * bound);

  // The oracle itself on f ≡ 1: its objective is Σ_x p(x), within its own objective_error.
  TableCase ones = c;
  std::fill(ones.table.begin(), ones.table.end(), 1.0);
  const Oracle one = enumerate_case(ones);
  RC_ASSERT(std::abs(one.exact.objective - 1.0) <= kSafety * one.exact.objective_error);
}

RC_GTEST_PROP(PropExact, ProbabilitiesSumToOneBernoulli, ()) { check_normalized(*bernoulli_case(8)); }

RC_GTEST_PROP(PropExact, ProbabilitiesSumToOneCategorical, ()) { check_normalized(*categorical_case(8)); }

// ---------------------------------------------------------------------------------------------
// (c) exact means of the score-function estimators

/// The rounding an estimator sample may carry, relative to its mathematical value: the score
/// components are computed to <= 3ε relative (each is σ(±θ_i), or e_k - softmax(θ); the
/// Bernoulli header promises full relative precision), f(x) - B rounds once (u), and the product
/// once (u): <= 4ε relative per component of ĝ(x). Exact means below are compared with the
/// gradient allowing this on top of the oracle's bound and the reference's own rounding.
constexpr double kSampleRounding = 4.0 * kEps;

/// Σ_x p(x) ĝ(x) for reinforce:baseline=B, ĝ(x) = (f(x) - B) ∇θ log p(x), with ĝ computed by the
/// same operations as Reinforce::sample (estimators/estimator.cpp), so ĝ(x) is the estimator's
/// output at x; p(x) from reference_probs. Per term: p's relative error plus one product (u),
/// plus kSampleRounding for ĝ itself; then the compensated sum.
void check_reinforce_mean(const TableCase& c, double baseline) {
  classify_logits(c);
  RC_CLASSIFY(baseline == 0.0, "reinforce (B = 0)");
  RC_CLASSIFY(baseline != 0.0, "reinforce:baseline=B");
  const Oracle o = enumerate_case(c);
  const ReferenceProbs ref = reference_probs(c);
  const auto xs = support(c);
  const std::size_t dim = c.theta.size();
  std::vector<BoundedSum> mean(dim);
  std::vector<double> g(dim);
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const double weight = o.model.f(xs[k]) - baseline;
    score(o.model.dist, xs[k], g);
    for (double& v : g) v *= weight;
    for (std::size_t i = 0; i < dim; ++i)
      mean[i].add(ref.p[k] * g[i], ref.relative_error + 0.5 * kEps + kSampleRounding);
  }
  for (std::size_t i = 0; i < dim; ++i)
    RC_ASSERT(std::abs(mean[i].value.value() - o.exact.gradient[i]) <=
              kSafety * (mean[i].bound() + o.exact.error[i]));
}

rc::Gen<double> baseline_value() {
  return rc::gen::resize(kFullSize, rc::gen::weightedOneOf<double>(
                                        {{1, rc::gen::just(0.0)}, {3, uniform_in(-10.0, 10.0)}}));
}

RC_GTEST_PROP(PropExact, ReinforceExactMeanIsGradientBernoulli, ()) {
  const TableCase c = *bernoulli_case(8);
  check_reinforce_mean(c, *baseline_value());
}

RC_GTEST_PROP(PropExact, ReinforceExactMeanIsGradientCategorical, ()) {
  const TableCase c = *categorical_case(8);
  check_reinforce_mean(c, *baseline_value());
}

/// Σ_{x1,x2} p(x1) p(x2) ĝ(x1, x2) for rloo:k=2, ĝ by the operations of Rloo::sample:
/// f̄ = (f1 + f2)/2, ĝ = ((f1 - f̄) s(x1) + (f2 - f̄) s(x2)) / (K - 1). Reference rounding per
/// term: twice p's relative error and two products (2u = ε); then the compensated sum over at
/// most 2^8 pairs. The sample's own rounding is not relative to |ĝ| here (f_k - f̄ can cancel):
/// f̄ is off by <= u(|f1| + |f2|)/2, so w_k = f_k - f̄ by <= u(|f_k| + |f̄|) + u(|f1| + |f2|)/2
/// <= ε(|f1| + |f2|); with |w_k| <= |f1| + |f2|, scores to 3ε and two more roundings,
/// |ĝ_i error| <= 5ε (|f1| + |f2|) Σ_k |s_i(x_k)|.
void check_rloo2_mean(const TableCase& c) {
  classify_logits(c);
  const Oracle o = enumerate_case(c);
  const ReferenceProbs ref = reference_probs(c);
  const auto xs = support(c);
  const std::size_t dim = c.theta.size();
  std::vector<BoundedSum> mean(dim);
  std::vector<double> sample_rounding(dim, 0.0);
  std::vector<double> s(dim), g(dim), abs_s(dim);
  for (std::size_t a = 0; a < xs.size(); ++a)
    for (std::size_t b = 0; b < xs.size(); ++b) {
      const double fs[2] = {o.model.f(xs[a]), o.model.f(xs[b])};
      double fbar = 0.0;
      for (double f : fs) fbar += f;
      fbar /= 2.0;
      std::fill(g.begin(), g.end(), 0.0);
      std::fill(abs_s.begin(), abs_s.end(), 0.0);
      for (int k = 0; k < 2; ++k) {
        score(o.model.dist, k == 0 ? xs[a] : xs[b], s);
        const double w = fs[k] - fbar;
        for (std::size_t i = 0; i < dim; ++i) {
          g[i] += w * s[i];
          abs_s[i] += std::abs(s[i]);
        }
      }
      const double scale = 1.0 / static_cast<double>(2 - 1);
      for (double& v : g) v *= scale;
      const double pp = ref.p[a] * ref.p[b];
      for (std::size_t i = 0; i < dim; ++i) {
        mean[i].add(pp * g[i], 2.0 * ref.relative_error + kEps);
        sample_rounding[i] += 5.0 * kEps * pp * (std::abs(fs[0]) + std::abs(fs[1])) * abs_s[i];
      }
    }
  for (std::size_t i = 0; i < dim; ++i)
    RC_ASSERT(std::abs(mean[i].value.value() - o.exact.gradient[i]) <=
              kSafety * (mean[i].bound() + sample_rounding[i] + o.exact.error[i]));
}

RC_GTEST_PROP(PropExact, Rloo2ExactMeanIsGradientBernoulli, ()) { check_rloo2_mean(*bernoulli_case(4)); }

RC_GTEST_PROP(PropExact, Rloo2ExactMeanIsGradientCategorical, ()) {
  check_rloo2_mean(*categorical_case(4));
}

// ---------------------------------------------------------------------------------------------
// (d) Gaussian problems: closed form = quadrature

void check_closed_form_vs_quadrature(const GaussianCase& c) {
  const std::size_t dim = c.theta.size() / 2;
  double max_z = 0.0;  // max |μ_i/σ_i|: how far into a tail the step's cut lies
  for (std::size_t i = 0; i < dim; ++i) max_z = std::max(max_z, std::abs(c.theta[i] / std::exp(c.theta[dim + i])));
  RC_CLASSIFY(max_z >= 4.0, "far tail: max |μ_i/σ_i| >= 4");
  RC_CLASSIFY(max_z < 4.0, "max |μ_i/σ_i| < 4");
  const auto problem = make_problem(c.spec);
  const Model model = make_model(*problem, c.theta);
  const ExactGradient cf = exact_gradient(model, ExactMethod::closed_form);
  const ExactGradient q = exact_gradient(model, ExactMethod::quadrature);
  RC_ASSERT(cf.gradient.size() == q.gradient.size());
  // q.error is Boost's Gauss–Kronrod estimate max(|K61 - G30|, 2ε|K61|) summed over the pieces.
  // Boost reports the error of the integral over its mapped interval [-1, 1] before the map's
  // outer factor 2 for half-infinite pieces (gauss_kronrod.hpp, recursive_adaptive_integrate),
  // so it can understate by that factor 2: kSafety. |K - G| itself over-estimates the error of
  // K (the Kronrod rule is far more accurate than the Gauss rule it is compared with).
  // Not in q.error: rounding when the oracle adds two pieces, divides by σ, and sums d
  // coordinates into the objective (all terms >= 0): (d + 2)u|value| <= (d + 2)ε|value|.
  const double d = static_cast<double>(dim);
  const double combine = (d + 2.0) * kEps;
  RC_ASSERT(std::abs(cf.objective - q.objective) <=
            kSafety * (q.objective_error + cf.objective_error + combine * std::abs(q.objective)));
  for (std::size_t i = 0; i < cf.gradient.size(); ++i)
    RC_ASSERT(std::abs(cf.gradient[i] - q.gradient[i]) <=
              kSafety * (q.error[i] + cf.error[i] + combine * std::abs(q.gradient[i])));
}

RC_GTEST_PROP(PropExact, GaussianQuadraticClosedFormMatchesQuadrature, ()) {
  check_closed_form_vs_quadrature(*gaussian_case(true));
}

RC_GTEST_PROP(PropExact, GaussianStepClosedFormMatchesQuadrature, ()) {
  check_closed_form_vs_quadrature(*gaussian_case(false));
}

// ---------------------------------------------------------------------------------------------
// (e) enumeration = closed formulas that never form a score

/// Bernoulli: ∂L/∂θ_i = σ(θ_i) σ(-θ_i) Σ_{b_-i} p(b_-i) (f(b_-i, b_i=1) - f(b_-i, b_i=0)); each
///   inner term: p(b_-i) (<= 4(n-1)ε), one difference and one product (u each) <= 4nε; the outer
///   factor σσ̄ (3ε + 3ε + u) and product (u) add 7ε relative to the result.
/// Categorical: ∂L/∂θ_j = p_j Σ_k p_k (f_j - f_k); each term p_j p_k (f_j - f_k): 2 p errors plus
///   3 roundings (3u <= 2ε).
/// Objective: Σ_x p(x) f(x): p's error plus one product.
void check_closed_formulas(const TableCase& c) {
  classify_logits(c);
  const Oracle o = enumerate_case(c);
  const ReferenceProbs ref = reference_probs(c);
  const std::size_t n = c.theta.size();

  BoundedSum objective;
  for (std::size_t k = 0; k < ref.p.size(); ++k)
    objective.add(ref.p[k] * c.table[k], ref.relative_error + 0.5 * kEps);
  RC_ASSERT(std::abs(objective.value.value() - o.exact.objective) <=
            kSafety * (objective.bound() + o.exact.objective_error));

  for (std::size_t i = 0; i < n; ++i) {
    double reference = 0.0, bound = 0.0;
    if (c.family == Family::bernoulli) {
      BoundedSum inner;
      const double rest_error = 4.0 * static_cast<double>(n) * kEps;
      for (std::size_t k = 0; k < (std::size_t{1} << n); ++k) {
        if ((k >> i) & 1u) continue;
        double p_rest = 1.0;
        for (std::size_t j = 0; j < n; ++j)
          if (j != i) p_rest *= ((k >> j) & 1u) ? sigmoid(c.theta[j]) : sigmoid(-c.theta[j]);
        inner.add(p_rest * (c.table[k | (std::size_t{1} << i)] - c.table[k]), rest_error);
      }
      const double w = sigmoid(c.theta[i]) * sigmoid(-c.theta[i]);
      reference = w * inner.value.value();
      bound = w * inner.bound() + 7.0 * kEps * std::abs(reference);
    } else {
      BoundedSum inner;
      for (std::size_t k = 0; k < n; ++k)
        inner.add(ref.p[i] * ref.p[k] * (c.table[i] - c.table[k]), 2.0 * ref.relative_error + 2.0 * kEps);
      reference = inner.value.value();
      bound = inner.bound();
    }
    RC_ASSERT(std::abs(reference - o.exact.gradient[i]) <= kSafety * (bound + o.exact.error[i]));
  }
}

RC_GTEST_PROP(PropExact, EnumerationMatchesScoreFreeFormulaBernoulli, ()) {
  check_closed_formulas(*bernoulli_case(8));
}

RC_GTEST_PROP(PropExact, EnumerationMatchesScoreFreeFormulaCategorical, ()) {
  check_closed_formulas(*categorical_case(8));
}

/// The toy problem has its own closed form (problems.cpp); enumeration must agree with it within
/// both oracles' bounds.
RC_GTEST_PROP(PropExact, ToyEnumerationMatchesClosedForm, ()) {
  const double t = *uniform_in(-2.0, 2.0);
  const double theta = *rc::gen::resize(kFullSize, logit());
  RC_CLASSIFY(std::abs(theta) >= kExtremeLogit, "extreme logit |θ| >= 20");
  const auto problem = make_problem("toy:t=" + format_double(t));
  const Model model = make_model(*problem, std::vector<double>{theta});
  const ExactGradient cf = exact_gradient(model, ExactMethod::closed_form);
  const ExactGradient en = exact_gradient(model, ExactMethod::enumeration, 1);
  RC_ASSERT(std::abs(cf.objective - en.objective) <= kSafety * (cf.objective_error + en.objective_error));
  RC_ASSERT(std::abs(cf.gradient[0] - en.gradient[0]) <= kSafety * (cf.error[0] + en.error[0]));
}

// ---------------------------------------------------------------------------------------------
// Counterexamples the properties found, pinned with references computed in 50-digit arithmetic
// (mpmath 1.3: mp.dps = 50), so that which oracle is wrong is not a matter of opinion. The
// tolerance is the oracle's own bound (times kSafety) plus the rounding of the reference to a
// double (u|ref|).

/// K = 2, f = (1, 0), θ = (30, -5): L = p_0 = 1/(1 + e^-35), ∂L/∂θ_0 = p_0 p_1 = -∂L/∂θ_1.
TEST(PropExactRegression, CategoricalGradientAtADominantClass) {
  const auto problem = make_table_problem(Family::categorical, {1.0, 0.0});
  const Model model = make_model(*problem, std::vector<double>{30.0, -5.0});
  const ExactGradient e = exact_gradient(model, ExactMethod::enumeration, 1);
  const double objective = 0.9999999999999993694883240;  // 1/(1 + e^-35)
  const double gradient = 6.305116760146981434739549e-16;  // e^-35/(1 + e^-35)^2
  EXPECT_LE(std::abs(e.objective - objective), kSafety * e.objective_error + 0.5 * kEps * objective);
  EXPECT_LE(std::abs(e.gradient[0] - gradient), kSafety * e.error[0] + 0.5 * kEps * gradient)
      << "gradient[0] = " << e.gradient[0] << ", reported error bound " << e.error[0];
  EXPECT_LE(std::abs(e.gradient[1] + gradient), kSafety * e.error[1] + 0.5 * kEps * gradient)
      << "gradient[1] = " << e.gradient[1] << ", reported error bound " << e.error[1];
}

/// gaussian-step:d=1, L = Φ(z), ∂L/∂μ = φ(z)/σ, ∂L/∂log σ = -φ(z) z, z = μ/σ, at two points:
/// θ = (-3, -2), z = -3e^2 ≈ -22.17, deep in the left tail (L ≈ 3.6e-109), where rounding z
/// moves Φ(z) by a relative ~z²ε; and θ = (2.3862476348876953, -1.5014152526855469), z ≈ 10.71,
/// where the quadrature's ∫ g ε φ dε over (-z, ∞) is ~2e-25 but its pieces are of order 1.
TEST(PropExactRegression, GaussianStepInTheTails) {
  struct Point {
    std::vector<double> theta;
    double objective;
    double gradient[2];
  };
  const Point points[] = {
      {{-3.0, -2.0},
       3.562720169547658706748545e-109,
       {5.847365792836513144333042e-107, 1.754209737850953943299913e-106}},
      {{2.3862476348876953, -1.5014152526855469},
       1.0,  // 1 - 4.7e-27
       {2.22487882351231240572496e-25, -5.309111830517973550542428e-25}},
  };
  const auto problem = make_problem("gaussian-step:d=1");
  for (const Point& pt : points) {
    const Model model = make_model(*problem, pt.theta);
    for (ExactMethod method : {ExactMethod::closed_form, ExactMethod::quadrature}) {
      const ExactGradient e = exact_gradient(model, method);
      const std::string where = std::string(to_string(method)) + " at theta (" +
                                format_double(pt.theta[0]) + ", " + format_double(pt.theta[1]) + ")";
      EXPECT_LE(std::abs(e.objective - pt.objective),
                kSafety * e.objective_error + 0.5 * kEps * pt.objective)
          << where << ": objective " << e.objective << ", reported error bound " << e.objective_error;
      for (std::size_t i = 0; i < 2; ++i)
        EXPECT_LE(std::abs(e.gradient[i] - pt.gradient[i]),
                  kSafety * e.error[i] + 0.5 * kEps * std::abs(pt.gradient[i]))
            << where << ": gradient[" << i << "] " << e.gradient[i] << " (exact " << pt.gradient[i]
            << "), reported error bound " << e.error[i];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Estimators: every estimator claimed unbiased that has an exact-mean oracle has ∇L as its exact
// mean — baselines and control variates never change the mean — on random tables and θ. Bounds:
// the oracles' own (EstimatorMoments::mean_error, EstimatorMean::error, ExactGradient::error),
// times kSafety.

// The moments are those of the samples as computed (issue 14's certified tuple moments take the
// estimator's doubles as exact inputs), so the comparison also allows each sample's own rounding:
// with |score| <= 1 on tables, reinforce's (f - B) s rounds by <= 4ε (|f| + |B|); rloo:k's
// leave-one-out means add <= (k + 3)ε max|f| per term (k <= 3), and nvil:normalize=0 subtracts a
// frozen baseline c with |c| <= max|f|. 32ε (2 max|f| + |B|) covers every one of them, in mean too.
void expect_mean_is_gradient(const EstimatorMoments& mo, const ExactGradient& g, double sample_rounding) {
  for (std::size_t i = 0; i < g.gradient.size(); ++i)
    RC_ASSERT(std::abs(mo.mean[i] - g.gradient[i]) <= kSafety * (mo.mean_error[i] + g.error[i]) + sample_rounding);
}

RC_GTEST_PROP(PropEstimators, DrawOnlyEstimatorsHaveTheGradientAsExactMean, ()) {
  const bool categorical = *rc::gen::arbitrary<bool>();
  const TableCase c = categorical ? *categorical_case(5) : *bernoulli_case(4);
  const double baseline = *table_value();
  RC_TAG(to_string(c.family));
  auto p = make_table_problem(c.family, c.table);
  const Model m = make_model(*p, c.theta);
  const ExactGradient g = exact_gradient(m);
  for (const std::string& spec : {"reinforce:baseline=" + format_double(baseline), std::string("rloo:k=2"),
                                 std::string("rloo:k=3"), std::string("nvil:normalize=0")}) {
    auto e = make_estimator(spec);
    e->prepare(m);
    const auto mo = exact_estimator_moments(*e, m);
    if (!mo) continue;  // too many draw tuples for this table
    RC_CLASSIFY(spec == "rloo:k=3", "rloo:k=3 enumerated");
    double max_f = 0.0;
    for (double v : c.table) max_f = std::max(max_f, std::abs(v));
    expect_mean_is_gradient(*mo, g, 32.0 * kEps * (2.0 * max_f + std::abs(baseline)));
  }
}

}  // namespace
}  // namespace estcheck
