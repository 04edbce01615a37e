// reports/claims.cpp — see claims.hpp.
#include "reports/claims.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace estcheck {
namespace {

std::string g(double v) { return figure_text(v); }

std::string expected_text(const CheckResult& c) { return c.expect == Verdict::fail ? "fail" : "pass"; }

}  // namespace

Verdict outcome(const CheckResult& c) {
  if (c.expect != Verdict::fail) return c.verdict;
  if (c.verdict == Verdict::fail) return Verdict::pass;
  if (c.verdict == Verdict::pass) return Verdict::fail;
  return c.verdict;
}

const char* to_string(Reading r) {
  switch (r) {
    case Reading::holds: return "holds";
    case Reading::does_not_hold: return "does not hold";
    case Reading::not_settled: return "not settled";
  }
  return "?";
}

std::string verdict_text(const CheckResult& c) {
  std::string v = to_string(c.verdict);
  if (c.expect != Verdict::fail) return v;
  if (c.verdict == Verdict::fail) return v + " (as claimed)";
  if (c.verdict == Verdict::pass) return v + " (the claim expects fail)";
  return v;
}

std::string claim_figures(const CheckResult& c) {
  std::string s;
  if (c.verify) {
    const VerifyReport& r = *c.verify;
    const BiasTest& t = r.test;
    double worst = 0.0;  // max_i |mean_i - exact_i|
    for (double b : t.bias) worst = std::max(worst, std::abs(b));
    s = r.estimator.spec + " on " + r.problem + " at theta " + theta_text(r.theta) + ": max |mean - exact| " +
        g(worst) + " (max |z| " + g(max_abs_z(c)) + ", p " + g(t.p_value_family) + "), |bias| <= " + g(t.bias_bound);
    if (r.estimator_mean) {
      double exact_bias = 0.0;
      for (std::size_t i = 0; i < r.estimator_mean->mean.size() && i < r.exact.gradient.size(); ++i)
        exact_bias = std::max(exact_bias, std::abs(r.estimator_mean->mean[i] - r.exact.gradient[i]));
      s += ", exact max |bias| " + g(exact_bias);
    }
  } else if (!c.compare.empty()) {
    for (const auto& p : c.compare) {  // a θ grid: its first and last points
      if (c.sweep_index && &p != &c.compare.front() && &p != &c.compare.back()) continue;
      const CompareResult& r = p.result;
      const std::string at = c.sweep_index ? " at theta " + theta_text(p.theta) : "";
      for (const Comparison& cmp : r.comparisons) {
        s += (s.empty() ? "" : "; ") + std::string("Var(") + r.estimators[0] + ")/Var(" + cmp.other + ") = " +
             g(cmp.trace.ratio) + " [" + g(cmp.trace.lower) + ", " + g(cmp.trace.upper) + "]";
        if (cmp.exact_trace_ratio) s += ", exact " + g(*cmp.exact_trace_ratio);
        s += at;
      }
    }
    if (c.sweep_index) {  // the point that decides the grid: the smallest lower end
      const CompareReport* worst = nullptr;
      const Comparison* wc = nullptr;
      for (const auto& p : c.compare)
        for (const Comparison& cmp : p.result.comparisons)
          if (!wc || cmp.trace.lower < wc->trace.lower) worst = &p, wc = &cmp;
      if (wc)
        s += "; smallest of the " + std::to_string(c.compare.size()) + " points: " + g(wc->trace.ratio) + " [" +
             g(wc->trace.lower) + ", " + g(wc->trace.upper) + "] (Var(" + worst->result.estimators[0] +
             ")/Var(" + wc->other + ") at theta " + theta_text(worst->theta) + ")";
    }
    const CompareResult& f = c.compare.front().result;
    s += " (claim: >= " + g(f.min_reduction) + "; on " + c.compare.front().problem +
         (c.sweep_index ? "" : " at theta " + theta_text(c.compare.front().theta)) + ")";
  } else if (c.curve) {
    double worst = 0.0;
    for (const auto& mean : c.curve->means)
      for (std::size_t i = 0; i < mean.mean.size(); ++i)
        worst = std::max(worst, std::abs(mean.mean[i] - c.curve->exact.gradient[i]));
    s = c.curve->estimator + " on " + c.curve->problem + ": max |exact bias| " + g(worst) + " over " + c.curve->param +
        " in [" + g(c.curve->values.front()) + ", " + g(c.curve->values.back()) + "]";
    if (c.max_abs_bias) s += " (claim: <= " + g(*c.max_abs_bias) + ")";
  } else {
    s = figures(c);
  }
  return s;
}

std::vector<ClaimResult> claims(const SuiteReport& r) {
  std::vector<ClaimResult> out;
  for (std::size_t i = 0; i < r.checks.size(); ++i) {
    const CheckResult& c = r.checks[i];
    if (c.claim.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const ClaimResult& k) { return k.claim == c.claim && k.source == c.source; });
    if (it == out.end()) {
      out.push_back({c.claim, c.source, {}, Reading::holds, ""});
      it = out.end() - 1;
    }
    it->checks.push_back(i);
  }
  for (ClaimResult& k : out) {
    std::string against, unsettled, support;
    for (std::size_t i : k.checks) {
      const CheckResult& c = r.checks[i];
      const Verdict o = outcome(c);
      const std::string line = c.name + " (expected " + expected_text(c) + ", got " + to_string(c.verdict) + "): " +
                               claim_figures(c);
      if (o == Verdict::fail) against += (against.empty() ? "" : "; ") + line;
      else if (o != Verdict::pass) unsettled += (unsettled.empty() ? "" : "; ") + line;
      else support += (support.empty() ? "" : "; ") + c.name + ": " + claim_figures(c);
    }
    if (!against.empty()) {
      k.reading = Reading::does_not_hold;
      k.text = "does not hold at these settings: " + against +
               (support.empty() ? "" : " (consistent with the claim: " + support + ")");
    } else if (!unsettled.empty()) {
      k.reading = Reading::not_settled;
      k.text = "not settled: " + unsettled + (support.empty() ? "" : " (consistent with the claim: " + support + ")");
    } else {
      k.reading = Reading::holds;
      k.text = "holds: " + support;
    }
  }
  return out;
}

nlohmann::json to_json(const ClaimResult& k, const SuiteReport& r) {
  nlohmann::json checks = nlohmann::json::array();
  for (std::size_t i : k.checks) {
    const CheckResult& c = r.checks[i];
    checks.push_back({{"name", c.name},
                      {"expect", expected_text(c)},
                      {"verdict", to_string(c.verdict)},
                      {"outcome", to_string(outcome(c))},
                      {"figures", claim_figures(c)}});
  }
  return {{"claim", k.claim}, {"source", k.source}, {"reading", to_string(k.reading)}, {"text", k.text},
          {"checks", checks}};
}

}  // namespace estcheck
