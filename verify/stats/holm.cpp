// verify/stats/holm.cpp — see holm.hpp (Holm 1979).
#include "verify/stats/holm.hpp"

#include <algorithm>
#include <numeric>

namespace estcheck {

namespace {

/// The one implementation: the ascending order of `p` (ties in input order) and, per rank j
/// (0-based), its multiplier m - j. Both views below walk it.
struct HolmSteps {
  std::vector<std::size_t> order;  ///< order[j]: the input index of rank j + 1
  std::size_t m = 0;
  double multiplier(std::size_t j) const { return static_cast<double>(m - j); }
};

HolmSteps holm_steps(const std::vector<double>& p) {
  HolmSteps s;
  s.m = p.size();
  s.order.resize(s.m);
  std::iota(s.order.begin(), s.order.end(), 0);
  std::stable_sort(s.order.begin(), s.order.end(), [&](auto a, auto b) { return p[a] < p[b]; });
  return s;
}

}  // namespace

std::vector<double> holm_levels(std::size_t m, double alpha) {
  std::vector<double> levels(m);
  for (std::size_t j = 0; j < m; ++j) levels[j] = alpha / static_cast<double>(m - j);
  return levels;
}

std::vector<double> holm_adjusted(const std::vector<double>& p) {
  const HolmSteps s = holm_steps(p);
  std::vector<double> adj(s.m);
  double running = 0.0;
  for (std::size_t j = 0; j < s.m; ++j) {
    running = std::max(running, std::min(1.0, s.multiplier(j) * p[s.order[j]]));
    adj[s.order[j]] = running;
  }
  return adj;
}

std::vector<std::pair<std::size_t, double>> holm_thresholds(const std::vector<double>& p, double alpha) {
  const HolmSteps s = holm_steps(p);
  const std::vector<double> levels = holm_levels(s.m, alpha);
  std::vector<std::pair<std::size_t, double>> out(s.m);
  bool stopped = false;
  double stop_threshold = 0.0;
  for (std::size_t j = 0; j < s.m; ++j) {
    const double t = levels[j];
    if (!stopped && !(p[s.order[j]] <= t)) {
      stopped = true;
      stop_threshold = t;
    }
    out[s.order[j]] = {j + 1, stopped ? stop_threshold : t};
  }
  return out;
}

}  // namespace estcheck
