// estimators/rebar.cpp — see rebar.hpp.
#include "estimators/rebar.hpp"

#include "estimators/core/error.hpp"
#include "estimators/sample_bounds.hpp"

#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Tucker et al. 2017, eq. 7 (REBAR); RELAX draft eq. 8";

void Rebar::check(const Problem& problem) const {
  if (problem.family() == Family::categorical && problem.has_relaxation() && conditional_) return;
  require_relaxation(info_.spec, problem);
}

void conditional_relaxation(const BernoulliLogits& d, double lam, bool conditional,
                            std::span<const double> uu, std::span<const double> vv,
                            std::span<double> b, std::span<double> s, std::span<double> st,
                            std::span<double> dzt, std::span<double> zs, std::span<double> zts) {
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double u = uu[i], v = vv[i];
    const double p = d.probs[i], p0 = d.probs0[i], pp0 = p * p0;
    const double z = d.logits[i] + logit(u);
    b[i] = z > 0.0 ? 1.0 : 0.0;
    s[i] = sigmoid(z / lam);
    if (!zs.empty()) zs[i] = z;
    if (conditional) {
      // ũ and 1 - ũ each without cancellation (ũ can round to 1 at extreme logits):
      // b = 1: ũ = σ(-θ) + v σ(θ), 1 - ũ = (1 - v) σ(θ); b = 0: ũ = v σ(-θ), 1 - ũ = σ(θ) + (1 - v) σ(-θ).
      const double ut = b[i] != 0.0 ? p0 + v * p : v * p0;
      const double ut_c = b[i] != 0.0 ? (1.0 - v) * p : p + (1.0 - v) * p0;
      const double dut = b[i] != 0.0 ? -pp0 * (1.0 - v) : -v * pp0;
      const double zt = d.logits[i] + std::log(ut) - std::log(ut_c);
      st[i] = sigmoid(zt / lam);
      dzt[i] = 1.0 + dut / (ut * ut_c);
      if (!zts.empty()) zts[i] = zt;
    } else {  // BUG (mutant): the control variate at z itself, not at z̃ ~ p(z | b)
      st[i] = s[i];
      dzt[i] = 1.0;
      if (!zts.empty()) zts[i] = z;
    }
  }
}

Rebar::Rebar(double temperature, double eta, bool conditional)
    : info_{conditional ? "rebar:temperature=" + format_double(temperature) + ",eta=" + format_double(eta)
                        : std::string("mutant/rebar-no-conditional"),  // at RebarOptions' defaults
            conditional, false, 3,
            kReference},
      temperature_(temperature),
      eta_(eta),
      conditional_(conditional) {
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    raise_input_error("rebar:temperature", "a finite number > 0", format_double(temperature));
  if (!std::isfinite(eta)) raise_input_error("rebar:eta", "a finite number", format_double(eta));
}


void Rebar::sample(const Model& m, Noise& noise, std::span<double> scratch,
                   std::span<double> grad) const {
  const std::size_t n = m.sample_dim();
  const auto u = scratch.first(n), v = scratch.subspan(n, n);
  if (std::holds_alternative<CategoricalLogits>(m.dist)) {
    for (std::size_t i = 0; i < n; ++i) u[i] = noise.uniform();
    for (std::size_t i = 0; i < n; ++i) v[i] = noise.uniform();
    return evaluate_categorical(m, u, v, scratch.subspan(2 * n), grad);
  }
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = noise.uniform();
    v[i] = noise.uniform();
  }
  evaluate(m, u, v, scratch.subspan(2 * n), grad);
}

void Rebar::evaluate(const Model& m, std::span<const double> uu, std::span<const double> vv,
                     std::span<double> scratch, std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto b = scratch.first(n), s = scratch.subspan(n, n), st = scratch.subspan(2 * n, n),
             dzt = scratch.subspan(3 * n, n), gs = scratch.subspan(4 * n, n),
             gst = scratch.subspan(5 * n, n), score_b = scratch.subspan(6 * n, n);
  const double lam = temperature_;
  conditional_relaxation(d, lam, conditional_, uu, vv, b, s, st, dzt);
  const double fb = m.f(b), ft = m.problem->f_relaxed(st);
  m.problem->relaxed_gradient(s, gs);
  m.problem->relaxed_gradient(st, gst);
  score(d, b, score_b);
  for (std::size_t i = 0; i < n; ++i) {
    const double path = gs[i] * s[i] * (1.0 - s[i]) / lam;
    const double path_t = gst[i] * st[i] * (1.0 - st[i]) / lam * dzt[i];
    grad[i] = (fb - eta_ * ft) * score_b[i] + eta_ * path - eta_ * path_t;
  }
}

void Rebar::evaluate_categorical(const Model& m, std::span<const double> u, std::span<const double> v,
                                 std::span<double> scratch, std::span<double> grad) const {
  const auto& d = std::get<CategoricalLogits>(m.dist);
  const std::size_t K = d.size();
  const double lam = temperature_;
  const auto z = scratch.first(K), zt = scratch.subspan(K, K), s = scratch.subspan(2 * K, K),
             st = scratch.subspan(3 * K, K), c = scratch.subspan(4 * K, K), ct = scratch.subspan(5 * K, K),
             x = scratch.subspan(6 * K, K);
  std::size_t b = 0;
  for (std::size_t i = 0; i < K; ++i) {
    z[i] = d.log_probs[i] - std::log(-std::log(u[i]));
    if (z[i] > z[b]) b = i;
  }
  const double B = -std::log(v[b]);
  for (std::size_t i = 0; i < K; ++i)
    zt[i] = i == b ? -std::log(B) : -std::log(-std::log(v[i]) * std::exp(-d.log_probs[i]) + B);
  softmax_tempered(z, lam, s);
  softmax_tempered(zt, lam, st);
  for (std::size_t i = 0; i < K; ++i) x[i] = i == b ? 1.0 : 0.0;
  const double fb = m.f(x), ft = m.problem->f_relaxed(st);
  m.problem->relaxed_gradient(s, c);
  m.problem->relaxed_gradient(st, ct);
  // q_i = ∂f(softmax(y/λ))/∂y_i = s_i (c_i - Σ_k c_k s_k)/λ, at y = z and at y = z̃.
  double cs = 0.0, cst = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    cs += c[k] * s[k];
    cst += ct[k] * st[k];
  }
  // ∇θ f(σ_λ(z̃)) = Σ_i q̃_i ∂z̃_i/∂θ_j = Σ_{i≠b} q̃_i r_i (δ_ij - p_j), r_i = A_i/(A_i + B).
  double sum_qr = 0.0;
  std::vector<double> qr(K, 0.0);
  for (std::size_t i = 0; i < K; ++i) {
    if (i == b) continue;
    const double a = -std::log(v[i]) * std::exp(-d.log_probs[i]);
    qr[i] = st[i] * (ct[i] - cst) / lam * (a / (a + B));
    sum_qr += qr[i];
  }
  for (std::size_t j = 0; j < K; ++j) {
    const double score_j = (j == b ? 1.0 : 0.0) - d.probs[j];
    const double path = s[j] * (c[j] - cs) / lam;  // Σ_i q_i (δ_ij - p_j) = q_j (Σ_i q_i = 0)
    const double path_t = qr[j] - d.probs[j] * sum_qr;
    grad[j] = (fb - eta_ * ft) * score_j + eta_ * path - eta_ * path_t;
  }
}

// The sample range (Estimator::sample_range), a proof for every u, v, θ, λ > 0 and η:
//   ĝ_j = X score_j + η P_j - η P̃_j,  X = f(b) - η f(σ_λ(z̃)).
// - X: f(b) is a table value (f over the support), f(σ_λ(z̃)) a value of the relaxation on its
//   domain (relaxation_bounds), so X ∈ [f_lo, f_hi] - η [value_lo, value_hi].
// - Bernoulli pathwise terms: P_j = ∂f/∂z_j(s) s_j(1 - s_j)/λ with s_j ∈ [0, 1], so
//   |P_j| <= slope_j/(4λ); P̃_j the same at z̃ times ∂z̃_j/∂θ_j = 1 + dut/(ũ(1 - ũ)), which is
//   v σ(θ)/(σ(-θ) + v σ(θ)) (b = 1) or (1 - v) σ(-θ)/(σ(θ) + (1 - v) σ(-θ)) (b = 0): in [0, 1] (the
//   ratio dut/(ũ ũ_c) is -σ(-θ)/ũ resp. -σ(θ)/ũ_c exactly with the code's own ũ, ũ_c, so its
//   rounding keeps it in [-1 - γ_9, 0] and fl(1 + ratio) in [-γ_9, 1]). So |P_j - P̃_j| <= slope_j/(2λ).
// - Categorical (Appendix C form): P_j = s_j (c_j - Σ_k c_k s_k)/λ with c the table and s on the
//   simplex: |P_j| <= spread/(4λ) (as Concrete, concrete.cpp). P̃_j = q_j - p_j Σ_i q_i with
//   q_i = s̃_i (c_i - Σ_k c_k s̃_k)/λ · A_i/(A_i + B), A_i/(A_i + B) ∈ [0, 1]: |q_j| <= spread/(4λ)
//   and Σ_i |q_i| <= E_s̃|c - E_s̃ c|/λ <= spread/(2λ) (a mean absolute deviation is at most half
//   the range). So |P_j - P̃_j| <= spread (1 + p_j)/(2λ).
// rebar_form_range (sample_bounds.hpp) assembles these with the score's interval and widens them.
// The planted mutant (z̃ := z, ∂z̃/∂θ := 1) satisfies the same bounds.
std::optional<SampleRange> Rebar::sample_range(const Model& m) const {
  const auto rb = relaxation_bounds(m);
  if (!rb) return std::nullopt;
  const auto [e_lo, e_hi] = interval_product(rb->value_lo, rb->value_hi, eta_, eta_);
  const double ae = std::abs(eta_), spread = rb->f_hi - rb->f_lo;
  std::vector<double> path;
  if (std::holds_alternative<CategoricalLogits>(m.dist)) path = {ae * spread};
  else
    for (double s : rb->slope) path.push_back(ae * s);
  return rebar_form_range(m, rb->f_lo - e_hi, rb->f_hi - e_lo, temperature_, path,
                          (1.0 + ae) * (rb->scale + spread),
                          "|f(b) - eta f(z~)| |score| + |eta| (P - P~), " + rb->how);
}

EstimatorDescriptor rebar_descriptor() {
  const RebarOptions o;
  return {.name = "rebar",
          .params = {real_param("temperature", o.temperature, "relaxation temperature λ > 0"),
                     real_param("eta", o.eta, "control-variate scale η")},
          .claimed_unbiased = true,
          .requires_ = "bernoulli or categorical with a relaxation of f (toy, tables, vae)",
          .description = "REBAR: REINFORCE with the Concrete control variate at the conditional sample z̃ ~ p(z|b)",
          .reference = kReference,
          .make = [](const ParamValues& v) {
            return std::make_unique<Rebar>(v.real("temperature"), v.real("eta"));
          }};
}

}  // namespace estcheck
