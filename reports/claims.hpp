// reports/claims.hpp — the claims of a suite: papers' sentences checked by the suite's checks, and
// their readings (docs/suites.md, "Claims"; suites/papers.json).
//
// A check may carry `claim` (the sentence, e.g. "REINFORCE is unbiased for any constant
// baseline"), `source` (the paper and section) and `expect` ("pass", the default, or "fail": what
// the claim predicts of this check's verdict; "fail" for a claim that an estimator is biased, or
// that a variance is not reduced). Checks with the same claim and source form one claim, in the
// order of their first check. A check's outcome is pass when its verdict is the expected one, fail
// when it is the opposite one (pass for fail, fail for pass), and its verdict otherwise
// (inconclusive, error). A claim's reading:
//   holds           every check's verdict is the expected one;
//   does not hold   some check has the opposite verdict ("does not hold at these settings", with
//                   that check's figures);
//   not settled     otherwise (a check inconclusive or errored).
// The suite's verdict and exit code are those of the outcomes (reports/suite_report.hpp,
// overall_verdict), so a suite passes exactly when every claim holds and every other check passes.
// A fail verdict is made at the check's Holm threshold, so "holds" for an expected fail ("biased")
// and "does not hold" for an expected pass share the suite's family-wise error budget; a pass
// verdict of a verify check means no bias was detected, with the stated bound on |bias|.
#pragma once

#include "reports/suite_report.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace estcheck {

/// The verdict that counts for the suite: the check's verdict read against its expectation.
Verdict outcome(const CheckResult& check);

enum class Reading { holds, does_not_hold, not_settled };
const char* to_string(Reading reading);

struct ClaimResult {
  std::string claim, source;
  std::vector<std::size_t> checks;  ///< indices into SuiteReport::checks, in file order
  Reading reading = Reading::not_settled;
  /// One line: "holds: ..." or "does not hold at these settings: ..." or "not settled: ...",
  /// with the figures of the checks that decide it.
  std::string text;
};

/// The claims of `report`, in the order of their first check (empty when no check has a claim).
std::vector<ClaimResult> claims(const SuiteReport& report);

/// The verdict of a check as its row shows it: its verdict, and "(as claimed)" for an expected
/// fail, "(the claim expects fail)" for a pass where a fail was expected.
std::string verdict_text(const CheckResult& check);

/// The numbers a claim's reading quotes from one check, e.g. "Var(reinforce)/Var(rebar) = 0.70
/// [0.69, 0.71], exact 0.701" or "max |bias| <= 1.6e-05 (max |z| 1.2, p 0.46)".
std::string claim_figures(const CheckResult& check);

nlohmann::json to_json(const ClaimResult& claim, const SuiteReport& report);

}  // namespace estcheck
