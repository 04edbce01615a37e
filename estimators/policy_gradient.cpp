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
constexpr const char* kLaxRef = "Grathwohl et al. 2018 (Backpropagation through the Void), §3, eq. 5 (LAX)";

/// Draws ε (T·m normals into `eps`) and rolls the policy out; the path is per thread, reused.
LqrPath& rollout(const Model& m, Noise& noise, std::span<double> eps) {
  thread_local LqrPath path;
  for (double& e : eps) e = noise.normal();
  lqr_rollout(*lqr_system_of(*m.problem), m.theta, eps, path);
  return path;
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
  const LqrPath& path = rollout(m, noise, scratch.first(m.sample_dim()));
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
  const LqrPath& path = rollout(m, noise, scratch.first(m.sample_dim()));
  std::copy(path.d_cost.begin(), path.d_cost.end(), grad.begin());
}

Lax::Lax(LaxOptions opt) : opt_(opt) {
  info_.spec = opt.correction ? "lax:cv=" + std::string(opt.full ? "full" : "diag") + ",train=" +
                                    std::to_string(opt.train) + ",seed=" + std::to_string(opt.seed)
                              : "mutant/lax-no-correction";
  info_.claimed_unbiased = opt.correction;
  info_.needs_rsample = true;
  info_.evaluations = 1;
  info_.reference = kLaxRef;
}

void Lax::prepare(const Model& m) {
  const std::size_t p = m.theta_dim(), D = m.sample_dim(), F = feature_count(opt_.full, D);
  Eigen::MatrixXd normal = Eigen::MatrixXd::Zero(F, F);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(F);
  Eigen::MatrixXd G(p, F);
  Eigen::VectorXd g0(p);
  std::vector<double> eps(D), score(p), psi, dpsi;
  for (std::int64_t k = 0; k < opt_.train; ++k) {
    Noise noise(opt_.seed, 0, static_cast<std::uint64_t>(k), Purpose::training);
    const LqrPath& path = rollout(m, noise, eps);
    total_score(path, p, score);
    const double f = total_cost(path);
    features(opt_.full, path.actions, psi, dpsi);
    // ĝ = f S - Σ_f φ_f [ψ_f S - Σ_i ∂ψ_f/∂x_i ∂x_i/∂θ]: LAX's own variance (the mutant too fits
    // this φ, then drops the correction when sampling: one edit of the correct estimator).
    for (std::size_t c = 0; c < p; ++c) {
      g0(static_cast<Eigen::Index>(c)) = f * score[c];
      for (std::size_t q = 0; q < F; ++q) {
        double v = psi[q] * score[c];
        for (std::size_t i = 0; i < D; ++i) v -= dpsi[q * D + i] * path.d_actions[i * p + c];
        G(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(q)) = v;
      }
    }
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
  const std::size_t p = m.theta_dim(), D = m.sample_dim();
  const LqrPath& path = rollout(m, noise, scratch.first(D));
  thread_local std::vector<double> psi, dpsi;
  features(opt_.full, path.actions, psi, dpsi);
  const std::size_t F = psi.size();
  double c = 0.0;
  if (phi_.size() == F)
    for (std::size_t q = 0; q < F; ++q) c += phi_[q] * psi[q];
  total_score(path, p, grad);
  const double weight = total_cost(path) - c;
  for (double& g : grad) g *= weight;
  if (!opt_.correction || phi_.size() != F) return;
  for (std::size_t i = 0; i < D; ++i) {
    double dc = 0.0;  // ∂c_φ/∂a_i
    for (std::size_t q = 0; q < F; ++q) dc += phi_[q] * dpsi[q * D + i];
    for (std::size_t k = 0; k < p; ++k) grad[k] += dc * path.d_actions[i * p + k];
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
          .params = {choice_param("cv", {"diag", "full"}, "control variate c_φ: quadratic in each action, or every monomial of degree ≤ 2"),
                     integer_param("train", 4096, 16, 1 << 20, "training trajectories for the least-squares variance fit"),
                     integer_param("seed", 0, 0, std::int64_t{1} << 62, "seed of the training noise")},
          .claimed_unbiased = true,
          .requires_ = "control (lqr)",
          .description = "LAX: [C - c_φ(a)] Σ_t ∇θ log π(a_t | s_t) + ∇θ c_φ(a(θ, ε)), c_φ quadratic in the actions, fitted in prepare() to minimize the variance",
          .reference = kLaxRef,
          .make = [](const ParamValues& v) {
            return std::make_unique<Lax>(LaxOptions{v.text("cv") == "full", v.integer("train"),
                                                    static_cast<std::uint64_t>(v.integer("seed")), true});
          }};
}

}  // namespace estcheck
