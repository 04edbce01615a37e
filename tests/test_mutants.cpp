// tests/test_mutants.cpp — estimators/mutants/: every planted bug is caught. Each mutant, run with
// the CLI's default budget (10^6 samples, α = 0.001) and a fixed seed on the problem its catalogue
// entry names, gets the verdict fail — and with a margin: its observed bias is at least 10 times
// the run's detectable bias, so the detection does not hinge on the seed (at 10x the detectable
// bias the miss probability is far below 1e-20 under the CLT). These are power checks; they spend
// none of the false-failure budget.
#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace estcheck {
namespace {

TEST(Mutants, AtLeastSixAndAllListed) {
  EXPECT_GE(mutant_catalogue().size(), 6u);
  for (const auto& m : mutant_catalogue()) {
    auto e = make_estimator(m.name);
    ASSERT_NE(e, nullptr) << m.name;
    EXPECT_EQ(e->info().spec, m.name);
    EXPECT_FALSE(e->info().claimed_unbiased);
    EXPECT_FALSE(m.bug.empty());
  }
}

TEST(Mutants, EachFailsWhereItsCatalogueSays) {
  for (const auto& mi : mutant_catalogue()) {
    auto p = make_problem(mi.fails_on);
    auto e = make_estimator(mi.name);
    e->check(*p);
    const Model m = make_model(*p, mi.theta);
    e->prepare(m);  // mutants of estimators with a prepared table (scg-relax) need it; others: no-op
    const RunResult r = run_estimator(*e, m, {1'000'000, 1, 0});
    const BiasTest t = test_bias(r, exact_target(*e, m), {1e-3, {}});  // the Hessian for order-2 mutants
    EXPECT_EQ(t.verdict, Verdict::fail) << mi.name << " on " << mi.fails_on << ": " << t.reason;
    double worst = 0;
    for (double b : t.bias) worst = std::max(worst, std::abs(b));
    EXPECT_GE(worst, 10 * t.detectable_bias) << mi.name << ": bias " << worst << ", detectable "
                                             << t.detectable_bias;
  }
}

TEST(Mutants, UnknownMutantIsAnInputError) {
  EXPECT_THROW(make_estimator("mutant/nope"), InputError);
}

}  // namespace
}  // namespace estcheck
