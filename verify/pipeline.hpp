// verify/pipeline.hpp — one pipeline per job: a request goes in, a report comes out. `estcheck
// verify`, `compare`, `calibrate` and `bias-curve`, the suite's checks (tools/suite.cpp), `estcheck
// mutate`, check_unbiased (verify/check.hpp), EXPECT_ESTIMATOR_UNBIASED (verify/gtest.hpp) and the
// tests all build their figures here, so a report field cannot be set in one place and forgotten
// in another (a suite report once said "order": 1 for dice:order=2).
//
// verify(request) = the estimator checked on the problem and prepared at θ; the exact target (∇L,
// ∇L_K for VIMCO, or the Hessian for order 2); the exact E[ĝ] and Var[ĝ] where an oracle knows
// them; the variance bound (choose_variance_bound, the one place its policy is written); the Monte
// Carlo run; the bias test (verify/stats/verdict.hpp, verify/stats/catoni.hpp) or the sequential
// test (verify/stats/sequential.hpp). It is run_verification followed by decide: a caller that
// fixes the test level only after the run (the suite, by Holm's procedure over its checks) calls
// the two steps itself, with the Catoni scale tuned beforehand to `catoni_alpha`.
//
// Failures: InputError for bad input (θ of the wrong length, an estimator that cannot run on the
// problem, a variance bound of the wrong length, the Catoni test without a variance bound, too few
// samples for the Catoni inequality); the field is named as in the request ("theta",
// "variance_bound", "estimator").
#pragma once

#include "estimators/estimator.hpp"
#include "verify/harness/harness.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/stats/betting.hpp"
#include "verify/stats/calibrate.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/stats/compare.hpp"
#include "verify/stats/sequential.hpp"
#include "verify/stats/verdict.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace estcheck {

/// An estimator bound to a problem: itself, or on an amortized problem (the VAE) the adapter that
/// runs it on the logits and maps its samples by Aᵀ (estimators/amortized.hpp, RELAX eq. 17). The
/// one place every job (verify, compare, calibrate, bias-curve, `estcheck exact --estimator`)
/// gets its estimator from; `adapter` owns the wrapper, `estimator` is what to use.
struct BoundEstimator {
  std::unique_ptr<Estimator> adapter;
  Estimator* estimator = nullptr;
  Estimator& operator*() const { return *estimator; }
  Estimator* operator->() const { return estimator; }
};
BoundEstimator bind_estimator(Estimator& estimator, const Problem& problem);

/// A variance bound for the Catoni test, per coordinate, and where it came from.
struct VarianceBound {
  std::vector<double> values;  ///< given: one value for every coordinate, or one per coordinate; empty: none
  std::string source;          ///< e.g. "--variance-bound option", "caller's variance bound", the oracle's method
};

/// The variance-bound policy, written only here: `given` when it has values (one value stands for
/// every coordinate); else the exact Var ĝ plus its error bound when `moments` is known, certified
/// (verify/oracles/certificate.hpp) and finite and the test is not t; else none (empty values: the
/// t-test runs; `source` then says why exact moments were not used, or is empty). Throws InputError ("variance_bound")
/// when `given` has neither 1 nor `dim` values or a value that is not finite and >= 0.
/// The test `method` asks for, with automatic resolved in the order of issue 18: Catoni with a
/// certified exact variance (`exact_variance`), else betting with a declared `range`, else Catoni
/// with a given variance bound (`given_variance`), else t. Never returns automatic.
TestMethod chosen_test(TestMethod method, bool exact_variance, bool has_range, bool given_variance);

VarianceBound choose_variance_bound(const VarianceBound& given, std::size_t dim, TestMethod method,
                                    const std::optional<EstimatorMoments>& moments);

/// A verify run's running figures after a prefix of its samples (the first `samples` samples of
/// the same noise streams, reduced by the same harness: bit-identical for any thread count).
struct Checkpoint {
  std::uint64_t samples = 0;
  std::vector<double> mean, std_error;
  double bias_bound = 0.0;  ///< at the decided level
  double critical_value = 0.0;
};

struct VerifyRequest {
  const Problem* problem = nullptr;
  Estimator* estimator = nullptr;  ///< checked on the problem and prepared at θ by the pipeline
  std::vector<double> theta;
  RunOptions run;                  ///< samples, seed, threads (0: every core), MPI partition, progress
  BiasTestOptions test;            ///< α and the tolerance δ of the verdict
  TestMethod method = TestMethod::automatic;
  VarianceBound variance_bound;    ///< given by the caller (empty: the policy picks one)
  std::optional<SequentialOptions> sequential;  ///< set: the anytime-valid sequential test instead
  /// The α the Catoni scale is tuned to (default test.alpha); the suite tunes it to α0 = its budget
  /// / its checks before Holm's procedure decides each check's level.
  std::optional<double> catoni_alpha;
  bool checkpoints = false;        ///< also run the prefixes of 2^k blocks and record Checkpoints
  /// Automatic that fell back to t: say why in test.method (the suite's report.json does not).
  bool explain_test_choice = true;
};

/// What `estcheck verify` reports (reports/verify_report.hpp renders it; docs/json.md).
struct VerifyReport {
  std::string problem;
  EstimatorInfo estimator{"", true, false, 1, ""};  ///< the estimator's own: spec, claim, objective, order
  /// The objective whose gradient is the target, in words: E[f(x)], the K-sample objective
  /// E[log (1/K) sum_k f(x_k)], or on an amortized problem the per-image K-sample (IWAE) bound.
  std::string objective;
  std::vector<double> theta;
  std::uint64_t seed = 0;
  int threads = 0;  ///< threads actually used
  int ranks = 1;    ///< processes that shared the run (MPI); figures do not depend on it
  ExactGradient exact;
  RunResult run;
  BiasTest test;
  std::optional<EstimatorMean> estimator_mean;        ///< the exact E[ĝ], when an oracle knows it
  std::optional<EstimatorMoments> estimator_moments;  ///< the exact E[ĝ] and Var[ĝ], when known
  std::vector<double> variance_bound;  ///< the bound the policy chose (empty: none)
  std::string variance_source;
  /// The estimator's declared sample range, when the test is (or could have been) the betting test.
  std::optional<SampleRange> sample_range;
  /// The test that ran: t, catoni or betting (chosen_test: never automatic).
  TestMethod test_method = TestMethod::t;
  std::optional<SequentialResult> sequential;  ///< with sequential: the rounds (run/test: the last)
  std::vector<Checkpoint> checkpoints;         ///< with checkpoints: at 2^k blocks, then at the end
};

/// A verification after its run, before its verdict: what decide needs to test it at any level.
struct VerifyRun {
  VerifyReport report;               ///< everything but test and checkpoints
  std::vector<RunResult> prefixes;   ///< with checkpoints: the runs of the first 2^k blocks
  std::optional<CatoniMeans> catoni; ///< the Catoni estimates, when the Catoni test runs
  std::optional<BettingRun> betting; ///< the betting processes, when the betting test runs
  TestMethod method = TestMethod::automatic;
  bool explain_test_choice = true;
  bool checkpoints = false;
};

/// The run step: everything up to the test (not for sequential requests).
VerifyRun run_verification(const VerifyRequest& request);

/// The decision step: the bias test of `run` at `options` (and its checkpoints, if recorded) into
/// run.report. May be called again at another level; the samples are not redrawn.
void decide(VerifyRun& run, const BiasTestOptions& options);

/// The whole verification: run_verification and decide at request.test, or the sequential test.
VerifyReport verify(const VerifyRequest& request);

/// `estcheck compare` at one θ: the estimators (the reference first) checked, of order 1, prepared
/// at θ and compared (verify/stats/compare.hpp).
struct CompareRequest {
  const Problem* problem = nullptr;
  std::vector<Estimator*> estimators;
  std::vector<double> theta;
  CompareOptions options;
};

struct CompareReport {
  std::string problem;
  std::vector<double> theta;
  std::uint64_t seed = 0;
  int threads = 0;
  CompareResult result;
};

CompareReport compare(const CompareRequest& request);

/// `estcheck calibrate`: R runs of the bias test (verify/stats/calibrate.hpp), fixed-n or
/// sequential, with the variance bound of choose_variance_bound, the declared sample range and
/// the test chosen as `verify` chooses it (chosen_test), against the estimator's target
/// (exact_target: ∇L_K for VIMCO), which must be certified.
struct CalibrateRequest {
  const Problem* problem = nullptr;
  Estimator* estimator = nullptr;
  std::vector<double> theta;
  CalibrateOptions options;
  VarianceBound variance_bound;
  double max_run_seconds = 0.0;  ///< refuse when samples × repetitions are expected to take longer (0: no limit)
};

struct CalibrateReport {
  std::string problem;
  std::string estimator;
  std::vector<double> theta;
  int threads = 0;
  CalibrateOptions options;
  ExactGradient exact;
  CalibrationResult result;
};

CalibrateReport calibrate(const CalibrateRequest& request);

/// `estcheck bias-curve`: the exact bias of an estimator against one of its parameters, at `count`
/// evenly spaced values from `from` to `to` (grid_value). Throws InputError ("estimator") when no
/// exact-mean oracle knows the estimator on the problem.
struct BiasCurveRequest {
  const Problem* problem = nullptr;
  std::string estimator;  ///< the spec without the varied parameter
  std::vector<double> theta;
  std::string param;
  double from = 0.0, to = 0.0;
  std::size_t count = 2;
};

struct BiasCurveReport {
  std::string problem;
  std::string estimator;  ///< the estimator's name, without the varied parameter
  std::vector<double> theta;
  std::string param;
  std::vector<double> values;
  ExactGradient exact;
  std::vector<EstimatorMean> means;  ///< one per value
};

BiasCurveReport bias_curve(const BiasCurveRequest& request);

/// The k-th of `count` evenly spaced values from `from` to `to`.
double grid_value(double from, double to, std::size_t k, std::size_t count);

/// `spec` with key=value appended ("concrete" -> "concrete:temperature=0.5").
std::string with_param(const std::string& spec, const std::string& key, double value);

}  // namespace estcheck
