// reports/verify_report.hpp — what `estcheck exact` and `estcheck verify` report, as JSON (schema
// in docs/json.md) and as text for a terminal; and the one way estcheck writes an output file.
#pragma once

#include "verify/exact.hpp"
#include "verify/harness.hpp"
#include "verify/verdict.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace estcheck {

inline constexpr int kJsonSchemaVersion = 1;

struct ExactReport {
  std::string problem;
  std::vector<double> theta;
  ExactGradient exact;
};

struct VerifyReport {
  std::string problem;
  std::string estimator;
  bool claimed_unbiased = true;
  std::vector<double> theta;
  std::uint64_t seed = 0;
  int threads = 0;  ///< threads actually used
  ExactGradient exact;
  RunResult run;
  BiasTest test;
};

nlohmann::json to_json(const ExactReport& r);
nlohmann::json to_json(const VerifyReport& r);
void write_text(std::ostream& out, const ExactReport& r);
void write_text(std::ostream& out, const VerifyReport& r);

/// Writes `doc` (pretty-printed, with a final newline) to `path`, or to `out` when path is "-".
/// A file is written to a temporary beside it and renamed into place, so a reader never sees a
/// partial file. Throws InputError (argument "--json") when it cannot be written.
void write_json(const nlohmann::json& doc, const std::string& path, std::ostream& out);

/// Throws InputError (argument "--json") unless `path` is "-" or its folder exists, so a long run
/// fails before it starts rather than after.
void check_output_path(const std::string& path, const std::string& argument = "--json");

}  // namespace estcheck
