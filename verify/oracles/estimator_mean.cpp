// verify/oracles/estimator_mean.cpp — see estimator_mean.hpp.
#include "verify/oracles/estimator_mean.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/certified/antithetic.hpp"
#include "verify/oracles/certified/discrete.hpp"
#include "verify/oracles/certified/relaxed_moments.hpp"
#include "verify/oracles/compensated_sum.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/gaussian_pieces.hpp"
#include "verify/oracles/certified/gaussian.hpp"
#include "verify/oracles/certified/lqr_moments.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/oracles/leave_one_out.hpp"
#include "verify/oracles/tensor_contract.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <utility>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

struct Integral {
  double value = 0.0, error = 0.0;
};

// The uniforms are integrated in the logistic variable t = θ + logit u (the perturbed logit;
// verify/oracles/certified/relaxed_moments.hpp): u = σ(t - θ), du = ℓ(t - θ) dt with
// ℓ(s) = σ(s)σ(-s), and b = 1[t > 0]. In u the relaxed estimators change within a window of
// width ~λ u*(1 - u*) around u* = σ(-θ) (6e-8 at θ = 12, λ = 0.5), which adaptive quadrature in u
// resolved slowly or not at all (issue 14: wrong means with tiny error estimates, minutes-long
// integrals); in t they change on the scale λ near t = 0 and 1 near t = θ, where the pieces below
// are cut. REBAR's v, given b, is the same map onto b's side: ũ = σ(t̃ - θ). The segments stop
// kTailLogits past max(θ, 0) (or min(θ, 0)), dropping less than e^{-40} of the mass (these
// routes' bounds are estimates).
constexpr double kTailLogits = 40.0;
/// Past t - θ = 12, 1 - u < 6.2e-6 is a double with less than 1e-11 relative resolution (ε/(1 - u)),
/// so the estimator's code sees a staircase in t there, which adaptive refinement to a 1e-10
/// tolerance cannot resolve (it refined to the maximum depth: 30 s for the REBAR mutant at θ = 12,
/// minutes for RELAX at θ = -16). Those pieces get one fixed 61-point rule and its error estimate.
constexpr double kRoundedLogits = 12.0;

/// The cut points of side b (b = 1: t > 0; b = 0: t < 0) in t: 0, ±λ 4^k and θ, within the segment.
std::vector<double> side_cuts(double theta, double lambda, bool b) {
  const double lo = b ? 0.0 : std::min(theta, 0.0) - kTailLogits, hi = b ? std::max(theta, 0.0) + kTailLogits : 0.0;
  std::vector<double> cuts{lo, hi};
  for (double w = lambda; w < hi - lo; w *= 4.0) cuts.push_back(b ? w : -w);
  if (lo < theta && theta < hi) cuts.push_back(theta);
  if (lo < theta + kRoundedLogits && theta + kRoundedLogits < hi) cuts.push_back(theta + kRoundedLogits);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

double logistic_density(double s) { return sigmoid(s) * sigmoid(-s); }

/// ∫ h(t, b) dt over the pieces of the sides `sides`, by Gauss–Kronrod (61 points): first one
/// rule per piece, which estimates each piece's ∫|h| and their sum S; then, with depth > 0,
/// adaptive refinement of each piece (except past θ + kRoundedLogits) to the absolute tolerance
/// tol · S (Boost's tolerance is relative to the piece's own ∫|h|, which on a piece where the
/// integrand is tiny and its computed values noisy — cancellation in the estimator's code — had it
/// refine to the maximum depth). Error: 2 × Boost's estimate + 4ε ∫|h| per piece.
/// oracle_checkpoint() at every evaluation.
Integral integrate_t(const std::function<double(double, bool)>& h, double theta, double lambda,
                     std::initializer_list<bool> sides, double tol, unsigned depth) {
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  struct Piece {
    double a, b;
    bool side;
    double value = 0.0, error = 0.0, l1 = 0.0;
  };
  std::vector<Piece> pieces;
  for (bool side : sides) {
    const std::vector<double> cuts = side_cuts(theta, lambda, side);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) pieces.push_back({cuts[k], cuts[k + 1], side});
  }
  double total_l1 = 0.0;
  for (Piece& p : pieces) {
    auto f = [&](double t) {
      oracle_checkpoint();
      return h(t, p.side);
    };
    p.value = GK::integrate(f, p.a, p.b, 0, tol, &p.error, &p.l1);
    total_l1 += p.l1;
  }
  Integral r;
  for (Piece& p : pieces) {
    if (depth > 0 && p.a < theta + kRoundedLogits && p.l1 > 0.0 && p.error > tol * total_l1) {
      auto f = [&](double t) {
        oracle_checkpoint();
        return h(t, p.side);
      };
      p.value = GK::integrate(f, p.a, p.b, depth, tol * std::max(1.0, total_l1 / p.l1), &p.error, &p.l1);
    }
    r.value += p.value;
    r.error += 2.0 * p.error + 4.0 * kEps * p.l1;
  }
  return r;
}

/// u = σ(t - θ) for the estimator's code, or nullopt where it rounds to 0 or 1 (|t - θ| > 36:
/// density < 2e-16, dropped like the tails).
std::optional<double> uniform_at(double t, double theta) {
  const double u = sigmoid(t - theta);
  if (!(u > 0.0 && u < 1.0)) return std::nullopt;
  return u;
}

/// REBAR's v at the conditional logit t̃ on side b (estimators/rebar.cpp: ũ = σ(-θ) + v σ(θ) for
/// b = 1, v σ(-θ) for b = 0; ũ = σ(t̃ - θ)): v = σ(t̃ - θ)(1 - e^{-t̃}) or σ(t̃ - θ)/σ(-θ).
std::optional<double> conditional_uniform_at(double t, double theta, bool b) {
  const double v = b ? sigmoid(t - theta) * -std::expm1(-t) : sigmoid(t - theta) / sigmoid(-theta);
  if (!(v > 0.0 && v < 1.0)) return std::nullopt;
  return v;
}

/// ∫_0^1 h(u) du, in t on both sides of 0.
Integral integrate_unit(const std::function<double(double)>& h, double theta, double lambda) {
  return integrate_t(
      [&](double t, bool) {
        const auto u = uniform_at(t, theta);
        return u ? h(*u) * logistic_density(t - theta) : 0.0;
      },
      theta, lambda, {false, true}, 1e-14, 12);
}

/// ∫_0^1 h(v) dv for REBAR's v on side b: in t̃ over that side, dv = ℓ(t̃ - θ) dt̃ / P(b).
Integral integrate_side(const std::function<double(double)>& h, double theta, double lambda, bool b,
                        double tol = 1e-14, unsigned depth = 12) {
  const double mass = b ? sigmoid(theta) : sigmoid(-theta);
  return integrate_t(
      [&](double t, bool side) {
        const auto v = conditional_uniform_at(t, theta, side);
        return v ? h(*v) * logistic_density(t - theta) / mass : 0.0;
      },
      theta, lambda, {b}, tol, depth);
}

/// ∫∫ g(u, v) du dv over (0,1)²: u in t on both sides of 0, v in t̃ on u's side; the error is
/// the outer one (2 × estimate + 4ε ∫|.|) plus the largest inner one.
Integral integrate_unit_square(const std::function<double(double, double)>& g, double theta, double lambda) {
  double inner_err = 0.0;
  Integral r = integrate_t(
      [&](double t, bool b) {
        const auto u = uniform_at(t, theta);
        if (!u) return 0.0;
        // The inner rule is fixed (61 points per piece, no adaptive refinement): a smooth function
        // of t, so the outer adaptive rule is not chasing the inner one's refinement noise.
        const Integral in = integrate_side([&](double v) { return g(*u, v); }, theta, lambda, b, 1e-10, 0);
        inner_err = std::max(inner_err, in.error);
        return in.value * logistic_density(t - theta);
      },
      theta, lambda, {false, true}, 1e-10, 6);  // depth 6: the code's own rounding noise (REBAR's
                                                 // ∂z̃/∂θ at |θ| = 20) is not worth 2^10 pieces
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
    const Integral a = integrate_unit([&](double u) { return x_of(u); }, th, lam);
    const Integral b = integrate_unit([&](double u) { const double x = x_of(u); return x * (1 - x) / lam; }, th, lam);
    ex[i] = a.value;
    w[i] = b.value;
    integral_error = std::max({integral_error, a.error, b.error});
    for (int bi = 0; bi < 2; ++bi) {
      // ũ and 1 - ũ without cancellation (as in estimators/rebar.cpp).
      auto ut_of = [&](double v) { return bi ? p0 + v * p : v * p0; };
      auto ut_c_of = [&](double v) { return bi ? (1.0 - v) * p : p + (1.0 - v) * p0; };
      auto xt_of = [&](double v) { return sigmoid((th + std::log(ut_of(v)) - std::log(ut_c_of(v))) / lam); };
      const Integral c = integrate_side([&](double v) { return xt_of(v); }, th, lam, bi != 0);
      const Integral e = integrate_side(
          [&](double v) {
            const double ut = ut_of(v), xt = xt_of(v);
            const double dut = bi ? -p * p0 * (1.0 - v) : -v * p * p0;
            return xt * (1 - xt) / lam * (1.0 + dut / (ut * ut_c_of(v)));
          },
          th, lam, bi != 0);
      mt[bi][i] = c.value;
      jt[bi][i] = e.value;
      integral_error = std::max({integral_error, c.error, e.error});
    }
  }
  EstimatorMean r;
  r.method = "REBAR on a multilinear f: sum over b of products of 1-D Gauss-Kronrod integrals";
  r.certificate = estimated("Gauss-Kronrod error estimates, propagated to first order");
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

// ---------------------------------------------------------------------------------------------
// Exact moments of Concrete, straight-through and REBAR on multilinear f (Bernoulli tables).
//
// Condition on the hard sample b (b_j = 1 iff u_j > σ(-θ_j)). Given b, the pairs (u_j, v_j) are
// independent across j, u_j ⟂ v_j, and u_j is uniform on its b_j region. Write F in the table's
// own (vertex) basis, F(x) = Σ_c f(c) Π_j φ_{c_j}(x_j) with φ_1(x) = x, φ_0(x) = 1 - x: every
// φ >= 0 and Σ_c Π_j φ_{c_j} = 1, so no cancellation (the monomial basis has 2^|S| of it); and
// ∂_iF(x) = Σ_{c_{-i}} Δ_i f(c) Π_{j≠i} φ_{c_j}(x_j), Δ_i f(c) = f(c | c_i = 1) - f(c | c_i = 0).
// At coordinate i, given b (estimators/concrete.hpp and rebar.hpp),
//   concrete          ĝ_i = ∂_iF(x) dx_i,
//   straight-through  ĝ_i = Δ_i f(b) dx_i,
//   REBAR             ĝ_i = s_i(b) f(b) - η s_i(b) F(x̃) + η ∂_iF(x) dx_i - η ∂_iF(x̃) dx̃_i,
// with x_j = σ((θ_j + logit u_j)/λ), x̃_j = σ(z̃_j/λ), dx_i = x_i(1-x_i)/λ,
// dx̃_i = x̃_i(1-x̃_i)/λ · ∂z̃_i/∂θ_i and s_i(b) = b_i - σ(θ_i). So ĝ_i = R + h(b) φ, where
// R = Σ_α T[α] Π_j ψ_{α_j}(j) over the bases ψ(j) = {x_j, 1-x_j, x̃_j, 1-x̃_j} (j ≠ i) and
// ψ(i) = {x̃_i, 1-x̃_i, dx_i, dx̃_i}, T depending on b only through s_i(b), and h(b) φ is the rest:
// s_i(b) f(b) · 1 (REBAR) or Δ_i f(b) · dx_i (straight-through). With m_j(b_j) = E[ψ(j) | b_j],
// M_j(b_j) = E[ψ(j) ψ(j)ᵀ | b_j], their averages m̄_j, M̄_j over b_j (weights p(b_j): T does not
// depend on b_j for j ≠ i, and p(b) = Π_j p(b_j)), and v(b_i) = E[φ ψ(i) | b_i]:
//   E ĝ_i  = Σ_{b_i} p(b_i) T(b_i)ᵀ (m_i(b_i) ⊗ ⊗_{j≠i} m̄_j) + Σ_b p(b) h(b) E[φ | b_i],
//   E ĝ_i² = Σ_{b_i} p(b_i) T(b_i)ᵀ (M_i(b_i) ⊗ ⊗_{j≠i} M̄_j) T(b_i)
//          + 2 Σ_b p(b) h(b) T(b_i)ᵀ (v(b_i) ⊗ ⊗_{j≠i} m_j(b_j)) + Σ_b p(b) h(b)² E[φ² | b_i],
// each contraction taken one axis at a time (the middle one keeps b_{-i} as a 2^(n-1) table):
// O(n 4^n) per coordinate, O(n² 4^n) in all. Then Var ĝ_i = E ĝ_i² - (E ĝ_i)².
//
// Error bound (first order). Every feature is >= 0, so every entry of m, M, v is. Let ρ_j bound
// the relative quadrature error of variable j's entries (from the integrals' error bounds;
// products of independent integrals add theirs) and A be each sum above recomputed with |T| and
// |h|: perturbing variable j's entries moves the sum by at most ρ_j A, and rounding moves it by at
// most γ A, γ = (8n + 16)ε: the T entries (3ε, twice in a quadratic form), n axis contractions of
// 4 terms (5nε), the averages M̄_j and p(b) (2nε), the final products and compensated sums
// (10ε). So |error| <= (Σ_j ρ_j + γ) A, for E ĝ_i and E ĝ_i² alike; for E ĝ_i, ρ_j need only
// cover the first moments m (the mean never touches M or v), which is often much smaller.

/// Given the hard sample b_j, u_j is uniform on its b_j region, so it has the law of REBAR's ũ_j:
/// both are ũ(w) = σ(-θ) + w σ(θ) (b = 1) or w σ(-θ) (b = 0), w ~ U(0,1), with 1 - ũ written
/// without cancellation as in estimators/rebar.cpp. So x_j | b_j and x̃_j | b_j have the same law.
/// As functions of w the features behave like w^{1/λ} (or (1-w)^{1/λ}) at the ends, an algebraic
/// singularity Gauss–Kronrod converges slowly on (λ = 2: a million points for 1e-9); tanh-sinh
/// converges double-exponentially there and never evaluates the ends themselves.
struct AxisMoments {
  std::array<double, 4> m_other{}, m_coord{};      ///< E[ψ | b_j] for j ≠ i and for j = i
  std::array<double, 16> M_other{}, M_coord{};     ///< E[ψ ψᵀ | b_j], row-major
  double rho = 0.0;       ///< relative error bound of every entry above
  double rho_mean = 0.0;  ///< the same over m_other and m_coord only (all the mean uses)
};

AxisMoments axis_moments(boost::math::quadrature::tanh_sinh<double>& ts, double th, double p, double p0,
                         double lam, bool b) {
  struct Point {
    double x, xc, dx, dxt;  // x, 1 - x, dx and dx̃ at w
  };
  auto at = [&](double w) {
    const double ut = b ? p0 + w * p : w * p0;
    const double ut_c = b ? (1.0 - w) * p : p + (1.0 - w) * p0;
    const double t = (th + std::log(ut) - std::log(ut_c)) / lam;
    const double x = sigmoid(t), xc = sigmoid(-t), dx = x * xc / lam;
    // ∂z̃/∂θ = 1 + (∂ũ/∂θ)/(ũ(1-ũ)) (rebar.cpp), simplified so that no factor can underflow.
    const double dzt = b ? w * p / (p0 + w * p) : (1.0 - w) * p0 / (p + (1.0 - w) * p0);
    return Point{x, xc, dx, dx * dzt};
  };
  // 0 x, 1 1-x, 2 dx, 3 dx̃, 4 x², 5 x(1-x), 6 (1-x)², 7 dx², 8 x̃ dx̃, 9 (1-x̃) dx̃, 10 dx̃²
  // (x̃ and dx̃ are functions of the same v, so 8-10 are integrals, not products).
  std::array<Integral, 11> in;
  for (int k = 0; k < 11; ++k) {
    double e = 0.0, l1 = 0.0;
    std::size_t levels = 0;
    in[k].value = ts.integrate(
        [&](double w) {
          const Point q = at(w);
          switch (k) {
            case 0: return q.x;
            case 1: return q.xc;
            case 2: return q.dx;
            case 3: return q.dxt;
            case 4: return q.x * q.x;
            case 5: return q.x * q.xc;
            case 6: return q.xc * q.xc;
            case 7: return q.dx * q.dx;
            case 8: return q.x * q.dxt;
            case 9: return q.xc * q.dxt;
            default: return q.dxt * q.dxt;
          }
        },
        0.0, 1.0, 1e-14, &e, &l1, &levels);
    in[k].error = 2.0 * e + 4.0 * kEps * l1;
  }
  auto pr = [&](int a, int c) {  // the mean of a u-feature times a v-feature: independent
    return Integral{in[a].value * in[c].value, in[a].error * in[c].value + in[a].value * in[c].error};
  };
  const std::array<Integral, 4> m_other = {in[0], in[1], in[0], in[1]}, m_coord = {in[0], in[1], in[2], in[3]};
  const std::array<Integral, 16> M_other = {in[4],     in[5],     pr(0, 0), pr(0, 1),  //
                                            in[5],     in[6],     pr(1, 0), pr(1, 1),  //
                                            pr(0, 0),  pr(0, 1),  in[4],    in[5],     //
                                            pr(1, 0),  pr(1, 1),  in[5],    in[6]};
  const std::array<Integral, 16> M_coord = {in[4],     in[5],     pr(0, 2), in[8],     //
                                            in[5],     in[6],     pr(1, 2), in[9],     //
                                            pr(0, 2),  pr(1, 2),  in[7],    pr(2, 3),  //
                                            in[8],     in[9],     pr(2, 3), in[10]};
  AxisMoments r;
  // Every entry is >= 0; one that underflowed to 0 with a nonzero error bound makes ρ infinite.
  auto fill = [&](const auto& from, auto& to) {
    for (std::size_t k = 0; k < from.size(); ++k) {
      to[k] = from[k].value;
      if (from[k].error > 0.0) r.rho = std::max(r.rho, from[k].error / from[k].value);
    }
  };
  fill(m_other, r.m_other);
  fill(m_coord, r.m_coord);
  r.rho_mean = r.rho;
  fill(M_other, r.M_other);
  fill(M_coord, r.M_coord);
  return r;
}


/// Whether the multilinear routes below apply: Concrete or straight-through, or REBAR only as
/// published (the planted mutant drops the conditional sample), on a Bernoulli problem whose
/// relaxation is multilinear (a table).
bool multilinear_relaxed_applies(const std::optional<RelaxedForm>& form, const Model& m) {
  if (!form || form->kind == RelaxedForm::Kind::relax) return false;
  if (form->kind == RelaxedForm::Kind::rebar && form->planted_bug) return false;
  return m.problem->family() == Family::bernoulli && m.problem->relaxation_is_multilinear();
}

}  // namespace

namespace detail {

std::optional<EstimatorMoments> multilinear_relaxed_moments(const Estimator& est, const Model& m) {
  const std::optional<RelaxedForm> form = est.relaxed_form();
  if (!multilinear_relaxed_applies(form, m)) return std::nullopt;
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  if (n == 0 || n > kMultilinearMomentsMaxVariables) return std::nullopt;
  const bool rebar = form->kind == RelaxedForm::Kind::rebar;
  const double lam = form->temperature;
  const double eta = rebar ? form->eta : 0.0;
  const bool st = form->kind == RelaxedForm::Kind::straight_through;

  boost::math::quadrature::tanh_sinh<double> ts;
  std::vector<std::array<AxisMoments, 2>> ax(n);
  std::vector<std::array<double, 16>> M_bar(n);  // Σ_{b_j} p(b_j) M_other(b_j)
  std::vector<std::array<double, 4>> m_bar(n);
  std::vector<std::array<double, 8>> m_both(n);   // rows m_other(0), m_other(1)
  double rho = 0.0, rho_mean = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    for (int bj = 0; bj < 2; ++bj) ax[j][bj] = axis_moments(ts, d.logits[j], d.probs[j], d.probs0[j], lam, bj != 0);
    rho += std::max(ax[j][0].rho, ax[j][1].rho);
    rho_mean += std::max(ax[j][0].rho_mean, ax[j][1].rho_mean);
    for (std::size_t k = 0; k < 16; ++k) M_bar[j][k] = d.probs0[j] * ax[j][0].M_other[k] + d.probs[j] * ax[j][1].M_other[k];
    for (std::size_t k = 0; k < 4; ++k) {
      m_bar[j][k] = d.probs0[j] * ax[j][0].m_other[k] + d.probs[j] * ax[j][1].m_other[k];
      m_both[j][k] = ax[j][0].m_other[k];
      m_both[j][4 + k] = ax[j][1].m_other[k];
    }
  }
  const std::size_t K = std::size_t{1} << n;
  std::vector<double> f(K), bvec(n);
  for (std::size_t k = 0; k < K; ++k) {
    support_point(d, k, bvec);
    f[k] = m.f(bvec);
  }
  std::vector<std::size_t> pow4(n + 1, 1);
  for (std::size_t j = 0; j < n; ++j) pow4[j + 1] = 4 * pow4[j];
  const std::size_t N = pow4[n];
  const double gamma = (8.0 * static_cast<double>(n) + 16.0) * kEps;

  EstimatorMoments r;
  r.method = "multilinear F: sum over b of tensor contractions of 1-D tanh-sinh moments";
  r.certificate = estimated("tanh-sinh error estimates and a first-order rounding model");
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t bit_i = std::size_t{1} << i;
    // T(b_i) = T_path + s_i(b_i) T_F; bases j ≠ i {x, 1-x, x̃, 1-x̃}, i {x̃, 1-x̃, dx, dx̃}.
    std::vector<double> T_path(N, 0.0), T_path_abs(N, 0.0), T_F(N, 0.0), T_F_abs(N, 0.0);
    if (!st)
      for (std::size_t c = 0; c < K; ++c) {
        std::size_t at_x = 0, at_xt = 0;  // Π_{j≠i} φ_{c_j}(x_j) and Π_{j≠i} φ_{c_j}(x̃_j)
        for (std::size_t j = 0; j < n; ++j)
          if (j != i) {
            const bool cj = (c >> j) & 1u;
            at_x += (cj ? 0 : 1) * pow4[j];
            at_xt += (cj ? 2 : 3) * pow4[j];
          }
        if (rebar) {  // -η s_i F(x̃): the term of c, at φ_{c_i}(x̃_i)
          T_F[at_xt + ((c & bit_i) ? 0 : 1) * pow4[i]] -= eta * f[c];
          T_F_abs[at_xt + ((c & bit_i) ? 0 : 1) * pow4[i]] += std::abs(eta * f[c]);
        }
        if (c & bit_i) continue;
        const double delta = f[c | bit_i] - f[c], delta_abs = std::abs(f[c | bit_i]) + std::abs(f[c]);
        const double path = rebar ? eta : 1.0;  // (η) ∂_iF(x) dx_i
        T_path[at_x + 2 * pow4[i]] += path * delta;
        T_path_abs[at_x + 2 * pow4[i]] += std::abs(path) * delta_abs;
        if (rebar) {  // -η ∂_iF(x̃) dx̃_i
          T_path[at_xt + 3 * pow4[i]] -= eta * delta;
          T_path_abs[at_xt + 3 * pow4[i]] += std::abs(eta) * delta_abs;
        }
      }
    CompensatedSum s1, s2;
    double a1 = 0.0, a2 = 0.0;  // the same sums with |T|, |h|
    for (int bi = 0; bi < 2; ++bi) {
      const double p_bi = bi ? d.probs[i] : d.probs0[i];
      const double s = bi ? d.probs0[i] : -d.probs[i];  // s_i(b), as score()
      const AxisMoments& am = ax[i][bi];
      std::vector<double> T(N), T_abs(N);
      for (std::size_t x = 0; x < N; ++x) {
        T[x] = T_path[x] + s * T_F[x];
        T_abs[x] = T_path_abs[x] + std::abs(s) * T_F_abs[x];
      }
      // Σ p(b_i) Tᵀ(m_i ⊗ m̄) and Tᵀ(M_i ⊗ M̄)T.
      std::vector<double> mean = T, mean_abs = T_abs, Y = T, Y_abs = T_abs;
      std::vector<std::size_t> dm(n, 4), dY(n, 4), dYa(n, 4), dma(n, 4);
      for (std::size_t j = 0; j < n; ++j) {
        const double* mv = j == i ? am.m_coord.data() : m_bar[j].data();
        const double* Mm = j == i ? am.M_coord.data() : M_bar[j].data();
        mean = contract(mean, dm, j, mv, 1);
        mean_abs = contract(mean_abs, dma, j, mv, 1);
        Y = contract(Y, dY, j, Mm, 4);
        Y_abs = contract(Y_abs, dYa, j, Mm, 4);
      }
      CompensatedSum q;
      double q_abs = 0.0;
      for (std::size_t x = 0; x < N; ++x) {
        q.add(T[x] * Y[x]);
        q_abs += T_abs[x] * Y_abs[x];
      }
      s1.add(p_bi * mean[0]);
      a1 += p_bi * mean_abs[0];
      s2.add(p_bi * q.value());
      a2 += p_bi * q_abs;
      if (!rebar && !st) continue;  // h = 0 (concrete)
      // h(b) φ: φ = 1 (REBAR) or dx_i (straight-through); G(b_{-i}) = Tᵀ(v ⊗ ⊗_{j≠i} m_j(b_j)).
      const double e_phi = rebar ? 1.0 : am.m_coord[2], e_phi2 = rebar ? 1.0 : am.M_coord[2 * 4 + 2];
      const double* v = rebar ? am.m_coord.data() : am.M_coord.data() + 2 * 4;
      std::vector<double> G = T, G_abs = T_abs;
      std::vector<std::size_t> dG(n, 4), dGa(n, 4);
      for (std::size_t j = 0; j < n; ++j) {
        const double* A = j == i ? v : m_both[j].data();
        const std::size_t rows = j == i ? 1 : 2;
        G = contract(G, dG, j, A, rows);
        G_abs = contract(G_abs, dGa, j, A, rows);
      }
      for (std::size_t k = 0; k < K; ++k) {
        if (((k & bit_i) != 0) != (bi != 0)) continue;
        double pb = 1.0;
        std::size_t g = 0, stride = 1;
        for (std::size_t j = 0; j < n; ++j) {
          const bool bj = (k >> j) & 1u;
          pb *= bj ? d.probs[j] : d.probs0[j];
          if (j != i) {
            g += bj * stride;
            stride *= 2;
          }
        }
        const double h = rebar ? s * f[k] : f[k | bit_i] - f[k & ~bit_i];
        const double h_abs = rebar ? std::abs(s * f[k]) : std::abs(f[k | bit_i]) + std::abs(f[k & ~bit_i]);
        s1.add(pb * h * e_phi);
        a1 += pb * h_abs * e_phi;
        s2.add(pb * (2.0 * h * G[g] + h * h * e_phi2));
        a2 += pb * (2.0 * h_abs * G_abs[g] + h * h * e_phi2);
      }
    }
    const double mean = s1.value(), second = s2.value();
    // The bounds' own sums (of nonnegative terms) are inflated by (1 + (2^n + 4)ε) against rounding.
    const double inflate = 1.0 + static_cast<double>(K + 4) * kEps;
    const double err1 = (rho_mean + gamma) * a1 * inflate, err2 = (rho + gamma) * a2 * inflate;
    r.mean.push_back(mean);
    r.mean_error.push_back(err1);
    r.variance.push_back(second - mean * mean);
    r.variance_error.push_back(err2 + 2.0 * std::abs(mean) * err1 + 4.0 * kEps * std::abs(second));
  }
  return r;
}

}  // namespace detail

namespace {
/// The Gauss–Kronrod moments `quad` of the estimator's code on a one-dimensional Gaussian problem,
/// replaced by the certified moments of its declared sample form (certified/gaussian.hpp) when
/// the estimator declares one and the problem's f is symbolic, and the two agree. The check guards
/// against a declared form that is not what the code computes (an O(1) relative difference), not
/// the precision of the certified figures (those are Arb's). Allowed: the quadrature's error
/// estimate, the Arb radius, and the code's own rounding in each sample, which the conditioning
/// of x = μ + σε amplifies: an error ε|x| in x is ε(|μ| + σ|ε|)/σ in ε, and f = (x - c)² loses
/// the square of that near x = c; so a relative 64ε A², A = 1 + (|μ| + |c|)/σ + |μ| + 8σ, of
/// √(E ĝ²) for the mean and of E ĝ² for the variance (1.4e-6 at μ/σ = 1e4). A disagreement
/// keeps the quadrature, estimated, with the reason.
EstimatorMoments certify_gaussian_moments(const Estimator& est, const Model& m, EstimatorMoments quad) {
  const std::optional<SampleForm> form = est.sample_form();
  if (!form) return quad;
  std::optional<EstimatorMoments> arb = certified::gaussian_form_moments(*form, m);
  if (!arb) return quad;
  // A moment of the declared form beyond double range: no figure (the code's quadrature then
  // gives inf, or a finite value where its window misses the mass: e^{2x} at ε ≈ 2σ > 40).
  if (arb->certificate.unknown()) return std::move(*arb);
  // The code's quadrature overflowed (e^x at ε near 40 with σ ≳ 20) where the form's moments are
  // finite: nothing to cross-check against; the form's figures are kept, estimated.
  for (std::size_t i = 0; i < quad.mean.size(); ++i)
    if (!std::isfinite(quad.mean[i]) || !std::isfinite(quad.variance[i]) || !std::isfinite(quad.mean_error[i]) ||
        !std::isfinite(quad.variance_error[i])) {
      arb->certificate = estimated(
          "the declared sample form's moments (Arb) are not cross-checked: quadrature of the estimator's code "
          "is not finite at coordinate " + std::to_string(i));
      return std::move(*arb);
    }
  const auto& d = std::get<DiagGaussian>(m.dist);
  const double mu = std::abs(d.mu[0]), sigma = d.sigma[0], c = std::abs(m.problem->symbolic()->parameter);
  const double a = 1.0 + (mu + c) / sigma + mu + 8.0 * sigma, rel = 64.0 * kEps * a * a;
  for (std::size_t i = 0; i < quad.mean.size(); ++i) {
    const double second = arb->variance[i] + arb->mean[i] * arb->mean[i];
    const double mean_slack = quad.mean_error[i] + arb->mean_error[i] + rel * std::sqrt(second);
    const double var_slack = quad.variance_error[i] + arb->variance_error[i] + 2.0 * rel * second;
    const double dm = std::abs(quad.mean[i] - arb->mean[i]), dv = std::abs(quad.variance[i] - arb->variance[i]);
    if (!(dm <= mean_slack) || !(dv <= var_slack)) {
      quad.certificate = estimated(
          "the declared sample form's certified moments disagree with quadrature of the estimator's code at "
          "coordinate " + std::to_string(i) + ": mean " + format_double(arb->mean[i]) + " vs " +
          format_double(quad.mean[i]) + ", variance " + format_double(arb->variance[i]) + " vs " +
          format_double(quad.variance[i]));
      return quad;
    }
  }
  arb->certificate.note += "; agrees with Gauss-Kronrod over ε of the estimator's code";
  return std::move(*arb);
}

/// Gaussian problems with d >= 2 coordinates and one draw (reinforce, reparam, nvil): the declared
/// sample form's certified moments (certified::gaussian_form_moments; f is separable, so they factor
/// into one-coordinate integrals), kept certified only where the estimator's code computes that
/// form: a quadrature of the code over d dimensions is not affordable, so the check is pointwise
/// (certified::form_disagreement). A disagreement leaves the figures estimated, with the point.
std::optional<EstimatorMoments> certified_gaussian_moments_nd(const Estimator& est, const Model& m) {
  const std::optional<SampleForm> form = est.sample_form();
  if (!form || form->kind == SampleForm::Kind::leave_one_out) return std::nullopt;
  std::optional<EstimatorMoments> arb = certified::gaussian_form_moments(*form, m);
  if (!arb || arb->certificate.unknown()) return arb;
  if (const auto why = certified::form_disagreement(est, *form, m)) {
    arb->certificate = estimated("the declared sample form is not what the estimator's code computes: " + *why);
    return arb;
  }
  arb->certificate.note += "; the estimator's code agrees with the form at 64 test points";
  return arb;
}

std::optional<EstimatorMoments> compute_estimator_moments(const Estimator& est, const Model& m) {
  // Graph estimators whose only noise is the graph's draws (scg, dice): enumeration of the
  // graph's joint assignments (verify/oracles/graph_exact.cpp).
  if (est.samples_graph_assignment()) return exact_graph_estimator_moments(est, m);
  // Policy-gradient estimators on LQR: the sample as a polynomial in its Gaussian noise, certified
  // (verify/oracles/certified/lqr_moments.hpp).
  if (est.policy_gradient_form()) return certified::lqr_estimator_moments(est, m);
  // Concrete, straight-through and REBAR on the toy and on Bernoulli tables of 1 to
  // kCertifiedRelaxedMaxVariables variables: certified (verify/oracles/certified/relaxed_moments.hpp).
  if (auto r = certified::relaxed_moments(est, m, /*mean_only=*/false)) return r;
  // Continuous-noise estimators on one Bernoulli variable: quadrature of ĝ and ĝ² over their
  // uniforms — (u, v) for REBAR and RELAX, u for Concrete and straight-through.
  const std::optional<RelaxedForm> form = est.relaxed_form();
  if (form && m.problem->family() == Family::bernoulli && m.sample_dim() == 1 && m.problem->has_relaxation()) {
    const double theta = std::get<BernoulliLogits>(m.dist).logits[0], lam = form->temperature;
    std::vector<double> u(1), v(1), g(1), scratch(est.scratch_size(m));
    auto value = [&](double uu, double vv) {
      u[0] = uu;
      v[0] = vv;
      est.value_at_uniforms(m, u, v, scratch, g);
      return g[0];
    };
    const bool relaxed = form->kind == RelaxedForm::Kind::concrete || form->kind == RelaxedForm::Kind::straight_through;
    Integral first, second;
    if (relaxed) {
      first = integrate_unit([&](double uu) { return value(uu, 0.5); }, theta, lam);
      second = integrate_unit([&](double uu) { const double x = value(uu, 0.5); return x * x; }, theta, lam);
    } else {
      first = integrate_unit_square(value, theta, lam);
      second = integrate_unit_square([&](double uu, double vv) { const double x = value(uu, vv); return x * x; }, theta,
                                     lam);
    }
    EstimatorMoments r;
    r.method = relaxed ? "1-D Gauss-Kronrod over u" : "2-D Gauss-Kronrod over (u, v) of the estimator's code";
    r.certificate = estimated("Gauss-Kronrod error estimate");
    r.mean = {first.value};
    r.mean_error = {first.error};
    r.variance = {second.value - first.value * first.value};
    r.variance_error = {second.error + 2.0 * std::abs(first.value) * first.error + 4.0 * kEps * second.value};
    return r;
  }
  // Concrete, straight-through and REBAR on multilinear f (Bernoulli tables) of 2 to
  // kMultilinearMomentsMaxVariables variables: sums over b of tensor contractions (above).
  if (m.sample_dim() >= 2)
    if (auto r = detail::multilinear_relaxed_moments(est, m)) return r;
  // ARM and DisARM on Bernoulli problems of up to certified::kAntitheticMaxVariables variables:
  // their noise is u ~ U(0,1)^n and on each of the 3^n cells between σ(±θ_j) ĝ is constant
  // (DisARM) or affine in u_i (ARM), so its moments are exact cell sums, certified
  // (verify/oracles/certified/antithetic.hpp).
  if (auto r = certified::antithetic_moments(est, m)) return r;
  const int draws = est.draws();
  if (draws <= 0) return std::nullopt;
  const std::size_t n = m.sample_dim(), dim = m.theta_dim(), K = static_cast<std::size_t>(draws);
  std::vector<double> xs(K * n), scratch(est.scratch_size(m)), g(dim);
  EstimatorMoments r;
  // Bernoulli and categorical problems: certified enumeration of every tuple of draws.
  if (m.problem->family() == Family::bernoulli || m.problem->family() == Family::categorical)
    return certified::tuple_moments(est, m);
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
  // Gaussian, RLOO's K draws: the leave-one-out form in Arb (verify/oracles/leave_one_out.hpp).
  if (K >= 2) return gaussian_leave_one_out_moments(est, m);
  // Gaussian, d >= 2, one draw: the declared form's certified moments over the separable f.
  if (n >= 2 && K == 1) return certified_gaussian_moments_nd(est, m);
  // Gaussian, d = 1: ∫ ĝ(μ + σε)^q φ(ε) dε for q = 1, 2, split where f is not smooth.
  if (n != 1 || K != 1) return std::nullopt;
  const auto& d = std::get<DiagGaussian>(m.dist);
  const auto sep = m.problem->separable();
  const std::vector<double> cuts = gaussian_pieces(d.mu[0], d.sigma[0], sep ? sep->breakpoints : std::vector<double>{});
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * 3.141592653589793238462643383279502884);
  r.method = "Gauss-Kronrod over ε";
  r.certificate = estimated("Gauss-Kronrod error estimate (adaptive, not validated; ε outside [-40, 40] omitted)");
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
  return certify_gaussian_moments(est, m, std::move(r));
}

}  // namespace

namespace detail {

std::optional<EstimatorMean> multilinear_relaxed_mean_gauss_kronrod(const Estimator& est, const Model& m) {
  const std::optional<RelaxedForm> form = est.relaxed_form();
  if (!multilinear_relaxed_applies(form, m)) return std::nullopt;
  if (form->kind == RelaxedForm::Kind::rebar) return rebar_multilinear(m, form->temperature, form->eta);
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const double lambda = form->temperature;
  const bool st = form->kind == RelaxedForm::Kind::straight_through;
  auto z_of = [&](std::size_t i, double u) { return sigmoid((d.logits[i] + logit(u)) / lambda); };
  EstimatorMean r;
  r.mean.assign(n, 0.0);
  r.error.assign(n, 0.0);
  r.method = st ? "multilinear F: dF(sigma(theta)) E[z(1-z)]/lambda, 1-D Gauss-Kronrod integrals"
                : "multilinear F: dF(E z) E[z(1-z)]/lambda, 1-D Gauss-Kronrod integrals";
  r.certificate = estimated("Gauss-Kronrod error estimates, propagated to first order");
  std::vector<double> ez(n), ez_err(n), w(n), w_err(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Integral a = integrate_unit([&](double u) { return z_of(i, u); }, d.logits[i], lambda);
    const Integral b = integrate_unit([&](double u) { const double z = z_of(i, u); return z * (1 - z); }, d.logits[i], lambda);
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

}  // namespace detail

namespace {
/// REBAR's Gauss–Kronrod route on `n` variables, given up before it starts when it is predicted to
/// outlast the oracle's budget (about 0.4 s at 10 variables, 4.5 times more per variable).
void refuse_if_too_costly(std::size_t n) {
  oracle_expect(0.4 * std::pow(4.5, static_cast<double>(n) - 10.0),
                "REBAR's mean on " + std::to_string(n) + " Bernoulli variables");
}
}  // namespace

namespace {
std::optional<EstimatorMean> compute_estimator_mean(const Estimator& est, const Model& m) {
  // Graph estimators whose only noise is the graph's draws: the mean of their exact moments.
  if (est.samples_graph_assignment()) {
    if (auto mo = exact_graph_estimator_moments(est, m))
      return EstimatorMean{std::move(mo->mean), std::move(mo->mean_error), mo->method, mo->certificate};
    return std::nullopt;
  }
  // Policy-gradient estimators on LQR: the mean of their certified polynomial moments.
  if (est.policy_gradient_form()) {
    if (auto mo = certified::lqr_estimator_moments(est, m))
      return EstimatorMean{std::move(mo->mean), std::move(mo->mean_error), mo->method, mo->certificate};
    return std::nullopt;
  }
  // Concrete, straight-through and REBAR on the toy and on Bernoulli tables of 1 to
  // kCertifiedRelaxedMaxVariables variables: certified (verify/oracles/certified/relaxed_moments.hpp).
  if (auto mo = certified::relaxed_moments(est, m, /*mean_only=*/true))
    return EstimatorMean{std::move(mo->mean), std::move(mo->mean_error), mo->method, mo->certificate};
  // Concrete, straight-through and REBAR on multilinear f (Bernoulli tables) of 2 to
  // kMultilinearMomentsMaxVariables variables: the mean from the same tanh-sinh tensor
  // contractions as exact_estimator_moments, so the mean, the variance and their bounds come
  // from one mechanism (and Gauss–Kronrod's slow, loose convergence on the w^{1/λ} ends at
  // temperatures other than 1/k is avoided).
  if (m.sample_dim() >= 2)
    if (auto mo = detail::multilinear_relaxed_moments(est, m))
      return EstimatorMean{std::move(mo->mean), std::move(mo->mean_error), mo->method, mo->certificate};
  // REBAR and RELAX: on one Bernoulli variable by 2-D quadrature of the estimator's own code;
  // REBAR on larger multilinear tables by products of 1-D Gauss–Kronrod integrals.
  const std::optional<RelaxedForm> form = est.relaxed_form();
  const bool rebar = form && form->kind == RelaxedForm::Kind::rebar;
  const bool relax = form && form->kind == RelaxedForm::Kind::relax;
  if ((rebar || relax) && m.problem->family() == Family::bernoulli && m.problem->has_relaxation()) {
    if (m.sample_dim() == 1) {
      std::vector<double> u(1), v(1), g(1), scratch(est.scratch_size(m));
      const Integral r = integrate_unit_square(
          [&](double uu, double vv) {
            u[0] = uu;
            v[0] = vv;
            est.value_at_uniforms(m, u, v, scratch, g);
            return g[0];
          },
          std::get<BernoulliLogits>(m.dist).logits[0], form->temperature);
      return EstimatorMean{{r.value}, {r.error}, "2-D Gauss-Kronrod over (u, v) of the estimator's code",
                          estimated("Gauss-Kronrod error estimate")};
    }
    if (rebar) {
      refuse_if_too_costly(m.sample_dim());
      return detail::multilinear_relaxed_mean_gauss_kronrod(est, m);
    }
    return std::nullopt;
  }
  // NVIL with frozen (c, s): E ĝ = E[(f - c) ∇ log p] / s = ∇L / s exactly (E ∇ log p = 0).
  if (const std::optional<double> scale = est.frozen_scale(); scale && exact_available(m, ExactMethod::automatic)) {
    const ExactGradient g = compute_exact_gradient(m);
    EstimatorMean r{{}, {}, "exact gradient / NVIL's frozen scale", g.certificate};
    for (std::size_t i = 0; i < g.gradient.size(); ++i) {
      r.mean.push_back(g.gradient[i] / *scale);
      // |fl(g/s) - g/s| <= u|g/s| and fl(err/s) >= (err/s)(1 - u): 2ε = 4u of |mean| and the
      // factor 1 + 4ε = 1 + 8u cover both and the two roundings of the bound itself
      // ((1 - u)³(1 + 8u) >= 1); denorm_min covers 2ε|mean| underflowing.
      r.error.push_back((g.error[i] / *scale + 2 * kEps * std::abs(r.mean.back())) * (1 + 4 * kEps) +
                        std::numeric_limits<double>::denorm_min());
    }
    return r;
  }
  if (!form || rebar || relax || m.problem->family() != Family::bernoulli || !m.problem->has_relaxation())
    return std::nullopt;
  // Concrete and straight-through on one-variable or larger multilinear tables.
  if (m.problem->relaxation_is_multilinear()) return detail::multilinear_relaxed_mean_gauss_kronrod(est, m);
  const auto& d = std::get<BernoulliLogits>(m.dist);
  if (d.size() != 1) return std::nullopt;
  const double lambda = form->temperature;
  const bool st = form->kind == RelaxedForm::Kind::straight_through;
  std::vector<double> at(1), df(1);
  const Integral g = integrate_unit(
      [&](double u) {
        const double z = sigmoid((d.logits[0] + logit(u)) / lambda);
        at[0] = st ? (d.logits[0] + logit(u) > 0.0 ? 1.0 : 0.0) : z;
        m.problem->relaxed_gradient(at, df);
        return df[0] * z * (1 - z) / lambda;
      },
      d.logits[0], lambda);
  return EstimatorMean{{g.value}, {g.error}, "1-D Gauss-Kronrod over u", estimated("Gauss-Kronrod error estimate")};
}

}  // namespace

std::optional<EstimatorMean> exact_estimator_mean(const Estimator& est, const Model& m) {
  OracleClock clock("the exact mean of " + est.info().spec + " on " + m.problem->spec());
  try {
    return compute_estimator_mean(est, m);
  } catch (const OracleBudgetExceeded& e) {
    const std::size_t d = output_dim(est.info(), m.theta_dim());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return EstimatorMean{std::vector<double>(d, nan), std::vector<double>(d, nan), "none", unknown_figure(e.what())};
  }
}

std::optional<EstimatorMoments> exact_estimator_moments(const Estimator& est, const Model& m) {
  OracleClock clock("the exact moments of " + est.info().spec + " on " + m.problem->spec());
  try {
    return compute_estimator_moments(est, m);
  } catch (const OracleBudgetExceeded& e) {
    const std::size_t d = output_dim(est.info(), m.theta_dim());
    const std::vector<double> nan(d, std::numeric_limits<double>::quiet_NaN());
    return EstimatorMoments{nan, nan, nan, nan, "none", unknown_figure(e.what())};
  }
}

std::vector<double> variance_upper_bound(const EstimatorMoments& mo) {
  std::vector<double> v(mo.variance.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = mo.variance[i] + mo.variance_error[i];
  return v;
}

std::string variance_bound_source(const EstimatorMoments& mo) { return "exact oracle (" + mo.method + ")"; }

}  // namespace estcheck
