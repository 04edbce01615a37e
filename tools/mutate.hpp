// tools/mutate.hpp — `estcheck mutate SUITE`: a suite's power made visible. Each planted-bug
// estimator (estimators/mutants/) replaces the correct estimator it is an edit of (MutantInfo::
// base) in every verify check of the suite that runs that estimator, on the same problem, θ,
// samples and check seed (the suite's own typed check, SuiteCheck::with_estimator). The mutant is
// caught when one of those checks fails at the threshold the suite's own budget gives it: Holm's
// step-down procedure (Holm 1979; decide_by_holm) over all the suite's budgeted checks, with the
// mutant's checks' p-values in place of its base's and every other check's p-value from one run of
// the suite with its own estimators. Since Holm's smallest threshold is α/m, a check with p <= α/m
// fails whatever the others' p-values; only a mutant not caught that way needs the suite's run
// (made once, on first need), so a suite that catches every mutant at α/m costs no more than the
// mutants' checks. A mutant whose base the suite never runs is "not exercised": a gap in the
// suite, reported as not caught.
#pragma once

#include "tools/suite.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace estcheck {

struct MutantOutcome {
  std::string mutant, base, bug;
  std::vector<std::string> checks;  ///< the suite checks it was run through, in order
  std::string caught_by;            ///< the first check that failed it ("" if none)
  std::string reason;               ///< that check's reason, or why it was not caught
  bool caught = false;
};

struct MutationReport {
  std::string suite, file;
  std::uint64_t seed = 0;
  double alpha = 0.0;             ///< the suite's budget
  double alpha_per_check = 0.0;   ///< α/m: Holm's smallest threshold
  std::size_t budget_checks = 0;
  std::vector<MutantOutcome> mutants;
  std::size_t caught = 0;
  double elapsed_s = 0.0;
};

/// Runs every mutant through `suite` (see the file comment). Throws InputError for a bad suite.
MutationReport mutate_suite(const SuiteSpec& suite, std::optional<std::uint64_t> seed, int threads);

nlohmann::json to_json(const MutationReport& r);
void write_text(std::ostream& out, const MutationReport& r);
/// 0 when every mutant is caught, 1 otherwise.
int exit_code(const MutationReport& r);

}  // namespace estcheck
