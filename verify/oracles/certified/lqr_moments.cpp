// verify/oracles/certified/lqr_moments.cpp — see lqr_moments.hpp.
#include "verify/oracles/certified/lqr_moments.hpp"

#include "estimators/core/noise.hpp"
#include "estimators/problems/lqr.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

namespace estcheck::certified {
namespace {

// A monomial ε^α as 16 exponents of 4 bits (variable i in bits 4i..4i+3): products add the keys.
// Degrees stay ≤ 4 for one sample (≤ 8 would still fit), so no nibble overflows.
using Key = std::uint64_t;
constexpr std::size_t kMaxVariables = 16;
int exponent(Key k, std::size_t i) { return static_cast<int>((k >> (4 * i)) & 0xF); }

/// A polynomial in ε with ball coefficients.
struct Poly {
  std::unordered_map<Key, Ball> terms;
  bool empty() const { return terms.empty(); }
};

void add_into(Poly& r, const Poly& b, bool subtract) {
  for (const auto& [k, c] : b.terms) {
    auto [it, inserted] = r.terms.try_emplace(k);
    if (subtract) arb_sub(it->second.get(), it->second.get(), c.get(), kBallPrecision);
    else arb_add(it->second.get(), it->second.get(), c.get(), kBallPrecision);
  }
}

Poly multiply(const Poly& a, const Poly& b) {
  Poly r;
  if (a.empty() || b.empty()) return r;
  r.terms.reserve(a.terms.size() * b.terms.size());
  for (const auto& [ka, ca] : a.terms) {
    oracle_checkpoint();
    for (const auto& [kb, cb] : b.terms) {
      Ball& acc = r.terms[ka + kb];
      arb_addmul(acc.get(), ca.get(), cb.get(), kBallPrecision);
    }
  }
  return r;
}

Poly scaled(const Poly& a, const Ball& s) {
  Poly r = a;
  for (auto& [k, c] : r.terms) c *= s;
  return r;
}

/// One intermediate of the code: its exact value P (a polynomial in ε), its absolute polynomial A
/// (in |ε|) and its rounding depth L (lqr_moments.hpp).
struct Node {
  Poly v, a;
  int depth = 0;
  /// Structurally zero: the code computes it as an exact 0 (every term of A is 0).
  bool zero() const { return a.empty(); }
};

Node constant(double c) {
  Node n;
  if (c != 0.0) {
    n.v.terms.emplace(Key{0}, Ball(c));
    n.a.terms.emplace(Key{0}, Ball(std::abs(c)));
  }
  return n;
}

Node variable(std::size_t i) {
  Node n;
  n.v.terms.emplace(Key{1} << (4 * i), Ball(1.0));
  n.a.terms.emplace(Key{1} << (4 * i), Ball(1.0));
  return n;
}

Node operator+(const Node& x, const Node& y) {
  Node r{x.v, x.a, std::max(x.depth, y.depth) + 1};
  add_into(r.v, y.v, false);
  add_into(r.a, y.a, false);
  return r;
}
Node operator-(const Node& x, const Node& y) {
  Node r{x.v, x.a, std::max(x.depth, y.depth) + 1};
  add_into(r.v, y.v, true);
  add_into(r.a, y.a, false);
  return r;
}
Node operator*(const Node& x, const Node& y) {
  return Node{multiply(x.v, y.v), multiply(x.a, y.a), x.depth + y.depth + 1};
}

/// The run's inputs: σ (a ball holding the true σ and the code's double), 1/σ, and the noise.
struct Inputs {
  Node sigma;
  Ball inv_sigma;
  std::vector<Node> eps;
};

/// x / σ as the code computes it (one rounding).
Node divide_by_sigma(const Node& x, const Inputs& in) {
  return Node{scaled(x.v, in.inv_sigma), scaled(x.a, in.inv_sigma), x.depth + 1};
}

/// The LqrPath of estimators/problems/lqr.cpp (lqr_rollout with derivatives), operation by operation.
struct NodePath {
  std::vector<Node> states, actions, costs, score, d_actions, d_cost;
};

/// xᵀ W x as lqr.cpp's quadratic_form computes it.
Node quadratic_form(const std::vector<double>& W, const std::vector<Node>& x, std::size_t offset, std::size_t k) {
  Node acc = constant(0.0);
  for (std::size_t i = 0; i < k; ++i) {
    Node row = constant(0.0);
    for (std::size_t j = 0; j < k; ++j) row = row + constant(W[i * k + j]) * x[offset + j];
    acc = acc + x[offset + i] * row;
  }
  return acc;
}

NodePath rollout(const LqrSystem& sys, std::span<const double> theta, const Inputs& in) {
  const std::size_t n = sys.n, m = sys.m, T = sys.horizon, p = sys.theta_dim();
  NodePath path;
  path.states.resize((T + 1) * n);
  path.actions.resize(T * m);
  path.costs.resize(T + 1);
  path.score.assign(T * p, constant(0.0));
  path.d_actions.assign(T * m * p, constant(0.0));
  path.d_cost.assign(p, constant(0.0));
  std::vector<Node> ds(n * p, constant(0.0)), ds_next(n * p);
  for (std::size_t i = 0; i < n; ++i) path.states[i] = constant(sys.s0[i]);
  auto add_cost_derivative = [&](const std::vector<double>& W, const std::vector<Node>& x, std::size_t offset,
                                 std::size_t k, const std::vector<Node>& dx, std::size_t dx_offset) {
    for (std::size_t i = 0; i < k; ++i) {
      Node wx = constant(0.0);
      for (std::size_t j = 0; j < k; ++j) wx = wx + constant(W[i * k + j]) * x[offset + j];
      const Node twice = constant(2.0) * wx;
      for (std::size_t c = 0; c < p; ++c) path.d_cost[c] = path.d_cost[c] + twice * dx[dx_offset + i * p + c];
    }
  };
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t so = t * n;
    for (std::size_t l = 0; l < m; ++l) {
      Node v = constant(0.0);
      for (std::size_t j = 0; j < n; ++j) v = v + constant(theta[l * n + j]) * path.states[so + j];
      path.actions[t * m + l] = v + in.sigma * in.eps[t * m + l];
    }
    path.costs[t] = quadratic_form(sys.Q, path.states, so, n) + quadratic_form(sys.R, path.actions, t * m, m);
    for (std::size_t l = 0; l < m; ++l) {
      const Node& e = in.eps[t * m + l];
      for (std::size_t j = 0; j < n; ++j) path.score[t * p + l * n + j] = divide_by_sigma(e * path.states[so + j], in);
      path.score[t * p + p - 1] = path.score[t * p + p - 1] + (e * e - constant(1.0));
    }
    const std::size_t da = t * m * p;
    for (std::size_t l = 0; l < m; ++l) {
      for (std::size_t j = 0; j < n; ++j)
        path.d_actions[da + l * p + l * n + j] = path.d_actions[da + l * p + l * n + j] + path.states[so + j];
      for (std::size_t c = 0; c < p; ++c)
        for (std::size_t j = 0; j < n; ++j)
          path.d_actions[da + l * p + c] = path.d_actions[da + l * p + c] + constant(theta[l * n + j]) * ds[j * p + c];
      path.d_actions[da + l * p + p - 1] = path.d_actions[da + l * p + p - 1] + in.sigma * in.eps[t * m + l];
    }
    add_cost_derivative(sys.Q, path.states, so, n, ds, 0);
    add_cost_derivative(sys.R, path.actions, t * m, m, path.d_actions, da);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < p; ++c) {
        Node v = constant(0.0);
        for (std::size_t j = 0; j < n; ++j) v = v + constant(sys.A[i * n + j]) * ds[j * p + c];
        for (std::size_t l = 0; l < m; ++l) v = v + constant(sys.B[i * m + l]) * path.d_actions[da + l * p + c];
        ds_next[i * p + c] = std::move(v);
      }
    ds.swap(ds_next);
    for (std::size_t i = 0; i < n; ++i) {
      Node v = constant(0.0);
      for (std::size_t j = 0; j < n; ++j) v = v + constant(sys.A[i * n + j]) * path.states[so + j];
      for (std::size_t l = 0; l < m; ++l) v = v + constant(sys.B[i * m + l]) * path.actions[t * m + l];
      path.states[so + n + i] = std::move(v);
    }
    oracle_checkpoint();
  }
  path.costs[T] = quadratic_form(sys.Qf, path.states, T * n, n);
  add_cost_derivative(sys.Qf, path.states, T * n, n, ds, 0);
  return path;
}

/// policy_gradient.cpp's total_score and total_cost.
std::vector<Node> total_score(const NodePath& path, std::size_t p) {
  std::vector<Node> out(p, constant(0.0));
  for (std::size_t t = 0; t < path.score.size() / p; ++t)
    for (std::size_t c = 0; c < p; ++c) out[c] = out[c] + path.score[t * p + c];
  return out;
}
Node total_cost(const NodePath& path) {
  Node total = constant(0.0);
  for (const Node& c : path.costs) total = total + c;
  return total;
}

/// policy_gradient.cpp's features(full, x): ψ (F values) and ∂ψ_f/∂x_i (F × D).
void features(bool full, const std::vector<Node>& x, std::vector<Node>& psi, std::vector<Node>& dpsi) {
  const std::size_t D = x.size(), F = full ? 1 + D + D * (D + 1) / 2 : 1 + 2 * D;
  psi.assign(F, constant(0.0));
  dpsi.assign(F * D, constant(0.0));
  psi[0] = constant(1.0);
  for (std::size_t i = 0; i < D; ++i) {
    psi[1 + i] = x[i];
    dpsi[(1 + i) * D + i] = constant(1.0);
  }
  std::size_t f = 1 + D;
  for (std::size_t i = 0; i < D; ++i)
    for (std::size_t j = i; j < (full ? D : i + 1); ++j, ++f) {
      psi[f] = x[i] * x[j];
      dpsi[f * D + i] = dpsi[f * D + i] + x[j];
      dpsi[f * D + j] = dpsi[f * D + j] + x[i];
    }
}

/// The sample of `form` as nodes, one per θ coordinate (policy_gradient.cpp, operation by operation).
std::vector<Node> sample_nodes(const PolicyGradientForm& form, const LqrSystem& sys, std::span<const double> theta,
                               const Inputs& in) {
  using Kind = PolicyGradientForm::Kind;
  const std::size_t p = sys.theta_dim(), n = sys.n, m = sys.m, T = sys.horizon;
  const NodePath path = rollout(sys, theta, in);
  if (form.kind == Kind::pathwise) return path.d_cost;
  if (form.kind == Kind::reinforce) {
    std::vector<Node> g = total_score(path, p);
    const Node f = total_cost(path);
    for (Node& x : g) x = x * f;
    return g;
  }
  if (form.kind == Kind::reward_to_go) {
    std::vector<Node> g(p, constant(0.0));
    Node to_go = path.costs[T];
    for (std::size_t t = T; t-- > 0;) {
      to_go = to_go + path.costs[t];
      for (std::size_t c = 0; c < p; ++c) g[c] = g[c] + path.score[t * p + c] * to_go;
    }
    return g;
  }
  // LAX: ĝ = g0 + Σ_q φ_q ((correction ? Gc : 0) - Gs), as lax_terms and Lax::value_at_normals.
  std::vector<Node> g0, Gs, Gc, psi, dpsi;
  std::size_t F = 0;
  if (form.kind != Kind::lax_rl) {
    const std::size_t D = T * m;
    features(form.kind == Kind::lax_full, path.actions, psi, dpsi);
    F = psi.size();
    const std::vector<Node> score = total_score(path, p);
    const Node f = total_cost(path);
    Gs.resize(p * F);
    Gc.resize(p * F);
    for (std::size_t c = 0; c < p; ++c) {
      g0.push_back(f * score[c]);
      for (std::size_t q = 0; q < F; ++q) {
        Gs[c * F + q] = psi[q] * score[c];
        Node v = constant(0.0);
        for (std::size_t i = 0; i < D; ++i) v = v + dpsi[q * D + i] * path.d_actions[i * p + c];
        Gc[c * F + q] = std::move(v);
      }
    }
  } else {
    const std::size_t Z = m + n;
    std::vector<Node> z(Z);
    g0.assign(p, constant(0.0));
    Node to_go = path.costs[T];
    for (std::size_t t = T; t-- > 0;) {
      to_go = to_go + path.costs[t];
      for (std::size_t l = 0; l < m; ++l) z[l] = path.actions[t * m + l];
      for (std::size_t j = 0; j < n; ++j) z[m + j] = path.states[t * n + j];
      features(true, z, psi, dpsi);
      if (F == 0) {
        F = psi.size();
        Gs.assign(p * F, constant(0.0));
        Gc.assign(p * F, constant(0.0));
      }
      for (std::size_t c = 0; c < p; ++c) {
        const Node& S = path.score[t * p + c];
        g0[c] = g0[c] + S * to_go;
        for (std::size_t q = 0; q < F; ++q) Gs[c * F + q] = Gs[c * F + q] + psi[q] * S;
      }
      for (std::size_t l = 0; l < m; ++l)
        for (std::size_t q = 0; q < F; ++q) {
          const Node& dm = dpsi[q * Z + l];
          if (dm.zero()) continue;  // the code's dm == 0.0 (an exact zero adds nothing either way)
          for (std::size_t j = 0; j < n; ++j)
            Gc[(l * n + j) * F + q] = Gc[(l * n + j) * F + q] + dm * path.states[t * n + j];
          Gc[(p - 1) * F + q] = Gc[(p - 1) * F + q] + (dm * in.sigma) * in.eps[t * m + l];
        }
    }
  }
  const bool fitted = form.phi.size() == F;
  std::vector<Node> g(p);
  for (std::size_t c = 0; c < p; ++c) {
    Node v = g0[c];
    if (fitted)
      for (std::size_t q = 0; q < F; ++q)
        v = v + constant(form.phi[q]) * ((form.correction ? Gc[c * F + q] : constant(0.0)) - Gs[c * F + q]);
    g[c] = std::move(v);
  }
  return g;
}

/// (k − 1)!! for even k (E ε^k), 0 for odd k.
double double_factorial_moment(int k) {
  if (k % 2 != 0) return 0.0;
  double r = 1.0;
  for (int j = k - 1; j > 1; j -= 2) r *= j;
  return r;
}

/// E P(ε) for ε ~ N(0, I).
Ball mean_of(const Poly& P, std::size_t D) {
  Ball r(0.0);
  for (const auto& [k, c] : P.terms) {
    double w = 1.0;
    for (std::size_t i = 0; i < D && w != 0.0; ++i) w *= double_factorial_moment(exponent(k, i));
    if (w != 0.0) arb_addmul(r.get(), c.get(), Ball(w).get(), kBallPrecision);
  }
  return r;
}

/// Var P(ε): P in the Hermite basis, Σ_{β ≠ 0} c_β² β!.
Ball variance_of(const Poly& P, std::size_t D) {
  std::unordered_map<Key, Ball> hermite;
  // ε^k = Σ_j k!/(2^j j! (k - 2j)!) He_{k-2j}: the weights for k ≤ 8.
  auto weight = [](int k, int j) {
    double num = 1.0;
    for (int x = 2; x <= k; ++x) num *= x;
    double den = 1.0;
    for (int x = 0; x < j; ++x) den *= 2.0;
    for (int x = 2; x <= j; ++x) den *= x;
    for (int x = 2; x <= k - 2 * j; ++x) den *= x;
    return num / den;  // an integer below 2^53, exact
  };
  for (const auto& [k, c] : P.terms) {
    oracle_checkpoint();
    // The product over variables of the expansions, as a list of (key, weight).
    std::vector<std::pair<Key, double>> expansion{{Key{0}, 1.0}};
    for (std::size_t i = 0; i < D; ++i) {
      const int e = exponent(k, i);
      if (e == 0) continue;
      std::vector<std::pair<Key, double>> next;
      for (const auto& [key, w] : expansion)
        for (int j = 0; 2 * j <= e; ++j) next.emplace_back(key + (Key(e - 2 * j) << (4 * i)), w * weight(e, j));
      expansion.swap(next);
    }
    for (const auto& [key, w] : expansion) arb_addmul(hermite[key].get(), c.get(), Ball(w).get(), kBallPrecision);
  }
  Ball r(0.0);
  for (const auto& [key, c] : hermite) {
    if (key == 0) continue;
    double fact = 1.0;
    for (std::size_t i = 0; i < D; ++i)
      for (int x = 2; x <= exponent(key, i); ++x) fact *= x;
    arb_addmul(r.get(), sqr(c).get(), Ball(fact).get(), kBallPrecision);
  }
  return r;
}

/// Σ_α a_α ‖Π_i |ε_i|^{α_i}‖₂ = Σ_α a_α (Π_i (2α_i − 1)!!)^{1/2} ≥ ‖A(|ε|)‖₂ (Minkowski).
Ball l2_bound(const Poly& A, std::size_t D) {
  Ball r(0.0);
  for (const auto& [k, c] : A.terms) {
    double w = 1.0;
    for (std::size_t i = 0; i < D; ++i) w *= double_factorial_moment(2 * exponent(k, i));
    arb_addmul(r.get(), c.get(), sqrt(Ball(w)).get(), kBallPrecision);
  }
  return r;
}

/// P at the point x (absolute: |x_i|), in balls.
Ball evaluate(const Poly& P, std::span<const double> x, bool absolute) {
  Ball r(0.0);
  for (const auto& [k, c] : P.terms) {
    Ball term = c;
    for (std::size_t i = 0; i < x.size(); ++i)
      for (int e = 0; e < exponent(k, i); ++e) term *= Ball(absolute ? std::abs(x[i]) : x[i]);
    r += term;
  }
  return r;
}

/// γ_L = L u / (1 − L u), u = 2^-53, as a ball.
Ball gamma(int depth) {
  const Ball lu = Ball(static_cast<double>(depth)) * Ball(std::ldexp(1.0, -53));
  return lu / (Ball(1.0) - lu);
}

struct Built {
  std::vector<Node> nodes;
  std::size_t D = 0;
};

std::optional<Built> build(const Estimator& est, const Model& m) {
  const std::optional<PolicyGradientForm> form = est.policy_gradient_form();
  if (!form) return std::nullopt;
  const LqrSystem* sys = lqr_system_of(*m.problem);
  if (sys == nullptr) return std::nullopt;
  const std::size_t D = sys->horizon * sys->m, p = sys->theta_dim();
  if (D > kMaxVariables) return std::nullopt;
  Inputs in;
  const double sigma_code = std::exp(m.theta[p - 1]);  // the code's own double (lqr_rollout)
  const Ball sigma = hull(exp(Ball(m.theta[p - 1])), Ball(sigma_code));
  in.sigma.v.terms.emplace(Key{0}, sigma);
  in.sigma.a.terms.emplace(Key{0}, sigma);
  in.inv_sigma = Ball(1.0) / sigma;
  for (std::size_t i = 0; i < D; ++i) in.eps.push_back(variable(i));
  return Built{sample_nodes(*form, *sys, m.theta, in), D};
}

}  // namespace

std::optional<std::vector<double>> lqr_sample_polynomial_at(const Estimator& est, const Model& m,
                                                            std::span<const double> eps) {
  const std::optional<Built> b = build(est, m);
  if (!b) return std::nullopt;
  std::vector<double> r;
  for (const Node& x : b->nodes) r.push_back(evaluate(x.v, eps, false).to_enclosure().mid);
  return r;
}

std::optional<EstimatorMoments> lqr_estimator_moments(const Estimator& est, const Model& m) {
  const std::optional<Built> b = build(est, m);
  if (!b) return std::nullopt;
  const std::size_t p = b->nodes.size(), D = b->D;
  EstimatorMoments r;
  r.method = "the sample as a polynomial in the noise (degree ≤ 4, " + std::to_string(D) +
             " normals), Gaussian moments by Isserlis and the Hermite basis in Arb, the code's rounding bounded";
  std::vector<Ball> rounding;  // r_c ≥ ‖δ_c‖₂ and γ_{L_c} per coordinate
  std::vector<Ball> gammas;
  for (std::size_t c = 0; c < p; ++c) {
    const Node& x = b->nodes[c];
    gammas.push_back(gamma(x.depth));
    rounding.push_back(gammas.back() * l2_bound(x.a, D));
    const Ball mean = mean_of(x.v, D), var = variance_of(x.v, D);
    const auto me = mean.to_enclosure(), ve = var.to_enclosure();
    const double rc = upper_bound(rounding.back()), sd = std::sqrt(upper_bound(var));
    if (!std::isfinite(me.rad) || !std::isfinite(ve.rad) || !std::isfinite(rc) || !std::isfinite(sd)) {
      const std::vector<double> nan(p, std::numeric_limits<double>::quiet_NaN());
      return EstimatorMoments{nan, nan, nan, nan, r.method,
                              unknown_figure("coordinate " + std::to_string(c) + "'s moments do not fit a double")};
    }
    // Var ĝ ≤ (√Var P + r)² = Var P + 2 r √Var P + r²: the sd is rounded up (√ of an upper bound,
    // then a factor 1 + 2^-50 for the √'s own rounding), the sum inflated against its rounding.
    const double sd_up = sd * (1.0 + std::ldexp(1.0, -50));
    r.mean.push_back(me.mid);
    r.mean_error.push_back((me.rad + rc) * (1.0 + std::ldexp(1.0, -50)));
    r.variance.push_back(ve.mid);
    r.variance_error.push_back((ve.rad + 2.0 * rc * sd_up + rc * rc) * (1.0 + std::ldexp(1.0, -49)));
  }
  // The declared form against the code: 16 fixed draws, |code − P(ε)| ≤ γ_L A(|ε|) + P(ε)'s radius.
  std::vector<double> eps(D), scratch(est.scratch_size(m)), g(p);
  for (std::uint64_t k = 0; k < 16; ++k) {
    Noise noise(0, 0, k, Purpose::test);
    for (double& e : eps) e = noise.normal();
    est.value_at_normals(m, eps, scratch, g);
    for (std::size_t c = 0; c < p; ++c) {
      const Ball diff = abs(Ball(g[c]) - evaluate(b->nodes[c].v, eps, false)) -
                        gammas[c] * evaluate(b->nodes[c].a, eps, true);
      if (arb_is_positive(diff.get())) {
        r.certificate = estimated("the declared policy-gradient form disagrees with the estimator's code at test draw " +
                                  std::to_string(k) + ", coordinate " + std::to_string(c) + ": " +
                                  std::to_string(g[c]) + " vs the polynomial's " +
                                  evaluate(b->nodes[c].v, eps, false).str(17));
        return r;
      }
    }
  }
  r.certificate = proven("the sample as a polynomial in ε in Arb balls (Isserlis, Hermite basis); the code's rounding "
                         "bounded by γ_L of its absolute polynomial (Higham), folded into both bounds; matches the "
                         "code at 16 draws");
  return r;
}

}  // namespace estcheck::certified
