// estimators/problems/lqr.hpp — a finite-horizon linear-quadratic control problem with a linear
// Gaussian policy (issue 15, item 3): the continuous-action setting of LAX (Grathwohl, Choi, Wu,
// Roeder & Duvenaud 2018, "Backpropagation through the Void", §3 and its RL form), where the
// expected cost and its gradient are known in closed form.
//
// System (`lqr:horizon=T`, T in [1, 16], default 8): a double integrator stepped at dt = 0.1,
//   s_{t+1} = A s_t + B a_t,  A = [[1, 0.1], [0, 1]],  B = [[0.005], [0.1]],  s_0 = (1, 0) fixed,
// cost C = Σ_{t<T} (s_tᵀ Q s_t + a_tᵀ R a_t) + s_Tᵀ Q s_T with Q = I₂, R = [0.1]. The matrices are
// the doubles written here, taken as exact. Policy a_t = K s_t + σ ε_t, ε_t ~ N(0, I_m) independent;
// θ = (K row-major (m × n), log σ): 3 values. The sample x of the problem is the action sequence
// a = (a_0, ..., a_{T-1}) (T·m values); f(a) = C, the states being the deterministic rollout of a.
// Its density p(a | θ) = Π_t N(a_t; K s_t(a_{<t}), σ² I) depends on θ through the policy only.
//
// Closed form (Gaussian state propagation): with M = A + B K, the state is Gaussian with
//   μ_{t+1} = M μ_t,  P_{t+1} = M P_t Mᵀ + σ² B Bᵀ,  μ_0 = s_0, P_0 = 0,
//   E[s_tᵀ Q s_t] = μ_tᵀ Q μ_t + tr(Q P_t),  E[a_tᵀ R a_t] = (K μ_t)ᵀ R (K μ_t) + tr(R K P_t Kᵀ) + σ² tr R,
// and ∇θ L is the same recursion in forward mode (dual numbers carrying ∂/∂θ, Dual below). The
// recursion is a template on the scalar: double here (Problem::closed_form) and Arb balls in the
// certified oracle (verify/oracles/certified/lqr.hpp). Family::control: Model::dist is a
// placeholder; the policy-gradient estimators (estimators/policy_gradient.hpp) read the system.
#pragma once

#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/problem.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

/// A linear system with quadratic cost, fixed start and horizon. Matrices row-major.
struct LqrSystem {
  std::size_t n = 2, m = 1, horizon = 8;
  std::vector<double> A, B, Q, R, Qf, s0;
  /// Length of θ = (K, log σ).
  std::size_t theta_dim() const { return m * n + 1; }
};

/// The built-in double integrator of the header with horizon T.
LqrSystem double_integrator(std::size_t horizon);

/// A scalar with its derivatives along θ's coordinates (forward mode), for any scalar type S with
/// +, -, * and construction from a double (double, certified::Ball).
template <class S>
struct Dual {
  S v;
  std::vector<S> d;
};

template <class S>
Dual<S> dual_constant(double c, std::size_t p) { return {S(c), std::vector<S>(p, S(0.0))}; }
template <class S>
Dual<S> operator+(const Dual<S>& a, const Dual<S>& b) {
  Dual<S> r{a.v + b.v, a.d};
  for (std::size_t i = 0; i < r.d.size(); ++i) r.d[i] = r.d[i] + b.d[i];
  return r;
}
template <class S>
Dual<S> operator*(const Dual<S>& a, const Dual<S>& b) {
  Dual<S> r{a.v * b.v, std::vector<S>(a.d.size(), S(0.0))};
  for (std::size_t i = 0; i < r.d.size(); ++i) r.d[i] = a.v * b.d[i] + a.d[i] * b.v;
  return r;
}

/// L(θ) and ∇θ L(θ) in the scalar S.
template <class S>
struct LqrObjective {
  S objective;
  std::vector<S> gradient;
};

/// The closed form of the header: E[C] and its gradient for the policy gain `K` (m × n, row-major)
/// and σ = exp(log σ) given as the scalar `sigma` (so that S computes the exponential itself).
template <class S>
LqrObjective<S> lqr_objective(const LqrSystem& sys, std::span<const S> K, const S& sigma) {
  const std::size_t n = sys.n, m = sys.m, p = sys.theta_dim();
  using D = Dual<S>;
  auto constant = [&](double c) { return dual_constant<S>(c, p); };
  std::vector<D> k(m * n), mu(n), P(n * n, constant(0.0));
  for (std::size_t i = 0; i < m * n; ++i) {
    k[i] = constant(0.0);
    k[i].v = K[i];
    k[i].d[i] = S(1.0);
  }
  D sig = constant(0.0);
  sig.v = sigma;
  sig.d[p - 1] = sigma;  // ∂σ/∂log σ = σ
  const D sig2 = sig * sig;
  for (std::size_t i = 0; i < n; ++i) mu[i] = constant(sys.s0[i]);
  // M = A + B K.
  std::vector<D> M(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      D acc = constant(sys.A[i * n + j]);
      for (std::size_t l = 0; l < m; ++l) acc = acc + constant(sys.B[i * m + l]) * k[l * n + j];
      M[i * n + j] = acc;
    }
  D tr_r = constant(0.0);  // sums and products of the inputs in S, so balls enclose them
  for (std::size_t l = 0; l < m; ++l) tr_r = tr_r + constant(sys.R[l * m + l]);
  // E[sᵀ W s] = μᵀ W μ + tr(W P) for a constant symmetric W (n × n).
  auto state_cost = [&](const std::vector<double>& W) {
    D acc = constant(0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        acc = acc + constant(W[i * n + j]) * (mu[i] * mu[j] + P[j * n + i]);
    return acc;
  };
  D total = constant(0.0);
  std::vector<D> km(m), kp(m * n), mp(n * n);
  for (std::size_t t = 0; t < sys.horizon; ++t) {
    total = total + state_cost(sys.Q);
    // E[aᵀ R a] = Σ_lq R_lq ((Kμ)_l (Kμ)_q + (K P Kᵀ)_lq) + σ² tr R.
    for (std::size_t l = 0; l < m; ++l) {
      km[l] = constant(0.0);
      for (std::size_t j = 0; j < n; ++j) km[l] = km[l] + k[l * n + j] * mu[j];
      for (std::size_t j = 0; j < n; ++j) {
        kp[l * n + j] = constant(0.0);
        for (std::size_t i = 0; i < n; ++i) kp[l * n + j] = kp[l * n + j] + k[l * n + i] * P[i * n + j];
      }
    }
    for (std::size_t l = 0; l < m; ++l)
      for (std::size_t q = 0; q < m; ++q) {
        D kpk = constant(0.0);
        for (std::size_t j = 0; j < n; ++j) kpk = kpk + kp[l * n + j] * k[q * n + j];
        total = total + constant(sys.R[l * m + q]) * (km[l] * km[q] + kpk);
      }
    total = total + tr_r * sig2;
    // μ ← M μ; P ← M P Mᵀ + σ² B Bᵀ.
    std::vector<D> next(n, constant(0.0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) next[i] = next[i] + M[i * n + j] * mu[j];
    mu = std::move(next);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        mp[i * n + j] = constant(0.0);
        for (std::size_t l = 0; l < n; ++l) mp[i * n + j] = mp[i * n + j] + M[i * n + l] * P[l * n + j];
      }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        D bb = constant(0.0);
        for (std::size_t l = 0; l < m; ++l) bb = bb + constant(sys.B[i * m + l]) * constant(sys.B[j * m + l]);
        D acc = constant(0.0);
        for (std::size_t l = 0; l < n; ++l) acc = acc + mp[i * n + l] * M[j * n + l];
        P[i * n + j] = acc + bb * sig2;
      }
  }
  total = total + state_cost(sys.Qf);
  return {total.v, total.d};
}

/// One trajectory along the reparameterized path a_t = K s_t + σ ε_t, with forward-mode
/// derivatives along θ (p = theta_dim values per row).
struct LqrPath {
  std::vector<double> states;     ///< (T + 1) × n
  std::vector<double> actions;    ///< T × m (the sample x)
  std::vector<double> costs;      ///< T + 1: the stage costs s_tᵀQs_t + a_tᵀRa_t, then s_TᵀQ_f s_T
  std::vector<double> score;      ///< T × p: ∇θ log π(a_t | s_t) at fixed a (the score of step t)
  std::vector<double> d_actions;  ///< T·m × p: ∂a_t/∂θ along the path (ε fixed)
  std::vector<double> d_cost;     ///< p: ∇θ C(a(θ, ε)) along the path
};

/// Rolls out the policy θ with the noise `eps` (T × m standard normals) into `path`, resizing it.
/// With `derivatives` false, score, d_actions and d_cost are left empty.
void lqr_rollout(const LqrSystem& sys, std::span<const double> theta, std::span<const double> eps,
                 LqrPath& path, bool derivatives = true);

/// C(a): the cost of the action sequence `actions` (T × m) from s_0 (the problem's f).
double lqr_cost(const LqrSystem& sys, std::span<const double> actions);

/// The LQR problem (Family::control).
class LqrProblem final : public Problem {
 public:
  explicit LqrProblem(LqrSystem sys);
  std::string spec() const override;
  Family family() const override { return Family::control; }
  std::size_t sample_dim() const override { return sys_.horizon * sys_.m; }
  std::size_t theta_dim() const override { return sys_.theta_dim(); }
  std::string theta_meaning() const override;
  double f(std::span<const double> actions) const override { return lqr_cost(sys_, actions); }
  /// The double recursion (lqr_objective<double>); the exact oracle uses the certified one.
  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override;
  const LqrSystem& system() const { return sys_; }
  const LqrSystem* control_system() const override { return &sys_; }

 private:
  LqrSystem sys_;
};

/// The system of an LQR problem (Problem::control_system), or nullptr.
const LqrSystem* lqr_system_of(const Problem& p);

/// Catalogue entries of the LQR problems (appended to problem_catalogue()).
std::vector<ProblemInfo> lqr_problem_entries();

/// The LQR problem of `text` ("lqr:horizon=8"); nullptr when the name is not "lqr". Throws
/// InputError (field `argument`) for bad keys or values.
std::unique_ptr<Problem> make_lqr_problem(std::string_view text, const std::string& argument);

}  // namespace estcheck
