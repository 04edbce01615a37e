// verify/stats/sequential.cpp — see sequential.hpp.
#include "verify/stats/sequential.hpp"

#include "estimators/core/error.hpp"
#include "verify/stats/holm.hpp"

#include <algorithm>
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

namespace {

/// The betting figures the stopping rule reads after a block: the Holm family p-value and the
/// largest bias bound (as test_bias_betting computes them).
struct BettingLook {
  double p_family = 1.0;
  double bias_bound = 0.0;
};

BettingLook look(const BettingProcess& bp, const ExactGradient& exact, double alpha) {
  BettingLook l;
  const std::vector<double> adjusted = holm_adjusted(bp.p_values());
  for (double p : adjusted) l.p_family = std::min(l.p_family, p);
  const double level = alpha / static_cast<double>(bp.dim());
  for (std::size_t i = 0; i < bp.dim(); ++i) {
    const auto [lower, upper] = bp.interval(i, level);
    const double g = exact.gradient[i];
    l.bias_bound = std::max(l.bias_bound, std::max({upper - g, g - lower, 0.0}) + exact.error[i]);
  }
  return l;
}

}  // namespace

SequentialResult verify_sequential_betting(const Estimator& est, const Model& model, const RunOptions& base,
                                           const ExactGradient& exact, const BiasTestOptions& test,
                                           const SampleRange& range, const SequentialOptions& o) {
  if (o.max_samples < 2) raise_input_error("max_samples", "an integer >= 2", std::to_string(o.max_samples));
  if (o.first_samples < 2 || o.first_samples > o.max_samples)
    raise_input_error("first_samples", "an integer in [2, max_samples]", std::to_string(o.first_samples));
  validate(test);
  SequentialResult r;
  const std::uint64_t blocks = (o.max_samples + kBlockSize - 1) / kBlockSize;
  r.planned_rounds = blocks;
  RunOptions ro = base;
  ro.samples = o.max_samples;
  BettingRun betting;
  if (!exact.certificate.unknown()) {
    const double d = static_cast<double>(exact.gradient.size());
    std::uint64_t next_record = 1;
    auto stop = [&](const BettingProcess& bp) {
      const BettingLook l = look(bp, exact, test.alpha);
      const std::uint64_t done = (bp.samples() + kBlockSize - 1) / kBlockSize;
      const bool fail = l.p_family <= test.alpha;
      const bool pass = test.tolerance && l.bias_bound < *test.tolerance;
      if (done == next_record || fail || pass) {
        r.rounds.push_back({bp.samples(), test.alpha, l.p_family, l.bias_bound,
                            fail ? Verdict::fail : pass ? Verdict::pass : Verdict::inconclusive});
        if (done == next_record) next_record *= 2;
      }
      return fail || pass;
    };
    betting = betting_pass(est, model, ro, range, exact, test.alpha / d, stop);
  }
  RunOptions used = base;
  used.samples = std::max<std::uint64_t>(2, betting.samples);
  r.run = run_estimator(est, model, used);
  r.test = test_bias_betting(r.run, exact, test, betting, range, est.info().spec);
  if (r.rounds.empty() || r.rounds.back().samples != betting.samples)
    r.rounds.push_back({betting.samples, test.alpha, r.test.p_value_family, r.test.bias_bound, r.test.verdict});
  r.rounds.back().verdict = r.test.verdict;
  r.test.reason += " (sequential, anytime-valid: checked after every block of " + std::to_string(kBlockSize) +
                   "; stopped after " + std::to_string(betting.samples) + " of at most " +
                   std::to_string(o.max_samples) + " samples)";
  r.test.error_rate += "; sequential: holds at any stopping time (Ville's inequality), with no split of alpha";
  return r;
}

}  // namespace estcheck
