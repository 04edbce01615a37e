// reports/markdown.cpp — see markdown.hpp.
#include "reports/markdown.hpp"

#include "reports/claims.hpp"

#include <sstream>

namespace estcheck {
namespace {

/// A table cell: pipes escaped, newlines flattened.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string mark(Verdict v) {
  switch (v) {
    case Verdict::pass: return "🟢 pass";
    case Verdict::fail: return "🔴 **FAIL**";
    case Verdict::inconclusive: return "🟡 inconclusive";
    case Verdict::error: return "🔴 **ERROR**";
  }
  return "?";
}

/// A check's status cell: its outcome (an expected fail is green), with the verdict when they differ.
std::string status(const CheckResult& c) {
  if (c.expect == Verdict::fail && c.verdict == Verdict::fail) return "🟢 fail (as claimed)";
  if (c.expect == Verdict::fail && c.verdict == Verdict::pass) return "🔴 **pass, the claim expects fail**";
  return mark(c.verdict);
}

/// ", k of them as their claims predict" when some check's claim expects fail.
std::string expected_fails(const SuiteReport& r) {
  std::size_t k = 0;
  for (const auto& c : r.checks) k += c.expect == Verdict::fail && c.verdict == Verdict::fail;
  return k ? " (" + std::to_string(k) + " of them as their claims predict)" : "";
}

std::string mark(Reading r) {
  switch (r) {
    case Reading::holds: return "🟢 holds";
    case Reading::does_not_hold: return "🔴 **does not hold**";
    case Reading::not_settled: return "🟡 not settled";
  }
  return "?";
}

std::string g(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

}  // namespace

std::string to_markdown(const SuiteReport& r) {
  std::ostringstream s;
  s << "# estcheck suite `" << r.name << "`: " << (r.verdict == Verdict::pass ? "pass" : mark(r.verdict)) << "\n\n";
  if (!r.description.empty()) s << r.description << "\n\n";
  std::size_t n[4] = {0, 0, 0, 0};
  for (const auto& c : r.checks) ++n[static_cast<int>(c.verdict)];
  s << "- suite file: `" << r.file << "`; seed " << r.seed << " (each check's seed is derived from it and the check's name); "
    << r.threads << " threads; " << r.elapsed_s << " s\n"
    << "- checks: " << r.checks.size() << " (" << n[0] << " pass, " << n[1] << " fail" << expected_fails(r) << ", "
    << n[2] << " inconclusive, " << n[3] << " error); exit code " << exit_code(r.verdict) << "\n"
    << "- " << budget_text(r) << "\n\n";
  if (const std::vector<ClaimResult> ks = claims(r); !ks.empty()) {
    std::size_t held = 0;
    for (const auto& k : ks) held += k.reading == Reading::holds;
    s << "## Claims\n\n" << held << " of " << ks.size()
      << " claims hold. Each claim is checked by the checks named after it; a claim holds when every one of them "
         "has the verdict the claim predicts (docs/suites.md, \"Claims\").\n\n"
      << "| reading | claim | source | checks | figures |\n|---|---|---|---|---|\n";
    for (const auto& k : ks) {
      std::string names;
      for (std::size_t i : k.checks)
        names += (names.empty() ? "" : "<br>") + ("`" + cell(r.checks[i].name) + "` " + cell(verdict_text(r.checks[i])));
      s << "| " << mark(k.reading) << " | " << cell(k.claim) << " | " << cell(k.source) << " | " << names << " | "
        << cell(k.text) << " |\n";
    }
    s << "\n";
  }
  s << "| status | check | kind | estimator(s) | problem | θ | max \\|z\\| | p-value | threshold | bias bound |\n"
    << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& c : r.checks) {
    std::string ests, problem, theta, z = "", bound = "";
    if (c.verify) {
      ests = c.verify->estimator.spec;
      problem = c.verify->problem;
      theta = theta_text(c.verify->theta);
      z = g(max_abs_z(c));
      bound = g(c.verify->test.bias_bound);
    } else if (!c.compare.empty()) {
      for (const auto& e : c.compare.front().result.estimators) ests += (ests.empty() ? "" : ", ") + e;
      problem = c.compare.front().problem;
      theta = c.sweep_index ? "θ[" + std::to_string(*c.sweep_index) + "] swept over " +
                                  std::to_string(c.compare.size()) + " points"
                            : theta_text(c.compare.front().theta);
    } else if (c.curve) {
      ests = c.curve->estimator + " (" + c.curve->param + " varied)";
      problem = c.curve->problem;
      theta = theta_text(c.curve->theta);
    } else if (c.calibrate) {
      const bool catoni = c.calibrate->result.test_method.rfind("Catoni", 0) == 0;
      ests = c.calibrate->estimator + " (calibration of the " + (catoni ? "Catoni" : "t") + " test)";
      problem = c.calibrate->problem;
      theta = theta_text(c.calibrate->theta);
    }
    s << "| " << status(c) << " | `" << cell(c.name) << "` | " << c.kind << " | `" << cell(ests) << "` | `"
      << cell(problem) << "` | " << cell(theta) << " | " << z << " | " << (c.p_value ? g(*c.p_value) : "—") << " | "
      << (c.threshold ? g(*c.threshold) : "—") << " | " << bound << " |\n";
  }
  s << "\n## Checks\n\n";
  for (const auto& c : r.checks)
    s << "- " << status(c) << " `" << cell(c.name) << "` (seed " << c.seed << "): " << c.reason << ". "
      << figures(c) << "\n";
  return s.str();
}

}  // namespace estcheck
