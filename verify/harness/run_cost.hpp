// verify/harness/run_cost.hpp — a run's expected wall time, measured before it starts, so that a
// run that would take days (Concrete on a 20-variable table evaluates a 2^20-term multilinear
// extension per sample: about 1 s a sample, 12 days at the default 10^6 samples) is refused up
// front with the expected cost and the option that overrides it, instead of hanging.
//
// The pilot draws samples from a fixed noise stream no run uses (block 2^63 of its own key), one block
// call at a time, until kPilotSeconds have passed or kPilotSamples are drawn, and extrapolates
// linearly to the run's samples over its threads (a lower bound on a loaded machine; the harness
// scales close to linearly, bench/README.md). The pilot's samples are discarded: a run's figures
// are the same with or without it. Estimators whose samples come from elsewhere (the external
// protocol) are not piloted.
#pragma once

#include "estimators/estimator.hpp"

#include <cstdint>
#include <string>

namespace estcheck {

inline constexpr double kPilotSeconds = 0.05;
inline constexpr std::uint64_t kPilotSamples = 64;
inline constexpr std::uint64_t kPilotKey = 0x70696c6f74ULL;  // "pilot"

struct RunCost {
  double seconds_per_sample = 0.0;  ///< measured on one thread
  std::uint64_t pilot_samples = 0;
  double expected_seconds = 0.0;    ///< samples × seconds_per_sample / threads
};

/// Times the pilot (see the top of this file) for `samples` samples on `threads` threads (0: every
/// core). Zero cost for estimators that cannot be piloted.
RunCost expected_run_cost(const Estimator& estimator, const Model& model, std::uint64_t samples, int threads);

/// Throws InputError (field "max_run_seconds") when the expected cost of `samples` samples exceeds
/// `max_seconds` (<= 0: no limit), naming the cost, how it was measured, and the override.
void check_run_cost(const Estimator& estimator, const Model& model, std::uint64_t samples, int threads,
                    double max_seconds);

}  // namespace estcheck
