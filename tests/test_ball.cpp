// tests/test_ball.cpp — verify/oracles/certified/ball.hpp: the Arb ball wrapper and its double
// enclosures contain the true values (checked against values known to 30+ digits).
#include "verify/oracles/certified/ball.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace estcheck::certified {
namespace {

TEST(Ball, EnclosureContainsKnownValues) {
  // erfc(0.5) = 0.479500122186953462317253346108...; the double enclosure must contain it and be tight.
  const auto e = erfc(Ball(0.5)).to_enclosure();
  EXPECT_LE(std::abs(e.mid - 0.479500122186953462317253346108), e.rad + 1e-30);
  EXPECT_LT(e.rad, 1e-16);
  // 1 - σ(30) = 9.35762296883929894435e-14 (mpmath, 30 digits): no cancellation at 128 bits.
  const auto c = (Ball(1.0) - sigmoid(Ball(30.0))).to_enclosure();
  EXPECT_LE(std::abs(c.mid - 9.35762296883929894435e-14), c.rad + 1e-29);
  EXPECT_LT(c.rad, 1e-28);
}

TEST(Ball, FarTailsStayRelativelyAccurate) {
  // Q(40) = 3.65589354091502970e-350 (mpmath): below double's range, yet Arb keeps ~128 bits,
  // and the double enclosure is 0 with a radius that covers it.
  const Ball q = normal_upper_tail(Ball(40.0));
  EXPECT_GT(q.accuracy_bits(), 100);
  const auto s = (q * exp(Ball(800.0))).to_enclosure();  // Q(40) e^800 = 9.98e-3: representable
  EXPECT_LE(std::abs(s.mid - 0.00996733518830130998347780208366), s.rad + 1e-30);
  EXPECT_LT(s.rad, 1e-17);
  const auto e = q.to_enclosure();
  EXPECT_EQ(e.mid, 0.0);
  EXPECT_LE(e.rad, 5e-324);
  EXPECT_GE(e.rad, 0.0);
}

TEST(Ball, NonFiniteGivesInfiniteRadius) {
  const auto e = log(Ball(-1.0)).to_enclosure();
  EXPECT_TRUE(std::isinf(e.rad));
}

}  // namespace
}  // namespace estcheck::certified
