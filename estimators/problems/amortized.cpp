// estimators/problems/amortized.cpp — see amortized.hpp: the linear map θ -> logits and its transpose
// (RELAX eq. 17).
#include "estimators/problems/amortized.hpp"

#include <algorithm>

namespace estcheck {

void logits(const LogitMap& map, std::span<const double> theta, std::span<double> out) {
  for (std::size_t r = 0; r < map.logit_dim; ++r) {
    double s = 0.0;
    for (std::size_t e = map.row_start[r]; e < map.row_start[r + 1]; ++e) s += map.coefficient[e] * theta[map.column[e]];
    out[r] = s;
  }
}

void pull_back(const LogitMap& map, std::span<const double> g, std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  for (std::size_t r = 0; r < map.logit_dim; ++r)
    for (std::size_t e = map.row_start[r]; e < map.row_start[r + 1]; ++e) out[map.column[e]] += map.coefficient[e] * g[r];
}

}  // namespace estcheck
