// tests/discrete_reference.hpp — independent high-precision references for the certified oracles on
// finite supports (verify/oracles/certified/discrete.hpp), for test_certified_discrete and
// test_audit_discrete: straightforward summation in Arb at 192 bits, with formulas other than the
// oracle's (p(x) = Π σ(±θ_i) by arb_exp, score x_i - σ(θ_i) by subtraction, softmax without the
// max shift, log by arb_log of the exact mean), and the check that a figure lies within its bound.
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/problems/problem.hpp"

#include <arb.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace estcheck::reference {

constexpr slong kPrec = 192;

/// A minimal RAII arb_t for the references (independent of certified::Ball).
struct R {
  arb_t x;
  R() { arb_init(x); }
  explicit R(double v) { arb_init(x); arb_set_d(x, v); }
  R(const R& o) { arb_init(x); arb_set(x, o.x); }
  R& operator=(const R& o) { arb_set(x, o.x); return *this; }
  ~R() { arb_clear(x); }
};
inline R add(const R& a, const R& b) { R r; arb_add(r.x, a.x, b.x, kPrec); return r; }
inline R sub(const R& a, const R& b) { R r; arb_sub(r.x, a.x, b.x, kPrec); return r; }
inline R mul(const R& a, const R& b) { R r; arb_mul(r.x, a.x, b.x, kPrec); return r; }
inline R div(const R& a, const R& b) { R r; arb_div(r.x, a.x, b.x, kPrec); return r; }
/// σ(t) = e^t / (1 + e^t) (a different form from the oracle's 1/(1 + e^{-t})).
inline R sig(double t) {
  R e;
  arb_set_d(e.x, t);
  arb_exp(e.x, e.x, kPrec);
  return div(e, add(R(1.0), e));
}

/// |figure - reference| as doubles: `lower` <= |figure - true value| <= `upper` (proven; the
/// reference's own radius, ~2^-190 relative, is the difference), `mid` the midpoint estimate. A
/// figure violates its bound only when lower > bound.
struct Gap {
  double lower, upper, mid;
};
inline Gap gap(double figure, const R& ref) {
  R d = sub(R(figure), ref);
  arf_t b;
  arf_init(b);
  arb_get_abs_ubound_arf(b, d.x, 64);
  const double up = arf_get_d(b, ARF_RND_UP);
  arb_get_abs_lbound_arf(b, d.x, 64);
  const double lo = arf_get_d(b, ARF_RND_DOWN);
  arf_clear(b);
  arb_abs(d.x, d.x);
  return {lo, up, arf_get_d(arb_midref(d.x), ARF_RND_NEAR)};
}

struct Figures {
  R objective;
  std::vector<R> gradient;
};

/// Per support point of a Bernoulli or categorical model: p(x) and the score, in Arb.
struct Point {
  std::vector<double> x;
  R p;
  std::vector<R> score;
};

inline std::vector<Point> support(const Model& m) {
  std::vector<Point> out;
  if (const auto* b = std::get_if<BernoulliLogits>(&m.dist)) {
    const std::size_t n = b->size();
    for (std::uint64_t k = 0; k < (std::uint64_t{1} << n); ++k) {
      Point pt;
      pt.p = R(1.0);
      for (std::size_t i = 0; i < n; ++i) {
        const bool bit = ((k >> i) & 1u) != 0;
        pt.x.push_back(bit ? 1.0 : 0.0);
        pt.p = mul(pt.p, sig(bit ? b->logits[i] : -b->logits[i]));
        pt.score.push_back(sub(R(bit ? 1.0 : 0.0), sig(b->logits[i])));
      }
      out.push_back(pt);
    }
  } else {
    const auto& c = std::get<CategoricalLogits>(m.dist);
    const std::size_t K = c.size();
    std::vector<R> e(K);
    R z(0.0);
    for (std::size_t k = 0; k < K; ++k) {
      arb_set_d(e[k].x, c.logits[k]);
      arb_exp(e[k].x, e[k].x, kPrec);
      z = add(z, e[k]);
    }
    for (std::size_t k = 0; k < K; ++k) {
      Point pt;
      pt.x.assign(K, 0.0);
      pt.x[k] = 1.0;
      pt.p = div(e[k], z);
      for (std::size_t j = 0; j < K; ++j) pt.score.push_back(sub(R(j == k ? 1.0 : 0.0), div(e[j], z)));
      out.push_back(pt);
    }
  }
  return out;
}

/// L and ∇L by summing p f score over the support.
inline Figures enumeration(const Model& m) {
  const std::vector<Point> pts = support(m);
  Figures r;
  r.objective = R(0.0);
  r.gradient.assign(m.theta_dim(), R(0.0));
  for (const Point& pt : pts) {
    const R pf = mul(pt.p, R(m.f(pt.x)));
    r.objective = add(r.objective, pf);
    for (std::size_t i = 0; i < r.gradient.size(); ++i) r.gradient[i] = add(r.gradient[i], mul(pf, pt.score[i]));
  }
  return r;
}

/// L_K = Σ_tuples w log((1/K) Σ f) and its gradient Σ w log(.) Σ_k score(x_k).
inline Figures multisample(const Model& m, int k) {
  const std::vector<Point> pts = support(m);
  const std::uint64_t points = pts.size();
  std::uint64_t tuples = 1;
  for (int q = 0; q < k; ++q) tuples *= points;
  Figures r;
  r.objective = R(0.0);
  r.gradient.assign(m.theta_dim(), R(0.0));
  for (std::uint64_t t = 0; t < tuples; ++t) {
    R w(1.0), sum_f(0.0);
    std::vector<R> s(m.theta_dim(), R(0.0));
    for (std::uint64_t code = t, q = 0; q < static_cast<std::uint64_t>(k); ++q, code /= points) {
      const Point& pt = pts[code % points];
      w = mul(w, pt.p);
      sum_f = add(sum_f, R(m.f(pt.x)));
      for (std::size_t i = 0; i < s.size(); ++i) s[i] = add(s[i], pt.score[i]);
    }
    R l = div(sum_f, R(static_cast<double>(k)));
    arb_log(l.x, l.x, kPrec);
    const R wl = mul(w, l);
    r.objective = add(r.objective, wl);
    for (std::size_t i = 0; i < s.size(); ++i) r.gradient[i] = add(r.gradient[i], mul(wl, s[i]));
  }
  return r;
}

/// E ĝ and Var ĝ over every tuple of draws, ĝ the estimator's own doubles.
struct Moments {
  std::vector<R> mean, variance;
};
inline Moments tuple_moments(const Estimator& est, const Model& m) {
  const std::vector<Point> pts = support(m);
  const std::uint64_t points = pts.size();
  const int k = est.draws();
  const std::size_t n = m.sample_dim(), dim = m.theta_dim();
  std::uint64_t tuples = 1;
  for (int q = 0; q < k; ++q) tuples *= points;
  std::vector<double> xs(static_cast<std::size_t>(k) * n), scratch(est.scratch_size(m)), g(dim);
  std::vector<R> s1(dim, R(0.0)), s2(dim, R(0.0));
  for (std::uint64_t t = 0; t < tuples; ++t) {
    R w(1.0);
    for (std::uint64_t code = t, q = 0; q < static_cast<std::uint64_t>(k); ++q, code /= points) {
      const Point& pt = pts[code % points];
      w = mul(w, pt.p);
      for (std::size_t j = 0; j < n; ++j) xs[q * n + j] = pt.x[j];
    }
    est.value_at(m, xs, scratch, g);
    for (std::size_t i = 0; i < dim; ++i) {
      const R wg = mul(w, R(g[i]));
      s1[i] = add(s1[i], wg);
      s2[i] = add(s2[i], mul(wg, R(g[i])));
    }
  }
  Moments r;
  for (std::size_t i = 0; i < dim; ++i) {
    r.mean.push_back(s1[i]);
    r.variance.push_back(sub(s2[i], mul(s1[i], s1[i])));
  }
  return r;
}

}  // namespace estcheck::reference
