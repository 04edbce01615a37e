// tests/vae_reference.hpp — an independent route to the digits VAE's logit map for its tests
// (test_vae, test_vae_vimco): the dense Jacobian ∂ logits / ∂θ built from the binarized images
// directly, not from the problem's sparse LogitMap (estimators/problems/amortized.hpp), so an
// oracle pulled back through it checks the amortized Aᵀ (RELAX eq. 17) by a second route.
#pragma once

#include "estimators/problems/vae.hpp"

#include <cstddef>
#include <vector>

namespace estcheck {

/// Rows: logit (m, j) = Σ_d x_md W[d N + j] + c_j; columns: θ = (W row-major, then c), 65 N values.
inline std::vector<std::vector<double>> dense_jacobian(std::size_t n, std::size_t images) {
  const auto d = binarized_digits();
  std::vector<std::vector<double>> jac(images * n, std::vector<double>(65 * n, 0.0));
  for (std::size_t m = 0; m < images; ++m)
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t px = 0; px < 64; ++px)
        if ((d[m] >> px) & 1u) jac[m * n + j][px * n + j] = 1.0;
      jac[m * n + j][64 * n + j] = 1.0;
    }
  return jac;
}

}  // namespace estcheck
