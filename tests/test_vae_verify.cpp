// tests/test_vae_verify.cpp — verdicts on the discrete VAE (estimators/problems/vae.hpp, docs/vae.md)
// through the pipeline, θ = the encoder weights (195 coordinates: 3 latents, 4 images): every
// estimator claimed unbiased passes against the certified exact gradient; concrete,
// straight-through and the planted mutants that apply fail. (The sizes, N = 12 and
// M = 16, are the CLI runs recorded in docs/vae.md; these are the CI-sized ones.)
//
// Budget: the pass cases are kChecks null hypotheses, each at α = budget::kVae / kChecks =
// 0.01e-4 / 8 = 1.25e-7 (Student t, Holm over the coordinates: a CLT approximation), so a false
// failure in this program has probability <= 0.01e-4 with fresh seeds (union bound). The fail
// cases are power checks at the same α; the seed is fixed and printed. 2^16 samples per case.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/pipeline.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

constexpr int kChecks = 8;
constexpr std::uint64_t kSamples = 1u << 16;
constexpr std::uint64_t kSeed = 20261130;
constexpr const char* kProblem = "vae:latents=3,images=4";

VerifyReport run(const std::string& estimator) {
  const auto p = make_problem(kProblem);
  const auto e = make_estimator(estimator);
  VerifyRequest q;
  q.problem = p.get();
  q.estimator = e.get();
  q.theta = *p->default_theta();
  q.run = {kSamples, kSeed, 0};
  q.test = {budget::kVae / kChecks, {}};
  q.method = TestMethod::t;
  return verify(q);
}

std::string describe(const VerifyReport& r) {
  return r.estimator.spec + ": verdict " + std::string(to_string(r.test.verdict)) + ", seed " +
         std::to_string(kSeed) + ": " + r.test.reason;
}

TEST(VaeVerify, TargetIsCertified) {
  const VerifyReport r = run("rloo");
  EXPECT_TRUE(r.exact.certificate.certified()) << describe(r.exact.certificate);
  EXPECT_EQ(r.exact.gradient.size(), 195u);
}

TEST(VaeVerify, UnbiasedEstimatorsPass) {
  int checks = 0;
  for (const char* est : {"reinforce", "rloo", "nvil:normalize=0", "muprop", "arm", "disarm", "rebar", "relax"}) {
    const VerifyReport r = run(est);
    ++checks;
    EXPECT_EQ(r.test.verdict, Verdict::pass) << describe(r);
  }
  EXPECT_EQ(checks, kChecks);
}

TEST(VaeVerify, BiasedEstimatorsAndMutantsFail) {
  for (const char* est : {"concrete", "straight-through", "nvil", "mutant/rloo-self-included",
                          "mutant/score-no-normalizer", "mutant/reinforce-prob-gradient", "mutant/arm-swapped-merge",
                          "mutant/disarm-no-weight", "mutant/rebar-no-conditional"}) {
    const VerifyReport r = run(est);
    EXPECT_EQ(r.test.verdict, Verdict::fail) << describe(r);
  }
}

}  // namespace
}  // namespace estcheck
