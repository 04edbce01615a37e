// estimators/relax.cpp — see relax.hpp.
#include "estimators/relax.hpp"

#include "estimators/core/error.hpp"
#include "estimators/rebar.hpp"
#include "estimators/relaxed_rebar.hpp"
#include "estimators/sample_bounds.hpp"

#include <cmath>
#include <stdexcept>

namespace estcheck {

constexpr const char* kReference = "Grathwohl et al. 2018, eq. 10 (RELAX); variance training eq. 14-16";

Relax::Relax(const RelaxOptions& o) : opt_(o) {
  auto fail = [](const std::string& key, const std::string& what, double v) {
    raise_input_error("relax:" + key, what, format_double(v));
  };
  if (!(o.temperature > 0.0) || !std::isfinite(o.temperature)) fail("temperature", "a finite number > 0", o.temperature);
  if (!std::isfinite(o.eta)) fail("eta", "a finite number", o.eta);
  if (o.hidden < 1 || o.hidden > 256) fail("hidden", "an integer in [1, 256]", o.hidden);
  if (o.steps < 0) fail("steps", "an integer >= 0", o.steps);
  if (o.batch < 1) fail("batch", "an integer >= 1", o.batch);
  if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate)) fail("lr", "a finite number > 0", o.learning_rate);
  const bool logistic = o.input == RelaxOptions::Input::logistic;
  if (logistic && o.eta != 1.0) fail("eta", "1 (relaxed-REBAR's f(σ_λ(z)) has no scale)", o.eta);
  info_ = {std::string(logistic ? "relaxed-rebar" : "relax") + ":temperature=" + format_double(o.temperature) +
               (logistic ? std::string() : ",eta=" + format_double(o.eta)) +
               ",hidden=" + std::to_string(o.hidden) + ",steps=" + std::to_string(o.steps) +
               ",batch=" + std::to_string(o.batch) + ",lr=" + format_double(o.learning_rate) +
               ",train_seed=" + std::to_string(o.train_seed),
           true, false, 3, logistic ? kRelaxedRebarReference : kReference};
}

void Relax::check(const Problem& problem) const {
  const bool categorical_ok = opt_.input == RelaxOptions::Input::relaxed;  // relaxed-REBAR: Bernoulli only
  if (categorical_ok && problem.family() == Family::categorical && problem.has_relaxation()) return;
  require_relaxation(info_.spec, problem);
}

std::size_t Relax::parameter_count() const {
  const auto h = static_cast<std::size_t>(opt_.hidden);
  return 2 * h + h * n_ + 1;
}

void Relax::initialize(std::size_t n) {
  n_ = n;
  const auto h = static_cast<std::size_t>(opt_.hidden);
  phi_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(parameter_count()));
  // a = 0 and d = 0 (r ≡ 0: the untrained estimator is REBAR); c, W ~ N(0, 1/(n+1)) from the
  // training stream (step index 2^63, apart from every training step).
  Noise noise(opt_.train_seed, 0, std::uint64_t{1} << 63, Purpose::training);
  const double scale = 1.0 / std::sqrt(static_cast<double>(n + 1));
  for (std::size_t k = h; k < 2 * h + h * n; ++k) phi_[static_cast<Eigen::Index>(k)] = scale * noise.normal();
  trained_steps_ = 0;
}

void Relax::evaluate(const Model& m, std::span<const double> u, std::span<const double> v,
                     std::span<double> grad, std::span<double> param_grad) const {
  if (n_ != m.sample_dim())
    throw std::logic_error("relax: prepare(model) must be called before sampling (φ is sized by it)");
  if (std::holds_alternative<CategoricalLogits>(m.dist)) return evaluate_categorical(m, u, v, grad, param_grad);
  const auto& dist = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = dist.size();
  const double lam = opt_.temperature, eta = opt_.eta;
  std::vector<double> b(n), s(n), st(n), dzt(n), gs(n), gst(n), score_b(n), z, zt;
  const bool logistic = opt_.input == RelaxOptions::Input::logistic;
  if (logistic) {
    z.resize(n);
    zt.resize(n);
  }
  conditional_relaxation(dist, lam, true, u, v, b, s, st, dzt, z, zt);
  // The network's inputs x, x̃: σ_λ(z), σ_λ(z̃) (RELAX) or z, z̃ (relaxed-REBAR).
  const std::span<const double> x = logistic ? std::span<const double>(z) : std::span<const double>(s);
  const std::span<const double> xt = logistic ? std::span<const double>(zt) : std::span<const double>(st);
  const Net ns = net(x), nt = net(xt);
  const double fb = m.f(b), ft = m.problem->f_relaxed(st);
  m.problem->relaxed_gradient(s, gs);
  m.problem->relaxed_gradient(st, gst);
  score(dist, b, score_b);
  const double c_t = eta * ft + nt.r;  // c_φ(z̃)
  std::vector<double> js(n), jt(n);    // ∂σ_λ(z)/∂θ_i and ∂σ_λ(z̃)/∂θ_i
  std::vector<double> jx(n), jxt(n);   // ∂x_i/∂θ_i and ∂x̃_i/∂θ_i
  for (std::size_t i = 0; i < n; ++i) {
    js[i] = s[i] * (1.0 - s[i]) / lam;
    jt[i] = st[i] * (1.0 - st[i]) / lam * dzt[i];
    jx[i] = logistic ? 1.0 : js[i];
    jxt[i] = logistic ? dzt[i] : jt[i];
    const auto ii = static_cast<Eigen::Index>(i);
    grad[i] = logistic ? (fb - c_t) * score_b[i] + (eta * gs[i] * js[i] + ns.rx[ii]) -
                             (eta * gst[i] * jt[i] + nt.rx[ii] * jxt[i])
                       : (fb - c_t) * score_b[i] + (eta * gs[i] + ns.rx[ii]) * js[i] -
                             (eta * gst[i] + nt.rx[ii]) * jt[i];
  }
  if (param_grad.empty()) return;
  // ∂(Σ_i ĝ_i²)/∂φ = 2 Σ_i ĝ_i ∂ĝ_i/∂φ, with
  // ∂ĝ_i/∂φ = -∂r(x̃)/∂φ score_i + ∂(∂r/∂x_i)(x)/∂φ js_i - ∂(∂r/∂x_i)(x̃)/∂φ jt_i.
  Eigen::Map<Eigen::VectorXd> pg(param_grad.data(), phi_.size());
  pg.setZero();
  double sum_gs = 0.0;  // Σ_i ĝ_i score_i
  for (std::size_t i = 0; i < n; ++i) sum_gs += grad[i] * score_b[i];
  add_r(nt, xt, -sum_gs, pg);
  std::vector<double> wx(n), wt(n);
  for (std::size_t i = 0; i < n; ++i) {
    wx[i] = grad[i] * jx[i];
    wt[i] = -grad[i] * jxt[i];
  }
  add_rx(ns, x, wx, pg);
  add_rx(nt, xt, wt, pg);
  pg *= 2.0;
}

Relax::Net Relax::net(std::span<const double> x) const {
  const auto H = static_cast<Eigen::Index>(opt_.hidden), n = static_cast<Eigen::Index>(n_);
  const auto a = phi_.segment(0, H), c = phi_.segment(H, H);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> W(
      phi_.data() + 2 * H, H, n);
  const Eigen::Map<const Eigen::VectorXd> xv(x.data(), n);
  Net o;
  o.t = (W * xv + c).array().tanh();
  o.dt = 1.0 - o.t.array().square();
  o.r = a.dot(o.t) + phi_[phi_.size() - 1];
  o.rx = W.transpose() * (a.array() * o.dt.array()).matrix();
  return o;
}

// ∂r/∂a_h = t_h, ∂r/∂c_h = a_h dt_h, ∂r/∂W_hj = a_h dt_h x_j, ∂r/∂d = 1.
void Relax::add_r(const Net& o, std::span<const double> x, double w, Eigen::Ref<Eigen::VectorXd> pg) const {
  const auto H = static_cast<Eigen::Index>(opt_.hidden), n = static_cast<Eigen::Index>(n_);
  const Eigen::VectorXd adt = (phi_.segment(0, H).array() * o.dt.array()).matrix();
  pg.segment(0, H) += w * o.t;
  pg.segment(H, H) += w * adt;
  for (Eigen::Index h = 0; h < H; ++h)
    for (Eigen::Index j = 0; j < n; ++j) pg[2 * H + h * n + j] += w * adt[h] * x[static_cast<std::size_t>(j)];
  pg[pg.size() - 1] += w;
}

// ∂(∂r/∂x_i)/∂a_h = dt_h W_hi; /∂c_h = -2 a_h t_h dt_h W_hi; /∂W_hj = a_h (dt_h δ_ij - 2 t_h dt_h W_hi x_j).
void Relax::add_rx(const Net& o, std::span<const double> x, const std::vector<double>& wi,
                   Eigen::Ref<Eigen::VectorXd> pg) const {
  const auto H = static_cast<Eigen::Index>(opt_.hidden), n = static_cast<Eigen::Index>(n_);
  const auto a = phi_.segment(0, H);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> W(
      phi_.data() + 2 * H, H, n);
  for (Eigen::Index h = 0; h < H; ++h) {
    double sw = 0.0;  // Σ_i w_i W_hi
    for (Eigen::Index i = 0; i < n; ++i) sw += wi[static_cast<std::size_t>(i)] * W(h, i);
    const double k = -2.0 * a[h] * o.t[h] * o.dt[h];
    pg[h] += o.dt[h] * sw;
    pg[H + h] += k * sw;
    for (Eigen::Index j = 0; j < n; ++j)
      pg[2 * H + h * n + j] += a[h] * o.dt[h] * wi[static_cast<std::size_t>(j)] + k * sw * x[static_cast<std::size_t>(j)];
  }
}

// Categorical RELAX: x = softmax(z/λ), x̃ = softmax(z̃/λ) (REBAR's categorical relaxation),
// c'(x) = η ∇f(x) + ∂r/∂x; the pathwise terms are q_j = x_j (c'_j - Σ_k c'_k x_k)/λ at x, and at
// x̃ through ∂z̃_i/∂θ_j = ρ_i (δ_ij - p_j) (ρ_b = 0): path_t_j = ρ_j q̃_j - p_j Σ_i ρ_i q̃_i.
// Variance gradient: Σ_j ĝ_j ∂q_j/∂φ = Σ_k w_k ∂(∂r/∂x_k)/∂φ with w_k = x_k (ĝ_k - Σ_j ĝ_j x_j)/λ,
// and Σ_j ĝ_j ∂path_t_j/∂φ = Σ_k w̃_k ∂(∂r/∂x̃_k)/∂φ with γ_i = ρ_i (ĝ_i - Σ_j ĝ_j p_j),
// w̃_k = x̃_k (γ_k - Σ_i γ_i x̃_i)/λ.
void Relax::evaluate_categorical(const Model& m, std::span<const double> u, std::span<const double> v,
                                 std::span<double> grad, std::span<double> param_grad) const {
  const auto& d = std::get<CategoricalLogits>(m.dist);
  const std::size_t K = d.size();
  const double lam = opt_.temperature, eta = opt_.eta;
  std::vector<double> z(K), zt(K), x(K), xt(K), rho(K, 0.0), onehot(K, 0.0), gf(K), gft(K);
  std::size_t b = 0;
  for (std::size_t i = 0; i < K; ++i) {
    z[i] = d.log_probs[i] - std::log(-std::log(u[i]));
    if (z[i] > z[b]) b = i;
  }
  const double B = -std::log(v[b]);
  for (std::size_t i = 0; i < K; ++i) {
    if (i == b) {
      zt[i] = -std::log(B);
      continue;
    }
    const double A = -std::log(v[i]) * std::exp(-d.log_probs[i]);
    zt[i] = -std::log(A + B);
    rho[i] = A / (A + B);
  }
  softmax_tempered(z, lam, x);
  softmax_tempered(zt, lam, xt);
  onehot[b] = 1.0;
  const Net nx = net(x), nt = net(xt);
  const double fb = m.f(onehot), ct = eta * m.problem->f_relaxed(xt) + nt.r;
  m.problem->relaxed_gradient(x, gf);
  m.problem->relaxed_gradient(xt, gft);
  std::vector<double> q(K), qt(K);
  double cx = 0.0, cxt = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const auto kk = static_cast<Eigen::Index>(k);
    cx += (eta * gf[k] + nx.rx[kk]) * x[k];
    cxt += (eta * gft[k] + nt.rx[kk]) * xt[k];
  }
  double sum_rq = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const auto kk = static_cast<Eigen::Index>(k);
    q[k] = x[k] * (eta * gf[k] + nx.rx[kk] - cx) / lam;
    qt[k] = xt[k] * (eta * gft[k] + nt.rx[kk] - cxt) / lam;
    sum_rq += rho[k] * qt[k];
  }
  for (std::size_t j = 0; j < K; ++j) {
    const double score_j = (j == b ? 1.0 : 0.0) - d.probs[j];
    grad[j] = (fb - ct) * score_j + q[j] - (rho[j] * qt[j] - d.probs[j] * sum_rq);
  }
  if (param_grad.empty()) return;
  Eigen::Map<Eigen::VectorXd> pg(param_grad.data(), phi_.size());
  pg.setZero();
  double sum_gs = 0.0, gx = 0.0, gp = 0.0;
  for (std::size_t j = 0; j < K; ++j) {
    sum_gs += grad[j] * ((j == b ? 1.0 : 0.0) - d.probs[j]);
    gx += grad[j] * x[j];
    gp += grad[j] * d.probs[j];
  }
  add_r(nt, xt, -sum_gs, pg);
  std::vector<double> w(K), gamma(K), wt(K);
  double gxt = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    w[k] = x[k] * (grad[k] - gx) / lam;
    gamma[k] = rho[k] * (grad[k] - gp);
    gxt += gamma[k] * xt[k];
  }
  for (std::size_t k = 0; k < K; ++k) wt[k] = -xt[k] * (gamma[k] - gxt) / lam;
  add_rx(nx, x, w, pg);
  add_rx(nt, xt, wt, pg);
  pg *= 2.0;
}

void Relax::sample(const Model& m, Noise& noise, std::span<double> scratch,
                   std::span<double> grad) const {
  const std::size_t n = m.sample_dim();
  const auto u = scratch.first(n), v = scratch.subspan(n, n);
  draw_uniforms(m, noise, u, v);
  evaluate(m, u, v, grad);
}

void Relax::draw_uniforms(const Model& m, Noise& noise, std::span<double> u, std::span<double> v) {
  const std::size_t n = m.sample_dim();
  if (std::holds_alternative<CategoricalLogits>(m.dist)) {  // all u, then all v
    for (std::size_t i = 0; i < n; ++i) u[i] = noise.uniform();
    for (std::size_t i = 0; i < n; ++i) v[i] = noise.uniform();
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {  // u_i, v_i per variable
    u[i] = noise.uniform();
    v[i] = noise.uniform();
  }
}

void Relax::train(const Model& m, int steps) {
  if (n_ != m.sample_dim()) initialize(m.sample_dim());
  const std::size_t n = n_, P = parameter_count();
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEps = 1e-8;  // Kingma & Ba 2015 defaults
  Eigen::VectorXd m1 = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(P)), m2 = m1, g(m1.size());
  std::vector<double> u(n), v(n), grad(n), pg(P);
  for (int step = 0; step < steps; ++step, ++trained_steps_) {
    g.setZero();
    for (int k = 0; k < opt_.batch; ++k) {
      Noise noise(opt_.train_seed, static_cast<std::uint64_t>(trained_steps_), static_cast<std::uint64_t>(k),
                  Purpose::training);
      draw_uniforms(m, noise, u, v);
      evaluate(m, u, v, grad, pg);
      g += Eigen::Map<const Eigen::VectorXd>(pg.data(), static_cast<Eigen::Index>(P));
    }
    g /= opt_.batch;
    m1 = kBeta1 * m1 + (1 - kBeta1) * g;
    m2 = kBeta2 * m2 + (1 - kBeta2) * g.cwiseProduct(g);
    const double t = step + 1.0;
    const Eigen::VectorXd mh = m1 / (1 - std::pow(kBeta1, t)), vh = m2 / (1 - std::pow(kBeta2, t));
    phi_ -= (opt_.learning_rate * mh.array() / (vh.array().sqrt() + kAdamEps)).matrix();
  }
}

void Relax::prepare(const Model& m) {
  initialize(m.sample_dim());
  train(m, opt_.steps);
}

// The sample range (Estimator::sample_range): REBAR's (rebar.cpp) with the network added. φ is
// fixed once prepare() has trained it, and r_φ(x) = Σ_h a_h tanh(W_h·x + c_h) + d is bounded
// whatever x: |tanh| <= 1 gives r ∈ [d - A, d + A], A = Σ_h |a_h|, and 0 <= 1 - tanh² <= 1 gives
// |∂r/∂x_i| <= R_i = Σ_h |a_h| |W_hi|. So, with the relaxation's bounds (relaxation_bounds):
//   X = f(b) - η f(σ_λ(z̃)) - r(σ_λ(z̃)) ∈ [f_lo, f_hi] - η [value_lo, value_hi] - [d - A, d + A];
//   Bernoulli: the pathwise coefficient η ∂f/∂z_i + ∂r/∂x_i is at most |η| slope_i + R_i;
//   categorical: the spread of c'_k = η ∂f/∂z_k + ∂r/∂x_k is at most |η| spread + 2 max_k R_k.
// Assumes std::tanh returns values in [-1, 1] (glibc does; an excess up to kRangeSlack is covered).
std::optional<SampleRange> Relax::sample_range(const Model& m) const {
  if (n_ != m.sample_dim()) return std::nullopt;  // not prepared: φ is not sized yet
  const auto rb = relaxation_bounds(m);
  if (!rb) return std::nullopt;
  const auto H = static_cast<Eigen::Index>(opt_.hidden), n = static_cast<Eigen::Index>(n_);
  double A = 0.0, Rmax = 0.0;
  std::vector<double> R(n_, 0.0);
  for (Eigen::Index h = 0; h < H; ++h) {
    const double a = std::abs(phi_[h]);
    A += a;
    for (Eigen::Index i = 0; i < n; ++i) R[static_cast<std::size_t>(i)] += a * std::abs(phi_[2 * H + h * n + i]);
  }
  A *= 1.0 + kRangeSlack;
  for (double& x : R) {
    x *= 1.0 + kRangeSlack;
    Rmax = std::max(Rmax, x);
  }
  const double dd = phi_[phi_.size() - 1], eta = opt_.eta, ae = std::abs(eta);
  const auto [e_lo, e_hi] = interval_product(rb->value_lo, rb->value_hi, eta, eta);
  const double spread = rb->f_hi - rb->f_lo;
  std::vector<double> path;
  const bool logistic = opt_.input == RelaxOptions::Input::logistic;
  if (std::holds_alternative<CategoricalLogits>(m.dist)) {
    if (logistic) return std::nullopt;  // relaxed-REBAR is Bernoulli only; no proof written
    path = {ae * spread + 2.0 * Rmax};
  } else {
    // relaxed-REBAR's network reads z itself: its pathwise terms are ∂r/∂z_i ∂z/∂θ_i and
    // ∂r/∂z̃_i ∂z̃/∂θ_i with ∂z/∂θ = 1 and 0 <= ∂z̃/∂θ <= 1, so |P - P̃| gains 2 R_i, not R_i/(2λ):
    // in rebar_form_range's units (path/(2λ)) that is 4λ R_i.
    for (std::size_t i = 0; i < n_; ++i) path.push_back(ae * rb->slope[i] + (logistic ? 4.0 * opt_.temperature : 1.0) * R[i]);
  }
  return rebar_form_range(m, rb->f_lo - e_hi - dd - A, rb->f_hi - e_lo - dd + A, opt_.temperature, path,
                          (1.0 + ae) * (rb->scale + spread) + std::abs(dd) + A + Rmax,
                          "REBAR's bound plus the trained network's |r - d| <= sum |a_h|, |dr/dx_i| <= sum |a_h W_hi|, " +
                              rb->how);
}

std::vector<ParamInfo> relax_network_params(const RelaxOptions& o) {
  return {integer_param("hidden", o.hidden, 1, 256, "units of r_φ"),
          integer_param("steps", o.steps, 0, 1000000, "Adam steps of variance training"),
          integer_param("batch", o.batch, 1, 100000, "samples per step"),
          real_param("lr", o.learning_rate, "Adam learning rate"),
          integer_param("train_seed", static_cast<std::int64_t>(o.train_seed), 0, INT64_MAX, "seed of the training noise")};
}

void read_relax_network_params(const ParamValues& v, RelaxOptions& o) {
  o.hidden = static_cast<int>(v.integer("hidden"));
  o.steps = static_cast<int>(v.integer("steps"));
  o.batch = static_cast<int>(v.integer("batch"));
  o.learning_rate = v.real("lr");
  o.train_seed = static_cast<std::uint64_t>(v.integer("train_seed"));
}

EstimatorDescriptor relax_descriptor() {
  const RelaxOptions o;
  return {.name = "relax",
          .params = [&o] {
            std::vector<ParamInfo> p = {real_param("temperature", o.temperature, "λ"),
                                        real_param("eta", o.eta, "scale of the REBAR term")};
            for (ParamInfo& q : relax_network_params(o)) p.push_back(std::move(q));
            return p;
          }(),
          .claimed_unbiased = true,
          .requires_ = "bernoulli or categorical with a relaxation of f (toy, tables, vae)",
          .description = "RELAX: REBAR plus a network r_φ trained (before sampling) to minimize the variance",
          .reference = kReference,
          .make = [](const ParamValues& v) {
            RelaxOptions r;
            r.temperature = v.real("temperature");
            r.eta = v.real("eta");
            read_relax_network_params(v, r);
            return std::make_unique<Relax>(r);
          }};
}

}  // namespace estcheck
