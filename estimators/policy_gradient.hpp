// estimators/policy_gradient.hpp — policy-gradient estimators for control problems
// (Family::control: the LQR problem of estimators/problems/lqr.hpp; issue 15, item 3).
//
// One sample is one trajectory: T·m standard normals ε (Noise::normal, step after step), actions
// a_t = K s_t + σ ε_t through the known dynamics, f = the total cost C(a). With the policy's score
// at step t, S_t = ∇θ log π(a_t | s_t) (a fixed: ε_l s_j / σ for K_lj, Σ_l (ε_l² - 1) for log σ):
// - pg-reinforce: ĝ = C Σ_t S_t (Williams 1992, eq. 8, the whole trajectory as one draw), or with
//   reward_to_go=1, ĝ = Σ_t S_t Σ_{t' ≥ t} c_{t'} (the costs before t are independent of a_t given
//   the history; Sutton & Barto 2018, §13.3).
// - pg-pathwise: ĝ = ∇θ C(a(θ, ε)), the reparameterization gradient through the dynamics (forward
//   mode along θ; Mohamed et al. 2020, §5).
// - lax: LAX, Grathwohl et al. 2018 ("Backpropagation through the Void"); the RELAX draft
//   (../shared/seeds/) §5.1, eq. 7-8:
//   ĝ_LAX = [f(b) - c_φ(b)] ∇θ log p(b | θ) + ∇θ c_φ(T(ε, θ)), with b = the action sequence a,
//   ∇θ log p(a | θ) = Σ_t S_t and ∇θ c_φ(a(θ, ε)) = Σ_i ∂c_φ/∂a_i ∂a_i/∂θ along the path. Unbiased
//   for every φ fixed before sampling. cv=diag: c_φ(a) = φ_0 + Σ_i φ_i a_i + Σ_i φ'_i a_i²; cv=full:
//   every monomial of degree ≤ 2 in a (a family that contains C itself). cv=rl: the draft's RL
//   form (§6.4.1), an action-dependent baseline m(a_t, s_t) of degree ≤ 2 in (a_t, s_t), shared
//   over the steps: ĝ = Σ_t S_t [G_t - m(a_t, s_t)] + Σ_t ∂m(a_t, s_t)/∂θ, G_t the cost to go and
//   the derivative taken through a_t = K s_t + σ ε_t with s_t held fixed (the draft's proof,
//   eq. 23-24, conditions on s_t: E[S_t m(a_t, s_t) | s_t] = E[∂m/∂θ | s_t]).
//   In every form ĝ is affine in φ, ĝ = g₀ - (G_s - G_c) φ, so prepare() minimizes the sum of |ĝ|²
//   over `train` training trajectories (Noise purpose training, the stated `seed`) as a linear
//   least-squares problem, solved once by Eigen (LDLT of the normal equations with a ridge of
//   1e-10 times their mean diagonal): deterministic, no step size. The paper trains φ by stochastic
//   gradient steps on the same variance objective; the exact minimizer over the training set
//   replaces those steps here.
// Each declares its form (Estimator::policy_gradient_form(): the kind, LAX's φ, the correction flag)
// and computes its sample at given normals (value_at_normals, what sample() runs after drawing ε),
// so the certified oracle (verify/oracles/certified/lqr_moments.hpp) rebuilds the sample as a
// polynomial in ε and proves its exact mean and variance (docs/lqr.md).
// The planted mutants mutant/lax-no-correction and mutant/lax-rl-no-correction (estimators/mutants/)
// fit the same φ and drop G_c φ when sampling: biased by -∇θ E[c_φ(a)] (and its RL analogue).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace estcheck {

/// Throws InputError (field "estimator") unless `problem` is a control (LQR) problem.
void require_control(const std::string& estimator, const Problem& problem);

class PolicyReinforce final : public Estimator {
 public:
  explicit PolicyReinforce(bool reward_to_go);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override { require_control(info_.spec, problem); }
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  std::optional<PolicyGradientForm> policy_gradient_form() const override;
  void value_at_normals(const Model& m, std::span<const double> eps, std::span<double> scratch,
                        std::span<double> grad) const override;

 private:
  bool reward_to_go_;
  EstimatorInfo info_;
};

class PolicyPathwise final : public Estimator {
 public:
  PolicyPathwise();
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override { require_control(info_.spec, problem); }
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  std::optional<PolicyGradientForm> policy_gradient_form() const override;
  void value_at_normals(const Model& m, std::span<const double> eps, std::span<double> scratch,
                        std::span<double> grad) const override;

 private:
  EstimatorInfo info_;
};

/// LAX's control variate: c_φ(a) quadratic in each action (diag) or of degree ≤ 2 (full), or the RL
/// form's per-step m(a_t, s_t) of degree ≤ 2 in (a_t, s_t) (rl).
enum class LaxCv { diag, full, rl };
const std::string& to_string(LaxCv cv);

struct LaxOptions {
  LaxCv cv = LaxCv::diag;
  std::int64_t train = 4096;    ///< training trajectories for the variance fit
  std::uint64_t seed = 0;       ///< seed of the training noise (Purpose::training)
  bool correction = true;       ///< false: the planted bug (drops ∇θ c_φ)
};

class Lax final : public Estimator {
 public:
  explicit Lax(LaxOptions opt);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override { require_control(info_.spec, problem); }
  /// Fits φ (the header's least squares) on `train` trajectories at the model's θ.
  void prepare(const Model& m) override;
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  std::optional<PolicyGradientForm> policy_gradient_form() const override;
  void value_at_normals(const Model& m, std::span<const double> eps, std::span<double> scratch,
                        std::span<double> grad) const override;
  /// The fitted φ (empty before prepare()).
  const std::vector<double>& phi() const { return phi_; }

 private:
  LaxOptions opt_;
  EstimatorInfo info_;
  std::vector<double> phi_;
};

/// pg-reinforce:reward_to_go=0|1, pg-pathwise, lax:cv=diag|full|rl,train=N,seed=S.
EstimatorDescriptor pg_reinforce_descriptor();
EstimatorDescriptor pg_pathwise_descriptor();
EstimatorDescriptor lax_descriptor();

}  // namespace estcheck
