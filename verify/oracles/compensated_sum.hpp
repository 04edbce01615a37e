// verify/oracles/compensated_sum.hpp — Neumaier's compensated summation (Neumaier 1974, an improved
// Kahan sum). Its error is at most ε|S| + N u² Σ|t| (Higham, "Accuracy and Stability of Numerical
// Algorithms", 2nd ed., §4.3): O(ε), independent of the number of terms for practical N.
#pragma once

#include <cmath>

namespace estcheck {

struct CompensatedSum {
  double sum = 0.0, comp = 0.0;
  void add(double x) {
    const double t = sum + x;
    comp += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  double value() const { return sum + comp; }
};

}  // namespace estcheck
