// tests/test_verify_catalogue.cpp — the bias verdict on every built-in problem and estimator:
// reinforce (with and without a baseline) and rloo pass everywhere, arm, disarm, rebar (three
// temperature/scale settings), muprop and relax (trained) pass on every Bernoulli problem, vimco
// passes against its own objective's gradient on the toys (f > 0), reparam passes on the
// quadratic and fails on the step problem (its pathwise gradient is 0 a.s.).
//
// Budget: the pass cases are kChecks null hypotheses, each verified at
//   α = budget::kCatalogue / kChecks = 0.08e-4 / 51 ≈ 1.57e-7,
// so the probability that any of them fails falsely (with fresh seeds) is <= 0.08e-4 (union
// bound, CLT approximation of the verdict). The fail case is a power check: its bias (φ(μ/σ)/σ,
// about 0.5 here) is over 1000 detectable biases, so it fails to be detected with negligible
// probability. Seeds are fixed and printed; samples 2^20 per case.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/pipeline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace estcheck {
namespace {

constexpr int kChecks = 51;
constexpr std::uint64_t kSamples = 1u << 20;
constexpr std::uint64_t kSeed = 20261123;

struct Case {
  std::string problem;
  std::vector<double> theta;
};

std::unique_ptr<Problem> problem_of(const std::string& spec) {
  if (spec == "bernoulli-table")  // 4 variables, fixed table
    return make_table_problem(Family::bernoulli, {0.3, -1.2, 2.5, 0.0, 1.1, -0.4, 3.3, -2.2,
                                                   0.9, 1.7, -0.8, 0.2, 2.0, -1.5, 0.6, 1.3},
                              "bernoulli-table");
  if (spec == "categorical-table")
    return make_table_problem(Family::categorical, {1.0, -2.0, 0.5, 3.0, -0.7}, "categorical-table");
  return make_problem(spec);
}

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"toy:t=0.45", {0.3}},
      {"toy:t=0.499", {-2.0}},
      {"bernoulli-table", {0.5, -1.0, 3.0, -4.0}},
      {"categorical-table", {0.2, -1.0, 0.5, 1.5, -3.0}},
      {"gaussian-quadratic:d=2,c=0.5", {0.4, -1.1, -0.3, 0.2}},
      {"gaussian-step:d=2", {0.2, -0.5, -0.3, 0.1}},
  };
  return c;
}

/// The case through the pipeline (verify/pipeline.hpp) with the t-test, whose CLT budget is above.
BiasTest verify(const Case& c, const std::string& estimator) {
  auto p = problem_of(c.problem);
  auto e = make_estimator(estimator);  // the pipeline prepares it (RELAX trains its control variate)
  VerifyRequest q;
  q.problem = p.get();
  q.estimator = e.get();
  q.theta = c.theta;
  q.run = {kSamples, kSeed, 0};
  q.test = {budget::kCatalogue / kChecks, {}};
  q.method = TestMethod::t;
  return estcheck::verify(q).test;
}

std::string describe(const BiasTest& t) {
  return "verdict " + std::string(to_string(t.verdict)) + ", p_family " +
         std::to_string(t.p_value_family) + ", seed " + std::to_string(kSeed) + ": " + t.reason;
}

TEST(VerifyCatalogue, UnbiasedEstimatorsPassOnEveryProblem) {
  int checks = 0;
  for (const Case& c : cases()) {
    for (const std::string est : {"reinforce", "reinforce:baseline=0.7", "rloo:k=2", "rloo:k=5"}) {
      const BiasTest t = verify(c, est);
      ++checks;
      EXPECT_EQ(t.verdict, Verdict::pass) << est << " on " << c.problem << ": " << describe(t);
    }
  }
  for (std::size_t c = 0; c < 3; ++c) {  // the Bernoulli problems: toy twice, the table
    for (const std::string est : {"arm", "disarm", "rebar", "rebar:temperature=0.1,eta=0.6",
                                  "rebar:temperature=2,eta=1.4", "muprop", "relax"}) {
      const BiasTest t = verify(cases()[c], est);
      ++checks;
      EXPECT_EQ(t.verdict, Verdict::pass) << est << " on " << cases()[c].problem << ": " << describe(t);
    }
  }
  for (std::size_t c = 0; c < 2; ++c) {  // VIMCO needs f > 0: the toy problems
    for (const std::string est : {"vimco", "vimco:k=5"}) {
      const BiasTest t = verify(cases()[c], est);
      ++checks;
      EXPECT_EQ(t.verdict, Verdict::pass) << est << " on " << cases()[c].problem << ": " << describe(t);
    }
  }
  const BiasTest t = verify(cases()[4], "reparam");
  ++checks;
  EXPECT_EQ(t.verdict, Verdict::pass) << "reparam on the quadratic: " << describe(t);
  const BiasTest t2 = verify({"gaussian-quadratic:d=1,c=-1", {1.5, -0.5}}, "reparam");
  ++checks;
  EXPECT_EQ(t2.verdict, Verdict::pass) << "reparam on the quadratic: " << describe(t2);
  EXPECT_EQ(checks, kChecks) << "update kChecks: the budget split depends on it";
}

TEST(VerifyCatalogue, ReparamFailsOnTheStepProblem) {
  const BiasTest t = verify(cases()[5], "reparam");
  EXPECT_EQ(t.verdict, Verdict::fail) << describe(t);
  // Its mean is exactly 0 while the exact gradient is φ(μ/σ)/σ etc.
  for (double m : t.mean) EXPECT_EQ(m, 0.0);
}

}  // namespace
}  // namespace estcheck
