// verify/oracles/certified/ball.cpp — see ball.hpp.
#include "verify/oracles/certified/ball.hpp"

#include <arb_hypgeom.h>
#include <flint/flint.h>

#include <cmath>
#include <limits>

namespace estcheck::certified {

namespace {
constexpr slong P = kBallPrecision;
template <class F>
Ball apply(const Ball& a, F f) {
  Ball r;
  f(r.get(), a.get());
  return r;
}
}  // namespace

Ball::Enclosure Ball::to_enclosure() const {
  if (!arb_is_finite(x_)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
  // mid: the midpoint rounded to nearest; rad: Arb's radius rounded up, plus |mid - true mid|.
  const double mid = arf_get_d(arb_midref(x_), ARF_RND_NEAR);
  return {mid, distance_bound(mid, *this)};  // +inf when mid overflowed
}

std::string Ball::str(slong digits) const {
  char* s = arb_get_str(x_, digits, 0);
  std::string out(s);
  flint_free(s);
  return out;
}

Ball operator-(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_neg(r, x); }); }
Ball exp(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_exp(r, x, P); }); }
Ball log(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_log(r, x, P); }); }
Ball sqrt(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_sqrt(r, x, P); }); }
Ball abs(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_abs(r, x); }); }
Ball sqr(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_sqr(r, x, P); }); }
Ball log1p(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_log1p(r, x, P); }); }
Ball erfc(const Ball& a) { return apply(a, [](arb_ptr r, arb_srcptr x) { arb_hypgeom_erfc(r, x, P); }); }

Ball sigmoid(const Ball& a) {
  Ball e = exp(-a);
  Ball one(1.0);
  return one / (one + e);
}

Ball log_sigmoid(const Ball& a) { return -log1p(exp(-a)); }

Ball pi() {
  Ball r;
  arb_const_pi(r.get(), P);
  return r;
}

Ball normal_pdf(const Ball& a) { return exp(-sqr(a) / Ball(2.0)) / sqrt(Ball(2.0) * pi()); }
Ball normal_upper_tail(const Ball& a) { return erfc(a / sqrt(Ball(2.0))) / Ball(2.0); }

Ball interval(double lo, double hi) {
  Ball a(lo), b(hi);
  return hull(a, b);
}

namespace {
/// A double at or above the bound `get` writes: get(bound) fills an arf_t, rounded up to a double.
template <class Get>
double rounded_up(Get get) {
  arf_t bound;
  arf_init(bound);
  get(bound);
  const double r = arf_get_d(bound, ARF_RND_UP);
  arf_clear(bound);
  return r;
}
}  // namespace

double upper_bound(const Ball& b) {
  if (!b.finite()) return std::numeric_limits<double>::infinity();
  return rounded_up([&](arf_t ub) { arb_get_ubound_arf(ub, b.get(), 64); });
}

double distance_bound(double x, const Ball& b) {
  if (!b.finite() || !std::isfinite(x)) return std::numeric_limits<double>::infinity();
  Ball diff(x);
  arb_sub(diff.get(), diff.get(), b.get(), 2 * P);  // exact enough: the |.| bound covers the rest
  return rounded_up([&](arf_t bound) { arb_get_abs_ubound_arf(bound, diff.get(), 53); });
}

Ball hull(const Ball& a, const Ball& b) {
  Ball r;
  arb_union(r.get(), a.get(), b.get(), P);
  return r;
}

}  // namespace estcheck::certified
