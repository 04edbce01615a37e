// tests/test_verify_sweep.cpp — every estimator claimed unbiased passes `verify` on random
// Bernoulli tables of 1 to 6 variables and random categorical tables of 2 to 6 classes, at a
// moderate θ and at one far from 0 (logits up to ±6).
//
// Problems: table entries uniform in [-5, 5] and θ drawn from Philox (Purpose::test, seed
// kSweepSeed), so the cases are fixed and recorded. Budget: kChecks null hypotheses, each at
//   α = budget::kSweep / kChecks,
// so the whole sweep fails falsely with probability <= 0.8e-5 (union bound, CLT approximation of
// the verdict; docs/statistics.md). 2^18 samples per case.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

constexpr std::uint64_t kSweepSeed = 8675309, kRunSeed = 4242, kSamples = 1u << 18;
const std::vector<std::string> kBernoulliEstimators = {
    "reinforce", "reinforce:baseline=1.5", "rloo:k=2", "rloo:k=5", "arm", "disarm", "rebar",
    "rebar:temperature=0.2,eta=0.7", "muprop", "relax:steps=100", "nvil:normalize=0"};
const std::vector<std::string> kCategoricalEstimators = {
    "reinforce", "reinforce:baseline=1.5", "rloo:k=2", "rloo:k=5", "nvil:normalize=0", "rebar",
    "rebar:temperature=0.2,eta=0.7", "relax:steps=100"};
// 6 Bernoulli sizes × 2 θ × 11 estimators + 5 categorical sizes × 2 θ × 8 estimators.
constexpr int kChecks = 6 * 2 * 11 + 5 * 2 * 8;

struct Case {
  std::unique_ptr<Problem> problem;
  std::vector<double> theta;
};

/// Table and θ for case `index`: entries U[-5, 5]; θ_i ~ U[-1, 1] (moderate) or ±U[3, 6] (far).
Case make_case(Family family, std::size_t size, bool far, std::uint64_t index) {
  Noise noise(kSweepSeed, index, far, Purpose::test);
  const std::size_t entries = family == Family::bernoulli ? std::size_t{1} << size : size;
  std::vector<double> table(entries);
  for (double& t : table) t = -5.0 + 10.0 * noise.uniform();
  std::vector<double> theta(size);
  for (double& t : theta) {
    const double u = noise.uniform();
    t = far ? (noise.uniform() < 0.5 ? -1.0 : 1.0) * (3.0 + 3.0 * u) : -1.0 + 2.0 * u;
  }
  const std::string name = std::string(to_string(family)) + "-table-" + std::to_string(size) +
                           (far ? "-far" : "-moderate");
  return {make_table_problem(family, std::move(table), name), theta};
}

TEST(VerifySweep, UnbiasedEstimatorsPassOnRandomTables) {
  const double alpha = budget::kSweep / kChecks;
  int checks = 0;
  auto run_all = [&](Family family, std::size_t lo, std::size_t hi, const std::vector<std::string>& estimators) {
    for (std::size_t size = lo; size <= hi; ++size) {
      for (const bool far : {false, true}) {
        const Case c = make_case(family, size, far, size);
        for (const auto& spec : estimators) {
          auto e = make_estimator(spec);
          const Model m = make_model(*c.problem, c.theta);
          e->prepare(m);
          const RunResult r = run_estimator(*e, m, {kSamples, kRunSeed, 0});
          const BiasTest t = test_bias(r, exact_gradient(m), {alpha, {}});
          ++checks;
          EXPECT_EQ(t.verdict, Verdict::pass)
              << spec << " on " << c.problem->spec() << " (sweep seed " << kSweepSeed << ", run seed "
              << kRunSeed << "): " << t.reason;
        }
      }
    }
  };
  run_all(Family::bernoulli, 1, 6, kBernoulliEstimators);
  run_all(Family::categorical, 2, 6, kCategoricalEstimators);
  EXPECT_EQ(checks, kChecks) << "update kChecks: the budget split depends on it";
}

}  // namespace
}  // namespace estcheck
