// verify/check.hpp — one call that checks an estimator for bias: the whole of `estcheck verify`
// (exact target, Monte Carlo run, bias test with the heavy-tail-safe Catoni test where a variance
// bound is known; verify/pipeline.hpp's verify with defaults for a unit test) as a library function, for users who test their own estimators in C++
// (verify/gtest.hpp wraps it in EXPECT_ESTIMATOR_UNBIASED).
#pragma once

#include "estimators/estimator.hpp"
#include "verify/pipeline.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace estcheck {

struct CheckOptions {
  std::uint64_t samples = 1u << 20;
  std::uint64_t seed = 1;
  int threads = 0;                    ///< 0: every core; the figures do not depend on it
  double alpha = 1e-6;                ///< family-wise level (small: a unit test should not flake)
  std::optional<double> tolerance;    ///< claim max |bias| < tolerance
  TestMethod method = TestMethod::automatic;
  std::vector<double> variance_bound; ///< empty: the exact variance when the oracle has it
};

/// The pipeline's report (verify/pipeline.hpp), with the verdict as a bool.
struct BiasCheck : VerifyReport {
  bool passed() const { return test.verdict == Verdict::pass; }
};

/// Checks `estimator` on `problem` at θ: verify(request) with the request `options` describes
/// (est.check(problem), est.prepare(model), the exact target gradient, `options.samples` samples,
/// the bias test at `options.alpha`). Throws InputError on
/// bad input (θ of the wrong length, an estimator that cannot run on the problem, ...).
BiasCheck check_unbiased(Estimator& estimator, const Problem& problem, std::span<const double> theta,
                         const CheckOptions& options = {});

}  // namespace estcheck
