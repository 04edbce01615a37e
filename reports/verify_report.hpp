// reports/verify_report.hpp — what `estcheck exact` and `estcheck verify` report, as JSON (schema
// in docs/json.md) and as text for a terminal; and the one way estcheck writes an output file.
#pragma once

#include "verify/stats/calibrate.hpp"
#include "verify/stats/compare.hpp"
#include "verify/stats/sequential.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

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
};

struct VerifyReport {
  std::string problem;
  std::string estimator;
  bool claimed_unbiased = true;
  std::vector<double> theta;
  std::uint64_t seed = 0;
  int threads = 0;  ///< threads actually used
  int objective_samples = 0;  ///< 0: the target is ∇E[f]; K: ∇E[log mean of K f] (VIMCO)
  int order = 1;              ///< 2: the target is the Hessian, upper triangle row-major (DiCE)
  ExactGradient exact;
  RunResult run;
  BiasTest test;
  std::optional<EstimatorMean> estimator_mean;  ///< the exact E[ĝ], when an oracle knows it
  std::optional<EstimatorMoments> estimator_moments;  ///< the exact E[ĝ] and Var[ĝ], when known
  std::vector<double> variance_bound;  ///< the bound the Catoni test used (empty: none)
  int ranks = 1;                       ///< processes that shared the run (MPI); figures do not depend on it
  std::optional<SequentialResult> sequential;  ///< with --sequential: the rounds (run/test: the last)
};

/// `estcheck bias-curve`: the exact bias of an estimator against one of its parameters.
struct BiasCurveReport {
  std::string problem;
  std::string estimator;  ///< the estimator's name, without the varied parameter
  std::vector<double> theta;
  std::string param;
  std::vector<double> values;
  ExactGradient exact;
  std::vector<EstimatorMean> means;  ///< one per value
};

nlohmann::json to_json(const ExactReport& r);
nlohmann::json to_json(const VerifyReport& r);
nlohmann::json to_json(const BiasCurveReport& r);

/// `estcheck compare`.
struct CompareReport {
  std::string problem;
  std::vector<double> theta;
  std::uint64_t seed = 0;
  int threads = 0;
  CompareResult result;
};
nlohmann::json to_json(const CompareReport& r);

/// `estcheck calibrate`.
struct CalibrateReport {
  std::string problem;
  std::string estimator;
  std::vector<double> theta;
  int threads = 0;
  CalibrateOptions options;
  ExactGradient exact;
  CalibrationResult result;
};
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
