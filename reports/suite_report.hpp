// reports/suite_report.hpp — the result of `estcheck suite` (tools/suite.hpp runs it) and its
// renderings: report.json (schema reports/schema/suite-report.schema.json, documented in
// docs/suites.md), plus the one-line figures of a check shared by the Markdown, HTML and JUnit
// writers (reports/markdown.hpp, reports/html.hpp, reports/junit.hpp), and the atomic writer of a
// set of report files.
#pragma once

#include "reports/verify_report.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {

/// Version of report.json (bumped on any incompatible change).
inline constexpr int kSuiteReportVersion = 1;

struct CheckResult {
  std::string name, kind, description;
  /// The paper's claim this check tests and its source (reports/claims.hpp); empty: none.
  std::string claim, source;
  /// What the claim predicts of the verdict: pass (the default) or fail (e.g. "is biased").
  Verdict expect = Verdict::pass;
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::error;
  std::string reason;
  /// The p-value of the check's fail verdict, family-wise over its own coordinates (verify: the
  /// smallest Holm-adjusted p; compare: fail_p_value, times the grid size for a θ grid; calibrate:
  /// CalibrationClaims::p_value, Bonferroni over its 2 claims per α). Absent for
  /// checks outside the error budget (bias-curve is exact) and for checks that errored.
  std::optional<double> p_value;
  std::optional<std::size_t> holm_rank;  ///< 1-based rank of p_value among the budgeted checks
  std::optional<double> threshold;       ///< the check's α under Holm's step-down procedure
  double elapsed_s = 0.0;

  std::optional<VerifyReport> verify;       ///< kind "verify" (with its checkpoints: running mean at 2^k blocks, and at the end)
  std::vector<CompareReport> compare;       ///< kind "compare": one per θ point
  std::optional<std::size_t> sweep_index;   ///< kind "compare" with a θ grid: the swept coordinate
  std::optional<BiasCurveReport> curve;     ///< kind "bias-curve"
  std::optional<double> max_abs_bias;       ///< kind "bias-curve": the claim checked, if any
  std::optional<CalibrateReport> calibrate;       ///< kind "calibrate": the `estcheck calibrate` run
  std::optional<CalibrationClaims> calibration;   ///< kind "calibrate": its claims judged at the threshold
};

struct SuiteReport {
  std::string name, description, file;
  std::uint64_t seed = 0;
  int threads = 0;
  double alpha = 1e-4;            ///< the suite's family-wise error budget
  std::size_t budget_checks = 0;  ///< m: checks sharing the budget (verify, compare and calibrate)
  std::vector<CheckResult> checks;
  Verdict verdict = Verdict::pass;
  double elapsed_s = 0.0;
};

/// The suite's overall verdict over the checks' outcomes (their verdicts read against their
/// expectations, reports/claims.hpp: an expected fail counts as a pass): error if any errs, else
/// fail if any fails, else inconclusive if any is, else pass. Its exit code is exit_code(verdict) (verify/stats/verdict.hpp).
Verdict overall_verdict(const std::vector<CheckResult>& checks);

/// The figures of a check in one line: estimator(s), problem, θ, max |z|, p-value, bias bound,
/// threshold (whichever apply), e.g. for a JUnit failure message.
std::string figures(const CheckResult& check);

/// max_i |mean_i - exact_i| / std_error_i of a verify check (0 when not a verify check).
double max_abs_z(const CheckResult& check);

/// A figure in a report's text, to 4 significant digits ("0.0244", "1.6e-156").
std::string figure_text(double v);

/// The text of θ, "(0.3, -1)"; past 8 values its first 4 and its length ("(0.1, 0.2, 0.3, 0.4, ... 780 values)").
std::string theta_text(const std::vector<double>& theta);

/// The budget arithmetic in words: budget, m, the Holm thresholds α/m, ..., α/1.
std::string budget_text(const SuiteReport& report);

nlohmann::json to_json(const CheckResult& check);
nlohmann::json to_json(const SuiteReport& report);

/// Writes every (path, text) pair: each to a temporary beside it first, then all renamed into
/// place, so that on any error no output file is half-written (and none of the new ones is
/// renamed in). Throws InputError naming `argument` and the path.
void write_files(const std::vector<std::pair<std::string, std::string>>& files, const std::string& argument);

}  // namespace estcheck
