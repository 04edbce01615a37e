// examples/package/antithetic_test.cpp — a user's own estimator, checked with estcheck.
//
// Antithetic REINFORCE for Bernoulli problems: two draws b = 1[u < p], b' = 1[1 - u < p] from one
// uniform vector u, averaged. Each draw alone has the right distribution, so the average is
// unbiased; the negative correlation of the pair lowers the variance. The buggy variant forgets
// that the second draw is a different sample and reuses b's score for it, which is biased.
#include <estcheck/estcheck.hpp>

#include <gtest/gtest.h>

#include <verify/gtest.hpp>

#include <cmath>

namespace {

using namespace estcheck;

class AntitheticReinforce final : public Estimator {
 public:
  explicit AntitheticReinforce(bool buggy) : buggy_(buggy) {
    info_ = {buggy ? "antithetic-reinforce-buggy" : "antithetic-reinforce", !buggy, false, 2,
             "user example: antithetic pair of REINFORCE samples"};
  }
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& p) const override {
    if (p.family() != Family::bernoulli)
      raise_input_error("estimator", "a Bernoulli problem for " + info_.spec, to_string(p.family()));
  }
  std::size_t scratch_size(const Model& m) const override { return 2 * m.sample_dim() + m.theta_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    const auto& d = std::get<BernoulliLogits>(m.dist);
    const std::size_t n = m.sample_dim();
    const auto b = scratch.first(n), c = scratch.subspan(n, n), s = scratch.subspan(2 * n, m.theta_dim());
    for (std::size_t i = 0; i < n; ++i) {
      const double u = noise.uniform();
      b[i] = u < d.probs[i] ? 1.0 : 0.0;
      c[i] = 1.0 - u < d.probs[i] ? 1.0 : 0.0;
    }
    const double fb = m.f(b), fc = m.f(c);
    score(m.dist, b, grad);
    score(m.dist, buggy_ ? b : c, s);
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] = 0.5 * (fb * grad[i] + fc * s[i]);
  }

 private:
  bool buggy_;
  EstimatorInfo info_;
};

TEST(Antithetic, IsUnbiasedOnTheToy) {
  AntitheticReinforce e(false);
  EXPECT_ESTIMATOR_UNBIASED(e, "toy:t=0.45", {0.3});
}

TEST(Antithetic, IsUnbiasedOnATable) {
  AntitheticReinforce e(false);
  auto p = make_table_problem(Family::bernoulli, {1.0, -2.0, 0.5, 3.0}, "my-table");
  EXPECT_ESTIMATOR_UNBIASED(e, *p, {0.4, -1.2});
}

TEST(Antithetic, TheBuggyVariantIsCaught) {
  AntitheticReinforce e(true);
  EXPECT_FALSE(estcheck::testing::estimator_unbiased(e, "toy:t=0.45", {0.3}));
}

}  // namespace
