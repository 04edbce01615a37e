// verify/stats/sequential.cpp — see sequential.hpp.
#include "verify/stats/sequential.hpp"

#include "estimators/core/error.hpp"

#include <cmath>

namespace estcheck {

SequentialResult verify_sequential(const Estimator& est, const Model& model, const RunOptions& base,
                                   const ExactGradient& exact, const BiasTestOptions& test, TestMethod method,
                                   std::span<const double> vbound, const std::string& source,
                                   const SequentialOptions& o) {
  if (o.max_samples < 2) raise_input_error("max_samples", "an integer >= 2", std::to_string(o.max_samples));
  if (o.first_samples < 2 || o.first_samples > o.max_samples)
    raise_input_error("first_samples", "an integer in [2, max_samples]", std::to_string(o.first_samples));
  validate(test);
  SequentialResult r;
  std::uint64_t k_total = 1;
  for (std::uint64_t n = o.first_samples; n < o.max_samples; n = n > o.max_samples / 2 ? o.max_samples : 2 * n)
    ++k_total;
  r.planned_rounds = k_total;
  BiasTestOptions round_test = test;
  round_test.alpha = test.alpha / static_cast<double>(k_total);
  std::uint64_t n = o.first_samples;
  for (std::uint64_t k = 1; k <= k_total; ++k) {
    RunOptions ro = base;
    ro.samples = n;
    r.run = run_estimator(est, model, ro);
    r.test = verify_bias(est, model, ro, r.run, exact, round_test, method, vbound, source);
    r.rounds.push_back({n, round_test.alpha, r.test.p_value_family, r.test.bias_bound, r.test.verdict});
    const bool last = k == k_total;
    if (r.test.verdict == Verdict::fail || r.test.verdict == Verdict::error) break;
    if (test.tolerance && r.test.verdict == Verdict::pass) break;  // bounded below δ: clear pass
    if (last) break;
    n = n > o.max_samples / 2 ? o.max_samples : 2 * n;
  }
  r.test.alpha = test.alpha;  // the family level; each round's is in `rounds`
  r.test.reason += " (sequential: stopped at round " + std::to_string(r.rounds.size()) + " of " +
                   std::to_string(k_total) + " with " + std::to_string(r.rounds.back().samples) +
                   " samples; each round at alpha/" + std::to_string(k_total) + ")";
  r.test.error_rate += "; sequential: holds at whatever round the run stops (union bound over " +
                       std::to_string(k_total) + " rounds)";
  return r;
}

}  // namespace estcheck
