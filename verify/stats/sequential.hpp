// verify/stats/sequential.hpp — anytime-valid sequential verification: sample in rounds, stop as soon
// as the answer is clear, with the error rate holding at whatever round the run stops.
//
// Rounds k = 1..K use the first n_k = min(first · 2^(k-1), max) samples of the seed's stream
// (a prefix of the fixed-N run: the same numbers), K = 1 + ⌈log2(max / first)⌉. Round k runs the
// bias test (t or Catoni, as `verify`) at level α_k = α / K on its n_k samples and stops with
// - fail when the test rejects (bias detected);
// - pass when a tolerance δ is given and the round's bias bound is below δ;
// - at round K, the fixed-N verdict at level α_K.
// Error rates, by the union bound over the K rounds (a stitched confidence sequence, Howard et al.
// 2021 §3, with equal spending): P(fail at any round | unbiased) <= Σ α_k = α, and with δ,
// P(pass at any round | max |bias| >= δ) <= α — for any stopping round, with no optional-stopping
// bias, to the accuracy of the per-round test (exact for Catoni, CLT for t). The price is the
// per-round level α/K (K ~ 10 for a 1000-fold range) and the recomputed prefixes (at most 2x the
// samples of the final round).
// With the betting test (verify/stats/betting.hpp; an estimator that declares its sample range)
// there are no rounds: verify_sequential_betting feeds the samples of one stream in block order
// and checks after every block — fail when the Holm-adjusted anytime p-value (1 / the largest
// hedged capital) reaches α, pass when a tolerance δ is given and every coordinate's confidence
// sequence (level α/d) lies within δ of the target. Both are sups of nonnegative supermartingales
// under Ville's inequality, so P(fail | unbiased) <= α and P(pass | max |bias| >= δ) <= α hold
// at every stopping time, with no approximation and no α/K split. The moments reported are those
// of the samples used (run_estimator over the same prefix).
#pragma once

#include "verify/stats/betting.hpp"
#include "verify/stats/catoni.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace estcheck {

struct SequentialOptions {
  std::uint64_t first_samples = 16384;
  std::uint64_t max_samples = 1u << 24;
};

struct SequentialRound {
  std::uint64_t samples = 0;
  double alpha = 0.0;
  double p_value_family = 1.0;
  double bias_bound = 0.0;
  Verdict verdict = Verdict::error;
};

struct SequentialResult {
  std::vector<SequentialRound> rounds;  ///< betting: one entry per power-of-two block count and the last
  std::uint64_t planned_rounds = 0;
  RunResult run;   ///< the last round's run
  BiasTest test;   ///< the last round's test (at level alpha / planned_rounds)
};

/// Throws InputError (fields "max_samples", "first_samples") unless 2 <= first <= max.
SequentialResult verify_sequential(const Estimator& est, const Model& model, const RunOptions& base,
                                   const ExactGradient& exact, const BiasTestOptions& test, TestMethod method,
                                   std::span<const double> variance_bound, const std::string& source,
                                   const SequentialOptions& options);

/// The betting test's sequential run (see the file comment): samples up to options.max_samples
/// of `base`'s stream, checked after every block. `estimator` names it in a range violation.
/// Throws InputError as verify_sequential.
SequentialResult verify_sequential_betting(const Estimator& est, const Model& model, const RunOptions& base,
                                           const ExactGradient& exact, const BiasTestOptions& test,
                                           const SampleRange& range, const SequentialOptions& options);

}  // namespace estcheck
