// verify/oracles/amortized_multisample.hpp — the exact, certified gradient of the per-block
// K-sample bound of an amortized problem (estimators/problems/amortized.hpp; the digits VAE):
// the IWAE bound of Burda et al. 2016 (eq. 8), the objective VIMCO estimates there (Mnih & Rezende
// 2016, eq. 8-10; estimators/vimco.hpp's sample_block_log_weights):
//   L_K(θ) = Σ_m E_{b_{m,1..K} ~ q_θ(·|x_m)} [log (1/K) Σ_k exp f_m(b_{m,k})],
// f_m the block's value (its log-weight; the frozen encoder φ in log q, so f_m does not depend on θ).
// The blocks are independent, and by symmetry over the K draws
//   ∂L_K/∂ℓ_{mj} = K Σ_{b_1..b_K} Π_k q_m(b_k) LSE(f_m(b_1), ..., f_m(b_K)) (b_{1,j} - σ(ℓ_{mj})),
// then ∇θ L_K = Aᵀ ∂L_K/∂ℓ (RELAX eq. 17) in Arb, as amortized_exact.hpp does for E[f].
//
// Two routes per block, each with a proven bound (derivations in amortized_multisample.cpp):
// - K = 2, the pair route: with H(a) = Σ_b q(b) LSE(f_a, f_b), the objective is Σ_a q(a) H(a) -
//   log 2 and the derivative 2 Σ_a q(a)(a_j - σ_j) H(a). LSE(x, y) = max(x, y) + s(|x - y|),
//   s(d) = log1p(e^-d): the max part by prefix sums over the states sorted by f_m, the s part over
//   the pairs closer than D = 36 only (the rest is <= e^-D, bounded), s by linear interpolation in
//   a table of s on a grid of step 2^-10 enclosed in Arb (s is convex with s'' <= 1/4, so the
//   interpolation is within 2^-25 of s). O(N 2^N + pairs) per block: 2^24 pairs at N = 12.
// - any K, the tuple route: every K-tuple of states in Arb ball arithmetic (exp, log and the
//   probabilities enclosed), at most 2^18 tuples over all blocks — the small sizes, and the second
//   route the tests compare the pair route with.
// Both add δ_f (the tables' distance to the real f_m: LSE moves by at most δ_f) and the move from
// the rounded logits ℓ̂ to the real A θ (amortized_exact.hpp's steps 2 and 3, with the bounds
// |∂L_K/∂ℓ| <= K F and |∂²L_K/∂ℓ∂ℓ| <= K (K + 1) F, F = max|f_m| + δ_f + log K). Blocks run in
// parallel (oneTBB; the figures do not depend on the thread count); oracle_checkpoint() is called
// every 256 sorted states in the pair loop and every 4096 tuples.
#pragma once

#include "estimators/problems/problem.hpp"
#include "verify/oracles/exact.hpp"

namespace estcheck {

/// The certified ∇θ L_K of an amortized model (m.problem->amortization() != nullptr), K = k >= 2:
/// the pair route for K = 2, the tuple route otherwise. Throws InputError (field "estimator")
/// when K > 2 and the tuples exceed 2^18, and OracleBudgetExceeded past the running clock's deadline.
ExactGradient amortized_multisample_gradient(const Model& m, int k, int threads = 0);

/// The tuple route for any K (the tests' second route for K = 2). Throws InputError past 2^18 tuples.
ExactGradient amortized_multisample_by_tuples(const Model& m, int k, int threads = 0);

}  // namespace estcheck
