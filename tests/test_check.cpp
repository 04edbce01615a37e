// tests/test_check.cpp — verify/check.hpp and verify/gtest.hpp: the one-call checker and
// EXPECT_ESTIMATOR_UNBIASED on a user-defined estimator, a built-in one, and a planted bug.
// Budget: two assertions that an unbiased estimator passes, each at α = kCheck / 2 (Catoni with the
// exact variance on the toy: exact error rate); the planted bug's bias is 0.5 of the gradient,
// over 100 detectable biases at 2^20 samples, so its detection is not at risk.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/budget.hpp"
#include "verify/check.hpp"

#include <gtest/gtest.h>

#include "verify/gtest.hpp"

namespace estcheck {
namespace {

/// What a user writes: REINFORCE by hand, against the Estimator contract.
class HandReinforce final : public Estimator {
 public:
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    const auto x = scratch.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    score(m.dist, x, grad);
    const double f = m.f(x);
    for (double& g : grad) g *= f;
  }

 private:
  EstimatorInfo info_{"hand-reinforce", true, false, 1, "user's own"};
};

CheckOptions options() {
  CheckOptions o;
  o.alpha = budget::kCheck / 2;
  o.seed = 31;
  return o;
}

TEST(Check, UserEstimatorPassesWithTheMacro) {
  HandReinforce e;
  EXPECT_ESTIMATOR_UNBIASED(e, "toy:t=0.45", {0.3}, options());
}

TEST(Check, BuiltInEstimatorPassesAndReportsItsTest) {
  auto e = make_estimator("rloo:k=2");
  auto p = make_problem("toy:t=0.45");
  const BiasCheck c = check_unbiased(*e, *p, std::vector<double>{-1.0}, options());
  EXPECT_TRUE(c.passed()) << c.test.reason;
  EXPECT_NE(c.test.method.find("Catoni"), std::string::npos);
  EXPECT_EQ(c.variance_bound.size(), 1u);
  EXPECT_EQ(c.estimator.spec, "rloo:k=2");
}

TEST(Check, PlantedBugFailsWithItsFiguresInTheMessage) {
  auto e = make_estimator("mutant/reinforce-self-baseline");
  const ::testing::AssertionResult r = testing::estimator_unbiased(*e, "toy:t=0.2", {0.5}, options());
  EXPECT_FALSE(r);
  const std::string msg = r.message();
  EXPECT_NE(msg.find("fail"), std::string::npos) << msg;
  EXPECT_NE(msg.find("toy:t=0.2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("seed 31"), std::string::npos) << msg;
}

TEST(Check, BadInputIsAnInputError) {
  HandReinforce e;
  auto p = make_problem("toy");
  EXPECT_THROW(check_unbiased(e, *p, std::vector<double>{0.1, 0.2}), InputError);
}

}  // namespace
}  // namespace estcheck
