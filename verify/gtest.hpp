// verify/gtest.hpp — GoogleTest assertions for estimators: EXPECT_ESTIMATOR_UNBIASED(estimator,
// problem, theta[, options]) runs verify/check.hpp's check_unbiased (the pipeline,
// verify/pipeline.hpp) and fails with the verdict's figures (estimator, problem, θ, verdict,
// reason, test, seed) unless it passes. Header-only: link estcheck::verify and GTest yourself
// (find_package(estcheck) gives estcheck::verify).
//
//   #include <estcheck/estcheck.hpp>
//   #include <gtest/gtest.h>   // before verify/gtest.hpp
//   TEST(MyEstimator, IsUnbiased) {
//     MyEstimator e;
//     EXPECT_ESTIMATOR_UNBIASED(e, "toy:t=0.45", {0.3});
//   }
//
// The default options (verify/check.hpp) test at α = 1e-6 with 2^20 samples on a fixed seed, so a
// correct estimator fails falsely with probability <= 1e-6 per assertion (exactly, where the exact
// variance makes the Catoni test run; to the CLT's accuracy otherwise).
#pragma once

#include "estimators/problems/catalogue.hpp"
#include "verify/check.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace estcheck::testing {

inline ::testing::AssertionResult estimator_unbiased(Estimator& estimator, const Problem& problem,
                                                     const std::vector<double>& theta,
                                                     const CheckOptions& options = {}) {
  const BiasCheck c = check_unbiased(estimator, problem, theta, options);
  std::ostringstream msg;
  msg << c.estimator.spec << " on " << c.problem << " at theta = (";
  for (std::size_t i = 0; i < theta.size(); ++i) msg << (i ? ", " : "") << theta[i];
  msg << "): " << to_string(c.test.verdict) << " - " << c.test.reason << " [test: " << c.test.method
      << "; samples " << c.test.samples << ", seed " << c.seed << ", alpha " << c.test.alpha << "]";
  if (c.passed()) return ::testing::AssertionSuccess() << msg.str();
  return ::testing::AssertionFailure() << msg.str();
}

inline ::testing::AssertionResult estimator_unbiased(Estimator& estimator, const std::string& problem_spec,
                                                     const std::vector<double>& theta,
                                                     const CheckOptions& options = {}) {
  const std::unique_ptr<Problem> p = make_problem(problem_spec, "problem");
  return estimator_unbiased(estimator, *p, theta, options);
}

}  // namespace estcheck::testing

#define EXPECT_ESTIMATOR_UNBIASED(...) EXPECT_TRUE(::estcheck::testing::estimator_unbiased(__VA_ARGS__))
#define ASSERT_ESTIMATOR_UNBIASED(...) ASSERT_TRUE(::estcheck::testing::estimator_unbiased(__VA_ARGS__))
