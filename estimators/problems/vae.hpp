// estimators/problems/vae.hpp — a discrete VAE / sigmoid belief net on real handwritten digits:
// the RELAX paper's §6.2 experiment (Grathwohl et al. 2018) at a size where the exact gradient is
// an enumeration.
//
// vae:latents=N,hidden=H,images=M,seed=S,coding=01|pm1. Data: the first M images of the UCI
// optical digits (8×8, binarized at 8 of 0..16; data/digits/README.md). Per image x_m, N
// Bernoulli latents b with encoder logits θ_m = x_m·W + c (θ = (W, c): 64N + N weights, W
// row-major W[d·N + j]); prior p(b_j = 1) = σ(π_j); decoder p(x_d = 1 | b) = σ(ℓ_d) with
// ℓ = a + s(b)·V (H = 0) or ℓ = a2 + relu(a1 + s(b)·V1)·V2 (one hidden layer of H units);
// s(b) = b (coding 01) or 2b - 1 (coding pm1, the paper's {-1, 1}); the variables the
// estimators sample are always b ∈ {0, 1}.
//   f(b) = Σ_m [log p(x_m, b_m) - log q_φ(b_m | x_m)],
// the ELBO's integrand, with the encoder in log q held at φ, the problem's own encoder weights
// (drawn from the seed). The target is ∇θ E_{q_θ}[f] — the usual convention, f a black box with
// q's parameters frozen. At θ = φ (the problem's default θ) it is the ELBO's gradient exactly:
// the remaining term E_q[∇θ f] = -E_q[∇θ log q] is 0. Elsewhere it is the gradient of a
// surrogate whose f was built at φ (docs/vae.md).
// Parameters (all exact dyadic rationals, drawn from Philox with the seed by integer arithmetic
// only, no libm): π, V, V1, V2, a1 triangular; a (and a2) 4(2p_d - 1) with p_d pixel d's frequency
// in the whole data set (a rough log-odds), on the grid; encoder W triangular on [-1/4, 1/4], c on
// [-1/2, 1/2]. The decoder logits are then exact integers times 2^-6 (H = 0) or 2^-8 (H > 0), so
// log p(x | b) is a sum of entries of one table of log σ on that grid.
#pragma once

#include "estimators/core/spec.hpp"
#include "estimators/problems/problem.hpp"

#include <memory>

namespace estcheck {

/// The VAE problem from a parsed spec named "vae" (keys latents, hidden, images, seed, coding;
/// calls s.finish()). Throws InputError naming `argument` for bad values.
std::unique_ptr<Problem> make_vae_problem(Spec& s, const std::string& argument);

/// The binarized digits (1797 images; bit 8·row + column of each word is that pixel).
std::span<const std::uint64_t> binarized_digits();

}  // namespace estcheck
