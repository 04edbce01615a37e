// tests/test_harness.cpp — verify/harness/harness.hpp: bit-identical results for any thread count and
// run, the (seed, block, index) noise layout, partial last blocks, and non-finite counting.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/harness/harness.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>
#include <cmath>
#include <functional>
#include <limits>

namespace estcheck {
namespace {

RunResult run(const std::string& problem, const std::string& estimator,
              std::vector<double> theta, std::uint64_t samples, std::uint64_t seed, int threads) {
  auto p = make_problem(problem);
  auto e = make_estimator(estimator);
  return run_estimator(*e, make_model(*p, theta), {samples, seed, threads});
}

void expect_same_bits(const RunResult& a, const RunResult& b) {
  EXPECT_EQ(a.moments.count, b.moments.count);
  EXPECT_EQ(a.moments.mean, b.moments.mean);  // vector<double> ==: exact comparison
  EXPECT_EQ(a.moments.m2, b.moments.m2);
  EXPECT_EQ(a.moments.mean_abs, b.moments.mean_abs);
  EXPECT_EQ(a.nonfinite, b.nonfinite);
}

TEST(Harness, BitIdenticalForAnyThreadCount) {
  // 100003 samples: not a multiple of the block size, so the last block is partial.
  const auto one = run("gaussian-quadratic:d=2,c=0.3", "rloo:k=3", {0.1, -0.2, 0.3, -0.4}, 100003, 42, 1);
  for (int threads : {2, 3, 8}) {
    expect_same_bits(one, run("gaussian-quadratic:d=2,c=0.3", "rloo:k=3", {0.1, -0.2, 0.3, -0.4},
                              100003, 42, threads));
  }
  expect_same_bits(one, run("gaussian-quadratic:d=2,c=0.3", "rloo:k=3", {0.1, -0.2, 0.3, -0.4},
                            100003, 42, 1));
  EXPECT_EQ(one.moments.count, 100003u);
}

TEST(Harness, SeedChangesTheNumbers) {
  const auto a = run("toy", "reinforce", {0.2}, 5000, 1, 1);
  const auto b = run("toy", "reinforce", {0.2}, 5000, 2, 1);
  EXPECT_NE(a.moments.mean, b.moments.mean);
}

// The harness's moments are those of draw_sample over (block, index) = (i / 1024, i % 1024).
TEST(Harness, SamplesFollowTheNoiseLayout) {
  auto p = make_problem("toy");
  auto e = make_estimator("reinforce");
  const Model m = make_model(*p, std::vector<double>{0.4});
  const std::uint64_t n = 7000;  // 7 blocks: an uneven tree
  std::vector<double> all(n), scratch(e->scratch_size(m)), g(1);
  for (std::uint64_t i = 0; i < n; ++i) {
    draw_sample(*e, m, 77, i / kBlockSize, i % kBlockSize, scratch, g);
    all[i] = g[0];
  }
  // The documented merge order: a pairwise tree over blocks [lo, hi) split at lo + (hi - lo) / 2.
  const std::uint64_t blocks = (n + kBlockSize - 1) / kBlockSize;
  std::function<Moments(std::uint64_t, std::uint64_t)> tree = [&](std::uint64_t lo, std::uint64_t hi) {
    if (hi - lo == 1) {
      const std::uint64_t count = std::min(kBlockSize, n - lo * kBlockSize);
      return block_moments(std::span(all).subspan(lo * kBlockSize, count), count, 1);
    }
    const std::uint64_t mid = lo + (hi - lo) / 2;
    return merge(tree(lo, mid), tree(mid, hi));
  };
  const Moments expected = tree(0, blocks);
  const RunResult r = run_estimator(*e, m, {n, 77, 2});
  EXPECT_EQ(r.moments.mean, expected.mean);
  EXPECT_EQ(r.moments.m2, expected.m2);
}

// An estimator that emits NaN at every 100th sample and +inf at sample 7: those are counted and
// left out; the moments are exactly those of the other samples.
class Poisoned final : public Estimator {
 public:
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model&) const override { return 0; }
  void sample(const Model&, Noise& noise, std::span<double>, std::span<double> grad) const override {
    const double u = noise.uniform();
    grad[0] = u;
    if (u < 0.01) grad[0] = std::nan("");
    if (u > 0.999) grad[0] = INFINITY;
  }

 private:
  EstimatorInfo info_{"poisoned", true, false, 0, "test"};
};

TEST(Harness, NonFiniteSamplesAreCountedNotAveraged) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.0});
  Poisoned e;
  const std::uint64_t n = 20000;
  const RunResult r = run_estimator(e, m, {n, 5, 2});
  std::uint64_t bad = 0;
  double sum = 0;
  std::int64_t first = -1;
  for (std::uint64_t i = 0; i < n; ++i) {
    Noise noise(5, i / kBlockSize, i % kBlockSize);
    const double u = noise.uniform();
    if (u < 0.01 || u > 0.999) {
      ++bad;
      if (first < 0) first = static_cast<std::int64_t>(i);
    } else {
      sum += u;
    }
  }
  EXPECT_GT(bad, 0u);
  EXPECT_EQ(r.nonfinite, bad);
  EXPECT_EQ(r.first_nonfinite, first);
  EXPECT_EQ(r.moments.count, n - bad);
  EXPECT_TRUE(std::isfinite(r.moments.mean[0]));
  // Both means average values in (0, 1): the naive reference sum errs by <= n ε, the harness by
  // <= (kBlockSize + 4 log2(blocks) + 4) ε (verify/stats/verdict.cpp), so their difference is below
  // (n + kBlockSize + 64) ε.
  EXPECT_NEAR(r.moments.mean[0], sum / double(n - bad),
              double(n + kBlockSize + 64) * std::numeric_limits<double>::epsilon());
}

/// Huge but finite samples: a block's sums overflow, so the harness scans its rows one by one
/// (verify/harness/harness.cpp) and must still count no sample as non-finite.
class Huge final : public Estimator {
 public:
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model&) const override { return 0; }
  void sample(const Model&, Noise& noise, std::span<double>, std::span<double> grad) const override {
    grad[0] = std::numeric_limits<double>::max() * noise.uniform();
  }

 private:
  EstimatorInfo info_{"huge", true, false, 0, "test"};
};

TEST(Harness, OverflowingSumsAreNotMistakenForNonFiniteSamples) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.0});
  Huge e;
  const RunResult r = run_estimator(e, m, {3000, 5, 1});
  EXPECT_EQ(r.nonfinite, 0u);
  EXPECT_EQ(r.first_nonfinite, -1);
  EXPECT_EQ(r.moments.count, 3000u);
}

TEST(Harness, ProgressCountsEverySampleOnce) {
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.3});
  auto e = make_estimator("reinforce");
  std::atomic<std::uint64_t> done{0}, calls{0};
  const std::uint64_t n = 5 * kBlockSize + 17;
  RunOptions opt{n, 9, 2};
  opt.on_progress = [&](std::uint64_t k) {
    done += k;
    ++calls;
  };
  const RunResult r = run_estimator(*e, m, opt);
  EXPECT_EQ(done.load(), n);
  EXPECT_EQ(calls.load(), 6u);
  expect_same_bits(r, run_estimator(*e, m, {n, 9, 2}));  // progress changes no number
}

/// P "ranks" as threads of this process, with an all-reduce built on std::barrier: what an MPI
/// run does (tools/mpi_partition.cpp), without MPI.
class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : size_(size), barrier_(size), slots_(static_cast<std::size_t>(size)) {}
  class Rank final : public RunPartition {
   public:
    Rank(ThreadRanks& g, int r) : g_(g), r_(r) {}
    int rank() const override { return r_; }
    int size() const override { return g_.size_; }
    void sum_all(std::vector<double>& v) const override {
      g_.slots_[static_cast<std::size_t>(r_)] = v;
      g_.barrier_.arrive_and_wait();
      std::vector<double> total(v.size(), 0.0);
      for (const auto& s : g_.slots_)
        for (std::size_t i = 0; i < v.size(); ++i) total[i] += s[i];
      g_.barrier_.arrive_and_wait();
      v = total;
    }

   private:
    ThreadRanks& g_;
    int r_;
  };
  int size_;
  std::barrier<> barrier_;
  std::vector<std::vector<double>> slots_;
};

/// The results of every rank of a run of `est` shared by `ranks` thread-ranks (1 thread each).
std::vector<RunResult> run_on_ranks(const Estimator& est, const Model& m, std::uint64_t n, std::uint64_t seed,
                                    int ranks) {
  ThreadRanks group(ranks);
  std::vector<RunResult> results(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadRanks::Rank rank(group, r);
      RunOptions opt{n, seed, 1};
      opt.partition = &rank;
      results[static_cast<std::size_t>(r)] = run_estimator(est, m, opt);
    });
  for (auto& t : threads) t.join();
  return results;
}

TEST(Harness, PartitionedRunsAreBitIdenticalForAnyNumberOfRanks) {
  auto p = make_problem("gaussian-quadratic:d=2,c=0.5");
  const Model m = make_model(*p, std::vector<double>{0.1, -0.4, 0.2, 0.0});
  auto e = make_estimator("reinforce");
  for (std::uint64_t n : {std::uint64_t{2}, kBlockSize * 5 + 3, kBlockSize * 37}) {
    const RunResult single = run_estimator(*e, m, {n, 3, 2});
    for (int ranks : {1, 2, 3, 5})
      for (const auto& r : run_on_ranks(*e, m, n, 3, ranks)) expect_same_bits(r, single);
  }
  // Non-finite samples: their count and the first one's index survive the exchange too.
  Poisoned poisoned;
  const auto toy_problem = make_problem("toy");
  const Model toy = make_model(*toy_problem, std::vector<double>{0.0});
  const std::uint64_t n = kBlockSize * 9 + 100;
  const RunResult single = run_estimator(poisoned, toy, {n, 5, 1});
  ASSERT_GT(single.nonfinite, 0u);
  for (int ranks : {2, 3})
    for (const auto& r : run_on_ranks(poisoned, toy, n, 5, ranks)) {
      expect_same_bits(r, single);
      EXPECT_EQ(r.first_nonfinite, single.first_nonfinite);
    }
}

TEST(Harness, RejectsBadOptions) {
  auto p = make_problem("toy");
  auto e = make_estimator("reinforce");
  const Model m = make_model(*p, std::vector<double>{0.0});
  EXPECT_THROW(run_estimator(*e, m, {1, 1, 1}), InputError);
  EXPECT_THROW(run_estimator(*e, m, {0, 1, 1}), InputError);
  EXPECT_THROW(run_estimator(*e, m, {100, 1, -1}), InputError);
  auto r = make_estimator("reparam");
  EXPECT_THROW(run_estimator(*r, m, {100, 1, 1}), InputError);
}

}  // namespace
}  // namespace estcheck
