// estimators/policy_gradient.cpp — see policy_gradient.hpp.
#include "estimators/policy_gradient.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/lqr.hpp"

#include <Eigen/Dense>

namespace estcheck {

void require_control(const std::string& estimator, const Problem& problem) {
  if (lqr_system_of(problem) == nullptr)
    raise_input_error("estimator", "a control problem (lqr) for '" + estimator + "'",
                      "the " + std::string(to_string(problem.family())) + " problem '" + problem.spec() + "'");
}

namespace {

constexpr const char* kReinforceRef = "Williams 1992, eq. 8; reward-to-go: Sutton & Barto 2018, §13.3";
constexpr const char* kPathwiseRef = "Mohamed et al. 2020, §5 (pathwise gradient through known dynamics)";
constexpr const char* kLaxRef = "Grathwohl et al. 2018, LAX (RELAX draft §5.1, eq. 7-8; RL form §6.4.1)";

/// Rolls the policy out with the noise `eps`; the path is per thread, reused.
LqrPath& rollout_at(const Model& m, std::span<const double> eps) {
  thread_local LqrPath path;
  lqr_rollout(*lqr_system_of(*m.problem), m.theta, eps, path);
  return path;
}

/// Draws ε (T·m normals into `eps`) and rolls the policy out.
LqrPath& rollout(const Model& m, Noise& noise, std::span<double> eps) {
  for (double& e : eps) e = noise.normal();
  return rollout_at(m, eps);
}

/// Draws ε into the scratch and calls value_at_normals (the sample at those normals).
void sample_via_normals(const Estimator& est, const Model& m, Noise& noise, std::span<double> scratch,
                        std::span<double> grad) {
  const auto eps = scratch.first(m.sample_dim());
  for (double& e : eps) e = noise.normal();
  est.value_at_normals(m, eps, scratch, grad);
}

/// Σ_t S_t (the score of the whole action sequence), written to `out` (p values).
void total_score(const LqrPath& path, std::size_t p, std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  for (std::size_t t = 0; t < path.score.size() / p; ++t)
    for (std::size_t c = 0; c < p; ++c) out[c] += path.score[t * p + c];
}

double total_cost(const LqrPath& path) {
  double total = 0.0;
  for (double c : path.costs) total += c;  // the order of lqr_cost: the same bits as f(a)
  return total;
}

/// The control variate's features ψ(x) (F values) and their derivatives ∂ψ_f/∂x_i (F × D,
/// row-major), for cv=diag (1, x_i, x_i²) or cv=full (1, x_i, x_i x_j for i ≤ j).
std::size_t feature_count(bool full, std::size_t D) { return full ? 1 + D + D * (D + 1) / 2 : 1 + 2 * D; }
void features(bool full, std::span<const double> x, std::vector<double>& psi, std::vector<double>& dpsi) {
  const std::size_t D = x.size(), F = feature_count(full, D);
  psi.assign(F, 0.0);
  dpsi.assign(F * D, 0.0);
  psi[0] = 1.0;
  for (std::size_t i = 0; i < D; ++i) {
    psi[1 + i] = x[i];
    dpsi[(1 + i) * D + i] = 1.0;
  }
  std::size_t f = 1 + D;
  for (std::size_t i = 0; i < D; ++i)
    for (std::size_t j = i; j < (full ? D : i + 1); ++j, ++f) {
      psi[f] = x[i] * x[j];
      dpsi[f * D + i] += x[j];
      dpsi[f * D + j] += x[i];
    }
}

}  // namespace

PolicyReinforce::PolicyReinforce(bool reward_to_go)
    : reward_to_go_(reward_to_go),
      info_{reward_to_go ? "pg-reinforce:reward_to_go=1" : "pg-reinforce:reward_to_go=0", true, false, 1,
            kReinforceRef} {}

void PolicyReinforce::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  sample_via_normals(*this, m, noise, scratch, grad);
}

std::optional<PolicyGradientForm> PolicyReinforce::policy_gradient_form() const {
  return PolicyGradientForm{reward_to_go_ ? PolicyGradientForm::Kind::reward_to_go : PolicyGradientForm::Kind::reinforce,
                            {}, true};
}

void PolicyReinforce::value_at_normals(const Model& m, std::span<const double> eps, std::span<double>,
                                       std::span<double> grad) const {
  const LqrPath& path = rollout_at(m, eps);
  const std::size_t p = m.theta_dim(), T = path.costs.size() - 1;
  if (!reward_to_go_) {
    total_score(path, p, grad);
    const double f = total_cost(path);
    for (double& g : grad) g *= f;
    return;
  }
  std::fill(grad.begin(), grad.end(), 0.0);
  double to_go = path.costs[T];
  for (std::size_t t = T; t-- > 0;) {
    to_go += path.costs[t];
    for (std::size_t c = 0; c < p; ++c) grad[c] += path.score[t * p + c] * to_go;
  }
}

PolicyPathwise::PolicyPathwise() : info_{"pg-pathwise", true, true, 1, kPathwiseRef} {}

void PolicyPathwise::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  sample_via_normals(*this, m, noise, scratch, grad);
}

std::optional<PolicyGradientForm> PolicyPathwise::policy_gradient_form() const {
  return PolicyGradientForm{PolicyGradientForm::Kind::pathwise, {}, true};
}

void PolicyPathwise::value_at_normals(const Model& m, std::span<const double> eps, std::span<double>,
                                      std::span<double> grad) const {
  const LqrPath& path = rollout_at(m, eps);
  std::copy(path.d_cost.begin(), path.d_cost.end(), grad.begin());
}

Lax::Lax(LaxOptions opt) : opt_(opt) {
  if (opt.correction) {
    info_.spec = "lax:cv=";
    info_.spec += to_string(opt.cv);
    info_.spec += ",train=" + std::to_string(opt.train);
    info_.spec += ",seed=" + std::to_string(opt.seed);
  } else {
    info_.spec = std::string(opt.cv == LaxCv::rl ? "mutant/lax-rl-no-correction" : "mutant/lax-no-correction");
  }
  info_.claimed_unbiased = opt.correction;
  info_.needs_rsample = true;
  info_.evaluations = 1;
  info_.reference = kLaxRef;
}

namespace {

/// One LAX sample as an affine function of φ: ĝ(φ) = g0 - Gs φ + Gc φ, with Gs φ the control
/// variate's score term and Gc φ its correction (p × F each, row-major).
struct LaxTerms {
  std::vector<double> g0, Gs, Gc;
};

/// The terms of the header for one path; `eps` is the path's noise and `sigma` = exp(log σ).
void lax_terms(LaxCv cv, const LqrSystem& sys, std::span<const double> theta, const LqrPath& path,
               std::span<const double> eps, LaxTerms& out) {
  thread_local std::vector<double> psi, dpsi, score, z;
  const std::size_t p = sys.theta_dim(), n = sys.n, m = sys.m, T = sys.horizon;
  score.resize(p);
  if (cv != LaxCv::rl) {
    // Trajectory form (draft eq. 7-8 with b = the action sequence): f = C, ∇ log p = Σ_t S_t,
    // ∇θ c_φ(a(θ, ε)) = Σ_i ∂c_φ/∂a_i ∂a_i/∂θ along the path.
    const std::size_t D = T * m;
    features(cv == LaxCv::full, path.actions, psi, dpsi);
    const std::size_t F = psi.size();
    total_score(path, p, score);
    const double f = total_cost(path);
    out.g0.resize(p);
    out.Gs.assign(p * F, 0.0);
    out.Gc.assign(p * F, 0.0);
    for (std::size_t c = 0; c < p; ++c) {
      out.g0[c] = f * score[c];
      for (std::size_t q = 0; q < F; ++q) {
        out.Gs[c * F + q] = psi[q] * score[c];
        double v = 0.0;
        for (std::size_t i = 0; i < D; ++i) v += dpsi[q * D + i] * path.d_actions[i * p + c];
        out.Gc[c * F + q] = v;
      }
    }
    return;
  }
  // RL form (draft §6.4.1): Σ_t S_t [G_t - m(a_t, s_t)] + Σ_t ∂m(a_t, s_t)/∂θ, the last with s_t
  // held fixed (∂a_l/∂K_lj = s_j, ∂a_l/∂log σ = σ ε_l), m quadratic in z_t = (a_t, s_t), shared
  // over the steps.
  const std::size_t Z = m + n;
  z.resize(Z);
  const double sigma = std::exp(theta[p - 1]);
  out.g0.assign(p, 0.0);
  std::size_t F = 0;
  double to_go = path.costs[T];
  for (std::size_t t = T; t-- > 0;) {
    to_go += path.costs[t];
    for (std::size_t l = 0; l < m; ++l) z[l] = path.actions[t * m + l];
    for (std::size_t j = 0; j < n; ++j) z[m + j] = path.states[t * n + j];
    features(true, z, psi, dpsi);
    if (F == 0) {
      F = psi.size();
      out.Gs.assign(p * F, 0.0);
      out.Gc.assign(p * F, 0.0);
    }
    const double* S = path.score.data() + t * p;
    for (std::size_t c = 0; c < p; ++c) {
      out.g0[c] += S[c] * to_go;
      for (std::size_t q = 0; q < F; ++q) out.Gs[c * F + q] += psi[q] * S[c];
    }
    for (std::size_t l = 0; l < m; ++l)
      for (std::size_t q = 0; q < F; ++q) {
        const double dm = dpsi[q * Z + l];  // ∂ψ_q/∂a_l
        if (dm == 0.0) continue;
        for (std::size_t j = 0; j < n; ++j) out.Gc[(l * n + j) * F + q] += dm * path.states[t * n + j];
        out.Gc[(p - 1) * F + q] += dm * sigma * eps[t * m + l];
      }
  }
}

}  // namespace

const std::string& to_string(LaxCv cv) {
  static const std::string names[] = {"diag", "full", "rl"};
  return names[static_cast<int>(cv)];
}

void Lax::prepare(const Model& m) {
  const LqrSystem& sys = *lqr_system_of(*m.problem);
  const std::size_t p = m.theta_dim(), D = m.sample_dim();
  std::vector<double> eps(D);
  LaxTerms terms;
  Eigen::MatrixXd normal;
  Eigen::VectorXd rhs;
  for (std::int64_t k = 0; k < opt_.train; ++k) {
    Noise noise(opt_.seed, 0, static_cast<std::uint64_t>(k), Purpose::training);
    const LqrPath& path = rollout(m, noise, eps);
    lax_terms(opt_.cv, sys, m.theta, path, eps, terms);
    // LAX's own variance, ĝ = g0 - (Gs - Gc) φ: the mutant too fits this φ, then drops Gc φ when
    // sampling (one edit of the correct estimator).
    const auto F = static_cast<Eigen::Index>(terms.Gs.size() / p);
    if (k == 0) {
      normal = Eigen::MatrixXd::Zero(F, F);
      rhs = Eigen::VectorXd::Zero(F);
    }
    Eigen::MatrixXd G(static_cast<Eigen::Index>(p), F);
    for (std::size_t c = 0; c < p; ++c)
      for (Eigen::Index q = 0; q < F; ++q)
        G(static_cast<Eigen::Index>(c), q) = terms.Gs[c * F + q] - terms.Gc[c * F + q];
    const Eigen::VectorXd g0 = Eigen::Map<const Eigen::VectorXd>(terms.g0.data(), static_cast<Eigen::Index>(p));
    normal.noalias() += G.transpose() * G;
    rhs.noalias() += G.transpose() * g0;
  }
  const double ridge = 1e-10 * normal.diagonal().mean() + 1e-300;
  normal.diagonal().array() += ridge;
  const Eigen::VectorXd phi = normal.ldlt().solve(rhs);
  phi_.assign(phi.data(), phi.data() + phi.size());
  for (double& v : phi_)
    if (!std::isfinite(v)) v = 0.0;  // a degenerate fit falls back to c_φ = 0 (REINFORCE): still unbiased
}

void Lax::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  sample_via_normals(*this, m, noise, scratch, grad);
}

std::optional<PolicyGradientForm> Lax::policy_gradient_form() const {
  using K = PolicyGradientForm::Kind;
  return PolicyGradientForm{opt_.cv == LaxCv::diag ? K::lax_diag : opt_.cv == LaxCv::full ? K::lax_full : K::lax_rl, phi_,
                            opt_.correction};
}

void Lax::value_at_normals(const Model& m, std::span<const double> eps, std::span<double>,
                           std::span<double> grad) const {
  const std::size_t p = m.theta_dim();
  const LqrPath& path = rollout_at(m, eps);
  thread_local LaxTerms terms;
  lax_terms(opt_.cv, *lqr_system_of(*m.problem), m.theta, path, eps, terms);
  const std::size_t F = terms.Gs.size() / p;
  const bool fitted = phi_.size() == F;
  for (std::size_t c = 0; c < p; ++c) {
    double v = terms.g0[c];
    if (fitted)
      for (std::size_t q = 0; q < F; ++q)
        v += phi_[q] * ((opt_.correction ? terms.Gc[c * F + q] : 0.0) - terms.Gs[c * F + q]);
    grad[c] = v;
  }
}

EstimatorDescriptor pg_reinforce_descriptor() {
  return {.name = "pg-reinforce",
          .params = {integer_param("reward_to_go", 0, 0, 1, "1: weight each step's score by the cost to go")},
          .claimed_unbiased = true,
          .requires_ = "control (lqr)",
          .description = "score function of the policy over one trajectory: C Σ_t ∇θ log π(a_t | s_t), or Σ_t ∇θ log π(a_t | s_t) × cost to go",
          .reference = kReinforceRef,
          .make = [](const ParamValues& v) { return std::make_unique<PolicyReinforce>(v.integer("reward_to_go") == 1); }};
}

EstimatorDescriptor pg_pathwise_descriptor() {
  return {.name = "pg-pathwise",
          .params = {},
          .claimed_unbiased = true,
          .requires_ = "control (lqr)",
          .description = "reparameterization through the dynamics: ∇θ C(a(θ, ε)), one trajectory",
          .reference = kPathwiseRef,
          .make = [](const ParamValues&) { return std::make_unique<PolicyPathwise>(); }};
}

EstimatorDescriptor lax_descriptor() {
  return {.name = "lax",
          .params = {choice_param("cv", {"diag", "full", "rl"},
                                  "control variate: c_φ(a) quadratic in each action (diag) or of degree ≤ 2 (full), "
                                  "or the RL form's m(a_t, s_t) of degree ≤ 2 with reward to go (rl)"),
                     integer_param("train", 4096, 16, 1 << 20, "training trajectories for the least-squares variance fit"),
                     integer_param("seed", 0, 0, std::int64_t{1} << 62, "seed of the training noise")},
          .claimed_unbiased = true,
          .requires_ = "control (lqr)",
          .description = "LAX: [C - c_φ(a)] Σ_t ∇θ log π(a_t | s_t) + ∇θ c_φ(a(θ, ε)) (cv=rl: Σ_t ∇θ log π(a_t | s_t) [G_t - m(a_t, s_t)] + ∂m/∂θ), quadratic c_φ fitted in prepare() to minimize the variance",
          .reference = kLaxRef,
          .make = [](const ParamValues& v) {
            const std::string& cv = v.text("cv");
            return std::make_unique<Lax>(LaxOptions{cv == "full" ? LaxCv::full : cv == "rl" ? LaxCv::rl : LaxCv::diag,
                                                    v.integer("train"), static_cast<std::uint64_t>(v.integer("seed")), true});
          }};
}

}  // namespace estcheck
