// reports/verify_report.hpp — what `estcheck exact`, `verify`, `compare`, `calibrate` and
// `bias-curve` report (the pipeline's reports, verify/pipeline.hpp), as JSON (schema in
// docs/json.md) and as text for a terminal; and the one way estcheck writes an output file.
#pragma once

#include "verify/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace estcheck {

inline constexpr int kJsonSchemaVersion = 1;

struct ExactReport {
  std::string problem;
  std::vector<double> theta;
  ExactGradient exact;
  std::string estimator;                    ///< with --estimator: its canonical spec
  std::optional<EstimatorMean> estimator_mean;
  std::optional<EstimatorMoments> estimator_moments;  ///< exact mean and variance, when known
  /// With --order 2 (graph problems): the exact Hessian, upper triangle row-major, in `gradient`.
  std::optional<ExactGradient> hessian = std::nullopt;
  /// The estimator's order: 2 means its outputs (and its exact mean) are the Hessian's upper triangle.
  int estimator_order = 1;
};

nlohmann::json to_json(const ExactReport& r);
nlohmann::json to_json(const VerifyReport& r);
nlohmann::json to_json(const BiasCurveReport& r);

nlohmann::json to_json(const CompareReport& r);

nlohmann::json to_json(const CalibrateReport& r);
void write_text(std::ostream& out, const CalibrateReport& r);
void write_text(std::ostream& out, const CompareReport& r);
void write_text(std::ostream& out, const BiasCurveReport& r);
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
