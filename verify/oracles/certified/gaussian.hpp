// verify/oracles/certified/gaussian.hpp — certified exact figures on the diagonal-Gaussian problems
// (gaussian-quadratic:d,c, gaussian-exp:d, gaussian-step:d; θ = (μ_1..μ_d, log σ_1..log σ_d)),
// computed in Arb's ball arithmetic from Problem::symbolic() (issue 14).
//
// With x = μ + σε, ε ~ N(0, 1), and u(ε) either f(x) (one coordinate of the separable f) or its
// derivative ∂f/∂x, every figure below is a sum of Gaussian integrals E[u(ε)^p ε^k], p <= 2, k <= 8,
// in closed form:
// - quadratic, u = (μ - c + σε)² or 2(μ - c + σε): a polynomial in ε, and E ε^{2j} = (2j - 1)!!;
// - exp, u = e^{μ + σε}: E[e^{tε} ε^k] = e^{t²/2} E[(ε + t)^k] (the lognormal moments);
// - step, u = 1[ε > a], a = -μ/σ: the incomplete moments M_k(a) = ∫_a^∞ ε^k φ(ε) dε, M_0 = Q(a) =
//   erfc(a/√2)/2, M_1 = φ(a), M_k = a^{k-1} φ(a) + (k - 1) M_{k-2}; u' = 0.
// Objective and gradient (score-function identities, as exact.hpp's quadrature): L_i = E u,
// ∂L/∂μ_i = E[u ε]/σ_i, ∂L/∂log σ_i = E[u (ε² - 1)] (gaussian_gradient's quadrature route); its
// closed-form route evaluates the textbook formulas instead ((μ - c)² + σ², e^{μ + σ²/2},
// Φ(μ/σ) and their derivatives), so the two routes are computed independently. Estimator moments (an estimator whose
// Estimator::sample_form() is declared; any d for the score and pathwise forms): ĝ_j = (u - b) h_j(ε) / s with h = (ε/σ, ε² - 1) for the
// score function and (1, σε) for the pathwise form; E ĝ_j and E ĝ_j² expand into the integrals
// above, Var = E ĝ² - (E ĝ)², all in balls; the leave-one-out form (RLOO's K draws) likewise,
// over the equality patterns of its draw indices (gaussian_form_moments).
// Every ball is turned into a double with Ball::to_enclosure (|true - mid| <= rad proven).
// σ = exp(log σ) is a ball: θ's doubles are the exact inputs.
#pragma once

#include "estimators/estimator.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <optional>
#include <string>

namespace estcheck::certified {

/// Whether the model is a diagonal-Gaussian problem with a symbolic f these routes know.
bool gaussian_symbolic(const Model& model);

/// L(θ) and ∇θ L(θ) in Arb for a gaussian_symbolic model, certified: the closed-form formulas
/// (`method` closed_form) or the Gaussian integrals of the quadrature route (`method` quadrature).
/// Where a value overflows a double the result is unknown_gradient (why: the overflow).
/// std::nullopt unless gaussian_symbolic(model).
std::optional<ExactGradient> gaussian_gradient(const Model& model, ExactMethod method);

/// E ĝ and Var ĝ in Arb of a sample of the declared `form` on a gaussian_symbolic model,
/// certified as the moments of that formula (the caller checks that the estimator's code is that
/// formula). Values that overflow a double make the certificate unknown. std::nullopt unless the
/// model is gaussian_symbolic. The score-function and pathwise forms take any d: f = Σ_l u_l is
/// separable, so coordinate i's sample (u_i - b + v) h(ε_i) / s has v = Σ_{l≠i} u_l independent of
/// ε_i and its moments factor into one-coordinate integrals (E v, Var v). The leave-one-out form
/// (RLOO; any d, the other coordinates' part v entering each pattern by E v, E v²) needs its K
/// `draws`: E ĝ and E ĝ² expand over the 15 equality patterns of the four draw indices in
/// ĝ² = (K-1)^-2 Σ_{k,m,l,n} c_km c_ln u_m h_k u_n h_l, c_km = δ_km - 1/K, each pattern with
/// K(K-1)..(K-B+1) index tuples of B distinct draws and the product over its blocks of
/// E[u^a h^b] (a, b the u's and h's in the block), all integrals above.
std::optional<EstimatorMoments> gaussian_form_moments(const SampleForm& form, const Model& model, int draws = 1);

/// Whether the estimator's code computes the declared `form` (the leave-one-out form with `draws`
/// draws) on a gaussian_symbolic model, checked pointwise where a quadrature of the code is not
/// affordable (d >= 2, or K draws past the tensor rules) or cannot follow f (the step at K >= 4):
/// value_at at 64 points ε ~ N(0, I) (Philox, Purpose::test, a fixed key) against the form
/// evaluated in double from the symbolic f, each coordinate within rel · (its terms' magnitudes),
/// rel = 64ε A² with A = 1 + (|μ| + |c|)/σ + |μ| + 8σ of the worst coordinate (the conditioning of
/// x = μ + σε that the quadrature cross-checks allow for, estimator_mean.cpp). A form that is not
/// the code differs by O(1) relative at generic points. Returns the first disagreement in words, or
/// nullopt when the code agrees everywhere.
std::optional<std::string> form_disagreement(const Estimator& estimator, const SampleForm& form, const Model& model,
                                             int draws = 1);

}  // namespace estcheck::certified
