// verify/oracles/amortized_exact.hpp — the exact, certified ∇θ E_{q_θ}[f] of an amortized problem
// (estimators/problems/amortized.hpp; the discrete VAE of RELAX §6.2, Grathwohl et al. 2018), by
// enumerating the 2^N states of each block (image) and the chain rule of RELAX eq. 17.
//
// f = Σ_m f_m(b_m) with the blocks independent under q, so ∂/∂ℓ_{mj} E[f] = Σ_b q_m(b) f_m(b)
// (b_j - σ(ℓ_{mj})) over block m's 2^N states alone, and ∇θ E[f] = Aᵀ ∇_ℓ E[f]. Per block:
// 1. the problem's block table (its own f values, Gray-code order in the VAE) enumerated by the
//    certified Bernoulli route (certified/discrete.hpp: probabilities in Arb, Higham's γ_k and
//    compensated sums; the table values exact inputs) at the logits ℓ̂ the estimators sample from;
// 2. + δ_f, the proven distance from the table's doubles to the real f: each value is a
//    left-to-right sum of `terms` double constants (BlockSumForm) whose reals Σ w log σ(arg) are
//    enclosed in Arb (r = the largest constant error, C = the largest |constant|):
//    δ_f = terms·r + γ_terms·terms·C; it moves E[f] by <= δ_f and each ∂/∂ℓ by <= δ_f E|b_j - σ_j|
//    <= δ_f;
// 3. + the move from ℓ̂ (rounded A θ) to the real A θ: each |ℓ̂_i - ℓ_i| <= δ_i is enclosed in Arb;
//    |∂L/∂ℓ_i| <= F and |∂²L/∂ℓ_i∂ℓ_j| <= 2F with F = max|f_m| + δ_f, so the objective moves by
//    <= F Σ δ_i and each logit derivative by <= 2F Σ δ_i (sums over the block's N logits).
// The pull-back Aᵀ and the sum over blocks are taken in Arb (ball per logit derivative: value ±
// its bound). Blocks run in parallel (oneTBB; each block's figures do not depend on the threads);
// the certified route calls oracle_checkpoint() every 4096 states.
#pragma once

#include "estimators/problems/problem.hpp"
#include "verify/oracles/exact.hpp"

#include <span>
#include <string>
#include <vector>

namespace estcheck {

class Amortization;

/// The certified exact gradient of an amortized model (m.problem->amortization() != nullptr).
/// `threads` caps the parallelism (0: every core). Throws OracleBudgetExceeded past the running
/// clock's deadline (exact_gradient turns it into an unknown figure).
ExactGradient amortized_exact_gradient(const Model& m, int threads = 0);

/// One block's figures on its logits: the objective and ∂/∂ℓ_{mj} (block_bits values) with proven bounds.
struct AmortizedBlock {
  double objective = 0.0, objective_error = 0.0;
  std::vector<double> gradient, error;
  Certificate certificate;
};
/// Σ_m of the blocks' objectives and Aᵀ of their logit derivatives, in Arb (RELAX eq. 17); the
/// certificate is proven(how) when every block's is and every figure is finite.
ExactGradient pull_back_blocks(const Model& m, std::span<const AmortizedBlock> blocks, const std::string& how,
                               std::uint64_t support_points);
/// δ_f of step 2: a proven bound on |table value - real f_m(b)| for every block and state.
double amortized_table_error(const Amortization& a);
/// δ_i of step 3 for every logit i: a proven bound on |ℓ̂_i - (A θ)_i|, ℓ̂ the model's logits.
std::vector<double> amortized_logit_errors(const Model& m);
/// Block `b`'s table of f_m (2^block_bits values, f's own bits) and its largest |value| in `fmax`.
std::vector<double> amortized_block_table(const Amortization& a, std::size_t b, double& fmax);

}  // namespace estcheck
