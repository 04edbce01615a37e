// estimators/relaxed_rebar.hpp — relaxed-REBAR: REBAR's control variate plus a learned network.
//
// Grathwohl, Choi, Wu, Roeder & Duvenaud 2018, "Backpropagation through the void", §6.2 of the
// RELAX draft (../shared/seeds/): "we add a learned relaxation to REBAR's control variate which we
// denote relaxed-REBAR", the estimator of eq. 10 with
//   r̄(z) = r_φ(z) + f(σ_λ(z)),
// r_φ a neural network of the logistic sample z itself and f(σ_λ(z)) REBAR's Concrete relaxation
// (η = 1). With z, z̃, b as in REBAR (estimators/rebar.hpp):
//   ĝ = [f(b) - r̄(z̃)] ∇θ log p(b) + ∇θ r̄(z) - ∇θ r̄(z̃),
// ∂z_i/∂θ_i = 1 and ∂z̃_i/∂θ_i as in REBAR. Unbiased for every φ (eq. 10 is, for any
// differentiable r̄). φ is trained before sampling to minimize E[Σ_i ĝ_i²] (eq. 14-16) exactly as
// RELAX's: the class is Relax (estimators/relax.hpp) with RelaxOptions::input = logistic, so the
// variance gradient, the deterministic training stream and the oracles' hooks (relaxed_form(),
// value_at_uniforms) are shared. It differs from this project's `relax`, whose network reads
// σ_λ(z) and whose REBAR term is scaled by η. r_φ = 0 at the start (a = 0, d = 0), so with
// steps=0 the estimator is REBAR(λ, η = 1). Bernoulli problems with a relaxation of f only.
#pragma once

#include "estimators/descriptor.hpp"

namespace estcheck {

inline constexpr const char* kRelaxedRebarReference =
    "Grathwohl et al. 2018, RELAX draft §6.2 (relaxed-REBAR: r(z) + f(σ_λ(z))); eq. 10, 14-16";

/// relaxed-rebar:temperature=λ,hidden=H,steps=S,batch=B,lr=R,train_seed=T (estimators/descriptor.hpp).
EstimatorDescriptor relaxed_rebar_descriptor();

}  // namespace estcheck
