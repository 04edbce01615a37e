// verify/harness/external.hpp — estimators written in other languages: `estcheck verify PROBLEM --external
// 'CMD ARGS'` runs a program and talks to it over its stdin/stdout in a small, versioned, binary
// protocol (docs/external.md). The program is started without a shell (the command line is split
// into words, with '...' and "..." quoting, and exec'd), so nothing in it is interpreted.
//
// Protocol version 1, all integers little-endian, all reals IEEE-754 float64 little-endian:
//   request  (estcheck -> program): "ECRQ" u32 version=1, u32 L, L bytes problem spec (UTF-8),
//            u32 d, d x f64 theta, u64 seed, u64 block, u64 count
//   response (program -> estcheck): "ECRS" u32 version=1, u64 count, u32 d, count x d x f64
//            (sample i of the block in row i)
//   end:     a request with count = 0; the program answers nothing and exits with status 0.
// The program must make sample i of block b depend only on (seed, b, i) — e.g. seed its generator
// from (seed, b) — so the figures do not depend on the order of requests. Blocks are requested one
// at a time (kBlockSize samples, the last block shorter). NaN or infinite values are counted as
// non-finite samples like any estimator's.
// Faults, each an InputError (field "external", exit 2) that leaves no process behind: the
// program cannot be started, exits or closes stdout early, answers with a wrong magic, version,
// count or dimension, or does not answer within the timeout.
#pragma once

#include "estimators/core/error.hpp"
#include "estimators/estimator.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace estcheck {

/// Splits a command line into words: whitespace separates, '...' and "..." group (no escapes,
/// no expansion). Throws InputError (field "external") for an empty command or an unclosed
/// quote.
std::vector<std::string> split_command(const std::string& command);

class ExternalEstimator final : public Estimator {
 public:
  /// Starts the program. `timeout_s` bounds the wait for each response (and for the exit at the end).
  ExternalEstimator(const std::string& command, std::string problem_spec, double timeout_s);
  /// Sends the end request, waits for the exit (killing the program after the timeout).
  ~ExternalEstimator() override;
  ExternalEstimator(const ExternalEstimator&) = delete;
  ExternalEstimator& operator=(const ExternalEstimator&) = delete;

  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model&) const override { return 0; }
  /// Not a per-noise kernel: throws std::logic_error (the harness asks for whole blocks).
  void sample(const Model&, Noise&, std::span<double>, std::span<double>) const override;
  /// One request/response round trip, serialized across threads.
  void sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                    std::vector<double>& work, std::span<double> out) const override;

  /// Process id (for tests that check nothing is left running); -1 once it has exited.
  int pid() const;

 private:
  struct Process;
  void round_trip(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                  std::span<double> out) const;
  std::unique_ptr<Process> proc_;
  std::string problem_spec_;
  double timeout_s_;
  EstimatorInfo info_;
  mutable std::mutex mutex_;
  mutable std::optional<InputError> failure_;  ///< the first fault, rethrown by every later call
};

}  // namespace estcheck
