// proptests/generators.hpp — RapidCheck generators of problems shared by the property suites:
// Bernoulli tables (n = 1..N variables), categorical tables (K = 2..K), Gaussian problems, and
// logits that are often extreme. Each generator fixes RapidCheck's size at its maximum so the
// regimes are uniform from the first case on; shrinking goes towards few variables and values
// near 0 (RapidCheck's real shrinking, kept inside each range).
#pragma once

#include "estimators/core/error.hpp"
#include "estimators/problems/problem.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace estcheck::prop {

inline constexpr double kExtremeLogit = 20.0;  // |θ_i| >= 20: σ(-|θ|) < 2.1e-9, the regime RC_CLASSIFY shows

// ---------------------------------------------------------------------------------------------
// Generated cases

/// A table problem at one θ: f(x) = table[index of x] (problems.hpp), θ = logits.
struct TableCase {
  Family family = Family::bernoulli;
  std::vector<double> table;
  std::vector<double> theta;
};

inline void showValue(const TableCase& c, std::ostream& os) {
  os << to_string(c.family) << " table {";
  for (std::size_t i = 0; i < c.table.size(); ++i) os << (i ? ", " : "") << format_double(c.table[i]);
  os << "} theta {";
  for (std::size_t i = 0; i < c.theta.size(); ++i) os << (i ? ", " : "") << format_double(c.theta[i]);
  os << "}";
}

/// A Gaussian problem spec and θ = (μ_1..μ_d, log σ_1..log σ_d).
struct GaussianCase {
  std::string spec;
  std::vector<double> theta;
};

inline void showValue(const GaussianCase& c, std::ostream& os) {
  os << c.spec << " theta {";
  for (std::size_t i = 0; i < c.theta.size(); ++i) os << (i ? ", " : "") << format_double(c.theta[i]);
  os << "}";
}

/// Uniform on a grid of 2^20 + 1 points of [lo, hi] (lo <= 0 <= hi), whatever the test's size;
/// shrinks towards 0 through integers (rc::shrink::real), staying in [lo, hi].
inline rc::Gen<double> uniform_in(double lo, double hi) {
  return [lo, hi](const rc::Random& random, int) {
    constexpr std::uint64_t kSteps = std::uint64_t{1} << 20;
    const std::uint64_t k = rc::Random(random).next() % (kSteps + 1);
    const double v = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(kSteps);
    return rc::shrinkable::shrinkRecur(v, [lo, hi](double x) {
      return rc::seq::filter(rc::shrink::real(x), [lo, hi](double y) { return lo <= y && y <= hi; });
    });
  };
}

/// Logits: mostly moderate, often extreme (±20, ±30, or anywhere in [-30, 30]).
inline rc::Gen<double> logit() {
  return rc::gen::weightedOneOf<double>({{6, uniform_in(-5.0, 5.0)},
                                         {2, uniform_in(-30.0, 30.0)},
                                         {2, rc::gen::element(-30.0, 30.0, -20.0, 20.0)}});
}

inline rc::Gen<double> table_value() { return uniform_in(-10.0, 10.0); }

// The case generators fix RapidCheck's size at its maximum (gen::resize(100, ...)), so that the
// number of variables and the choice among logit regimes are uniform from the first test on
// (by default small sizes would pin early tests to n = 1 and the first listed regime); shrinking
// still goes towards few variables and values near 0.
inline constexpr int kFullSize = 100;

inline rc::Gen<TableCase> bernoulli_case(int max_n) {
  return rc::gen::resize(kFullSize, rc::gen::mapcat(rc::gen::inRange(1, max_n + 1), [](int n) {
    return rc::gen::map(
        rc::gen::pair(rc::gen::container<std::vector<double>>(std::size_t{1} << n, table_value()),
                      rc::gen::container<std::vector<double>>(static_cast<std::size_t>(n), logit())),
        [](std::pair<std::vector<double>, std::vector<double>> p) {
          return TableCase{Family::bernoulli, std::move(p.first), std::move(p.second)};
        });
  }));
}

inline rc::Gen<TableCase> categorical_case(int max_k) {
  return rc::gen::resize(kFullSize, rc::gen::mapcat(rc::gen::inRange(2, max_k + 1), [](int k) {
    const auto size = static_cast<std::size_t>(k);
    return rc::gen::map(rc::gen::pair(rc::gen::container<std::vector<double>>(size, table_value()),
                                      rc::gen::container<std::vector<double>>(size, logit())),
                        [](std::pair<std::vector<double>, std::vector<double>> p) {
                          return TableCase{Family::categorical, std::move(p.first),
                                           std::move(p.second)};
                        });
  }));
}

/// gaussian-quadratic:d=D,c=C (C in [-3, 3]) or gaussian-step:d=D, D = 1..3, μ_i in [-3, 3],
/// log σ_i in [-2, 1].
inline rc::Gen<GaussianCase> gaussian_case(bool quadratic) {
  return rc::gen::resize(kFullSize, rc::gen::mapcat(rc::gen::inRange(1, 4), [quadratic](int dim) {
    const auto d = static_cast<std::size_t>(dim);
    return rc::gen::map(
        rc::gen::tuple(rc::gen::container<std::vector<double>>(d, uniform_in(-3.0, 3.0)),
                       rc::gen::container<std::vector<double>>(d, uniform_in(-2.0, 1.0)),
                       uniform_in(-3.0, 3.0)),
        [d, quadratic](std::tuple<std::vector<double>, std::vector<double>, double> t) {
          GaussianCase c;
          c.spec = quadratic ? "gaussian-quadratic:d=" + std::to_string(d) + ",c=" +
                                   format_double(std::get<2>(t))
                             : "gaussian-step:d=" + std::to_string(d);
          c.theta = std::get<0>(t);
          c.theta.insert(c.theta.end(), std::get<1>(t).begin(), std::get<1>(t).end());
          return c;
        });
  }));
}

inline void classify_logits(const TableCase& c) {
  const double m = std::abs(*std::max_element(c.theta.begin(), c.theta.end(),
                                              [](double a, double b) { return std::abs(a) < std::abs(b); }));
  RC_TAG(to_string(c.family));
  RC_CLASSIFY(m >= kExtremeLogit, "extreme logit |θ_i| >= 20");
  RC_CLASSIFY(m < kExtremeLogit, "moderate logits");
  RC_CLASSIFY(c.theta.size() >= 6, "6 or more variables / classes");
  if (c.family == Family::categorical) {
    // A dominant class: 1 - p_k is then a small difference of numbers near 1.
    const double spread = *std::max_element(c.theta.begin(), c.theta.end()) -
                          *std::min_element(c.theta.begin(), c.theta.end());
    RC_CLASSIFY(spread >= 7.0, "logit spread >= 7 (a class can have p > 0.999)");
  }
}

}  // namespace estcheck::prop
