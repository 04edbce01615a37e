// estimators/relax.hpp — RELAX: REBAR with a learned, free-form control variate.
//
// Grathwohl, Choi, Wu, Roeder & Duvenaud 2018, "Backpropagation through the void", eq. 10 of the
// RELAX draft (../shared/seeds/), for Bernoulli variables, with the same b, z, z̃ as REBAR
// (estimators/rebar.hpp):
//   ĝ = [f(b) - c_φ(z̃)] ∇θ log p(b) + ∇θ c_φ(z) - ∇θ c_φ(z̃),
//   c_φ(z) = η f(σ_λ(z)) + r_φ(σ_λ(z)),  r_φ(x) = Σ_h a_h tanh(W_h·x + c_h) + d
// (the draft's discrete-case control variate: the REBAR term plus a small network, §3.3/§6.1).
// Unbiased for every φ: the control variate's score term has the mean of its two pathwise terms.
// prepare(model) trains φ to minimize the variance (eq. 14–16): the gradient of E[Σ_i ĝ_i²]
// w.r.t. φ is 2 E[Σ_i ĝ_i ∂ĝ_i/∂φ] (E ĝ does not depend on φ), estimated on minibatches and
// followed with Adam. Training draws its noise from Purpose::training keyed by (train_seed,
// step), so the trained φ is a deterministic function of the spec and the model. r starts at 0
// (a = 0, d = 0; W, c drawn small), so the untrained estimator is REBAR(λ, η).
// relaxed-REBAR (RELAX draft §6.2; estimators/relaxed_rebar.hpp) is this class with
// RelaxOptions::input = logistic: r̄(z) = f(σ_λ(z)) + r_φ(z), the network reading z itself.
// Categorical problems: the same with REBAR's categorical relaxation (softmax(z/λ), the truncated-
// Gumbel z̃; estimators/rebar.hpp) and r_φ on the K-simplex. Noise: u_1..u_K then v_1..v_K.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"

#include <Eigen/Dense>

namespace estcheck {

struct RelaxOptions {
  /// What r_φ reads: σ_λ(z) (RELAX, the default) or the logistic sample z (relaxed-REBAR,
  /// Bernoulli only; η is then 1 and the spec is relaxed-rebar:...).
  enum class Input { relaxed, logistic };
  Input input = Input::relaxed;
  double temperature = 0.5;   ///< λ
  double eta = 1.0;           ///< η, the scale of the REBAR term
  int hidden = 8;             ///< units of r_φ
  int steps = 500;            ///< Adam steps in prepare()
  int batch = 32;             ///< samples per step
  double learning_rate = 0.01;
  std::uint64_t train_seed = 0;
};

class Relax final : public Estimator {
 public:
  explicit Relax(const RelaxOptions& options);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& problem) const override;
  void prepare(const Model& model) override;
  std::size_t scratch_size(const Model& m) const override { return 10 * m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch,
              std::span<double> grad) const override;

  /// ĝ as a pure function of the uniforms u, v ∈ (0,1)^n and the current φ. When `param_grad`
  /// is non-empty it also receives ∂(Σ_i ĝ_i²)/∂φ (size parameter_count()).
  void evaluate(const Model& m, std::span<const double> u, std::span<const double> v,
                std::span<double> grad, std::span<double> param_grad = {}) const;
  /// Runs `steps` Adam steps from the current φ (prepare() runs options.steps from the start).
  void train(const Model& m, int steps);
  std::size_t parameter_count() const;
  /// A proven interval per coordinate for the trained φ (derivation in relax.cpp); nullopt before
  /// prepare() or where relaxation_bounds (estimators/sample_bounds.hpp) has no proof.
  std::optional<SampleRange> sample_range(const Model& m) const override;
  std::optional<RelaxedForm> relaxed_form() const override {
    return RelaxedForm{RelaxedForm::Kind::relax, opt_.temperature, opt_.eta};
  }
  /// evaluate(m, u, v) with the current φ (scratch unused).
  void value_at_uniforms(const Model& m, std::span<const double> u, std::span<const double> v,
                         std::span<double>, std::span<double> grad) const override {
    evaluate(m, u, v, grad);
  }
  const Eigen::VectorXd& parameters() const { return phi_; }

 private:
  /// r_φ at x: hidden activations t, 1 - t², the value r and ∂r/∂x.
  struct Net {
    Eigen::VectorXd t, dt, rx;
    double r = 0.0;
  };
  Net net(std::span<const double> x) const;
  /// pg += w ∂r(x)/∂φ.
  void add_r(const Net& o, std::span<const double> x, double w, Eigen::Ref<Eigen::VectorXd> pg) const;
  /// pg += Σ_i w_i ∂(∂r/∂x_i)(x)/∂φ.
  void add_rx(const Net& o, std::span<const double> x, const std::vector<double>& w,
              Eigen::Ref<Eigen::VectorXd> pg) const;
  void evaluate_categorical(const Model& m, std::span<const double> u, std::span<const double> v,
                            std::span<double> grad, std::span<double> param_grad) const;
  void initialize(std::size_t n);
  static void draw_uniforms(const Model& m, Noise& noise, std::span<double> u, std::span<double> v);
  RelaxOptions opt_;
  EstimatorInfo info_;
  std::size_t n_ = 0;
  Eigen::VectorXd phi_;  ///< [a (H), c (H), W (H×n row-major), d]
  int trained_steps_ = 0;
};

/// relax:temperature=λ,... (estimators/descriptor.hpp).
EstimatorDescriptor relax_descriptor();

/// The parameters of r_φ's training, shared by relax and relaxed-rebar (estimators/relaxed_rebar.hpp):
/// hidden, steps, batch, lr, train_seed with `o`'s values as defaults; and their values read into `o`.
std::vector<ParamInfo> relax_network_params(const RelaxOptions& o);
void read_relax_network_params(const ParamValues& v, RelaxOptions& o);

}  // namespace estcheck
