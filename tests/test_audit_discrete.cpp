// tests/test_audit_discrete.cpp — the precision audit (issue 14, item 4) of the certified routes on
// finite supports (verify/oracles/certified/discrete.hpp): a RapidCheck property drawing cases over
// the whole parameter range — Bernoulli tables of 1-8 variables and categorical tables of 2-8
// classes with logits in [-30, 30] (a fifth of them exactly ±30), table values of either sign from
// 1e-3 to 1e3 and zeros; VIMCO's L_K (K = 2, 3) on positive tables; the tuple moments of reinforce,
// rloo:k=2 and vimco:k=2; the toy's closed form — and checking every figure (objective, gradient,
// mean, variance) against the independent Arb reference at 192 bits (tests/discrete_reference.hpp)
// within the route's stated bound, and that the route says it is certified.
// Cases: ESTCHECK_AUDIT_CASES (default 5000, about a second); the worst |error|/bound and the time
// are printed. Replay a failure with RC_PARAMS="seed=...".
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/discrete_reference.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace estcheck {
namespace {

using reference::gap;

/// Per route: figures checked and the largest |figure - reference| / bound (midpoint gap). Routes
/// computed in Arb outright (categorical enumeration, the toy) have bounds equal to the distance
/// to the double (ratio ~1 by construction); the double routes show their slack.
struct Worst {
  double ratio = 0.0;
  std::string where;
  long figures = 0;
};
std::map<std::string, Worst> worst;

/// Checks one figure: the reference lies within `bound` of it (a violation is proven when the
/// lower bound of the gap exceeds it); records the ratio under `route`.
void audit(const std::string& route, double figure, double bound, const reference::R& ref, const std::string& what) {
  const reference::Gap g = gap(figure, ref);
  RC_ASSERT(std::isfinite(bound));
  if (!(g.lower <= bound)) RC_FAIL(what + ": |error| >= " + std::to_string(g.lower) + " > bound " + std::to_string(bound));
  Worst& w = worst[route];
  ++w.figures;
  const double ratio = bound > 0 ? g.mid / bound : 0.0;
  if (ratio > w.ratio) {
    w.ratio = ratio;
    w.where = what;
  }
}

void audit_gradient(const ExactGradient& e, const reference::Figures& ref, const std::string& route) {
  RC_ASSERT(e.certificate.certified());
  audit(route, e.objective, e.objective_error, ref.objective, route + " objective");
  for (std::size_t i = 0; i < e.gradient.size(); ++i)
    audit(route, e.gradient[i], e.error[i], ref.gradient[i], route + " coordinate " + std::to_string(i));
}

rc::Gen<double> logit() {
  return rc::gen::weightedOneOf<double>(
      {{1, rc::gen::element(-30.0, 30.0)},
       {4, rc::gen::map(rc::gen::inRange(-3000000, 3000001), [](int v) { return v / 1e5; })}});
}

rc::Gen<double> table_value() {
  return rc::gen::weightedOneOf<double>(
      {{1, rc::gen::just(0.0)},
       {6, rc::gen::apply([](int mant, int expo, bool neg) { return (neg ? -1.0 : 1.0) * (mant / 1e4) * std::pow(10.0, expo); },
                          rc::gen::inRange(1, 100001), rc::gen::inRange(-3, 4), rc::gen::arbitrary<bool>())}});
}

std::vector<double> positive(std::vector<double> t) {
  for (double& v : t) v = std::abs(v) + 1e-3;
  return t;
}

void audit_case() {
  const int route = *rc::gen::inRange(0, 5).as("route");
  const bool categorical = *rc::gen::arbitrary<bool>();
  const Family family = categorical ? Family::categorical : Family::bernoulli;
  switch (route) {
    case 0: {  // enumeration
      const std::size_t n = static_cast<std::size_t>(*rc::gen::inRange(categorical ? 2 : 1, 9));
      const std::size_t size = categorical ? n : std::size_t{1} << n;
      auto p = make_table_problem(family, *rc::gen::container<std::vector<double>>(size, table_value()));
      const Model m = make_model(*p, *rc::gen::container<std::vector<double>>(n, logit()));
      RC_TAG(categorical ? "categorical" : "bernoulli");
      audit_gradient(exact_gradient(m), reference::enumeration(m),
                     categorical ? "categorical enumeration (Arb)" : "Bernoulli enumeration (double)");
      break;
    }
    case 1: {  // VIMCO's L_K
      const std::size_t n = static_cast<std::size_t>(*rc::gen::inRange(categorical ? 2 : 1, categorical ? 5 : 4));
      const std::size_t size = categorical ? n : std::size_t{1} << n;
      const int k = *rc::gen::inRange(2, 4);
      auto p = make_table_problem(family, positive(*rc::gen::container<std::vector<double>>(size, table_value())));
      const Model m = make_model(*p, *rc::gen::container<std::vector<double>>(n, logit()));
      RC_TAG("L_K");
      audit_gradient(exact_multisample_gradient(m, k), reference::multisample(m, k), "L_K (double, log in Arb)");
      break;
    }
    case 2:
    case 3: {  // tuple moments
      const std::size_t n = static_cast<std::size_t>(*rc::gen::inRange(categorical ? 2 : 1, categorical ? 5 : 4));
      const std::size_t size = categorical ? n : std::size_t{1} << n;
      const std::string spec = *rc::gen::element<std::string>("reinforce", "reinforce:baseline=0.5", "rloo:k=2", "vimco:k=2");
      std::vector<double> table = *rc::gen::container<std::vector<double>>(size, table_value());
      if (spec.starts_with("vimco")) table = positive(table);
      auto p = make_table_problem(family, table);
      const Model m = make_model(*p, *rc::gen::container<std::vector<double>>(n, logit()));
      auto est = make_estimator(spec);
      RC_TAG("moments " + spec);
      const auto mo = exact_estimator_moments(*est, m);
      RC_ASSERT(mo.has_value());
      RC_ASSERT(mo->certificate.certified());
      const reference::Moments ref = reference::tuple_moments(*est, m);
      for (std::size_t i = 0; i < mo->mean.size(); ++i) {
        audit("tuple moments (double)", mo->mean[i], mo->mean_error[i], ref.mean[i], spec + " mean " + std::to_string(i));
        audit("tuple moments (double)", mo->variance[i], mo->variance_error[i], ref.variance[i],
              spec + " variance " + std::to_string(i));
      }
      break;
    }
    default: {  // the toy's closed form
      const int t_code = *rc::gen::inRange(0, 1001);
      auto p = make_problem("toy:t=" + std::to_string(t_code / 1000.0));
      const Model m = make_model(*p, std::vector<double>{*logit()});
      RC_TAG("toy closed form");
      audit_gradient(exact_gradient(m, ExactMethod::closed_form), reference::enumeration(m), "toy closed form (Arb)");
      break;
    }
  }
}

TEST(AuditDiscrete, EveryFigureWithinItsProvenBound) {
  int cases = 5000;
  if (const char* env = std::getenv("ESTCHECK_AUDIT_CASES")) cases = std::max(1, std::atoi(env));
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = cases;
  rc::detail::TestMetadata metadata;
  metadata.id = metadata.description = "certified discrete routes vs Arb";
  const auto start = std::chrono::steady_clock::now();
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(audit_case), metadata, params);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rc::detail::printResultMessage(result, std::cerr);
  std::cerr << "\naudit: " << cases << " cases, " << seconds << " s\n";
  for (const auto& [route, w] : worst)
    std::cerr << "  " << route << ": " << w.figures << " figures, worst |error|/bound " << w.ratio << " ("
              << w.where << ")\n";
  EXPECT_TRUE(result.template is<rc::detail::SuccessResult>());
}

}  // namespace
}  // namespace estcheck
