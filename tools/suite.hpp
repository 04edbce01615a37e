// tools/suite.hpp — `estcheck suite FILE`: verification suites read from a JSON file (format in
// docs/suites.md), run as one family of checks under one error budget.
//
// A suite lists named checks of the kinds in kCheckKinds ("verify", "compare", "bias-curve",
// "calibrate": tests of the tester, verify/stats/calibrate.hpp). parse_suite checks the
// whole file before anything runs — JSON syntax (with line and column), every key (unknown keys
// are errors), every type, duplicated names, and that every problem, estimator and θ can be built
// — and throws InputError naming the file and the JSON pointer of the bad value.
//
// run_suite runs the checks in file order. Each check's seed is check_seed(suite seed, name), so
// adding, removing or reordering checks changes no other check's numbers. The suite's error
// budget α is split over the m verify, compare and calibrate checks by Holm's step-down procedure
// (Holm 1979) on each check's own family-wise p-value (SuiteReport::budget_checks, CheckResult::threshold):
// P(any check fails | every claim holds) <= α, up to the approximations of the per-check tests.
// Bias-curve checks are exact (no sampling) and take no share of the budget.
//
// Calibrate checks (R runs of a bias test) judge two claims per α with exact binomial bounds and
// take a share of the budget like verify and compare (docs/suites.md, "Calibrate checks").
//
// Checks are typed (suite.cpp: VerifyCheck, CompareCheck, CalibrateCheck, BiasCurveCheck), built
// once by parse_suite with their problem and estimator objects, and run through the pipeline
// (verify/pipeline.hpp). Each carries its two steps: run (its samples and, if it takes a share of
// the budget, its family-wise p-value) and decide (its verdict at the threshold Holm's procedure
// gives it, decide_by_holm). Extension point: a new kind adds its name to kCheckKinds, its keys to
// the parser (suite.cpp: kKeys) and one SuiteCheck subclass built in parse_check.
#pragma once

#include "reports/suite_report.hpp"
#include "tools/progress.hpp"
#include "verify/stats/holm.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

inline constexpr std::array<std::string_view, 4> kCheckKinds = {"verify", "compare", "bias-curve", "calibrate"};

/// Whether checks of this kind are statistical and take a share of the suite's error budget.
inline bool takes_budget(std::string_view kind) { return kind == "verify" || kind == "compare" || kind == "calibrate"; }

/// A θ grid of a compare check: θ[index] takes `count` evenly spaced values from `from` to `to`.
struct ThetaGrid {
  std::size_t index = 0;
  double from = 0.0, to = 0.0;
  std::size_t count = 2;
};

/// What a check's run step needs from the suite.
struct CheckContext {
  std::uint64_t seed = 0;  ///< the check's seed (check_seed)
  int threads = 1;         ///< threads, resolved (> 0)
  double alpha = 1e-4;     ///< the suite's budget α
  double alpha0 = 1e-4;    ///< α / m, Holm's smallest threshold: the Catoni scale is tuned to it
  const RunPartition* partition = nullptr;
  Progress* progress = nullptr;
  double max_run_seconds = 0.0;  ///< refuse a run its pilot predicts longer (verify/harness/run_cost.hpp); 0: none
};

/// A check between its run step and Holm's decision.
struct CheckRun {
  CheckResult result;                    ///< p_value set by the run step of a budgeted check
  std::optional<VerifyRun> verify;       ///< verify checks: the run to decide at the threshold
};

/// A typed suite check (one subclass per kind, suite.cpp), holding its problem and estimators.
class SuiteCheck {
 public:
  virtual ~SuiteCheck() = default;
  virtual std::uint64_t planned_samples() const = 0;
  /// The run step: samples drawn, the p-value of a budgeted check set (none when it errs).
  virtual CheckRun run(const CheckContext& context) const = 0;
  /// The decision step at the check's Holm threshold (bias-curve checks decide in run).
  virtual void decide(CheckRun& run, double threshold) const = 0;
  /// A verify check with `estimator` in place of its own, or nullptr (another kind, or an
  /// estimator that cannot run on the check's problem).
  virtual std::shared_ptr<const SuiteCheck> with_estimator(std::shared_ptr<Estimator> estimator) const;
};

struct CheckSpec {
  std::string name, kind, description;
  std::string claim, source;  ///< the paper's claim this check tests, and where it is (reports/claims.hpp)
  bool expect_fail = false;   ///< the claim predicts a fail verdict ("is biased"): `"expect": "fail"`
  std::string pointer;  ///< JSON pointer of the check in its file ("/checks/2"), for messages
  std::string problem;
  std::vector<std::string> estimators;  ///< verify, bias-curve and calibrate: one; compare: the reference first
  std::vector<double> theta;
  std::uint64_t samples = 100000;
  std::optional<double> tolerance;      ///< verify
  double min_reduction = 1.0;           ///< compare
  std::optional<ThetaGrid> theta_grid;  ///< compare
  std::string param;                    ///< bias-curve
  double from = 0.0, to = 0.0;          ///< bias-curve
  std::size_t count = 2;                ///< bias-curve
  std::optional<double> max_abs_bias;   ///< bias-curve
  // calibrate (samples is per repetition; its default there is 1000)
  std::uint64_t repetitions = 1000;
  std::vector<double> alphas{1e-2, 1e-3};
  std::string test = "auto";            ///< auto, t or catoni
  std::size_t coordinate = 0;
  double max_ratio = 1.5;               ///< claim: false-rejection rate <= max_ratio × α at every α
  double min_power = 0.85;              ///< claim: power at the detectable bias >= min_power
  std::shared_ptr<const SuiteCheck> check;  ///< the check built from the fields above
};

struct SuiteSpec {
  std::string file, name, description;
  double alpha = 1e-4;
  std::uint64_t seed = 1;
  /// The time budget of each exact oracle figure (verify/oracles/budget.hpp); unset: the default.
  std::optional<double> oracle_seconds;
  std::vector<CheckSpec> checks;
};

/// Reads and checks a suite file (see the top of this file). Throws InputError.
SuiteSpec parse_suite(const std::string& path);

/// splitmix64(splitmix64(suite_seed) + fnv1a64(name)): a check's seed.
std::uint64_t check_seed(std::uint64_t suite_seed, std::string_view name);

struct SuiteOptions {
  std::optional<std::uint64_t> seed;  ///< overrides the file's seed
  int threads = 0;                    ///< 0: every core
  bool progress = false;              ///< a progress bar on `err` (the CLI sets it on a terminal)
  bool quiet = false;                 ///< no per-check lines on `out`
  /// MPI ranks sharing every verify and compare run (verify/harness/harness.hpp); every rank runs the same
  /// checks in the same order, so the collectives match, and the figures equal one process's.
  const RunPartition* partition = nullptr;
  /// Each verify, compare and calibrate run whose pilot predicts more seconds is refused (InputError
  /// "max_run_seconds", exit 2) before it starts; 0: no limit.
  double max_run_seconds = 0.0;
  /// Overrides the file's "oracle_seconds" (verify/oracles/budget.hpp).
  std::optional<double> oracle_seconds;
};

/// Runs every check; writes one line per finished check on `out` (unless quiet) and the progress
/// bar on `err` (if progress). Throws InputError for an input problem only found when running.
SuiteReport run_suite(const SuiteSpec& suite, const SuiteOptions& options, std::ostream& out, std::ostream& err);

/// The checks' budget: m, the number of checks that take a share of it.
std::size_t budget_checks(const SuiteSpec& suite);

/// The run step's context of check `index` of `suite` at suite seed `seed`.
CheckContext check_context(const SuiteSpec& suite, std::size_t index, std::uint64_t seed, int threads,
                           const RunPartition* partition, Progress* progress);

/// Holm's step-down procedure over the budgeted checks' p-values (a check without one, because it
/// errored, counts as p = 1) at the suite's α: sets each one's rank and threshold and decides it.
void decide_by_holm(const SuiteSpec& suite, std::vector<CheckRun>& runs);

}  // namespace estcheck
