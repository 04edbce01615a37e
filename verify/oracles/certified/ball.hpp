// verify/oracles/certified/ball.hpp — a value type over Arb's arb_t (ball arithmetic: midpoint ±
// radius, every operation's rounding included in the radius), for the certified oracles (issue 14).
//
// Ball is a small RAII value with the usual operators and the elementary functions the oracles
// need; `prec` is the working precision in bits (kBallPrecision by default, raised where a route
// loses bits to cancellation). to_enclosure() turns a ball into a double midpoint and a double
// radius that is a proven bound: |true - mid| <= rad (the double rounding of the midpoint is
// added, the radius rounded up). Arb's documentation: https://arblib.org (arb.h, arb_hypgeom.h).
#pragma once

#include <arb.h>

#include <string>

namespace estcheck::certified {

inline constexpr slong kBallPrecision = 128;

class Ball {
 public:
  Ball() { arb_init(x_); }
  Ball(double v) { arb_init(x_); arb_set_d(x_, v); }  // NOLINT: implicit from an exact double
  Ball(const Ball& o) { arb_init(x_); arb_set(x_, o.x_); }
  Ball(Ball&& o) noexcept { arb_init(x_); arb_swap(x_, o.x_); }
  Ball& operator=(const Ball& o) { arb_set(x_, o.x_); return *this; }
  Ball& operator=(Ball&& o) noexcept { arb_swap(x_, o.x_); return *this; }
  ~Ball() { arb_clear(x_); }

  arb_ptr get() { return x_; }
  arb_srcptr get() const { return x_; }

  /// The ball as a double enclosure: |true value - mid| <= rad, rad rounded up; rad is +inf when
  /// the ball is not finite.
  struct Enclosure { double mid, rad; };
  Enclosure to_enclosure() const;
  bool finite() const { return arb_is_finite(x_) != 0; }
  /// Whether the ball contains zero / is exactly 0.
  bool contains_zero() const { return arb_contains_zero(x_) != 0; }
  bool is_zero() const { return arb_is_zero(x_) != 0; }
  /// Relative accuracy in bits (arb_rel_accuracy_bits): how many correct leading bits.
  slong accuracy_bits() const { return arb_rel_accuracy_bits(x_); }
  std::string str(slong digits = 20) const;

  Ball& operator+=(const Ball& o) { arb_add(x_, x_, o.x_, kBallPrecision); return *this; }
  Ball& operator-=(const Ball& o) { arb_sub(x_, x_, o.x_, kBallPrecision); return *this; }
  Ball& operator*=(const Ball& o) { arb_mul(x_, x_, o.x_, kBallPrecision); return *this; }
  Ball& operator/=(const Ball& o) { arb_div(x_, x_, o.x_, kBallPrecision); return *this; }

 private:
  arb_t x_;
};

inline Ball operator+(Ball a, const Ball& b) { return a += b; }
inline Ball operator-(Ball a, const Ball& b) { return a -= b; }
inline Ball operator*(Ball a, const Ball& b) { return a *= b; }
inline Ball operator/(Ball a, const Ball& b) { return a /= b; }
Ball operator-(const Ball& a);

Ball exp(const Ball& a);
Ball log(const Ball& a);
Ball sqrt(const Ball& a);
Ball abs(const Ball& a);
Ball sqr(const Ball& a);
/// σ(a) = 1 / (1 + e^{-a}), computed as such (no cancellation for either sign).
Ball sigmoid(const Ball& a);
/// log σ(a) = -log1p(e^{-a}).
Ball log_sigmoid(const Ball& a);
Ball log1p(const Ball& a);
Ball erfc(const Ball& a);
/// The standard normal density φ(a) and the upper tail Q(a) = 1 - Φ(a) = erfc(a/√2)/2.
Ball normal_pdf(const Ball& a);
Ball normal_upper_tail(const Ball& a);
Ball pi();
/// The ball [lo, hi] (lo <= hi, doubles).
Ball interval(double lo, double hi);
/// The union hull of a and b.
Ball hull(const Ball& a, const Ball& b);
/// A proven upper bound on every point of b, rounded up to a double (+inf when b is not finite).
double upper_bound(const Ball& b);
/// A proven upper bound on |x - b| for every point of b, rounded up to a double (+inf when b is
/// not finite): the certified error of a double figure x whose exact value b encloses.
double distance_bound(double x, const Ball& b);

}  // namespace estcheck::certified
