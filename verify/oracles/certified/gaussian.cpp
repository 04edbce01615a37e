// verify/oracles/certified/gaussian.cpp — see gaussian.hpp.
#include "verify/oracles/certified/gaussian.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/noise.hpp"

#include "verify/oracles/certified/ball.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace estcheck::certified {
namespace {

using Poly = std::vector<Ball>;  ///< coefficients in ε, lowest degree first

Poly mul(const Poly& a, const Poly& b) {
  Poly r(a.size() + b.size() - 1, Ball(0.0));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j) r[i + j] += a[i] * b[j];
  return r;
}

/// E ε^k for ε ~ N(0, 1): 0 for odd k, (k - 1)!! for even k (exact integers).
Ball gauss_moment(int k) {
  if (k % 2 != 0) return Ball(0.0);
  double m = 1.0;
  for (int j = k - 1; j > 1; j -= 2) m *= j;  // exact: k <= 12 here, 11!! = 10395
  return Ball(m);
}

/// E[p(ε) ε^k] over the whole line.
Ball expect(const Poly& p, int k = 0) {
  Ball s(0.0);
  for (std::size_t j = 0; j < p.size(); ++j) s += p[j] * gauss_moment(static_cast<int>(j) + k);
  return s;
}

/// The upper incomplete moments M_0..M_kmax of N(0, 1) at a: M_k = ∫_a^∞ ε^k φ(ε) dε, by
/// M_0 = Q(a), M_1 = φ(a), M_k = a^{k-1} φ(a) + (k - 1) M_{k-2}.
std::vector<Ball> upper_moments(const Ball& a, int kmax) {
  const Ball phi = normal_pdf(a);
  std::vector<Ball> m;
  m.push_back(normal_upper_tail(a));
  m.push_back(phi);
  Ball apow(1.0);  // a^{k-1}
  for (int k = 2; k <= kmax; ++k) {
    apow *= a;
    m.push_back(apow * phi + Ball(static_cast<double>(k - 1)) * m[static_cast<std::size_t>(k - 2)]);
  }
  return m;
}

/// One coordinate's u(ε): f or ∂f/∂x at x = μ + σε, in one of the shapes of gaussian.hpp.
struct Shape {
  enum class Kind { polynomial, exponential, step, zero };
  Kind kind = Kind::zero;
  Poly poly;              ///< polynomial: u = Σ poly_j ε^j
  Ball log_scale, slope;  ///< exponential: u = exp(log_scale + slope ε)
  std::vector<Ball> tail; ///< step: u = 1[ε > a]; the upper incomplete moments M_k(a)
};

constexpr int kMaxMoment = 12;  // degree of u² h² ≤ 4 + 4 (quadratic, score) plus headroom

/// E[u^p ε^k], p ∈ {0, 1, 2}.
Ball moment(const Shape& u, int p, int k) {
  if (p == 0) return gauss_moment(k);
  switch (u.kind) {
    case Shape::Kind::polynomial: {
      Poly q = u.poly;
      for (int j = 1; j < p; ++j) q = mul(q, u.poly);
      return expect(q, k);
    }
    case Shape::Kind::exponential: {
      // E[e^{tε} ε^k] = e^{t²/2} E[(ε + t)^k] = e^{t²/2} Σ_i C(k, i) t^{k-i} E ε^i.
      const Ball t = Ball(static_cast<double>(p)) * u.slope;
      Ball s(0.0), binom(1.0);
      for (int i = k; i >= 0; --i) {  // i from k down: C(k, i) t^{k-i}
        Ball tp(1.0);
        for (int j = 0; j < k - i; ++j) tp *= t;
        s += binom * tp * gauss_moment(i);
        binom = binom * Ball(static_cast<double>(i)) / Ball(static_cast<double>(k - i + 1));
      }
      return exp(Ball(static_cast<double>(p)) * u.log_scale + sqr(t) / Ball(2.0)) * s;
    }
    case Shape::Kind::step: return u.tail.at(static_cast<std::size_t>(k));
    case Shape::Kind::zero: return Ball(0.0);
  }
  return Ball(0.0);
}

/// E[(u - b) h] for the polynomial h.
Ball expect_centred(const Shape& u, const Ball& b, const Poly& h) {
  Ball s(0.0);
  for (std::size_t l = 0; l < h.size(); ++l) {
    const int k = static_cast<int>(l);
    s += h[l] * (moment(u, 1, k) - b * gauss_moment(k));
  }
  return s;
}

/// E[(u - b)² h²].
Ball expect_centred_square(const Shape& u, const Ball& b, const Poly& h) {
  const Poly h2 = mul(h, h);
  Ball s(0.0);
  for (std::size_t l = 0; l < h2.size(); ++l) {
    const int k = static_cast<int>(l);
    s += h2[l] * (moment(u, 2, k) - Ball(2.0) * b * moment(u, 1, k) + sqr(b) * gauss_moment(k));
  }
  return s;
}

struct Coordinate {
  Ball mu, sigma;
};

Coordinate coordinate(const Model& m, std::size_t i) {
  const auto& d = std::get<DiagGaussian>(m.dist);
  return {Ball(d.mu[i]), exp(Ball(d.log_sigma[i]))};
}

/// f's coordinate (derivative = false) or ∂f/∂x (true) as a Shape of ε.
Shape shape(const SymbolicF& sym, const Coordinate& c, bool derivative) {
  Shape u;
  switch (sym.kind) {
    case SymbolicF::Kind::gaussian_quadratic: {
      const Ball alpha = c.mu - Ball(sym.parameter);  // x - c = α + σε
      u.kind = Shape::Kind::polynomial;
      if (derivative) u.poly = {Ball(2.0) * alpha, Ball(2.0) * c.sigma};
      else u.poly = {sqr(alpha), Ball(2.0) * alpha * c.sigma, sqr(c.sigma)};
      break;
    }
    case SymbolicF::Kind::gaussian_exp:  // (e^x)' = e^x
      u.kind = Shape::Kind::exponential;
      u.log_scale = c.mu;
      u.slope = c.sigma;
      break;
    case SymbolicF::Kind::gaussian_step:  // 1[x > 0] = 1[ε > -μ/σ]; ∇x f = 0 (the problem's gradient)
      if (derivative) break;
      u.kind = Shape::Kind::step;
      u.tail = upper_moments(-c.mu / c.sigma, kMaxMoment);
      break;
    default: break;
  }
  return u;
}

/// The textbook closed forms of one coordinate: (L_i, ∂L/∂μ_i, ∂L/∂log σ_i).
std::array<Ball, 3> textbook(const SymbolicF& sym, const Coordinate& c) {
  const Ball s2 = sqr(c.sigma);
  switch (sym.kind) {
    case SymbolicF::Kind::gaussian_quadratic: {
      const Ball alpha = c.mu - Ball(sym.parameter);
      return {sqr(alpha) + s2, Ball(2.0) * alpha, Ball(2.0) * s2};
    }
    case SymbolicF::Kind::gaussian_exp: {
      const Ball e = exp(c.mu + s2 / Ball(2.0));
      return {e, e, s2 * e};
    }
    default: {  // step: Φ(z) = Q(-z), φ(z)/σ, -φ(z) z
      const Ball z = c.mu / c.sigma, phi = normal_pdf(z);
      return {normal_upper_tail(-z), phi / c.sigma, -(phi * z)};
    }
  }
}

bool enclose(const Ball& b, double& value, double& error) {
  const Ball::Enclosure e = b.to_enclosure();
  value = e.mid;
  error = e.rad;
  return std::isfinite(e.mid) && std::isfinite(e.rad);
}

std::string overflow_note(const std::string& what) {
  return what + " is beyond double range (Arb's ball is finite but no double encloses it)";
}

}  // namespace

bool gaussian_symbolic(const Model& m) {
  if (m.problem->family() != Family::gaussian) return false;
  const std::optional<SymbolicF> sym = m.problem->symbolic();
  return sym && (sym->kind == SymbolicF::Kind::gaussian_quadratic || sym->kind == SymbolicF::Kind::gaussian_exp ||
                 sym->kind == SymbolicF::Kind::gaussian_step);
}

std::optional<ExactGradient> gaussian_gradient(const Model& m, ExactMethod method) {
  if (!gaussian_symbolic(m)) return std::nullopt;
  const SymbolicF sym = *m.problem->symbolic();
  const std::size_t n = m.sample_dim();
  Ball objective(0.0);
  std::vector<Ball> grad(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const Coordinate c = coordinate(m, i);
    if (method == ExactMethod::quadrature) {
      // L_i = E u, ∂L/∂μ_i = E[u ε]/σ, ∂L/∂log σ_i = E[u (ε² - 1)].
      const Shape u = shape(sym, c, false);
      objective += moment(u, 1, 0);
      grad[i] = moment(u, 1, 1) / c.sigma;
      grad[n + i] = moment(u, 1, 2) - moment(u, 1, 0);
    } else {
      const auto t = textbook(sym, c);
      objective += t[0];
      grad[i] = t[1];
      grad[n + i] = t[2];
    }
  }
  ExactGradient r;
  r.method = method == ExactMethod::quadrature ? ExactMethod::quadrature : ExactMethod::closed_form;
  r.certificate = proven(method == ExactMethod::quadrature
                             ? "Gaussian integrals of the symbolic f in closed form (incomplete moments, "
                               "lognormal and polynomial moments), Arb ball arithmetic at 128 bits"
                             : "closed form of the symbolic f in Arb ball arithmetic at 128 bits");
  if (!enclose(objective, r.objective, r.objective_error)) {
    // The objective alone past double range (μ = 1e200 in the quadratic): the gradient the verdicts
    // use may still be representable, so the objective is reported as ±inf (its sign proven) with
    // an infinite bound, and `exact` refuses it as non-finite.
    if (!objective.finite()) return unknown_gradient(2 * n, r.method, overflow_note("the objective"));
    r.objective = objective.contains_zero() ? std::numeric_limits<double>::quiet_NaN()
                  : arb_is_positive(objective.get()) ? std::numeric_limits<double>::infinity()
                                                     : -std::numeric_limits<double>::infinity();
    r.objective_error = std::numeric_limits<double>::infinity();
    r.certificate.note += "; " + overflow_note("the objective") + ", reported as " + format_double(r.objective);
  }
  r.gradient.resize(2 * n);
  r.error.resize(2 * n);
  for (std::size_t i = 0; i < 2 * n; ++i)
    if (!enclose(grad[i], r.gradient[i], r.error[i]))
      return unknown_gradient(2 * n, r.method, overflow_note("gradient coordinate " + std::to_string(i)));
  return r;
}

namespace {

/// E[u^a h^b] for a polynomial h.
Ball joint_moment(const Shape& u, int a, const Poly& h, int b) {
  Poly hb{Ball(1.0)};
  for (int j = 0; j < b; ++j) hb = mul(hb, h);
  Ball s(0.0);
  for (std::size_t j = 0; j < hb.size(); ++j) s += hb[j] * moment(u, a, static_cast<int>(j));
  return s;
}

/// E ĝ and E ĝ² of the leave-one-out form ĝ = 1/(K-1) Σ_k Σ_m c_km F_m h_k, c_km = δ_km - 1/K, over
/// K independent draws: a sum over the equality patterns of the draw indices (gaussian.hpp). F_m =
/// u_m + v_m, with v the other coordinates' part of a separable f (independent of u and h, mean
/// ev, second moment ev2; both 0 at d = 1): E[F_m F_n h_k h_l] = E[u_m u_n h_k h_l]
/// + ev (E[u_m h_k h_l] + E[u_n h_k h_l]) + E[v_m v_n] E[h_k h_l], E[v_m v_n] = ev2 when m and n
/// are the same draw, else ev².
std::pair<Ball, Ball> leave_one_out(const Shape& u, const Poly& h, double K, const Ball& ev, const Ball& ev2) {
  const Ball k(K), one(1.0), inv_k = Ball(1.0) / Ball(K), km1 = Ball(K - 1.0);
  auto c = [&](bool same) { return same ? one - inv_k : Ball(0.0) - inv_k; };
  // Mean: positions (k: h, m: u); two patterns.
  const Ball eh = joint_moment(u, 0, h, 1);
  const Ball mean = (k * c(true) * (joint_moment(u, 1, h, 1) + ev * eh) +
                     k * km1 * c(false) * (joint_moment(u, 1, h, 0) + ev) * eh) / km1;
  // Second moment: positions 0 = k (h), 1 = m (u), 2 = l (h), 3 = n (u); every restricted growth
  // string of length 4 is one set partition (15 of them).
  Ball second(0.0);
  int label[4] = {0, 0, 0, 0};
  for (label[1] = 0; label[1] <= 1; ++label[1])
    for (label[2] = 0; label[2] <= std::max(label[0], label[1]) + 1; ++label[2])
      for (label[3] = 0; label[3] <= std::max({label[0], label[1], label[2]}) + 1; ++label[3]) {
        const int blocks = std::max({label[0], label[1], label[2], label[3]}) + 1;
        Ball count(1.0);
        for (int b = 0; b < blocks; ++b) count *= Ball(K - b);
        // The product over blocks of E[u^a h^b], with u kept at m, n, both or neither.
        auto product = [&](bool at_m, bool at_n) {
          Ball p(1.0);
          for (int b = 0; b < blocks; ++b) {
            const int us = (at_m && label[1] == b) + (at_n && label[3] == b);
            const int hs = (label[0] == b) + (label[2] == b);
            p *= joint_moment(u, us, h, hs);
          }
          return p;
        };
        Ball moments = product(true, true);
        if (!ev.is_zero() || !ev2.is_zero())
          moments += ev * (product(true, false) + product(false, true)) +
                     (label[1] == label[3] ? ev2 : sqr(ev)) * product(false, false);
        second += count * c(label[0] == label[1]) * c(label[2] == label[3]) * moments;
      }
  return {mean, second / sqr(km1)};
}


/// Appends one coordinate's enclosed mean and variance to `r`; false when either is not finite
/// (the Gaussian integrals overflowed double range).
bool push_moments(EstimatorMoments& r, const Ball& mean, const Ball& var) {
  double mv = 0, me = 0, vv = 0, ve = 0;
  if (!enclose(mean, mv, me) || !enclose(var, vv, ve)) return false;
  r.mean.push_back(mv);
  r.mean_error.push_back(me);
  r.variance.push_back(vv);
  r.variance_error.push_back(ve);
  return true;
}

/// The moments of a form whose coordinate j overflowed: no figure (unknown), NaN values.
EstimatorMoments overflowed_moments(const std::string& method, int j, std::size_t dim = 2) {
  const std::vector<double> nan(dim, std::numeric_limits<double>::quiet_NaN());
  return EstimatorMoments{nan, nan, nan, nan, method,
                          unknown_figure(overflow_note("a moment of coordinate " + std::to_string(j)))};
}

}  // namespace

std::optional<EstimatorMoments> gaussian_form_moments(const SampleForm& form, const Model& m, int draws) {
  if (!gaussian_symbolic(m)) return std::nullopt;
  const bool loo = form.kind == SampleForm::Kind::leave_one_out;
  if (loo && draws < 2) return std::nullopt;
  const std::size_t d = m.sample_dim();
  const SymbolicF sym = *m.problem->symbolic();
  const bool score = form.kind != SampleForm::Kind::pathwise;
  std::vector<Coordinate> cs;
  std::vector<Shape> us;
  for (std::size_t i = 0; i < d; ++i) {
    cs.push_back(coordinate(m, i));
    us.push_back(shape(sym, cs.back(), !score));
  }
  const Ball b = score && !loo ? Ball(form.baseline) : Ball(0.0);
  const Ball scale = score && !loo ? Ball(form.scale) : Ball(1.0);
  // The score forms on d >= 2 coordinates: f = u_i + v with v = Σ_{l≠i} u_l independent of ε_i, so
  // ĝ_j = (u_i - b + v) h_j(ε_i) / s and
  //   E ĝ_j = (E[(u_i - b) h] + E v E h) / s,
  //   E ĝ_j² = (E[(u_i - b)² h²] + 2 E v E[(u_i - b) h²] + E v² E h²) / s²,
  // with E v = Σ_{l≠i} E u_l and E v² = Σ_{l≠i} Var u_l + (E v)² (the u_l independent); the
  // leave-one-out form likewise over its draws (leave_one_out above). At d = 1, v = 0. The pathwise
  // form ∂f/∂x_i h_j(ε_i) involves coordinate i alone (f separable).
  std::vector<Ball> eu(d, Ball(0.0)), vu(d, Ball(0.0));
  if (score && d > 1)
    for (std::size_t l = 0; l < d; ++l) {
      eu[l] = moment(us[l], 1, 0);
      vu[l] = moment(us[l], 2, 0) - sqr(eu[l]);
    }
  EstimatorMoments r;
  const std::string over = d > 1 && score ? " over the separable f's coordinates" : "";
  if (loo) {
    r.method = "leave-one-out form 1/(K-1) Σ_k (f(x_k) - f̄) ∇θ log p(x_k), K = " + std::to_string(draws) +
               ": Gaussian integrals over the draws' equality patterns in closed form" + over + ", Arb ball arithmetic";
    r.certificate = proven("moments of the declared leave-one-out form in Arb ball arithmetic at 128 bits "
                           "(incomplete, lognormal and polynomial Gaussian moments)");
  } else {
    r.method = std::string(score ? "score-function form (f(x) - b) ∇θ log p / s" : "pathwise form ∇x f ∂x/∂θ") +
               ": Gaussian integrals in closed form" + over + ", Arb ball arithmetic";
    r.certificate = proven("moments of the declared sample form in Arb ball arithmetic at 128 bits "
                           "(incomplete, lognormal and polynomial Gaussian moments)");
  }
  std::vector<Ball> means(2 * d), variances(2 * d);
  for (std::size_t i = 0; i < d; ++i) {
    Ball ev(0.0), vv(0.0);
    for (std::size_t l = 0; l < d; ++l)
      if (l != i && score) {
        ev += eu[l];
        vv += vu[l];
      }
    const Ball ev2 = vv + sqr(ev);
    // ĝ_j = (u - b) h_j / s: score h = (ε/σ, ε² - 1); pathwise h = (1, σε).
    const Poly h[2] = {score ? Poly{Ball(0.0), Ball(1.0) / cs[i].sigma} : Poly{Ball(1.0)},
                       score ? Poly{Ball(-1.0), Ball(0.0), Ball(1.0)} : Poly{Ball(0.0), cs[i].sigma}};
    for (int j = 0; j < 2; ++j) {
      Ball mean, second;
      if (loo) {
        std::tie(mean, second) = leave_one_out(us[i], h[j], static_cast<double>(draws), ev, ev2);
      } else {
        const Poly h2 = mul(h[j], h[j]);
        mean = expect_centred(us[i], b, h[j]);
        second = expect_centred_square(us[i], b, h[j]);
        if (score && d > 1) {
          mean += ev * expect(h[j]);
          second += Ball(2.0) * ev * expect_centred(us[i], b, h2) + ev2 * expect(h2);
        }
        mean = mean / scale;
        second = second / sqr(scale);
      }
      means[j * d + i] = mean;
      variances[j * d + i] = second - sqr(mean);
    }
  }
  for (std::size_t j = 0; j < 2 * d; ++j)
    if (!push_moments(r, means[j], variances[j])) return overflowed_moments(r.method, static_cast<int>(j), 2 * d);
  return r;
}

std::optional<std::string> form_disagreement(const Estimator& est, const SampleForm& form, const Model& m, int draws) {
  const auto& d = std::get<DiagGaussian>(m.dist);
  const SymbolicF sym = *m.problem->symbolic();
  const std::size_t n = m.sample_dim();
  const bool loo = form.kind == SampleForm::Kind::leave_one_out;
  const std::size_t K = loo ? static_cast<std::size_t>(draws) : 1;
  const double c = sym.parameter;
  double a = 1.0;
  for (std::size_t i = 0; i < n; ++i)
    a = std::max(a, 1.0 + (std::abs(d.mu[i]) + std::abs(c)) / d.sigma[i] + std::abs(d.mu[i]) + 8.0 * d.sigma[i]);
  const double rel = 64.0 * std::numeric_limits<double>::epsilon() * a * a;
  const bool score = form.kind != SampleForm::Kind::pathwise;
  const double b = score && !loo ? form.baseline : 0.0, s = score && !loo ? form.scale : 1.0;
  auto u = [&](double x, bool derivative) {
    switch (sym.kind) {
      case SymbolicF::Kind::gaussian_quadratic: return derivative ? 2.0 * (x - c) : (x - c) * (x - c);
      case SymbolicF::Kind::gaussian_exp: return std::exp(x);
      default: return derivative ? 0.0 : (x > 0.0 ? 1.0 : 0.0);
    }
  };
  std::vector<double> eps(K * n), xs(K * n), f(K), f_abs(K), g(m.theta_dim()), scratch(est.scratch_size(m));
  Noise noise(0x6a09e667f3bcc908ULL, 0, 0, Purpose::test);
  for (int p = 0; p < 64; ++p) {
    bool finite = true;
    double mean_f = 0.0, max_abs = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      f[k] = f_abs[k] = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        eps[k * n + i] = noise.normal();
        xs[k * n + i] = d.mu[i] + d.sigma[i] * eps[k * n + i];
        f[k] += u(xs[k * n + i], false);
        f_abs[k] += std::abs(u(xs[k * n + i], false));
      }
      finite = finite && std::isfinite(f_abs[k]);
      mean_f += f[k] / static_cast<double>(K);
      max_abs = std::max(max_abs, f_abs[k]);
    }
    if (!finite) continue;  // e^x past double range at this point: nothing to compare
    est.value_at(m, xs, scratch, g);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < 2; ++j) {
        double want = 0.0, mag = 0.0;
        for (std::size_t k = 0; k < K; ++k) {
          const double e = eps[k * n + i];
          const double h = score ? (j == 0 ? e / d.sigma[i] : e * e - 1.0) : (j == 0 ? 1.0 : d.sigma[i] * e);
          if (loo) {
            want += (f[k] - mean_f) * h / static_cast<double>(K - 1);
            mag += 2.0 * max_abs * (std::abs(h) + 1.0) * static_cast<double>(K) / static_cast<double>(K - 1);
          } else if (score) {
            want = (f[k] - b) * h / s;
            mag = (f_abs[k] + std::abs(b)) * (std::abs(h) + 1.0) / std::abs(s);
          } else {
            want = u(xs[k * n + i], true) * h;
            mag = std::abs(u(xs[k * n + i], true)) * (std::abs(h) + 1.0);
          }
        }
        const double got = g[j * n + i];
        if (!(std::abs(got - want) <= rel * mag))
          return "at test point " + std::to_string(p) + ", coordinate " + std::to_string(j * n + i) +
                 ", the code gives " + format_double(got) + ", the form " + format_double(want);
      }
  }
  return std::nullopt;
}

}  // namespace estcheck::certified
