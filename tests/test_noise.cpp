// tests/test_noise.cpp — estimators/core/noise.hpp: Philox known answers, the counter layout
// (seed, purpose) x (draw, index, block), purity, and the moments of the normal draws.
#include "estimators/core/noise.hpp"
#include "tests/budget.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace estcheck {
namespace {

// Known-answer test of Random123's kat_vectors: philox4x64-10, counter 0 and key 0.
TEST(Noise, PhiloxKnownAnswer) {
  Noise noise(0, 0, 0);
  EXPECT_EQ(noise.bits(), 0x16554d9eca36314cULL);
  EXPECT_EQ(noise.bits(), 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(noise.bits(), 0xd7e772cee186176bULL);
  EXPECT_EQ(noise.bits(), 0x7e68b68aec7ba23bULL);
}

// The stream of (seed, block, index) is philox({draw, index, block, 0}, {seed, purpose}).
TEST(Noise, CounterLayout) {
  const std::uint64_t seed = 12345, block = 77, index = 1023;
  Noise noise(seed, block, index, Purpose::test);
  for (std::uint64_t draw = 0; draw < 3; ++draw) {
    const auto out = r123::Philox4x64()({{draw, index, block, 0}},
                                        {{seed, static_cast<std::uint64_t>(Purpose::test)}});
    for (int j = 0; j < 4; ++j) EXPECT_EQ(noise.bits(), out.v[j]) << "draw " << draw << " word " << j;
  }
}

// The block path precomputes each sample's first Philox output (philox_first_outputs) and resumes
// the stream from it: the same words, including after the stream refills.
TEST(Noise, ResumedStreamEqualsFreshStream) {
  const std::uint64_t seed = 99, block = 4;
  std::vector<Noise::Philox::ctr_type> first(37);
  philox_first_outputs(seed, block, Purpose::estimator, first);
  for (std::uint64_t index = 0; index < first.size(); ++index) {
    Noise fresh(seed, block, index);
    Noise resumed(seed, block, index, Purpose::estimator, first[index]);
    for (int k = 0; k < 11; ++k) ASSERT_EQ(resumed.bits(), fresh.bits()) << index << " " << k;
  }
}

TEST(Noise, SameKeySameStreamDifferentKeyDifferentStream) {
  Noise a(1, 2, 3), b(1, 2, 3), c(1, 2, 4), d(1, 3, 3), e(2, 2, 3), f(1, 2, 3, Purpose::test);
  for (int k = 0; k < 10; ++k) {
    const auto x = a.bits();
    EXPECT_EQ(x, b.bits());
    EXPECT_NE(x, c.bits());
    EXPECT_NE(x, d.bits());
    EXPECT_NE(x, e.bits());
    EXPECT_NE(x, f.bits());
  }
}

TEST(Noise, UniformIsOpenFixedPoint) {
  Noise a(9, 0, 0), b(9, 0, 0);
  for (int k = 0; k < 1000; ++k) {
    const double u = a.uniform();
    EXPECT_GT(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_EQ(u, r123::u01fixedpt<double>(b.bits()));
  }
  // The extreme words map to the smallest and largest grid points, never to 0 or 1.
  EXPECT_EQ(r123::u01fixedpt<double>(std::uint64_t{0}), std::ldexp(1.0, -53));
  EXPECT_EQ(r123::u01fixedpt<double>(~std::uint64_t{0}), 1.0 - std::ldexp(1.0, -53));
}

// Statistical: mean and variance of 2^20 normal draws. Two checks at kNoise/2 each; a z-test
// with SE(mean) = 1/√n and SE(variance) = √(2/(n-1)) (normal data).
TEST(Noise, NormalMoments) {
  const double z = budget::z_critical(budget::kNoise / 2);
  const std::uint64_t n = 1u << 20;
  double sum = 0, sum2 = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(2024, i / 1024, i % 1024);
    const double x = noise.normal();
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
  EXPECT_LT(std::abs(mean), z / std::sqrt(double(n)));
  EXPECT_LT(std::abs(var - 1.0), z * std::sqrt(2.0 / (n - 1)));
}

TEST(Noise, NormalPairsComeFromOneBoxMuller) {
  Noise a(5, 1, 1), b(5, 1, 1);
  const double x0 = a.normal(), x1 = a.normal();
  const auto u0 = b.bits(), u1 = b.bits();
  const auto z = r123::boxmuller(u0, u1);
  EXPECT_EQ(x0, z.x);
  EXPECT_EQ(x1, z.y);
}

}  // namespace
}  // namespace estcheck
