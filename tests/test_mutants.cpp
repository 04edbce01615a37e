// tests/test_mutants.cpp — estimators/mutants/: every planted bug is caught. Each mutant, run with
// the CLI's default budget (10^6 samples, α = 0.001) and a fixed seed on the problem its catalogue
// entry names, gets the verdict fail — and with a margin: its observed bias is at least 10 times
// the run's detectable bias, so the detection does not hinge on the seed (at 10x the detectable
// bias the miss probability is far below 1e-20 under the CLT). These are power checks; they spend
// none of the false-failure budget.
// `estcheck mutate` (tools/mutate.hpp) decides by the suite's own Holm budget: a deterministic
// case (fixed seed, t-test) where Holm catches a mutant that Bonferroni's α/m would miss.
#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"
#include "tools/mutate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

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

TEST(Mutate, HolmOverTheWholeSuiteDecides) {
  // m = 2 budgeted checks at α = 0.01: "bad", a planted bug in the suite itself (p = 0, fails), and
  // "weak", reinforce on the quadratic with 16 samples (the t-test; no exact variance). With
  // reinforce-sign-flip in place of reinforce, "weak" has p = 0.0060 at seed 1: above α/m = 0.005,
  // so Bonferroni would miss it, but Holm rejects "bad" at α/2 first and then "weak" at α/1 = 0.01.
  // reinforce-self-baseline there has p = 0.016 > α: missed at any Holm threshold.
  const auto path =
      std::filesystem::temp_directory_path() / ("estcheck_mutate_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"seed": 1, "alpha": 0.01, "checks": [
    {"name": "bad", "kind": "verify", "problem": "toy:t=0.45", "estimator": "mutant/score-no-normalizer",
     "theta": [1], "samples": 20000},
    {"name": "weak", "kind": "verify", "problem": "gaussian-quadratic:d=1,c=0.5", "estimator": "reinforce",
     "theta": [0.5, 0.7], "samples": 16}]})";
  const MutationReport r = mutate_suite(parse_suite(path.string()), std::nullopt, 1);
  std::filesystem::remove(path);
  EXPECT_EQ(r.budget_checks, 2u);
  EXPECT_EQ(r.alpha_per_check, 0.005);
  auto outcome = [&](const std::string& name) {
    return *std::find_if(r.mutants.begin(), r.mutants.end(), [&](const auto& m) { return m.mutant == name; });
  };
  const MutantOutcome flip = outcome("mutant/reinforce-sign-flip");
  EXPECT_TRUE(flip.caught) << flip.reason;
  EXPECT_EQ(flip.caught_by, "weak");
  const MutantOutcome self = outcome("mutant/reinforce-self-baseline");
  EXPECT_FALSE(self.caught);
  EXPECT_EQ(self.checks, std::vector<std::string>{"weak"});
  EXPECT_NE(self.reason.find("check 'weak': pass"), std::string::npos) << self.reason;
}

TEST(Mutants, UnknownMutantIsAnInputError) {
  EXPECT_THROW(make_estimator("mutant/nope"), InputError);
}

}  // namespace
}  // namespace estcheck
