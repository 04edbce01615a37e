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
// Extension point: a new kind adds its name to kCheckKinds (and takes_budget if statistical), its
// keys to the parser (suite.cpp: kKeys), one run_* function returning a Pending with p_value set
// if it is statistical, and a finish_* deciding its verdict at the Holm threshold.
#pragma once

#include "reports/suite_report.hpp"

#include <array>
#include <cstdint>
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

struct CheckSpec {
  std::string name, kind, description;
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
};

struct SuiteSpec {
  std::string file, name, description;
  double alpha = 1e-4;
  std::uint64_t seed = 1;
  std::vector<CheckSpec> checks;
};

/// Reads and checks a suite file (see the top of this file). Throws InputError.
SuiteSpec parse_suite(const std::string& path);

/// splitmix64(splitmix64(suite_seed) + fnv1a64(name)): a check's seed.
std::uint64_t check_seed(std::uint64_t suite_seed, std::string_view name);

/// Holm's step-down thresholds for p-values `p` at family-wise level `alpha`: the check of rank j
/// (1-based, ascending p, ties in input order) gets α/(m - j + 1) while every smaller p is below its
/// own threshold; from the first rank s that is not, every later rank gets α/(m - s + 1). So a
/// check fails exactly when p <= its threshold. Returns (rank, threshold) per input.
std::vector<std::pair<std::size_t, double>> holm_thresholds(const std::vector<double>& p, double alpha);

struct SuiteOptions {
  std::optional<std::uint64_t> seed;  ///< overrides the file's seed
  int threads = 0;                    ///< 0: every core
  bool progress = false;              ///< a progress bar on `err` (the CLI sets it on a terminal)
  bool quiet = false;                 ///< no per-check lines on `out`
  /// MPI ranks sharing every verify and compare run (verify/harness/harness.hpp); every rank runs the same
  /// checks in the same order, so the collectives match, and the figures equal one process's.
  const RunPartition* partition = nullptr;
};

/// Runs every check; writes one line per finished check on `out` (unless quiet) and the progress
/// bar on `err` (if progress). Throws InputError for an input problem only found when running.
SuiteReport run_suite(const SuiteSpec& suite, const SuiteOptions& options, std::ostream& out, std::ostream& err);

}  // namespace estcheck
