// tests/test_sequential.cpp — verify/stats/sequential.hpp: the round schedule, rounds as prefixes of the
// fixed-N stream, early stops on a clear failure and on a clear pass, and bad budgets.
// Budget: two tests assert a pass on an unbiased estimator (each a sequential run whose false-fail
// probability is at most its α, CLT), each at α = kSequential / 2; the failure and the early stop
// asserted are far from the decision boundary (a sign-flipped coordinate; a tolerance 10x the
// bias bound the full run reaches).
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/stats/sequential.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

struct Case {
  std::unique_ptr<Problem> p = make_problem("gaussian-quadratic:d=2,c=0.5");
  Model m = make_model(*p, std::vector<double>{0.3, -0.2, 0.1, 0.0});
  ExactGradient exact = exact_gradient(m);
};

SequentialResult run(const Case& c, const std::string& est, std::optional<double> tol, std::uint64_t first,
                     std::uint64_t max) {
  auto e = make_estimator(est);
  RunOptions ro;
  ro.seed = 11;
  BiasTestOptions bo;
  bo.alpha = budget::kSequential / 2;
  bo.tolerance = tol;
  SequentialOptions so;
  so.first_samples = first;
  so.max_samples = max;
  return verify_sequential(*e, c.m, ro, c.exact, bo, TestMethod::t, {}, "", so);
}

TEST(Sequential, DoublingRoundsEndingAtTheMaximum) {
  const Case c;
  const SequentialResult r = run(c, "reparam", std::nullopt, 1000, 10000);
  // 1000, 2000, 4000, 8000, 10000.
  EXPECT_EQ(r.planned_rounds, 5u);
  ASSERT_EQ(r.rounds.size(), 5u);  // no tolerance and no bias: runs to the end
  EXPECT_EQ(r.rounds.back().samples, 10000u);
  EXPECT_EQ(r.rounds[3].samples, 8000u);
  for (const auto& k : r.rounds) EXPECT_DOUBLE_EQ(k.alpha, budget::kSequential / 2 / 5);
  EXPECT_EQ(r.test.alpha, budget::kSequential / 2);
  EXPECT_EQ(r.test.verdict, Verdict::pass);
  // The last round is the fixed-N run on the same stream, bit for bit.
  auto e = make_estimator("reparam");
  RunOptions ro;
  ro.seed = 11;
  ro.samples = 10000;
  const RunResult fixed = run_estimator(*e, c.m, ro);
  EXPECT_EQ(r.run.moments.mean, fixed.moments.mean);
  EXPECT_EQ(r.run.moments.m2, fixed.moments.m2);
}

TEST(Sequential, StopsAtTheFirstRoundOnAClearBias) {
  const Case c;
  const SequentialResult r = run(c, "mutant/reinforce-sign-flip", std::nullopt, 4096, 1 << 22);
  EXPECT_EQ(r.test.verdict, Verdict::fail);
  EXPECT_LT(r.rounds.size(), r.planned_rounds);
  EXPECT_NE(r.test.reason.find("sequential: stopped at round"), std::string::npos);
}

TEST(Sequential, StopsEarlyOnAClearPassWithATolerance) {
  const Case c;
  const SequentialResult full = run(c, "reparam", std::nullopt, 4096, 1 << 20);
  const SequentialResult r = run(c, "reparam", 10 * full.test.bias_bound, 4096, 1 << 20);
  EXPECT_EQ(r.test.verdict, Verdict::pass);
  EXPECT_LT(r.rounds.back().samples, 1u << 20);
  EXPECT_LT(r.test.bias_bound, 10 * full.test.bias_bound);
}

TEST(Sequential, RejectsBadBudgets) {
  const Case c;
  EXPECT_THROW(run(c, "reparam", std::nullopt, 5000, 4000), InputError);
  EXPECT_THROW(run(c, "reparam", std::nullopt, 1, 4000), InputError);
}

}  // namespace
}  // namespace estcheck
