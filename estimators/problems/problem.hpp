// estimators/problems/problem.hpp — a problem: a distribution family p_θ plus a black-box objective f.
//
// The quantity estimators target is ∇θ L(θ), L(θ) = E_{x ~ p_θ}[f(x)]. A Problem states the family
// (Bernoulli vector, one categorical, diagonal Gaussian), the sizes of x and θ, and evaluates f;
// Gaussian problems may also give ∇x f (for the pathwise estimator), a closed-form L and ∇L, and a
// separable form f(x) = Σ_i g(x_i) that the quadrature oracle integrates (verify/oracles/exact.hpp).
// A Model is a Problem fixed at one θ, with the distribution's parameters computed once.
#pragma once

#include "estimators/distributions/bernoulli.hpp"
#include "estimators/distributions/categorical.hpp"
#include "estimators/distributions/gaussian.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace estcheck {

/// graph: a stochastic computation graph (estimators/problems/graph.hpp); its Model::dist is a placeholder
/// (Bernoulli logits θ) that only the graph estimators' checks keep unread. control: a linear-Gaussian
/// policy on a linear-quadratic system (estimators/problems/lqr.hpp), x = the action sequence; its
/// Model::dist is the same placeholder, read by no estimator (the policy-gradient ones read the system).
enum class Family { bernoulli, categorical, gaussian, graph, control };
class Amortization;  // estimators/problems/amortized.hpp
struct Graph;        // estimators/problems/graph.hpp
struct LqrSystem;    // estimators/problems/lqr.hpp
const char* to_string(Family f);

/// L(θ) and ∇L(θ) in closed form, with absolute rounding-error bounds when the problem knows
/// them better than the oracle's default (16ε relative per value).
struct ClosedForm {
  double objective;
  std::vector<double> gradient;
  std::optional<double> objective_error = std::nullopt;
  std::vector<double> gradient_error = {};
};

/// f(x) = Σ_i g(x_i), with the points where g is not smooth (quadrature splits there).
struct Separable {
  std::function<double(double)> g;
  std::vector<double> breakpoints;
};

/// f in a form that other arithmetic can evaluate: the certified oracles (verify/oracles/certified/)
/// redo the problem's formulas in Arb's ball arithmetic from it. `table`: f's values at the support
/// points are the problem's own doubles (f() there, exact inputs); the others name a formula.
struct SymbolicF {
  enum class Kind {
    table,               ///< Bernoulli or categorical table: f(x) = table[x]
    toy,                 ///< f(b) = (b - t)², relaxed f(z) = (z - t)²; parameter = t
    gaussian_quadratic,  ///< f(x) = Σ (x_i - c)²; parameter = c
    gaussian_exp,        ///< f(x) = Σ exp(x_i)
    gaussian_step        ///< f(x) = Σ 1[x_i > 0]
  };
  Kind kind = Kind::table;
  double parameter = 0.0;
};

/// Proven bounds on a relaxation of f that is neither the toy nor a table (Problem::
/// relaxation_enclosure), over the whole cube [0,1]^n and as the problem's own double code computes
/// f_relaxed and relaxed_gradient there: value_lo <= f_relaxed(z) <= value_hi and
/// |relaxed_gradient(z)_i| <= slope[i]. relaxation_bounds (estimators/sample_bounds.hpp) reads it.
struct RelaxationEnclosure {
  double value_lo = 0.0, value_hi = 0.0;
  std::vector<double> slope;
  std::string how;  ///< the proof, in words
};

class Problem {
 public:
  virtual ~Problem() = default;

  /// The canonical spec, every parameter spelled out ("toy:t=0.499"), or the JSON file's path.
  virtual std::string spec() const = 0;
  virtual Family family() const = 0;
  /// Length of x: n Bernoulli variables, K (one-hot) classes, or d Gaussian coordinates.
  virtual std::size_t sample_dim() const = 0;
  /// Length of θ: n, K, or 2d.
  virtual std::size_t theta_dim() const = 0;
  /// A line saying what θ is, for messages ("θ = 16 logits").
  virtual std::string theta_meaning() const = 0;

  /// The black box f(x) for x a sample of the family (b ∈ {0,1}^n, e_k, or x ∈ R^d).
  virtual double f(std::span<const double> x) const = 0;
  /// f of `count` samples stored row-major in `xs` (count × sample_dim()), written to `out`; the
  /// same values as f() row by row. The default loops over f().
  virtual void f_batch(std::span<const double> xs, std::size_t count, std::span<double> out) const;

  /// Whether f has a pathwise derivative ∇x f (needed by `reparam`).
  virtual bool has_gradient() const { return false; }
  /// ∇x f at x, written to `out` (size sample_dim()). Only called when has_gradient().
  virtual void gradient(std::span<const double> x, std::span<double> out) const;

  /// Whether f extends to relaxed Bernoulli inputs z ∈ [0,1]^n (f_relaxed, relaxed_gradient), as
  /// the Concrete and straight-through estimators need.
  virtual bool has_relaxation() const { return false; }
  /// The extension of f to z ∈ [0,1]^n (equal to f on {0,1}^n). Only called when has_relaxation().
  virtual double f_relaxed(std::span<const double> z) const;
  /// ∂f_relaxed/∂z at z, written to `out` (size n). Only called when has_relaxation().
  virtual void relaxed_gradient(std::span<const double> z, std::span<double> out) const;
  /// Whether f_relaxed is multilinear (affine in each z_i alone): the table problems' extension.
  virtual bool relaxation_is_multilinear() const { return false; }

  /// L(θ) and ∇L(θ) in closed form, when known.
  virtual std::optional<ClosedForm> closed_form(std::span<const double> theta) const;
  /// The separable form of f, when f has one.
  virtual std::optional<Separable> separable() const { return std::nullopt; }
  /// f's symbolic form, for the certified oracles; std::nullopt for graphs and other black boxes.
  virtual std::optional<SymbolicF> symbolic() const { return std::nullopt; }
  /// Amortized problems (estimators/problems/amortized.hpp: θ maps linearly to the Bernoulli
  /// logits, RELAX eq. 17); nullptr for the others.
  virtual const Amortization* amortization() const { return nullptr; }
  /// Stochastic computation graphs (estimators/problems/graph.hpp): the graph the graph
  /// estimators and oracles walk; nullptr for the others. graph_of() reads it.
  virtual const Graph* computation_graph() const { return nullptr; }
  /// Linear-quadratic control problems (estimators/problems/lqr.hpp): the system the
  /// policy-gradient estimators and the closed form read; nullptr for the others.
  /// lqr_system_of() reads it.
  virtual const LqrSystem* control_system() const { return nullptr; }
  /// The θ the problem suggests (`--theta default`), when it has one (the VAE: its encoder).
  virtual std::optional<std::vector<double>> default_theta() const { return std::nullopt; }
  /// A proven interval [lo, hi] holding f(x) as the code computes it at every point of a discrete
  /// support, declared without enumerating the support (the VAE: from its per-image tables, f =
  /// Σ_m f_m; estimators/problems/vae.cpp), or nullopt. f_range_on_support
  /// (estimators/estimator.hpp) reads it when the support is too big to enumerate.
  virtual std::optional<std::pair<double, double>> f_bounds() const { return std::nullopt; }
  /// Proven bounds on f_relaxed and its slopes over [0,1]^n (RelaxationEnclosure), for a
  /// relaxation the symbolic forms do not cover (the VAE's decoder: estimators/problems/vae.cpp), or
  /// nullopt.
  virtual std::optional<RelaxationEnclosure> relaxation_enclosure() const { return std::nullopt; }
};

using Distribution = std::variant<BernoulliLogits, CategoricalLogits, DiagGaussian>;

/// A problem at one θ. Built by make_model, which checks θ.
struct Model {
  const Problem* problem;
  std::vector<double> theta;
  Distribution dist;

  std::size_t theta_dim() const { return theta.size(); }
  std::size_t sample_dim() const { return problem->sample_dim(); }
  double f(std::span<const double> x) const { return problem->f(x); }
};

/// Checks θ against the problem (length, finite values, valid σ) and builds the model. Throws
/// InputError naming the field `argument` ("theta"; the CLI shows it as --theta).
Model make_model(const Problem& problem, std::span<const double> theta,
                 const std::string& argument = "theta");

/// Free functions on the distribution of a model, dispatched on its family.
void sample(const Distribution& d, Noise& noise, std::span<double> x);
void score(const Distribution& d, std::span<const double> x, std::span<double> out);
double log_prob(const Distribution& d, std::span<const double> x);

}  // namespace estcheck
