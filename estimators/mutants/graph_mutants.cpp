// estimators/mutants/graph_mutants.cpp — see graph_mutants.hpp.
#include "estimators/mutants/graph_mutants.hpp"

#include "estimators/graphs/graph_estimators.hpp"

#include <algorithm>

namespace estcheck {
namespace {

// Mutants of scg: the same surrogate with one planted credit-assignment bug.
class ScgMutant final : public Scg {
 public:
  explicit ScgMutant(ScgBug bug) : Scg(ScgOptions{}), bug_(bug) {
    info_.spec = bug == ScgBug::baseline_uses_sample ? "mutant/scg-baseline-uses-sample"
                 : bug == ScgBug::missing_score      ? "mutant/scg-missing-score"
                                                     : "mutant/scg-last-credit";
    info_.claimed_unbiased = false;
    info_.reference = "breaks scg (Schulman et al. 2015, Corollary 1)";
  }

 protected:
  void weights(const Graph& g, std::span<const double> values, std::span<const double> choice,
               std::span<double> out) const override {
    switch (bug_) {
      case ScgBug::baseline_uses_sample:
        graph_credit(g, values, false, out);
        for (std::size_t k = 0; k < g.stochastic.size(); ++k)
          out[k] -= static_cast<double>(choice[g.stochastic[k]]);  // BUG: b_w depends on w itself
        break;
      case ScgBug::missing_score:
        graph_credit(g, values, false, out);
        out[g.stochastic.size() - 1] = 0.0;  // BUG: the last node's score term is dropped
        break;
      case ScgBug::last_credit:
        // BUG: each cost is credited only to the last stochastic node that influences it.
        std::fill(out.begin(), out.end(), 0.0);
        for (std::size_t ci = 0; ci < g.costs.size(); ++ci) {
          const auto& up = g.upstream_stochastic[ci];
          if (up.empty()) continue;
          for (std::size_t k = 0; k < g.stochastic.size(); ++k)
            if (g.stochastic[k] == up.back()) out[k] += values[g.costs[ci]];
        }
        break;
    }
  }

 private:
  ScgBug bug_;
};

}  // namespace

std::unique_ptr<Estimator> make_scg_mutant(ScgBug bug) { return std::make_unique<ScgMutant>(bug); }

}  // namespace estcheck
