// tests/test_moments.cpp — verify/harness/moments.hpp: two-pass block moments, Chan's merge, and
// stability under a large common offset.
#include "verify/harness/moments.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Reference moments in long double (64-bit mantissa on x86) by the textbook two-pass formula.
void reference(const std::vector<double>& x, long double& mean, long double& m2) {
  mean = 0;
  for (double v : x) mean += v;
  mean /= x.size();
  m2 = 0;
  for (double v : x) m2 += (v - mean) * (v - mean);
}

std::vector<double> data(std::size_t n, double offset) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = offset + std::sin(0.37 * double(i)) * (1 + double(i % 5));
  return x;
}

TEST(Moments, BlockMatchesReference) {
  const auto x = data(1000, 3.0);
  const Moments m = block_moments(x, x.size(), 1);
  long double mean, m2;
  reference(x, mean, m2);
  // Sums of 1000 terms: relative error <= 1000 ε of Σ|x| (a loose, sure bound).
  EXPECT_NEAR(m.mean[0], double(mean), 1000 * kEps * 6);
  EXPECT_NEAR(m.m2[0], double(m2), 1000 * kEps * double(m2));
  EXPECT_EQ(m.count, 1000u);
}

TEST(Moments, MergeEqualsWholeAndHandlesEmpty) {
  const auto x = data(3000, -2.0);
  const Moments whole = block_moments(x, x.size(), 1);
  const Moments a = block_moments(std::span(x).first(1234), 1234, 1);
  const Moments b = block_moments(std::span(x).subspan(1234), 3000 - 1234, 1);
  const Moments ab = merge(a, b);
  EXPECT_EQ(ab.count, 3000u);
  EXPECT_NEAR(ab.mean[0], whole.mean[0], 3000 * kEps * 8);
  EXPECT_NEAR(ab.m2[0], whole.m2[0], 3000 * kEps * whole.m2[0]);
  const Moments empty;
  EXPECT_EQ(merge(empty, a).mean, a.mean);
  EXPECT_EQ(merge(a, empty).m2, a.m2);
}

// A common offset of 1e9 on unit-scale data: the naive Σx² - n mean² formula loses every digit
// here (1e18 against 1); two passes and Chan's merge keep the variance to a relative 1e-6
// (the offset's own rounding: each x carries |1e9| ε ≈ 1.1e-7 absolute error).
TEST(Moments, StableUnderLargeOffset) {
  const auto base = data(4096, 0.0);
  auto shifted = base;
  for (double& v : shifted) v += 1e9;
  const Moments a = merge(block_moments(std::span(shifted).first(1024), 1024, 1),
                          block_moments(std::span(shifted).subspan(1024), 3072, 1));
  const Moments b = block_moments(base, base.size(), 1);
  EXPECT_NEAR(a.variance()[0], b.variance()[0], 1e-6 * b.variance()[0]);
}

TEST(Moments, MultipleCoordinatesAndVariance) {
  const std::vector<double> rows{1, 10, 2, 20, 3, 30, 4, 40};  // 4 samples of dimension 2
  const Moments m = block_moments(rows, 4, 2);
  EXPECT_EQ(m.mean[0], 2.5);
  EXPECT_EQ(m.mean[1], 25.0);
  EXPECT_EQ(m.variance()[0], 5.0 / 3.0);
  EXPECT_EQ(m.variance()[1], 500.0 / 3.0);
  EXPECT_EQ(m.mean_abs[1], 25.0);
}

}  // namespace
}  // namespace estcheck
