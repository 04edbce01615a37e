// verify/harness/harness.hpp — the parallel, reproducible Monte Carlo harness.
//
// N estimator samples are split into blocks of kBlockSize. Sample `index` of block `block` draws
// its noise from Philox keyed by (seed, block, index) (estimators/core/noise.hpp) — a pure per-index
// kernel. Each block is reduced to Moments by two passes; blocks are merged by oneTBB's
// parallel_deterministic_reduce with a simple_partitioner and grain 1, whose split and join tree
// depends only on the number of blocks: a pairwise tree over blocks [lo, hi) split at
// lo + (hi - lo) / 2, leaves single blocks (tests/test_harness.cpp rebuilds it). So the mean, the variance and every figure derived from
// them are bit-identical for any thread count and on every run (tests/test_harness.cpp).
// Samples with any non-finite coordinate are counted and left out of the moments, never
// averaged in; the verdict then reports an error (verify/stats/verdict.hpp).
#pragma once

#include "estimators/estimator.hpp"
#include "verify/harness/moments.hpp"

#include <cstdint>
#include <functional>

namespace estcheck {

/// Samples per block: part of the noise layout, so fixed (changing it changes every number).
inline constexpr std::uint64_t kBlockSize = 1024;

/// Processes that share one run (MPI ranks: tools/mpi_partition.cpp). The run's reduction tree
/// over blocks is cut at the first depth with at least size() subtrees; subtree j is computed by
/// rank j mod size(), the subtree results are exchanged by sum_all (each slot has one non-zero
/// contributor, so the sums are exact) and every rank joins them in the single-process tree order.
/// So the figures are bit-identical to the single-process run for any number of ranks and threads.
class RunPartition {
 public:
  virtual ~RunPartition() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum of `values` over all ranks, in place, on every rank.
  virtual void sum_all(std::vector<double>& values) const = 0;
};

struct RunOptions {
  std::uint64_t samples = 1'000'000;
  std::uint64_t seed = 1;
  int threads = 0;  ///< 0: every core
  /// Progress display only: called after each block with the number of samples that block added;
  /// may be called from several threads at once (so it must be thread-safe) and in any block
  /// order. It sees no numbers and cannot change any. Empty: no calls.
  std::function<void(std::uint64_t samples_done)> on_progress = nullptr;
  /// Several processes share the run (nullptr or size 1: this process does it all).
  const RunPartition* partition = nullptr;
  /// The pipeline (verify/pipeline.hpp) refuses a run whose expected time, measured by a pilot
  /// (verify/harness/run_cost.hpp), exceeds this many seconds; 0: no limit. The harness ignores it.
  double max_seconds = 0.0;
};

struct RunResult {
  Moments moments;                  ///< over the finite samples
  std::uint64_t requested = 0;      ///< samples asked for
  std::uint64_t nonfinite = 0;      ///< samples with a NaN or infinite coordinate (left out)
  std::int64_t first_nonfinite = -1;///< global index of the first such sample, or -1
  double elapsed_s = 0.0;
};

/// One estimator sample: the pure kernel. Writes model.theta_dim() values to `grad`.
void draw_sample(const Estimator& est, const Model& model, std::uint64_t seed, std::uint64_t block,
                 std::uint64_t index, std::span<double> scratch, std::span<double> grad);

/// Runs `options.samples` samples of `est` on `model`. Throws InputError (field "samples",
/// "threads") for samples < 2 or threads < 0, and the estimator's check() error.
RunResult run_estimator(const Estimator& est, const Model& model, const RunOptions& options);

}  // namespace estcheck
