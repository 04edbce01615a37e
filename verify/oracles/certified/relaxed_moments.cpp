// verify/oracles/certified/relaxed_moments.cpp — see relaxed_moments.hpp (the integration variable,
// the tail bound and what the figure is).
//
// Table route (multilinear f on n Bernoulli variables). F(x) = Σ_c f(c) Π_j φ_{c_j}(x_j) with
// φ_1(x) = x, φ_0(x) = 1 - x; for coordinate i write r for c without its bit i,
// D(r) = f(r, c_i = 1) - f(r, c_i = 0), so ∂_iF(x) = Σ_r D(r) Π_{j≠i} φ_{r_j}(x_j). The estimators
// (concrete.cpp, rebar.cpp; dx = x(1-x)/λ, dx̃ = x̃(1-x̃)/λ · ∂z̃/∂θ, s(b) = b_i - σ(θ_i)):
//   concrete          ĝ_i = ∂_iF(x) dx_i,
//   straight-through  ĝ_i = D(b) dx_i,
//   REBAR             ĝ_i = Q + U + V,  Q = s f(b),  U = η ∂_iF(x) dx_i,
//                     V = -η s F(x̃) - η ∂_iF(x̃) dx̃_i = Σ_r Π_{j≠i} φ_{r_j}(x̃_j) Σ_k W_k(r) χ_k,
//                     χ = (1 - x̃_i, x̃_i, dx̃_i), W = (-η s f(r, 0), -η s f(r, 1), -η D(r)).
// Unconditionally the x_j are independent; given b the x_j and x̃_j are all independent, x_j and
// x̃_j both with the law of x_j given b_j. With H_b[g] = ∫_{side b} g ℓ(t - θ) dt (so
// E[g] = H_0 + H_1 and p(b_j) E[g | b_j] = H_{b_j}) and P_b = σ(±θ):
//   E concrete = E[dx_i] · D ×_j (E[1-x_j], E[x_j]),
//   E concrete² = E[dx_i²] · Dᵀ (⊗_j S_j) D,  S_j = E[φ_c φ_c'(x_j)] (2 × 2),
//   E st = E[dx_i] · D ×_j (P_0, P_1),  E st² = E[dx_i²] · D² ×_j (P_0, P_1),
//   E rebar = Σ_b p(b) Q + η E concrete + Σ_{b_i} (Σ_k W_k H_{b_i}[χ_k]) ×_j (E[1-x_j], E[x_j]),
//   E rebar² = Σ_b p(b) Q² + η² E concrete² + Σ_{b_i} Wᵀ (⊗_j S_j ⊗ N(b_i)) W
//            + Σ_b p(b) (2Q E[U|b] + 2Q E[V|b] + 2 E[U|b] E[V|b]),
// N(b_i)_{kk'} = H_{b_i}[χ_k χ_k'], E[U|b] = η E[dx_i|b_i] · (D ×_j M_j)(b), E[V|b] =
// ((Σ_k W_k E[χ_k|b_i]) ×_j M_j)(b), M_j(b, c) = E[φ_c(x_j) | b]. Each ×_j is one axis of a
// tensor of 2^(n-1) (or 3 · 2^(n-1)) balls: O(n 2^n) per coordinate.
// Toy route (one variable, f(z) = (z - τ)², f'(z) = 2(z - τ), the toy's own relaxation): the same
// decomposition with explicit integrands, one integral per term.
#include "verify/oracles/certified/relaxed_moments.hpp"

#include "verify/oracles/tensor_contract.hpp"

#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <acb.h>
#include <acb_calc.h>

#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace estcheck::certified {
namespace {

constexpr slong kPrec = kBallPrecision;

/// The features at one (complex) perturbed logit t on side b.
struct Features {
  acb_t x, xc, dx, dzt, dxt;
  Features() { acb_init(x); acb_init(xc); acb_init(dx); acb_init(dzt); acb_init(dxt); }
  ~Features() { acb_clear(x); acb_clear(xc); acb_clear(dx); acb_clear(dzt); acb_clear(dxt); }
  Features(const Features&) = delete;
  Features& operator=(const Features&) = delete;
};

/// An integrand g(features) (without the density), written into `out`.
using Formula = std::function<void(acb_t out, const Features& f, slong prec)>;

struct Job {
  arb_srcptr theta, inv_lambda, side_prob;  // θ, 1/λ, σ(θ) (b = 1) or σ(-θ) (b = 0)
  bool b;
  const Formula* g;
};

/// σ(w) = 1/(1 + e^{-w}) for Re w >= 0 and e^{w}/(1 + e^{w}) for Re w < 0 (at the ball's
/// midpoint): the same holomorphic function, written so that the exponential is at most 1 in
/// modulus. (With e^{-w} huge, a ball of imaginary radius R gives it a relative radius e^R - 1,
/// and 1 + e^{-w} contains 0 once R > 0.7: acb_calc_integrate then needs leaves of width ~λ
/// along the whole line — what made the first version of this route take seconds.) Holomorphic
/// where the denominator's ball excludes 0 (else the division returns a non-finite ball, which
/// tells acb_calc_integrate to bisect).
void acb_sigmoid(acb_t out, const acb_t w, slong prec) {
  acb_t e;
  acb_init(e);
  const bool positive = arf_sgn(arb_midref(acb_realref(w))) >= 0;
  if (positive) acb_neg(e, w);
  else acb_set(e, w);
  acb_exp(e, e, prec);
  acb_add_ui(out, e, 1, prec);
  if (positive) acb_inv(out, out, prec);
  else acb_div(out, e, out, prec);
  acb_clear(e);
}

int integrand(acb_ptr res, const acb_t t, void* param, slong order, slong prec) {
  if (order > 1) flint_abort();  // only values (0) and holomorphy checks (1) are asked for
  const Job& job = *static_cast<const Job*>(param);
  if (oracle_expired()) {  // cannot throw through Arb: an indeterminate value, thrown after
    acb_indeterminate(res);
    return 0;
  }
  Features f;
  acb_t w, dens, tmp;
  acb_init(w);
  acb_init(dens);
  acb_init(tmp);
  acb_mul_arb(w, t, job.inv_lambda, prec);  // t/λ
  acb_sigmoid(f.x, w, prec);
  acb_neg(tmp, w);
  acb_sigmoid(f.xc, tmp, prec);
  acb_mul(f.dx, f.x, f.xc, prec);
  acb_mul_arb(f.dx, f.dx, job.inv_lambda, prec);
  // ∂z̃/∂θ = σ(θ)(1 - e^{-t}) (b = 1), σ(-θ)(1 - e^{t}) (b = 0): -expm1(∓t) times the side's mass.
  if (job.b) acb_neg(tmp, t);
  else acb_set(tmp, t);
  acb_expm1(f.dzt, tmp, prec);
  acb_neg(f.dzt, f.dzt);
  acb_mul_arb(f.dzt, f.dzt, job.side_prob, prec);
  acb_mul(f.dxt, f.dx, f.dzt, prec);
  // ℓ(t - θ) = σ(t - θ) σ(θ - t).
  acb_sub_arb(w, t, job.theta, prec);
  acb_sigmoid(dens, w, prec);
  acb_neg(w, w);
  acb_sigmoid(tmp, w, prec);
  acb_mul(dens, dens, tmp, prec);
  (*job.g)(res, f, prec);
  acb_mul(res, res, dens, prec);
  acb_clear(w);
  acb_clear(dens);
  acb_clear(tmp);
  return 0;
}

/// The per-variable constants: θ, 1/λ, σ(±θ) as balls.
struct Logit {
  double theta, lambda;
  Ball th, inv_lambda, P[2];  // P[0] = σ(-θ), P[1] = σ(θ)
  Logit(double theta_, double lambda_) : theta(theta_), lambda(lambda_), th(theta_) {
    inv_lambda = Ball(1.0) / Ball(lambda_);
    P[1] = sigmoid(th);
    P[0] = sigmoid(-th);
  }
};

/// H_b[g] = ∫_{side b} g(t) ℓ(t - θ) dt, proven: Arb's validated integral over the segment
/// [0, max(θ,0) + L] (b = 1) or [min(θ,0) - L, 0] (b = 0) plus the tail bound G e^{-L}, where G
/// bounds |g| on the side and L = |θ| + 100 + log max(G, 1) (relaxed_moments.hpp).
Ball half_integral(const Formula& g, double G, const Logit& v, bool b) {
  oracle_checkpoint();
  const double L = std::abs(v.theta) + 100.0 + std::log(std::max(G, 1.0));
  const double lo = b ? 0.0 : std::min(v.theta, 0.0) - L, hi = b ? std::max(v.theta, 0.0) + L : 0.0;
  Job job{v.th.get(), v.inv_lambda.get(), v.P[b].get(), b, &g};
  acb_t res, a, c;
  acb_init(res);
  acb_init(a);
  acb_init(c);
  mag_t tol;
  mag_init(tol);
  // Absolute tolerance well below the smallest side mass e^{-|θ|}/2: 2^-(110 + 1.45|θ|).
  mag_set_ui_2exp_si(tol, 1, -(110 + static_cast<slong>(std::ceil(1.45 * std::abs(v.theta)))));
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  Ball total;
  // Split at the points where the integrand changes scale: 0 (σ(t/λ)) and θ (the density's peak).
  std::vector<double> cuts{lo};
  if (lo < v.theta && v.theta < hi) cuts.push_back(v.theta);
  cuts.push_back(hi);
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    acb_set_d(a, cuts[k]);
    acb_set_d(c, cuts[k + 1]);
    acb_calc_integrate(res, integrand, &job, a, c, kPrec - 24, tol, opt, kPrec);
    Ball piece;
    acb_get_real(piece.get(), res);  // the integral of a real function over a real segment
    total += piece;
  }
  acb_clear(res);
  acb_clear(a);
  acb_clear(c);
  mag_clear(tol);
  oracle_checkpoint();  // an integrand that saw the deadline returned indeterminate values
  // Tail: G e^{-L} <= e^{-|θ| - 100} (and the integrand's sign is unknown: ± that). L, the segment's
  // end and |θ| + 100 are doubles rounded once or twice (relative 1e-16 of exponents below 1e3, so a
  // factor below 1 + 1e-12 on the bound): the factor 2 covers them.
  const Ball tail = Ball(2.0) * exp(Ball(-(std::abs(v.theta) + 100.0)));
  arb_add_error(total.get(), tail.get());
  return total;
}

// ---- Table features -------------------------------------------------------------------------

enum Feat { kX, kXc, kDx, kDxt, kXX, kXXc, kXcXc, kDxDx, kXDxt, kXcDxt, kDxtDxt, kFeatures };

Formula feature_formula(int k) {
  return [k](acb_t out, const Features& f, slong prec) {
    switch (k) {
      case kX: acb_set(out, f.x); break;
      case kXc: acb_set(out, f.xc); break;
      case kDx: acb_set(out, f.dx); break;
      case kDxt: acb_set(out, f.dxt); break;
      case kXX: acb_mul(out, f.x, f.x, prec); break;
      case kXXc: acb_mul(out, f.x, f.xc, prec); break;
      case kXcXc: acb_mul(out, f.xc, f.xc, prec); break;
      case kDxDx: acb_mul(out, f.dx, f.dx, prec); break;
      case kXDxt: acb_mul(out, f.x, f.dxt, prec); break;
      case kXcDxt: acb_mul(out, f.xc, f.dxt, prec); break;
      default: acb_mul(out, f.dxt, f.dxt, prec); break;
    }
  };
}

/// Every feature is <= B = max(1, 1/(4λ)) on the real line, so every product of two is <= B².
double feature_bound(double lambda) {
  const double B = std::max(1.0, 1.0 / (4.0 * lambda)) * (1.0 + 1e-12);
  return B * B;
}

/// H_b[feature] for both sides of one variable (only the features in `which`).
struct VariableIntegrals {
  std::array<std::array<Ball, kFeatures>, 2> H;
  Ball E(int k) const { return H[0][k] + H[1][k]; }
};

VariableIntegrals variable_integrals(const Logit& v, const std::vector<int>& which) {
  VariableIntegrals r;
  const double G = feature_bound(v.lambda);
  for (int k : which)
    for (int b = 0; b < 2; ++b) r.H[b][k] = half_integral(feature_formula(k), G, v, b != 0);
  return r;
}

// ---- Tensor contractions in balls -----------------------------------------------------------


Ball dot(const std::vector<Ball>& a, const std::vector<Ball>& b) {
  Ball s;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

/// Contracts every axis of a tensor over the other variables (n - 1 axes of 2, then `tail` more
/// entries on a last axis left alone) with one matrix per axis.
std::vector<Ball> contract_others(std::vector<Ball> t, std::size_t axes, std::size_t tail,
                                  const std::vector<std::vector<Ball>>& A, std::size_t rows) {
  std::vector<std::size_t> dims(axes, 2);
  if (tail > 1) dims.push_back(tail);
  for (std::size_t k = 0; k < axes; ++k) {
    oracle_checkpoint();
    t = contract(t, dims, k, A[k].data(), rows);
  }
  return t;
}

EstimatorMoments table_moments(const RelaxedForm& form, const Model& m, bool mean_only) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size(), K = std::size_t{1} << n, R = K / 2;
  const bool rebar = form.kind == RelaxedForm::Kind::rebar, st = form.kind == RelaxedForm::Kind::straight_through;
  const Ball eta(rebar ? form.eta : 0.0);
  std::vector<int> which;
  if (mean_only) which = rebar ? std::vector<int>{kX, kXc, kDx, kDxt} : std::vector<int>{kX, kXc, kDx};
  else if (rebar) for (int k = 0; k < kFeatures; ++k) which.push_back(k);
  else which = {kX, kXc, kDx, kXX, kXXc, kXcXc, kDxDx};
  if (st) which = mean_only ? std::vector<int>{kDx} : std::vector<int>{kDx, kDxDx};
  // One set of integrals per distinct logit (tables often repeat them).
  std::vector<Logit> logits;
  std::vector<VariableIntegrals> vars;
  std::map<double, std::size_t> seen;
  std::vector<std::size_t> var_of(n);
  for (std::size_t j = 0; j < n; ++j) {
    auto [it, fresh] = seen.emplace(d.logits[j], logits.size());
    if (fresh) {
      logits.emplace_back(d.logits[j], form.temperature);
      vars.push_back(variable_integrals(logits.back(), which));
    }
    var_of[j] = it->second;
  }
  auto V = [&](std::size_t j) -> const VariableIntegrals& { return vars[var_of[j]]; };
  auto P = [&](std::size_t j, int b) -> const Ball& { return logits[var_of[j]].P[b]; };
  std::vector<Ball> f(K);
  {
    std::vector<double> bvec(n);
    for (std::size_t c = 0; c < K; ++c) {
      support_point(d, c, bvec);
      f[c] = Ball(m.f(bvec));
    }
  }
  EstimatorMoments out;
  for (std::size_t i = 0; i < n; ++i) {
    oracle_checkpoint();
    const std::size_t bit = std::size_t{1} << i;
    std::vector<std::size_t> others;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) others.push_back(j);
    auto full = [&](std::size_t r, std::size_t ci) {  // r: the bits of the others, in order
      std::size_t c = 0;
      for (std::size_t k = 0; k < others.size(); ++k) c |= ((r >> k) & 1u) << others[k];
      return c | (ci ? bit : 0);
    };
    std::vector<Ball> D(R), F0(R), F1(R);
    for (std::size_t r = 0; r < R; ++r) {
      F0[r] = f[full(r, 0)];
      F1[r] = f[full(r, 1)];
      D[r] = F1[r] - F0[r];
    }
    const std::size_t axes = n - 1;
    std::vector<std::vector<Ball>> probs(axes), mean_phi(axes), second_phi(axes), cond_phi(axes);
    for (std::size_t k = 0; k < axes; ++k) {
      const std::size_t j = others[k];
      probs[k] = {P(j, 0), P(j, 1)};
      if (st) continue;
      mean_phi[k] = {V(j).E(kXc), V(j).E(kX)};
      if (!mean_only) {
        second_phi[k] = {V(j).E(kXcXc), V(j).E(kXXc), V(j).E(kXXc), V(j).E(kXX)};
        // M_j(b, c) = E[φ_c(x_j) | b] = H_b[φ_c] / P_b; rows b.
        if (rebar)
          cond_phi[k] = {V(j).H[0][kXc] / P(j, 0), V(j).H[0][kX] / P(j, 0), V(j).H[1][kXc] / P(j, 1),
                         V(j).H[1][kX] / P(j, 1)};
      }
    }
    const VariableIntegrals& vi = V(i);
    Ball mean, second;
    if (st) {
      mean = vi.E(kDx) * contract_others(D, axes, 1, probs, 1)[0];
      if (!mean_only) {
        std::vector<Ball> D2(R);
        for (std::size_t r = 0; r < R; ++r) D2[r] = D[r] * D[r];
        second = vi.E(kDxDx) * contract_others(D2, axes, 1, probs, 1)[0];
      }
    } else {
      const Ball concrete_mean = vi.E(kDx) * contract_others(D, axes, 1, mean_phi, 1)[0];
      Ball concrete_second;
      if (!mean_only) concrete_second = vi.E(kDxDx) * dot(D, contract_others(D, axes, 1, second_phi, 2));
      if (!rebar) {
        mean = concrete_mean;
        second = concrete_second;
      } else {
        mean = eta * concrete_mean;
        second = eta * eta * concrete_second;
        std::vector<Ball> GU;
        if (!mean_only) GU = contract_others(D, axes, 1, cond_phi, 2);  // (D ×_j M_j)(b_{-i})
        for (int bi = 0; bi < 2; ++bi) {
          const Ball& Pi = logits[var_of[i]].P[bi];
          const Ball s = bi ? logits[var_of[i]].P[0] : -logits[var_of[i]].P[1];
          const std::vector<Ball>& Fb = bi ? F1 : F0;
          const std::array<int, 3> chi = {kXc, kX, kDxt};
          // W(r, k), k fastest-last: the tensor [r (n-1 axes of 2), k (3)].
          std::vector<Ball> W(3 * R);
          for (std::size_t r = 0; r < R; ++r) {
            W[r] = -(eta * s * F0[r]);
            W[R + r] = -(eta * s * F1[r]);
            W[2 * R + r] = -(eta * D[r]);
          }
          std::vector<Ball> w(R);  // Σ_k W_k H_{b_i}[χ_k] = P(b_i) Σ_k W_k E[χ_k | b_i]
          for (std::size_t r = 0; r < R; ++r)
            w[r] = W[r] * vi.H[bi][chi[0]] + W[R + r] * vi.H[bi][chi[1]] + W[2 * R + r] * vi.H[bi][chi[2]];
          // Σ_b p(b) Q = Σ_{b_i} P(b_i) s (f(., b_i) ×_j (P_0, P_1)); and the V part of the mean.
          mean += Pi * s * contract_others(Fb, axes, 1, probs, 1)[0];
          mean += contract_others(w, axes, 1, mean_phi, 1)[0];
          if (mean_only) continue;
          std::vector<Ball> Fb2(R);
          for (std::size_t r = 0; r < R; ++r) Fb2[r] = Fb[r] * Fb[r];
          second += Pi * s * s * contract_others(Fb2, axes, 1, probs, 1)[0];
          // Σ_{b_{-i}} p E[V² | b] = Wᵀ (⊗_j S_j ⊗ N(b_i)) W.
          const std::array<std::array<int, 3>, 3> chichi = {{{kXcXc, kXXc, kXcDxt}, {kXXc, kXX, kXDxt},
                                                             {kXcDxt, kXDxt, kDxtDxt}}};
          std::vector<Ball> N(9);
          for (int a = 0; a < 3; ++a)
            for (int c = 0; c < 3; ++c) N[3 * a + c] = vi.H[bi][chichi[a][c]];
          std::vector<Ball> Y = contract_others(W, axes, 3, second_phi, 2);
          std::vector<std::size_t> dims(axes, 2);
          dims.push_back(3);
          Y = contract(Y, dims, axes, N.data(), 3);
          second += dot(W, Y);
          // Σ_b p(b) (2Q E[U|b] + 2Q E[V|b] + 2 E[U|b] E[V|b]).
          std::vector<Ball> wc(R);
          for (std::size_t r = 0; r < R; ++r) wc[r] = w[r] / Pi;
          const std::vector<Ball> GV = contract_others(wc, axes, 1, cond_phi, 2);
          const Ball eu_scale = eta * vi.H[bi][kDx] / Pi;
          Ball cross;
          for (std::size_t r = 0; r < R; ++r) {
            Ball pb = Pi;
            for (std::size_t k = 0; k < axes; ++k) pb *= P(others[k], static_cast<int>((r >> k) & 1u));
            const Ball q = s * Fb[r], eu = eu_scale * GU[r];
            cross += pb * (Ball(2.0) * q * (eu + GV[r]) + Ball(2.0) * eu * GV[r]);
          }
          second += cross;
        }
      }
    }
    const Ball::Enclosure me = mean.to_enclosure();
    out.mean.push_back(me.mid);
    out.mean_error.push_back(me.rad);
    if (!mean_only) {
      const Ball::Enclosure ve = (second - mean * mean).to_enclosure();
      out.variance.push_back(ve.mid);
      out.variance_error.push_back(ve.rad);
    }
  }
  return out;
}

// ---- The toy: f(z) = (z - τ)² ------------------------------------------------------------------

EstimatorMoments toy_moments(const RelaxedForm& form, const Model& m, double tau_d, bool mean_only) {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const Logit v(d.logits[0], form.temperature);
  const bool rebar = form.kind == RelaxedForm::Kind::rebar, st = form.kind == RelaxedForm::Kind::straight_through;
  const double eta_d = rebar ? form.eta : 0.0;
  const Ball tau(tau_d), two(2.0);
  // |x - τ| <= R, every dz <= B on the real line: every integrand below is <= G.
  const double Rb = 1.0 + std::abs(tau_d), B = std::max(1.0, 1.0 / (4.0 * form.temperature));
  const double G = 4.0 * (1.0 + std::abs(eta_d)) * (1.0 + std::abs(eta_d)) * std::pow(Rb + B, 4) * (1.0 + 1e-12);
  // Arb copies of τ and η for the integrands (acb arithmetic on exact doubles).
  auto minus_tau = [tau_d](acb_t out, const acb_t x, slong prec) {
    acb_set(out, x);
    acb_sub_arb(out, out, Ball(tau_d).get(), prec);
  };
  // U = 2η(x - τ) dx (REBAR; with η = 1 the concrete estimator), and its square.
  auto path = [&](double scale, bool square) -> Formula {
    return [=](acb_t out, const Features& f, slong prec) {
      minus_tau(out, f.x, prec);
      acb_mul(out, out, f.dx, prec);
      acb_mul_2exp_si(out, out, 1);
      arb_t c;
      arb_init(c);
      arb_set_d(c, scale);
      acb_mul_arb(out, out, c, prec);
      arb_clear(c);
      if (square) acb_mul(out, out, out, prec);
    };
  };
  auto H = [&](const Formula& g, int b) { return half_integral(g, G, v, b != 0); };
  Ball mean, second;
  if (!rebar && !st) {  // concrete: ĝ = 2(x - τ) dx
    for (int b = 0; b < 2; ++b) {
      mean += H(path(1.0, false), b);
      if (!mean_only) second += H(path(1.0, true), b);
    }
  } else if (st) {  // ĝ = 2(b - τ) dx
    for (int b = 0; b < 2; ++b) {
      const Ball c = two * (Ball(static_cast<double>(b)) - tau);
      mean += c * H(feature_formula(kDx), b);
      if (!mean_only) second += c * c * H(feature_formula(kDxDx), b);
    }
  } else {  // REBAR: Q = s (b - τ)², U = 2η(x - τ) dx, V = -η s (x̃ - τ)² - 2η (x̃ - τ) dx̃
    for (int b = 0; b < 2; ++b) {
      const Ball s = b ? v.P[0] : -v.P[1];
      const Ball bt = Ball(static_cast<double>(b)) - tau;
      const Ball Q = s * bt * bt;
      const Ball& Pb = v.P[b];
      const Ball sv = s;  // captured by value in the formulas below
      auto Vf = [sv, eta_d, minus_tau](bool square) -> Formula {
        return [sv, eta_d, minus_tau, square](acb_t out, const Features& f, slong prec) {
          acb_t a, c;
          acb_init(a);
          acb_init(c);
          minus_tau(a, f.x, prec);                 // x̃ - τ
          acb_mul(c, a, a, prec);                  // (x̃ - τ)²
          acb_mul_arb(c, c, sv.get(), prec);       // s (x̃ - τ)²
          acb_mul(a, a, f.dxt, prec);              // (x̃ - τ) dx̃
          acb_mul_2exp_si(a, a, 1);
          acb_add(out, c, a, prec);
          arb_t e;
          arb_init(e);
          arb_set_d(e, -eta_d);
          acb_mul_arb(out, out, e, prec);
          arb_clear(e);
          if (square) acb_mul(out, out, out, prec);
          acb_clear(a);
          acb_clear(c);
        };
      };
      const Ball HU = H(path(eta_d, false), b), HV = H(Vf(false), b);
      mean += Pb * Q + HU + HV;
      if (mean_only) continue;
      second += Pb * Q * Q + H(path(eta_d, true), b) + H(Vf(true), b) + two * Q * (HU + HV) + two * HU * HV / Pb;
    }
  }
  EstimatorMoments out;
  const Ball::Enclosure me = mean.to_enclosure();
  out.mean = {me.mid};
  out.mean_error = {me.rad};
  if (!mean_only) {
    const Ball::Enclosure ve = (second - mean * mean).to_enclosure();
    out.variance = {ve.mid};
    out.variance_error = {ve.rad};
  }
  return out;
}

}  // namespace

std::optional<EstimatorMoments> relaxed_moments(const Estimator& est, const Model& m, bool mean_only) {
  const std::optional<RelaxedForm> form = est.relaxed_form();
  if (!form || form->kind == RelaxedForm::Kind::relax || form->planted_bug) return std::nullopt;
  if (m.problem->family() != Family::bernoulli || !m.problem->has_relaxation()) return std::nullopt;
  if (!std::holds_alternative<BernoulliLogits>(m.dist)) return std::nullopt;
  const std::optional<SymbolicF> sym = m.problem->symbolic();
  if (!sym) return std::nullopt;
  EstimatorMoments r;
  if (sym->kind == SymbolicF::Kind::toy && m.sample_dim() == 1) {
    r = toy_moments(*form, m, sym->parameter, mean_only);
    r.method = "certified: 1-D integrals in the logistic variable (Arb), toy f(z) = (z - t)^2";
  } else if (sym->kind == SymbolicF::Kind::table && m.problem->relaxation_is_multilinear() &&
             m.sample_dim() >= 1 &&
             m.sample_dim() <= (mean_only ? kCertifiedRelaxedMeanMaxVariables : kCertifiedRelaxedMaxVariables)) {
    r = table_moments(*form, m, mean_only);
    r.method = "certified: multilinear F, ball contractions of 1-D integrals in the logistic variable (Arb)";
  } else {
    return std::nullopt;
  }
  r.certificate = proven(
      "validated integration (Arb acb_calc_integrate) in the logistic variable t = theta + logit u, tails "
      "bounded by e^-|t - theta|; sums and contractions in ball arithmetic");
  return r;
}

HalfLineIntegral feature_half_integral(int feature, double theta, double lambda, bool b) {
  const Logit v(theta, lambda);
  const Ball h = half_integral(feature_formula(feature), feature_bound(lambda), v, b);
  const Ball::Enclosure e = h.to_enclosure();
  return {e.mid, e.rad};
}

}  // namespace estcheck::certified
