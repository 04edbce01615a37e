// estimators/estimator.hpp — the contract every gradient estimator implements.
//
// An estimator maps (model, noise) to one sample ĝ of a vector whose expectation it claims to be
// ∇θ E_{p_θ}[f]. The contract:
// - Inputs: a Model (problem at θ; θ already checked), a Noise stream (the sample's only
//   randomness), and scratch memory of scratch_size(model) doubles whose content on entry is
//   meaningless.
// - Output: output_dim(info(), model.theta_dim()) values written to `grad` (theta_dim, or the
//   Hessian's upper triangle for estimators of order 2). The result depends on nothing but the
//   model and the noise, so the harness may call it from any thread in any order.
// - Failures: check(problem) throws InputError (field "estimator") when the estimator cannot run
//   on the problem; sample() itself never throws for a checked problem. It may return non-finite
//   values (the harness counts them; it never averages them in).
// - Flags: info() says whether the estimator is claimed unbiased, whether it needs rsample and
//   ∇x f, and how many evaluations of f one sample costs.
// - Capabilities: what the exact oracles (verify/oracles/) may use, declared by the estimator
//   itself — draws()/value_at, relaxed_form(), has_antithetic_cells()/value_at_uniforms,
//   samples_graph_assignment()/value_at_assignment, policy_gradient_form()/value_at_normals,
//   frozen_scale(), sample_range() — so verify/
//   never casts to a concrete estimator type.
// Its name, parameters, claim and factory are its descriptor (estimators/descriptor.hpp).
#pragma once

#include "estimators/core/noise.hpp"
#include "estimators/problems/problem.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {

struct EstimatorInfo {
  std::string spec;          ///< canonical spec with every parameter ("rloo:k=4")
  bool claimed_unbiased;     ///< E[ĝ] = ∇L(θ) for every problem it accepts
  bool needs_rsample;        ///< needs a reparameterizable family and ∇x f
  int evaluations;           ///< f evaluations per gradient sample
  std::string reference;     ///< paper and equation
  /// The objective whose gradient the estimator targets: 0 for L = E[f(x)]; K >= 1 for the
  /// multi-sample bound L_K = E[log (1/K) Σ_k f(x_k)] (VIMCO), which needs f > 0.
  int objective_samples = 0;
  /// The derivative it estimates: 1, ∇θ L (theta_dim values); 2, the Hessian ∇²θ L, upper
  /// triangle row-major (theta_dim (theta_dim + 1) / 2 values; `dice:order=2`, docs/graphs.md).
  int order = 1;
};

/// Values one sample writes: theta_dim for order 1, theta_dim (theta_dim + 1) / 2 for order 2.
inline std::size_t output_dim(const EstimatorInfo& info, std::size_t theta_dim) {
  return info.order == 2 ? theta_dim * (theta_dim + 1) / 2 : theta_dim;
}

/// The relaxed form of an estimator built on the binary Concrete relaxation (estimators/concrete.hpp,
/// rebar.hpp, relax.hpp), read by the exact oracles (verify/oracles/estimator_mean.cpp). On
/// Bernoulli variables its sample is a pure function of uniforms u (Concrete, straight-through)
/// or (u, v) (REBAR, RELAX), given by Estimator::value_at_uniforms.
struct RelaxedForm {
  enum class Kind { concrete, straight_through, rebar, relax };
  Kind kind;
  double temperature;       ///< λ
  double eta = 0.0;         ///< η of REBAR and RELAX; 0 for Concrete and straight-through
  bool planted_bug = false; ///< the mutant (mutant/rebar-no-conditional), not the published form
};

/// The closed form of one sample with a single draw x ~ p_θ, declared by the estimator for the
/// certified oracles (verify/oracles/certified/gaussian.hpp), which redo it in Arb and check it
/// against quadrature of value_at:
/// - score_function: ĝ = (f(x) - baseline) ∇θ log p(x | θ) / scale, baseline and scale constants
///   (REINFORCE with a constant baseline; NVIL once prepare() has frozen c and s);
/// - pathwise (diagonal Gaussians): ĝ = ∇x f(x) ∂x/∂θ at x = μ + σ ⊙ ε, i.e. ∂/∂μ_i: ∂_i f(x),
///   ∂/∂log σ_i: ∂_i f(x) σ_i ε_i (reparam);
/// - leave_one_out (draws() = K >= 2 draws): ĝ = 1/(K-1) Σ_k (f(x_k) - f̄) ∇θ log p(x_k) (RLOO).
struct SampleForm {
  enum class Kind { score_function, pathwise, leave_one_out };
  Kind kind = Kind::score_function;
  double baseline = 0.0;  ///< score_function: the constant subtracted from f
  double scale = 1.0;     ///< score_function: the constant divisor
};

/// The closed form of a policy-gradient sample on a control (LQR) problem (estimators/
/// policy_gradient.hpp), declared for the certified moments (verify/oracles/certified/
/// lqr_moments.hpp), which rebuild the sample as a polynomial in the noise ε in Arb: reinforce
/// (C Σ_t S_t), reward_to_go (Σ_t S_t G_t), pathwise (∇θ C(a(θ, ε))), and LAX's trajectory forms
/// with c_φ quadratic per action (lax_diag) or of degree ≤ 2 (lax_full), or its RL form (lax_rl),
/// each with the fitted φ and whether the correction term is kept (false: the planted mutants).
struct PolicyGradientForm {
  enum class Kind { reinforce, reward_to_go, pathwise, lax_diag, lax_full, lax_rl };
  Kind kind = Kind::reinforce;
  std::vector<double> phi;  ///< LAX: the φ fitted in prepare() (empty: c_φ = 0)
  bool correction = true;   ///< LAX: false drops the correction term (the mutants)
};

/// A proven interval [lo_i, hi_i] per output coordinate that holds every sample the estimator can
/// produce on one prepared model (Estimator::sample_range); read by the betting test
/// (verify/stats/betting.hpp), which checks every sample against it and never clips.
struct SampleRange {
  std::vector<double> lo, hi;
  std::string source;  ///< how it was derived ("enumeration of the 16 draws")
};

class Estimator {
 public:
  virtual ~Estimator() = default;
  virtual const EstimatorInfo& info() const = 0;
  /// Throws InputError when this estimator cannot be used on `problem`.
  virtual void check(const Problem& problem) const;
  /// Fits learned parameters to `model` (default: nothing to fit).
  virtual void prepare(const Model& model);
  /// Doubles of scratch memory that sample() needs.
  virtual std::size_t scratch_size(const Model& model) const = 0;
  /// Writes one gradient sample (model.theta_dim() values) to `grad`.
  virtual void sample(const Model& model, Noise& noise, std::span<double> scratch,
                      std::span<double> grad) const = 0;
  /// When one sample's only randomness is `draws()` independent draws x ~ p_θ (REINFORCE: 1,
  /// RLOO and VIMCO: K), value_at gives the sample for given draws `xs` (draws × sample_dim,
  /// row-major) — so verify/ can enumerate its exact mean and variance. 0 (the default): other noise.
  virtual int draws() const { return 0; }
  /// The sample for the draws `xs`; `scratch` has scratch_size(model) doubles. Throws
  /// std::logic_error when draws() is 0.
  virtual void value_at(const Model& model, std::span<const double> xs, std::span<double> scratch,
                        std::span<double> grad) const;
  /// Capabilities the exact oracles use (verify/oracles/estimator_mean.cpp); none by default.
  /// The relaxed form (Concrete, straight-through, REBAR, RELAX), or nullopt.
  virtual std::optional<RelaxedForm> relaxed_form() const { return std::nullopt; }
  /// True when, on Bernoulli variables, one sample's only noise is u ~ U(0,1)^n and ĝ is affine
  /// in u_i on each of the 3^n cells between σ(θ_j) and σ(-θ_j) (ARM, DisARM), so its moments are
  /// exact sums over the cells (antithetic_cell, value_at_uniforms).
  virtual bool has_antithetic_cells() const { return false; }
  /// The sample at given uniforms u (and v, where relaxed_form() is REBAR or RELAX; ignored
  /// otherwise) on Bernoulli variables, each of size sample_dim; `scratch` has scratch_size(model)
  /// doubles. Throws std::logic_error unless relaxed_form() or has_antithetic_cells() says so.
  virtual void value_at_uniforms(const Model& model, std::span<const double> u, std::span<const double> v,
                                 std::span<double> scratch, std::span<double> grad) const;
  /// For has_antithetic_cells(): the sample's form on the cell holding u (ARM, DisARM), for the
  /// certified moments (verify/oracles/certified/antithetic.hpp): ĝ_i(u) = value_i + slope_i (u_i - 1/2)
  /// in exact arithmetic, value and slope the doubles the code computes from the same comparisons
  /// (ARM: 0 and fl(f(b⁺) - f(b⁻)); DisARM: its constant outputs and 0). Its contract:
  /// value_at_uniforms rounds at most twice more (fl(u_i - 1/2), the product), and its comparisons
  /// switch within 2^-52 of the model's doubles σ(±θ_j) (d.probs, d.probs0). `scratch` has
  /// scratch_size(model) doubles. Throws std::logic_error unless has_antithetic_cells().
  virtual void antithetic_cell(const Model& model, std::span<const double> u, std::span<double> scratch,
                               std::span<double> value, std::span<double> slope) const;
  /// True when, on a graph problem whose stochastic nodes are all discrete, one sample's only
  /// randomness is the joint draw of those nodes (scg with every option and its mutants, dice of
  /// both orders; not scg-relax, whose Gumbel noise is continuous), so verify/ can enumerate its
  /// exact mean and variance over the graph's joint assignments (value_at_assignment).
  virtual bool samples_graph_assignment() const { return false; }
  /// The sample (output_dim values) at the joint assignment `choice` of a graph problem's
  /// stochastic nodes (one entry per graph node, as estimators/problems/graph.hpp's assignment()
  /// writes it): the code sample() runs once it has drawn, the same bits. `scratch` has
  /// scratch_size(model) doubles. Throws std::logic_error unless samples_graph_assignment().
  virtual void value_at_assignment(const Model& model, std::span<const double> choice, std::span<double> scratch,
                                   std::span<double> grad) const;
  /// On a control (LQR) problem, the closed form of the sample (policy-gradient estimators, once
  /// prepared), or nullopt. Its noise ε is the sample's first T·m Noise::normal() draws.
  virtual std::optional<PolicyGradientForm> policy_gradient_form() const { return std::nullopt; }
  /// The sample at the standard normals `eps` (T·m values, the noise sample() draws): the code
  /// sample() runs once it has drawn, the same bits. Throws std::logic_error unless
  /// policy_gradient_form() says so.
  virtual void value_at_normals(const Model& model, std::span<const double> eps, std::span<double> scratch,
                                std::span<double> grad) const;
  /// The blockwise multi-sample form (objective_samples = K > 0) on a problem whose f is a sum of
  /// per-block log-weights, f = Σ_m f_m(b_m) (an amortized problem, estimators/problems/amortized.hpp:
  /// the VAE's f_m = log p(x_m, b_m) - log q(b_m | x_m)): the objective is then the importance-
  /// weighted bound per block, L_K = Σ_m E log (1/K) Σ_k exp f_m(b_{m,k}) (Burda et al. 2016), and
  /// one sample draws K joint samples b_1..b_K of every variable from `model` (the Bernoulli logit
  /// problem) and writes an estimate of ∇_logits L_K to `grad`. True for VIMCO; the amortized
  /// adapter (estimators/amortized.hpp) runs the estimator through it and refuses the other
  /// multi-sample estimators; the oracle is verify/oracles/amortized_multisample.hpp.
  virtual bool has_block_log_weight_form() const { return false; }
  /// One sample of that form; `scratch` has scratch_size(model) + K·blocks() doubles. Throws
  /// std::logic_error unless has_block_log_weight_form().
  virtual void sample_block_log_weights(const Model& model, const Amortization& blocks, Noise& noise,
                                        std::span<double> scratch, std::span<double> grad) const;
  /// A proven interval per logit holding every sample of that form on `model`, or nullopt.
  virtual std::optional<SampleRange> block_log_weight_range(const Model& model, const Amortization& blocks) const;
  /// When E ĝ = ∇L / s for a frozen scale s fitted in prepare() (NVIL), s; otherwise nullopt.
  virtual std::optional<double> frozen_scale() const { return std::nullopt; }
  /// The sample's closed form when it is one of SampleForm's; otherwise nullopt.
  virtual std::optional<SampleForm> sample_form() const { return std::nullopt; }
  /// An interval per output coordinate holding every sample this estimator can produce on `model`
  /// (prepared), or nullopt when it has none it can prove (Gaussian problems: unbounded). The
  /// default derives it from the declared noise when that noise is finite: the minimum and maximum
  /// of value_at over every tuple of draws() draws on a Bernoulli or categorical problem (REINFORCE,
  /// RLOO, VIMCO), or of value_at_assignment over a discrete graph's joint assignments (scg, dice),
  /// at most kMaxRangePoints evaluations, each end widened by 64ε of the largest |value| (the
  /// enumerated values are the samples' own bits; the widening covers a compiler's contraction
  /// differences between sample() and value_at). An override must be a proof, not an estimate:
  /// a sample outside the range makes the betting test an error naming the estimator.
  virtual std::optional<SampleRange> sample_range(const Model& model) const;
  /// Samples (seed, block, 0..count-1), row-major into `out` (count × theta_dim). `work` is
  /// memory the estimator may resize and reuse across calls.
  virtual void sample_block(const Model& model, std::uint64_t seed, std::uint64_t block,
                            std::size_t count, std::vector<double>& work,
                            std::span<double> out) const;
};

/// The most evaluations the default Estimator::sample_range spends enumerating.
inline constexpr std::uint64_t kMaxRangePoints = std::uint64_t{1} << 20;

/// The smallest and largest f over a Bernoulli or categorical problem's whole support (f as computed,
/// at every support point); past kMaxRangePoints points, the problem's declared bounds
/// (Problem::f_bounds: an enclosure, not the extremes) or nullopt; nullopt when the problem has no
/// enumerable support. For estimators that bound their samples by f's spread.
std::optional<std::pair<double, double>> f_range_on_support(const Model& model);

/// Throws InputError (field "estimator") unless `problem` is a Bernoulli problem.
void require_bernoulli(const std::string& estimator, const Problem& problem);
/// Throws InputError unless `problem` has Bernoulli variables and a relaxation of f.
void require_relaxation(const std::string& estimator, const Problem& problem);

}  // namespace estcheck
