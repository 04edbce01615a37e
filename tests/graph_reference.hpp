// tests/graph_reference.hpp — an independent high-precision reference for the graph oracle's figures
// (test_certified_graph, test_audit_graph): every joint assignment enumerated in Arb with its own
// walk over the graph's nodes (not graph_eval.hpp's forward pass, not the certified jets), each node
// a truncated power series in t of θ + t u (Arb's arb_poly series functions: exp, log, inv, div),
// so derivatives are exact Taylor coefficients — no finite differences. The formulas are written
// differently from the code under test where they can be: log p(y = 1) = l - log(1 + e^l),
// categorical log-probabilities without the max shift, tanh = (e^{2x} - 1)/(e^{2x} + 1),
// σ(x) = 1/(1 + e^{-x}), softplus = log(1 + e^x); sin and cos by Arb's series functions.
#pragma once

#include "estimators/problems/graph.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <arb_poly.h>

#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

namespace estcheck::reference {

inline constexpr slong kPrec = 256;  ///< bits: twice the certified route's
inline constexpr slong kLen = 3;     ///< series length: value, first and second Taylor coefficients

class Series {
 public:
  Series() { arb_poly_init(p_); }
  explicit Series(double c) : Series() { arb_poly_set_coeff_arb(p_, 0, certified::Ball(c).get()); }
  Series(const Series& o) : Series() { arb_poly_set(p_, o.p_); }
  Series& operator=(const Series& o) {
    arb_poly_set(p_, o.p_);
    return *this;
  }
  ~Series() { arb_poly_clear(p_); }
  arb_poly_struct* get() { return p_; }
  const arb_poly_struct* get() const { return p_; }
  certified::Ball coeff(slong k) const {
    certified::Ball b;
    arb_poly_get_coeff_arb(b.get(), p_, k);
    return b;
  }
  /// The constant coefficient as a double index (discrete values are exact integers).
  std::size_t index() const {
    const certified::Ball c = coeff(0);
    return static_cast<std::size_t>(std::lround(arf_get_d(arb_midref(c.get()), ARF_RND_NEAR)));
  }

 private:
  arb_poly_t p_;
};

inline Series add(const Series& a, const Series& b) {
  Series r;
  arb_poly_add(r.get(), a.get(), b.get(), kPrec);
  return r;
}
inline Series sub(const Series& a, const Series& b) {
  Series r;
  arb_poly_sub(r.get(), a.get(), b.get(), kPrec);
  return r;
}
inline Series mul(const Series& a, const Series& b) {
  Series r;
  arb_poly_mullow(r.get(), a.get(), b.get(), kLen, kPrec);
  return r;
}
inline Series scale(const Series& a, double c) {
  Series r;
  arb_poly_scalar_mul(r.get(), a.get(), certified::Ball(c).get(), kPrec);
  return r;
}
inline Series sexp(const Series& a) {
  Series r;
  arb_poly_exp_series(r.get(), a.get(), kLen, kPrec);
  return r;
}
inline Series slog(const Series& a) {
  Series r;
  arb_poly_log_series(r.get(), a.get(), kLen, kPrec);
  return r;
}
inline Series sdiv(const Series& a, const Series& b) {
  Series r;
  arb_poly_div_series(r.get(), a.get(), b.get(), kLen, kPrec);
  return r;
}
inline Series plus_const(const Series& a, double c) { return add(a, Series(c)); }

/// log p(θ + t u) and f(θ + t u) at one joint assignment `choice` (one entry per node).
struct SeriesAt {
  Series log_prob, cost;
};

inline SeriesAt evaluate(const Graph& g, std::span<const double> theta, std::span<const double> u,
                         std::span<const double> choice) {
  std::vector<Series> v(g.nodes.size());
  SeriesAt r{Series(0.0), Series(0.0)};
  std::size_t next = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& n = g.nodes[i];
    const auto p = [&](std::size_t k) -> const Series& { return v[n.parents[k]]; };
    Series x;
    switch (n.kind) {
      case NodeKind::param:
        x = Series(theta[next]);
        arb_poly_set_coeff_arb(x.get(), 1, certified::Ball(u[next]).get());
        ++next;
        break;
      case NodeKind::constant: x = Series(n.value); break;
      case NodeKind::gaussian: throw std::invalid_argument("reference: discrete graphs only");
      case NodeKind::bernoulli: {
        const Series& l = p(0);
        const Series lse = slog(plus_const(sexp(l), 1.0));  // log(1 + e^l)
        r.log_prob = add(r.log_prob, choice[i] == 1.0 ? sub(l, lse) : scale(lse, -1.0));
        x = Series(choice[i]);
        break;
      }
      case NodeKind::categorical: {
        Series z(0.0);
        for (std::size_t k = 0; k < n.parents.size(); ++k) z = add(z, sexp(p(k)));
        r.log_prob = add(r.log_prob, sub(p(static_cast<std::size_t>(choice[i])), slog(z)));
        x = Series(choice[i]);
        break;
      }
      case NodeKind::deterministic:
      case NodeKind::cost:
        switch (n.op) {
          case Op::identity: x = p(0); break;
          case Op::sum:
            x = p(0);
            for (std::size_t k = 1; k < n.parents.size(); ++k) x = add(x, p(k));
            break;
          case Op::product:
            x = p(0);
            for (std::size_t k = 1; k < n.parents.size(); ++k) x = mul(x, p(k));
            break;
          case Op::neg: x = scale(p(0), -1.0); break;
          case Op::exp: x = sexp(p(0)); break;
          case Op::log: x = slog(p(0)); break;
          case Op::sigmoid: x = sdiv(Series(1.0), plus_const(sexp(scale(p(0), -1.0)), 1.0)); break;
          case Op::softplus: x = slog(plus_const(sexp(p(0)), 1.0)); break;
          case Op::tanh: {
            const Series e2 = sexp(scale(p(0), 2.0));
            x = sdiv(plus_const(e2, -1.0), plus_const(e2, 1.0));
            break;
          }
          case Op::square: x = mul(p(0), p(0)); break;
          case Op::affine:
            x = Series(n.bias);
            for (std::size_t k = 0; k < n.parents.size(); ++k) x = add(x, scale(p(k), n.weights[k]));
            break;
          case Op::table: {
            std::size_t k = 0;
            for (std::size_t j = 0; j < n.parents.size(); ++j) k = k * n.sizes[j] + p(j).index();
            x = Series(n.table[k]);
            break;
          }
          case Op::select: x = p(1 + p(0).index()); break;
          case Op::equals: x = Series(p(0).index() == static_cast<std::size_t>(n.k) ? 1.0 : 0.0); break;
          case Op::sin: arb_poly_sin_series(x.get(), p(0).get(), kLen, kPrec); break;
          case Op::cos: arb_poly_cos_series(x.get(), p(0).get(), kLen, kPrec); break;
          case Op::divide: x = sdiv(p(0), p(1)); break;
          case Op::inside: {  // decided on the value's ball at 256 bits, or no reference
            certified::Ball m = p(0).coeff(0), bound(n.value);
            arb_abs(m.get(), m.get());
            if (arb_le(m.get(), bound.get())) x = Series(1.0);
            else if (arb_gt(m.get(), bound.get())) x = Series(0.0);
            else throw std::invalid_argument("reference: an inside node's ball straddles its bound");
            break;
          }
        }
        if (n.kind == NodeKind::cost) r.cost = add(r.cost, x);
        break;
    }
    v[i] = x;
  }
  return r;
}

/// The exact figures as balls: L, ∇L (d) and ∇²L's upper triangle (d(d+1)/2, when `hessian`).
struct Figures {
  certified::Ball objective;
  std::vector<certified::Ball> gradient, hessian;
};

/// a += b at the reference's precision (Ball's own operators work at 128 bits).
inline void accumulate(certified::Ball& a, const certified::Ball& b) { arb_add(a.get(), a.get(), b.get(), kPrec); }

inline Figures figures(const Graph& g, std::span<const double> theta, bool hessian) {
  const std::size_t d = theta.size();
  Figures r;
  r.gradient.resize(d);
  if (hessian) r.hessian.resize(d * (d + 1) / 2);
  std::vector<double> choice(g.nodes.size(), 0.0), u(d, 0.0);
  // c2(u) = Σ_a [p f](θ + t u)'s t² coefficient = D²_u L / 2.
  std::vector<certified::Ball> c2(d);
  const auto term = [&](std::span<const double> dir) {
    const SeriesAt s = evaluate(g, theta, dir, choice);
    return mul(sexp(s.log_prob), s.cost);
  };
  for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
    assignment(g, a, choice);
    accumulate(r.objective, term(u).coeff(0));
    for (std::size_t i = 0; i < d; ++i) {
      u[i] = 1.0;
      const Series t = term(u);
      u[i] = 0.0;
      accumulate(r.gradient[i], t.coeff(1));
      if (hessian) {
        certified::Ball two = t.coeff(2);
        arb_mul_2exp_si(two.get(), two.get(), 1);
        accumulate(r.hessian[upper_index(i, i, d)], two);
        c2[i] = t.coeff(2);
      }
    }
    if (hessian)
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = i + 1; j < d; ++j) {
          u[i] = u[j] = 1.0;
          const Series t = term(u);
          u[i] = u[j] = 0.0;
          certified::Ball mixed = t.coeff(2);
          arb_sub(mixed.get(), mixed.get(), c2[i].get(), kPrec);
          arb_sub(mixed.get(), mixed.get(), c2[j].get(), kPrec);
          accumulate(r.hessian[upper_index(i, j, d)], mixed);
        }
  }
  return r;
}

/// p_a, enclosed, at one joint assignment (for the estimators' moments).
inline certified::Ball probability(const Graph& g, std::span<const double> theta, std::span<const double> choice) {
  const std::vector<double> u(theta.size(), 0.0);
  return sexp(evaluate(g, theta, u, choice).log_prob).coeff(0);
}

}  // namespace estcheck::reference
