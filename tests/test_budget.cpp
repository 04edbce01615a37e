// tests/test_budget.cpp — verify/oracles/budget.hpp: an oracle past its budget stops within a small
// factor of it (OracleBudgetExceeded at a checkpoint), clocks nest, and oracle_expect refuses a
// route predicted to outlast what is left.
#include "verify/oracles/budget.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace estcheck {
namespace {

struct BudgetGuard {
  double saved = oracle_seconds();
  ~BudgetGuard() { set_oracle_seconds(saved); }
};

TEST(OracleBudget, CheckpointThrowsPastTheDeadline) {
  BudgetGuard guard;
  set_oracle_seconds(0.05);
  const auto start = std::chrono::steady_clock::now();
  OracleClock clock("a loop that never ends");
  bool thrown = false;
  try {
    for (;;) oracle_checkpoint();
  } catch (const OracleBudgetExceeded& e) {
    thrown = true;
    EXPECT_NE(std::string(e.what()).find("a loop that never ends"), std::string::npos);
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(thrown);
  EXPECT_LT(took, 0.5);  // within 10x of the budget
}

TEST(OracleBudget, NoClockNoLimitAndInnerClocksKeepTheOuterDeadline) {
  BudgetGuard guard;
  set_oracle_seconds(0.0);
  EXPECT_NO_THROW(oracle_checkpoint());  // no clock running
  EXPECT_FALSE(oracle_expired());
  set_oracle_seconds(1000.0);
  OracleClock outer("outer");
  set_oracle_seconds(0.0);
  {
    OracleClock inner("inner");  // sooner: its own deadline
    EXPECT_THROW(oracle_checkpoint(), OracleBudgetExceeded);
  }
  EXPECT_NO_THROW(oracle_checkpoint());  // back to the outer's 1000 s
}

TEST(OracleBudget, ExpectRefusesPredictedOverruns) {
  BudgetGuard guard;
  set_oracle_seconds(10.0);
  OracleClock clock("a predicted route");
  EXPECT_NO_THROW(oracle_expect(1.0, "a cheap route"));
  EXPECT_THROW(oracle_expect(100.0, "an expensive route"), OracleBudgetExceeded);
}

}  // namespace
}  // namespace estcheck
