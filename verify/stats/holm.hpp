// verify/stats/holm.hpp — Holm's step-down procedure (Holm 1979, "A simple sequentially rejective
// multiple test procedure", Scand. J. Statist. 6:65-70), written once, with its two views:
// - holm_adjusted: per-hypothesis adjusted p-values (the bias test's coordinates, verify/stats/verdict.hpp);
// - holm_thresholds: per-hypothesis thresholds at a family-wise level α (the suite's checks, tools/suite.hpp).
//
// The procedure: sort the m p-values ascending (ties in input order), p_(1) <= ... <= p_(m); reject
// p_(j) while every p_(l), l <= j, is <= α/(m - l + 1). Both views come from holm_steps below:
// adj_(j) = max_{l<=j} min(1, (m - l + 1) p_(l)), and hypothesis i is rejected at level α exactly when
// adj_i <= α, exactly when p_i <= threshold_i.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace estcheck {

/// Holm's nominal step levels α/m, α/(m-1), ..., α/1: the threshold of rank j when every smaller
/// p-value was rejected.
std::vector<double> holm_levels(std::size_t m, double alpha);

/// Holm's adjusted p-values: adj_(j) = max_{l<=j} min(1, (m - l + 1) p_(l)) (ascending order, ties
/// in input order); reject hypothesis i at family-wise level α iff adj_i <= α.
std::vector<double> holm_adjusted(const std::vector<double>& p);

/// Holm's step-down thresholds at family-wise level `alpha`: the hypothesis of rank j (1-based,
/// ascending p, ties in input order) gets α/(m - j + 1) while every smaller p is below its own
/// threshold; from the first rank s that is not, every later rank gets α/(m - s + 1). So a
/// hypothesis is rejected exactly when p <= its threshold. Returns (rank, threshold) per input.
std::vector<std::pair<std::size_t, double>> holm_thresholds(const std::vector<double>& p, double alpha);

}  // namespace estcheck
