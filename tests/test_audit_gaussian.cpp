// tests/test_audit_gaussian.cpp — precision audit of the diagonal-Gaussian oracle routes (issue 14,
// item 4): RapidCheck draws cases across the whole parameter range and compares every figure with
// an independent reference.
//
// Cases: gaussian-quadratic (c in [-10, 10]), gaussian-exp, gaussian-step; d = 1 or 2; per
// coordinate log σ in [-9, 7] and μ/σ = ±10^[-3, 4] (or 0). Estimators on d = 1: reinforce with a
// baseline b in [-5, 5] (or 0), reparam, NVIL (frozen c and s after a few training steps).
// Reference: direct integration over ε of the integrand written out here — g(μ + σε) w(ε) φ(ε)
// for the gradient (w = 1, ε/σ, ε² - 1) and ĝ(ε)^q φ(ε) for the estimator moments — with Arb's
// validated integrator acb_calc_integrate at 192 bits, on the window centre ± 60 (centre qσ for
// e^x, else 0; the integrand outside is below e^{-1700} of its scale), split at the step's
// breakpoint. It shares no code with the routes (no incomplete moments, no closed forms).
// Checks:
// - certified figures (closed form and quadrature routes on the symbolic f; estimator moments
//   certified by their declared sample form): the figure's enclosure overlaps the reference ball,
//   always (a failure here is a wrong proven bound);
// - estimated double routes, audited and reported, not asserted (their bounds are not claimed to
//   be proven): the problem's double closed form with its stated bound, Gauss–Kronrod on a
//   separable g without symbolic form, Gauss–Kronrod moments of the estimator's code;
// - an unknown figure is only allowed where some exact value is beyond double range.
// Case count: ESTCHECK_AUDIT_CASES (default 12, a few seconds: about 0.4 s of CPU per case). The summary line per route gives
// cases, certified share, worst |error| / bound and the count of bound violations.
#include "estimators/core/error.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/certified/ball.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <acb.h>
#include <acb_calc.h>
#include <arb.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using certified::Ball;
constexpr slong kRefPrec = 192;

// ---------------------------------------------------------------------------------------------
// The reference integrand.

enum class Kind { quadratic, exponential, step };

struct Integrand {
  Kind kind;
  double c = 0.0;        ///< quadratic's c
  double mu = 0.0, log_sigma = 0.0;
  // What is integrated: gradient weight (mode 0: w = 1, 1: ε, 2: ε² - 1, times g), or an
  // estimator sample's power (mode 3: score (g - b) h_j / s, 4: pathwise g' h_j).
  int mode = 0, coordinate = 0, power = 1;
  double baseline = 0.0, scale = 1.0;
  int step_value = 0;  ///< the step's constant value on the piece being integrated
};

/// out = integrand(z) (entire in z on each piece).
int integrand(acb_ptr out, const acb_t z, void* param, slong order, slong prec) {
  if (order > 1) flint_abort();  // never asked: the integrands are entire
  const Integrand& p = *static_cast<const Integrand*>(param);
  acb_t x, g, t, h, sigma, k;
  acb_init(x); acb_init(g); acb_init(t); acb_init(h); acb_init(sigma); acb_init(k);
  acb_set_d(sigma, p.log_sigma);
  acb_exp(sigma, sigma, prec);
  acb_set_d(k, p.mu);
  acb_mul(x, sigma, z, prec);
  acb_add(x, x, k, prec);  // x = μ + σz
  const bool derivative = p.mode == 4;
  switch (p.kind) {
    case Kind::quadratic:  // (x - c)², derivative 2(x - c)
      acb_set_d(k, p.c);
      acb_sub(g, x, k, prec);
      if (derivative) acb_mul_2exp_si(g, g, 1);
      else acb_sqr(g, g, prec);
      break;
    case Kind::exponential: acb_exp(g, x, prec); break;
    case Kind::step: acb_set_si(g, derivative ? 0 : p.step_value); break;
  }
  if (p.mode <= 2) {  // g w, w = 1, z, z² - 1
    if (p.mode == 0) acb_one(h);
    else if (p.mode == 1) acb_set(h, z);
    else { acb_sqr(h, z, prec); acb_sub_ui(h, h, 1, prec); }
    acb_mul(t, g, h, prec);
  } else if (p.mode == 3) {  // ((g - b) h / s)^q, h = z/σ or z² - 1
    if (p.coordinate == 0) acb_div(h, z, sigma, prec);
    else { acb_sqr(h, z, prec); acb_sub_ui(h, h, 1, prec); }
    acb_set_d(k, p.baseline);
    acb_sub(t, g, k, prec);
    acb_mul(t, t, h, prec);
    acb_set_d(k, p.scale);
    acb_div(t, t, k, prec);
    if (p.power == 2) acb_sqr(t, t, prec);
  } else {  // (g' h)^q, h = 1 or σz
    if (p.coordinate == 0) acb_one(h);
    else acb_mul(h, sigma, z, prec);
    acb_mul(t, g, h, prec);
    if (p.power == 2) acb_sqr(t, t, prec);
  }
  // times φ(z) = e^{-z²/2} / √(2π)
  acb_sqr(h, z, prec);
  acb_mul_2exp_si(h, h, -1);
  acb_neg(h, h);
  acb_exp(h, h, prec);
  acb_mul(t, t, h, prec);
  acb_zero(k);
  arb_const_pi(acb_realref(k), prec);
  acb_mul_2exp_si(k, k, 1);
  acb_sqrt(k, k, prec);
  acb_div(out, t, k, prec);
  acb_clear(x); acb_clear(g); acb_clear(t); acb_clear(h); acb_clear(sigma); acb_clear(k);
  return 0;
}

/// ∫ integrand dε over the window, split at the step's breakpoint; an Arb ball.
Ball reference_integral(Integrand p) {
  const double sigma = std::exp(p.log_sigma);
  double centre = 0.0;
  if (p.kind == Kind::exponential) centre = p.power * sigma;  // e^{qσz} φ(z) peaks at z = qσ
  const double lo = centre - 60.0, hi = centre + 60.0;
  std::vector<std::pair<double, double>> pieces;
  std::vector<int> values;
  if (p.kind == Kind::step) {
    const double a = -p.mu / sigma;  // where the piece splits; the ends used are exact balls (below)
    if (a <= lo) { pieces.push_back({lo, hi}); values.push_back(1); }
    else if (a >= hi) { pieces.push_back({lo, hi}); values.push_back(0); }
    else { pieces.push_back({lo, a}); values.push_back(0); pieces.push_back({a, hi}); values.push_back(1); }
  } else {
    pieces.push_back({lo, hi});
    values.push_back(0);
  }
  Ball total(0.0);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  opt->depth_limit = 4000;
  opt->eval_limit = 2000000;
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -1070);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    p.step_value = values[k];
    acb_t a, b, r;
    acb_init(a); acb_init(b); acb_init(r);
    if (p.kind == Kind::step && pieces.size() == 2) {
      // The breakpoint exactly: -μ/σ as a ball (the integrand's jump is there).
      arb_t mu, s;
      arb_init(mu); arb_init(s);
      arb_set_d(mu, p.mu);
      arb_set_d(s, p.log_sigma);
      arb_exp(s, s, kRefPrec);
      arb_div(mu, mu, s, kRefPrec);
      arb_neg(mu, mu);
      if (k == 0) { acb_set_d(a, pieces[k].first); acb_set_arb(b, mu); }
      else { acb_set_arb(a, mu); acb_set_d(b, pieces[k].second); }
      arb_clear(mu); arb_clear(s);
    } else {
      acb_set_d(a, pieces[k].first);
      acb_set_d(b, pieces[k].second);
    }
    acb_calc_integrate(r, integrand, &p, a, b, kRefPrec - 32, tol, opt, kRefPrec);
    Ball piece;
    arb_set(piece.get(), acb_realref(r));
    total += piece;
    acb_clear(a); acb_clear(b); acb_clear(r);
  }
  mag_clear(tol);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping.

struct RouteStats {
  long cases = 0, certified = 0, estimated = 0, unknown = 0, violations = 0;
  double worst = 0.0;  ///< max |figure - reference| / bound
  std::string worst_case;
  std::string last_note;  ///< the last estimated or unknown figure's note, and where
};
std::map<std::string, RouteStats>& stats() {
  static std::map<std::string, RouteStats> s;
  return s;
}

/// |mid - ref| / rad, lower bound over the reference ball (0 when they overlap exactly at rad 0).
double ratio(double mid, double rad, const Ball& ref) {
  Ball d = abs(Ball(mid) - ref);
  arf_t l;
  arf_init(l);
  arb_get_lbound_arf(l, d.get(), 64);
  const double dist = std::max(0.0, arf_get_d(l, ARF_RND_DOWN));
  arf_clear(l);
  if (dist == 0.0) return 0.0;
  return rad > 0.0 ? dist / rad : std::numeric_limits<double>::infinity();
}

bool representable(const Ball& ref) {
  const auto e = ref.to_enclosure();
  return std::isfinite(e.mid) && std::abs(e.mid) < 1e300;
}

/// Records one figure of `route`; returns false when a certified figure misses the reference.
bool record(const std::string& route, const Certificate& cert, double mid, double rad, const Ball& ref,
            const std::string& where) {
  RouteStats& s = stats()[route];
  ++s.cases;
  if (!cert.certified()) s.last_note = where + ": " + cert.note;
  if (cert.unknown()) {
    ++s.unknown;
    return true;
  }
  (cert.certified() ? s.certified : s.estimated) += 1;
  if (!representable(ref) && !std::isfinite(mid)) return true;
  const double r = ratio(mid, rad, ref);
  if (r > s.worst) { s.worst = r; s.worst_case = where + " figure " + format_double(mid) + " ± " + format_double(rad) + " ref " + ref.str(20); }
  if (r > 1.0) ++s.violations;
  return !(cert.certified() && r > 1.0);
}

// ---------------------------------------------------------------------------------------------
// Wrappers that hide the symbolic form (problem) or the declared sample form (estimator), so the
// Gauss–Kronrod routes can be audited too.

class OpaqueGaussian final : public Problem {
 public:
  explicit OpaqueGaussian(const Problem& inner) : inner_(inner) {}
  std::string spec() const override { return "opaque(" + inner_.spec() + ")"; }
  Family family() const override { return Family::gaussian; }
  std::size_t sample_dim() const override { return inner_.sample_dim(); }
  std::size_t theta_dim() const override { return inner_.theta_dim(); }
  std::string theta_meaning() const override { return inner_.theta_meaning(); }
  double f(std::span<const double> x) const override { return inner_.f(x); }
  std::optional<ClosedForm> closed_form(std::span<const double>) const override { return std::nullopt; }
  std::optional<Separable> separable() const override { return inner_.separable(); }

 private:
  const Problem& inner_;
};

class OpaqueEstimator final : public Estimator {
 public:
  explicit OpaqueEstimator(const Estimator& inner) : inner_(inner) {}
  const EstimatorInfo& info() const override { return inner_.info(); }
  std::size_t scratch_size(const Model& m) const override { return inner_.scratch_size(m); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    inner_.sample(m, noise, scratch, grad);
  }
  int draws() const override { return inner_.draws(); }
  void value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                std::span<double> grad) const override {
    inner_.value_at(m, xs, scratch, grad);
  }

 private:
  const Estimator& inner_;
};

// ---------------------------------------------------------------------------------------------
// Generators.

struct Coord {
  double mu, log_sigma;
};

rc::Gen<double> uniform(double lo, double hi) {
  return rc::gen::map(rc::gen::inRange<int>(0, 1 << 30),
                      [lo, hi](int k) { return lo + (hi - lo) * (static_cast<double>(k) / double(1 << 30)); });
}

rc::Gen<Coord> coordinate() {
  return rc::gen::apply(
      [](double log_sigma, int sign, double decades, bool zero) {
        const double ratio = zero ? 0.0 : sign * std::pow(10.0, decades);
        return Coord{ratio * std::exp(log_sigma), log_sigma};
      },
      uniform(-9.0, 7.0), rc::gen::element(-1, 1), uniform(-3.0, 4.0),
      rc::gen::weightedElement<bool>({{1, true}, {9, false}}));
}

std::string spec_of(Kind k, double c, std::size_t d) {
  const std::string ds = std::to_string(d);
  switch (k) {
    case Kind::quadratic: return "gaussian-quadratic:d=" + ds + ",c=" + format_double(c);
    case Kind::exponential: return "gaussian-exp:d=" + ds;
    default: return "gaussian-step:d=" + ds;
  }
}

void audit_case(Kind kind, double c, const std::vector<Coord>& coords, double baseline) {
  const std::size_t d = coords.size();
  auto problem = make_problem(spec_of(kind, c, d));
  c = problem->symbolic()->parameter;  // the problem's own c (as parsed)
  std::vector<double> theta(2 * d);
  for (std::size_t i = 0; i < d; ++i) {
    theta[i] = coords[i].mu;
    theta[d + i] = coords[i].log_sigma;
  }
  const Model m = make_model(*problem, theta);
  std::string where = problem->spec() + " theta (";
  for (double t : theta) where += format_double(t) + " ";
  where += ")";
  RC_TAG(problem->spec().substr(0, 13));

  // Gradient reference.
  Ball ref_objective(0.0);
  std::vector<Ball> ref_grad(2 * d);
  for (std::size_t i = 0; i < d; ++i) {
    Integrand p{kind, c, coords[i].mu, coords[i].log_sigma};
    p.mode = 0;
    ref_objective += reference_integral(p);
    p.mode = 1;
    ref_grad[i] = reference_integral(p) / exp(Ball(coords[i].log_sigma));
    p.mode = 2;
    ref_grad[d + i] = reference_integral(p);
  }
  const bool all_representable =
      representable(ref_objective) && std::all_of(ref_grad.begin(), ref_grad.end(), representable);
  auto audit_gradient = [&](const std::string& route, const ExactGradient& g) {
    if (g.certificate.unknown()) RC_ASSERT(!all_representable);
    RC_ASSERT(record(route, g.certificate, g.objective, g.objective_error, ref_objective, where + " objective"));
    for (std::size_t i = 0; i < 2 * d; ++i)
      RC_ASSERT(record(route, g.certificate, g.gradient[i], g.error[i], ref_grad[i],
                       where + " gradient " + std::to_string(i)));
  };
  audit_gradient("closed form (Arb)", exact_gradient(m, ExactMethod::closed_form));
  audit_gradient("quadrature (Arb)", exact_gradient(m, ExactMethod::quadrature));
  // The problem's double closed form and its stated bounds (estimated; no longer a route for
  // these problems, audited for the record).
  if (const auto cf = problem->closed_form(theta)) {
    ExactGradient g;
    g.certificate = estimated("double closed form");
    g.objective = cf->objective;
    g.objective_error = cf->objective_error.value_or(16 * 2.220446049250313e-16 * std::abs(cf->objective));
    g.gradient = cf->gradient;
    for (std::size_t i = 0; i < 2 * d; ++i)
      g.error.push_back(cf->gradient_error.empty() ? 16 * 2.220446049250313e-16 * std::abs(cf->gradient[i])
                                                   : cf->gradient_error[i]);
    audit_gradient("double closed form (estimated)", g);
  }
  const OpaqueGaussian opaque(*problem);
  audit_gradient("Gauss-Kronrod, no symbolic f (estimated)",
                 exact_gradient(make_model(opaque, theta), ExactMethod::quadrature));

  if (d != 1) return;
  // Estimator moments on d = 1.
  struct Named {
    std::string spec;
    bool pathwise;
  };
  std::vector<Named> ests{{baseline == 0.0 ? "reinforce" : "reinforce:baseline=" + format_double(baseline), false},
                          {"reparam", true},
                          {"nvil:normalize=1,steps=3,batch=4", false}};
  for (const auto& [spec, pathwise] : ests) {
    auto est = make_estimator(spec);
    est->prepare(m);
    const auto form = est->sample_form();
    RC_ASSERT(form.has_value());
    std::vector<Ball> ref_mean(2), ref_var(2);
    for (int j = 0; j < 2; ++j) {
      Integrand p{kind, c, coords[0].mu, coords[0].log_sigma};
      p.mode = pathwise ? 4 : 3;
      p.coordinate = j;
      p.baseline = form->baseline;
      p.scale = form->scale;
      p.power = 1;
      ref_mean[j] = reference_integral(p);
      p.power = 2;
      ref_var[j] = reference_integral(p) - sqr(ref_mean[j]);
    }
    const bool moments_representable = std::all_of(ref_mean.begin(), ref_mean.end(), representable) &&
                                       std::all_of(ref_var.begin(), ref_var.end(), representable);
    auto audit_moments = [&](const std::string& route, const std::optional<EstimatorMoments>& mo) {
      RC_ASSERT(mo.has_value());
      if (mo->certificate.unknown()) RC_ASSERT(!moments_representable);
      for (int j = 0; j < 2; ++j) {
        const std::string w = where + " " + spec + " coordinate " + std::to_string(j);
        RC_ASSERT(record(route + " mean", mo->certificate, mo->mean[j], mo->mean_error[j], ref_mean[j], w));
        RC_ASSERT(record(route + " variance", mo->certificate, mo->variance[j], mo->variance_error[j], ref_var[j], w));
      }
    };
    const std::string kind_name = pathwise ? "pathwise" : "score function";
    audit_moments("moments, " + kind_name + " (dispatch)", exact_estimator_moments(*est, m));
    const OpaqueEstimator opaque_est(*est);
    audit_moments("moments, " + kind_name + " Gauss-Kronrod (estimated)", exact_estimator_moments(opaque_est, m));
  }
}

int audit_cases() {
  const char* env = std::getenv("ESTCHECK_AUDIT_CASES");
  return env ? std::max(1, std::atoi(env)) : 12;
}

TEST(AuditGaussian, EveryFigureAgainstAnIndependentArbReference) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto property = [] {
    const auto kind = *rc::gen::element(Kind::quadratic, Kind::exponential, Kind::step);
    const double c = *uniform(-10.0, 10.0);
    const auto d = *rc::gen::inRange<std::size_t>(1, 3);
    const auto coords = *rc::gen::container<std::vector<Coord>>(d, coordinate());
    const double baseline = *rc::gen::weightedElement<int>({{1, 0}, {1, 1}}) ? *uniform(-5.0, 5.0) : 0.0;
    audit_case(kind, c, coords, baseline);
  };
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = audit_cases();
  rc::detail::TestMetadata metadata;
  metadata.id = "AuditGaussian/EveryFigure";
  metadata.description = "every figure against an independent Arb reference";
  const auto result = rc::detail::checkTestable(property, metadata, params);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("audit: %d cases in %.1f s (seed %llu)\n", params.maxSuccess, seconds,
              static_cast<unsigned long long>(params.seed));
  for (const auto& [route, s] : stats())
    std::printf("  %-58s figures %6ld  certified %6ld  estimated %6ld  unknown %4ld  worst err/bound %.3g  violations %ld\n",
                route.c_str(), s.cases, s.certified, s.estimated, s.unknown, s.worst, s.violations);
  for (const auto& [route, s] : stats())
    if (s.worst > 1.0) std::printf("  worst of %s: %s\n", route.c_str(), s.worst_case.c_str());
  for (const auto& [route, s] : stats())
    if (route.find("dispatch") != std::string::npos && !s.last_note.empty())
      std::printf("  not certified in %s, e.g. %s\n", route.c_str(), s.last_note.c_str());
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

}  // namespace
}  // namespace estcheck
