// tests/budget.hpp — the false-failure budget of the statistical assertions in CI.
//
// A CI run makes a fixed number of Monte Carlo assertions with fixed, recorded seeds. Each is
// made at a significance level drawn from one budget, so that even if every seed were drawn
// afresh, the whole run would fail falsely with probability at most kSuiteBudget (union bound):
//   kSuiteBudget = 1e-4 per CI run, split into shares per test program below; each program
//   divides its share evenly over its own assertions (alpha = share / checks) and says so.
// These levels assume the test's own approximation (the CLT for the t-based verdict); issue 6
// replaces it with tail-safe tests where heavy tails make it optimistic.
#pragma once

#include <boost/math/distributions/normal.hpp>

namespace estcheck::budget {

inline constexpr double kSuiteBudget = 1e-4;

// Shares (they sum to kSuiteBudget).
inline constexpr double kNoise = 0.04e-4;          // tests/test_noise.cpp
inline constexpr double kSequential = 0.01e-4;     // tests/test_sequential.cpp
inline constexpr double kProperties = 0.05e-4;     // proptests/prop_verify.cpp
inline constexpr double kCheck = 0.01e-4;          // tests/test_check.cpp
inline constexpr double kExternal = 0.01e-4;       // tests/external_test.sh (2 passes at 5e-7)
inline constexpr double kDistributions = 0.15e-4;  // test_bernoulli, test_categorical, test_gaussian
inline constexpr double kVerdict = 0.10e-4;        // tests/test_verdict.cpp
inline constexpr double kCalibrate = 0.03e-4;      // tests/test_calibrate.cpp (0.02e-4 went to kCalibration)
inline constexpr double kCalibration = 0.02e-4;    // tests/test_calibration.cpp (issue 18: every test kind)
inline constexpr double kCompare = 0.05e-4;        // tests/test_compare.cpp
inline constexpr double kCatalogue = 0.08e-4;      // tests/test_verify_catalogue.cpp (0.01e-4 each went to kBetting, kHunt, kControl, kVae, kVaeRange, kLqrMoments, kVaeVimco)
inline constexpr double kSweep = 0.08e-4;          // tests/test_verify_sweep.cpp
inline constexpr double kEstimators = 0.10e-4;     // test_reinforce, test_rloo, test_reparam
inline constexpr double kRelaxed = 0.10e-4;        // tests/test_concrete.cpp, tests/test_relax.cpp
inline constexpr double kGraphs = 0.04e-4;         // stochastic computation graphs, MDPs, DiCE (issue 5)
inline constexpr double kGraphMoments = 0.01e-4;   // tests/test_graph_moments.cpp (Catoni, exact variance)
inline constexpr double kSuites = 0.05e-4;         // suite runs in ctest: suite_reports.sh 4e-6, papers_claims.sh 2 x 5e-7
inline constexpr double kBetting = 0.01e-4;        // tests/test_betting.cpp (issue 18: betting test)
inline constexpr double kHunt = 0.01e-4;           // tests/test_hunt.cpp (issue 16: hunts of correct estimators)
inline constexpr double kControl = 0.01e-4;        // test_lqr, test_policy_gradient (issue 15: LQR, LAX)
inline constexpr double kVae = 0.01e-4;            // tests/test_vae_verify.cpp (issue 15: the digits VAE)
inline constexpr double kVaeRange = 0.01e-4;       // tests/test_vae_range.cpp (issue 18: betting on the VAE)
inline constexpr double kLqrMoments = 0.01e-4;     // tests/test_lqr_moments.cpp (issue 18: exact LQR estimator moments)
inline constexpr double kVaeVimco = 0.01e-4;       // tests/test_vae_vimco.cpp (issue 15: VIMCO on the VAE's IWAE bound)
static_assert(kNoise + kDistributions + kVerdict + kCompare + kCatalogue + kSweep + kEstimators + kRelaxed +
                  kGraphs + kGraphMoments + kSuites + kBetting + kControl + kVae + kVaeRange + kLqrMoments + kVaeVimco + kCalibrate + kCalibration +
                  kSequential + kProperties + kCheck + kExternal + kHunt <=
              kSuiteBudget * (1 + 1e-12));

/// Two-sided normal critical value for a per-check α (for tests that compare a sample mean with
/// a known value); computed with Boost.Math so that the arithmetic is in one place.
inline double z_critical(double alpha) {
  return boost::math::quantile(boost::math::complement(boost::math::normal_distribution<double>(), alpha / 2));
}

}  // namespace estcheck::budget
