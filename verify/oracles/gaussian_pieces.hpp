// verify/oracles/gaussian_pieces.hpp — the pieces of ε on which the quadrature oracles integrate
// g(μ + σε) φ(ε) (exact.cpp's quadrature route, estimator_mean.cpp's moments over ε).
//
// The integrand is 0 in double wherever φ(ε) underflows (|ε| > 38.6), so the pieces cover
// [-kGaussianPieceEnd, kGaussianPieceEnd] only, split at ε = 0 (where φ's mass is) and at every
// breakpoint b of g, at ε = (b - μ)/σ, clipped to the range. A piece must have its mass near a
// node: with a breakpoint far outside the bulk (μ/σ = 400: ε = -400) a half-infinite piece
// (-400, ∞) is mapped by Boost's transformation so that the bulk at ε ≈ 0 falls between its
// Kronrod nodes, every node sees φ = 0, and the integral and its error estimate come out as
// exactly 0 (issue 14, case 1: REINFORCE's variance (0, 0) on gaussian-step at θ = (1, -6)).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace estcheck {

inline constexpr double kGaussianPieceEnd = 40.0;  ///< φ(40) = e^{-800}/√(2π) underflows to 0

/// The sorted cut points in ε, first -kGaussianPieceEnd and last +kGaussianPieceEnd; consecutive
/// points bound one piece (empty pieces removed).
inline std::vector<double> gaussian_pieces(double mu, double sigma, const std::vector<double>& breakpoints) {
  std::vector<double> cuts{-kGaussianPieceEnd, 0.0, kGaussianPieceEnd};
  for (double b : breakpoints) {
    const double c = (b - mu) / sigma;
    if (std::isfinite(c)) cuts.push_back(std::clamp(c, -kGaussianPieceEnd, kGaussianPieceEnd));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace estcheck
