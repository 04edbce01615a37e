// tools/cli_options.hpp — what each estcheck subcommand was given, and the parsers that turn that
// text into numbers: one number, count, thread count, θ list and FROM:TO:COUNT range parser for
// every subcommand, each failing with "<flag>: expected ..., got '<text>'".
//
// An options struct holds the subcommand's arguments as CLI11 parsed them (text, flags, and which
// options were given); the subcommand's function (tools/commands.hpp) parses each value where it
// needs it, so the first bad value a user sees is the same as ever.
#pragma once

#include "estimators/problems/problem.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace estcheck::cli {

// ---------------------------------------------------------------- parsers

/// A number (from_chars syntax: "0.5", "1e-3", "inf"). Throws InputError naming `flag`.
double parse_double(const std::string& flag, const std::string& text);
/// A non-negative integer >= lo, also written as 1e6 or 1000000.0 if the value is an exact
/// integer. Throws InputError naming `flag` with `expected` otherwise.
std::uint64_t parse_count(const std::string& flag, const std::string& text, std::uint64_t lo,
                          const std::string& expected);
/// --samples: an integer >= 2.
std::uint64_t parse_samples(const std::string& flag, const std::string& text);
/// --seed: an integer in [0, 2^64).
std::uint64_t parse_seed(const std::string& text);
/// --threads: an integer in [0, 4096] (0: every core).
int parse_threads(const std::string& text);
/// --theta: finite numbers, at least one.
/// The values of a comma-separated list option (every occurrence split at ','); an empty field
/// ("0.3,", ",0.3", "") is an InputError naming `flag`.
std::vector<std::string> split_list(const std::string& flag, const std::vector<std::string>& occurrences);
/// The most samples a run may ask for (as in suite files): 10^12.
inline constexpr std::uint64_t kMaxSamples = 1'000'000'000'000ULL;
std::vector<double> parse_theta(const std::vector<std::string>& parts);
/// parse_theta, or the problem's own θ (Problem::default_theta) for the single word "default".
std::vector<double> parse_theta(const std::vector<std::string>& parts, const Problem& problem);

/// COUNT evenly spaced values from `from` to `to` (COUNT >= 2), as `FROM:TO:COUNT` writes them.
struct Range {
  double from = 0;
  double to = 0;
  std::uint64_t count = 2;
  /// The k-th value: from + (to - from) k / (count - 1).
  double at(std::uint64_t k) const;
};
/// FROM, TO and COUNT of "FROM:TO:COUNT", or nullopt when `text` has not exactly three parts.
std::optional<std::array<std::string, 3>> split_range(const std::string& text);
/// The range of split_range's parts: FROM and TO numbers, COUNT an integer >= 2 (InputError
/// naming `flag`, with `count_expected` for a bad COUNT).
Range parse_range(const std::string& flag, const std::array<std::string, 3>& parts,
                  const std::string& count_expected);

// ---------------------------------------------------------------- what each subcommand was given

/// PROBLEM, --theta and --json, which every subcommand that computes at one θ takes.
struct TargetArgs {
  std::string problem;
  std::vector<std::string> theta;
  std::string json;
  bool json_given = false;  ///< --json was given (even as an empty string: an error)
  std::string oracle_seconds = "30";  ///< verify/oracles/budget.hpp: set_oracle_seconds
};

/// --max-run-seconds' default: a run expected (by its pilot, verify/harness/run_cost.hpp) to take
/// longer than an hour is refused up front.
inline constexpr const char* kDefaultMaxRunSeconds = "3600";
/// A number of seconds > 0 (and finite), or InputError naming `flag`.
double parse_seconds(const std::string& flag, const std::string& text);

/// The bias test's options (verify, test-samples; calibrate takes test and variance_bound).
struct TestArgs {
  std::string alpha = "0.001";
  std::string tolerance;
  bool tolerance_given = false;  ///< --tolerance was given (an empty value is an error, not "none")
  std::string test = "auto";
  std::vector<std::string> variance_bound;
};

struct ListArgs {
  bool json = false;
  bool mutants = false;
};

struct ExactArgs {
  TargetArgs target;
  std::string order = "1";
  std::string estimator;
  bool estimator_given = false;
};

struct VerifyArgs {
  std::string max_run_seconds = kDefaultMaxRunSeconds;
  TargetArgs target;
  std::string estimator;
  std::string external;
  std::string timeout = "60";
  std::string samples = "1000000";
  std::string seed = "1";
  std::string threads = "0";
  TestArgs test;
  bool sequential = false;
  std::string max_samples;
  std::string first_samples = "16384";
  bool quiet = false;
  std::string order = "1";
  bool timeout_given = false, samples_given = false, order_given = false;
  bool max_samples_given = false, first_samples_given = false;
};

struct CompareArgs {
  std::string max_run_seconds = kDefaultMaxRunSeconds;
  TargetArgs target;
  std::vector<std::string> estimators;  ///< the reference first
  std::string samples = "1000000";
  std::string seed = "1";
  std::string threads = "0";
  std::string alpha = "0.001";
  std::string min_reduction = "1";
  std::string interval = "both";
  std::string theta_grid;  ///< [INDEX=]FROM:TO:COUNT, or empty
  bool quiet = false;
};

struct BiasCurveArgs {
  TargetArgs target;
  std::string estimator;
  std::string param;  ///< KEY=FROM:TO:COUNT
};

struct CalibrateArgs {
  std::string max_run_seconds = kDefaultMaxRunSeconds;
  TargetArgs target;
  std::string estimator;
  std::string samples = "1000";
  std::string repetitions = "1000";
  std::string seed = "1";
  std::string threads = "0";
  std::vector<std::string> alphas;
  TestArgs test;  ///< test, variance_bound and (with sequential) tolerance
  std::string coordinate = "0";
  bool sequential = false;
  std::string max_samples;
  std::string first_samples = "16384";
  std::string planted_bias;  ///< empty: each run's own detectable bias
  bool samples_given = false, max_samples_given = false, first_samples_given = false;
};

struct TestSamplesArgs {
  TargetArgs target;
  std::string samples_file;
  std::string format = "csv";
  TestArgs test;
  std::string threads = "0";
  std::vector<std::string> sample_range;  ///< LO:HI, one or one per coordinate (the betting test)
};

struct SuiteArgs {
  std::string file;
  std::string out = "estcheck-report";
  std::string junit;
  std::string markdown;
  std::string seed = "1";
  bool seed_given = false;
  std::string threads = "0";
  bool quiet = false;
  std::string alpha;  ///< empty: the file's
  bool dry_run = false;
  std::string max_run_seconds = kDefaultMaxRunSeconds;
  std::string oracle_seconds;  ///< empty: the file's "oracle_seconds", else the default (30)
};

struct MutateArgs {
  std::string file;
  std::string seed = "1";
  bool seed_given = false;
  std::string threads = "0";
  std::string json;
};

/// `estcheck hunt` (tools/hunt.cpp, docs/hunt.md).
struct HuntArgs {
  std::string estimator;
  std::vector<std::string> problems;  ///< toy, bernoulli, categorical (empty: all it accepts)
  std::string budget_checks = "100";
  std::string shrink_checks = "100";
  std::string samples = "100000";
  std::string seed = "1";
  std::string threads = "0";
  std::string alpha = "0.01";
  std::string test = "auto";
  std::string max_variables = "8";
  std::string oracle_seconds = "30";
  std::string out;  ///< the suite file written on a failure (empty: estcheck-hunt.json)
  std::string json;  ///< --json PATH or '-' (empty: text only)
  bool verbose = false;
};

}  // namespace estcheck::cli
