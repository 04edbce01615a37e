// verify/oracles/certificate.hpp — how far an exact figure can be trusted (issue 14).
//
// Every figure an oracle returns (objective, gradient, Hessian, estimator mean and variance)
// carries a Certificate:
// - certified: its error bound is proven — a rigorous rounding analysis of IEEE double arithmetic
//   with inputs enclosed by Arb, or computed in Arb's ball arithmetic (validated integration
//   included). Verdicts may rest on it.
// - estimated: the bound is an estimate (adaptive quadrature's error estimate, a first-order
//   rounding model). Reported, never used for a verdict: a test against an estimated target is
//   inconclusive, and the Catoni test never takes an estimated variance.
// - unknown: there is no figure (the oracle's time budget ran out, or a precision it could not
//   reach); the note says why.
// docs/oracles.md lists which route gives which.
#pragma once

#include <string>
#include <utility>

namespace estcheck {

enum class Certainty { certified, estimated, unknown };
const char* to_string(Certainty c);

struct Certificate {
  Certainty certainty = Certainty::estimated;
  std::string note;  ///< certified: how the bound is proven; estimated: why it is not; unknown: why no figure

  bool certified() const { return certainty == Certainty::certified; }
  bool unknown() const { return certainty == Certainty::unknown; }
};

inline Certificate proven(std::string how) { return {Certainty::certified, std::move(how)}; }
inline Certificate estimated(std::string why) { return {Certainty::estimated, std::move(why)}; }
inline Certificate unknown_figure(std::string why) { return {Certainty::unknown, std::move(why)}; }

/// The weaker of two: a figure computed from both is only as good as the worse (unknown <
/// estimated < certified); on a tie, the first.
inline const Certificate& weakest(const Certificate& a, const Certificate& b) {
  return static_cast<int>(b.certainty) > static_cast<int>(a.certainty) ? b : a;
}

/// "certified (how)", "estimated (why)", "unknown (why)".
std::string describe(const Certificate& c);

}  // namespace estcheck
