// verify/oracles/exact.hpp — exact oracles for L(θ) = E_{p_θ}[f(x)] and ∇θ L(θ).
//
// - Enumeration (finite supports): L = Σ_x p(x) f(x), ∇L = Σ_x p(x) f(x) ∇θ log p(x), summed over
//   every support point in parallel (oneTBB parallel_deterministic_reduce, so the bits do not
//   depend on the thread count) with compensated (TwoSum) sums; certified
//   (verify/oracles/certified/discrete.hpp: probabilities enclosed in Arb, a proven rounding bound;
//   categorical problems wholly in Arb). VIMCO's L_K likewise.
// - Closed form, where the problem knows it (Gaussian problems, the toy). The toy and the Gaussian
//   problems with a symbolic f (Problem::symbolic(): quadratic, exp, step) are evaluated in Arb
//   (certified/discrete.hpp, certified/gaussian.hpp), certified; others use the problem's doubles
//   (estimated).
// - Quadrature (separable Gaussian problems, f = Σ g(x_i)): with x_i = μ_i + σ_i ε,
//   L_i = ∫ g φ dε, ∂L/∂μ_i = (1/σ_i) ∫ g ε φ dε, ∂L/∂log σ_i = ∫ g (ε² - 1) φ dε
//   (the score-function identities). With a symbolic f these Gaussian integrals are taken in
//   closed form in Arb (certified); any other g by Boost.Math's adaptive Gauss–Kronrod (61
//   points) on the pieces of gaussian_pieces.hpp (ε in [-40, 40] split at 0 and where g is not
//   smooth), estimated.
// Each result carries an absolute error bound per coordinate and a certificate (certificate.hpp)
// saying whether it is proven.
#pragma once

#include "estimators/problems/problem.hpp"
#include "verify/oracles/certificate.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace estcheck {

enum class ExactMethod { automatic, enumeration, closed_form, quadrature };
const char* to_string(ExactMethod m);

struct ExactGradient {
  ExactMethod method = ExactMethod::automatic;
  double objective = 0.0;
  std::vector<double> gradient;
  double objective_error = 0.0;     ///< absolute error bound on `objective`
  std::vector<double> error;        ///< absolute error bound per gradient coordinate
  std::uint64_t support_points = 0; ///< points summed (enumeration)
  /// Whether the error bounds are proven (certificate.hpp). Unknown: the values are NaN and the
  /// note says why (the oracle's time budget ran out).
  Certificate certificate;
};

/// An ExactGradient of `dim` coordinates with no figure: NaN values, certificate unknown(`why`).
ExactGradient unknown_gradient(std::size_t dim, ExactMethod method, std::string why);

/// The first figure of `g` that is NaN or infinite — a gradient coordinate or its error bound, or
/// with `objective` the objective — described ("coordinate 2 nan (error bound 0)"); empty when
/// all are finite. Verdicts (verify/stats/verdict.hpp) and `estcheck exact` refuse such values.
std::string nonfinite_figure(const ExactGradient& g, bool objective = false);

/// The exact L_K = E[log (1/K) Σ_k f(x_k)] and ∇θ L_K = E[log((1/K) Σ f(x_k)) Σ_k ∇θ log p(x_k)]
/// (the VIMCO objective, Mnih & Rezende 2016), by enumerating every K-tuple of support points.
/// Throws InputError (field "problem") unless the support is finite, at most 2^24 tuples, and
/// f > 0 on it. On an amortized problem (the VAE), the per-image K-sample (IWAE) bound instead:
/// verify/oracles/amortized_multisample.hpp.
ExactGradient exact_multisample_gradient(const Model& model, int k, int threads = 0);

/// The exact gradient of the objective `estimator_objective_samples` names (0: E[f]; K: L_K).
ExactGradient exact_target_gradient(const Model& model, int objective_samples, int threads = 0);

/// Whether `method` can compute the model's gradient.
bool exact_available(const Model& model, ExactMethod method);

/// The exact objective and gradient, within the oracle budget (budget.hpp; past it the result is
/// unknown_gradient). `automatic` picks enumeration for finite supports, else the
/// closed form, else quadrature. Throws InputError (field "problem") when the chosen method
/// does not apply. `threads` caps the parallelism of enumeration (0: all cores).
ExactGradient exact_gradient(const Model& model, ExactMethod method = ExactMethod::automatic,
                             int threads = 0);
/// exact_gradient without its own OracleClock (budget.hpp): for oracles that call it inside theirs.
/// Throws OracleBudgetExceeded past the running clock's deadline.
ExactGradient compute_exact_gradient(const Model& model, ExactMethod method = ExactMethod::automatic,
                                     int threads = 0);

}  // namespace estcheck
