// verify/harness/harness.cpp — see harness.hpp.
#include "verify/harness/harness.hpp"

#include "estimators/core/error.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <functional>
#include <cmath>

namespace estcheck {

void draw_sample(const Estimator& est, const Model& model, std::uint64_t seed, std::uint64_t block,
                 std::uint64_t index, std::span<double> scratch, std::span<double> grad) {
  Noise noise(seed, block, index, Purpose::estimator);
  est.sample(model, noise, scratch, grad);
}

namespace {

struct Partial {
  Moments moments;
  std::uint64_t nonfinite = 0;
  std::int64_t first_nonfinite = -1;
};

Partial join(const Partial& a, const Partial& b) {
  Partial r;
  r.moments = merge(a.moments, b.moments);
  r.nonfinite = a.nonfinite + b.nonfinite;
  r.first_nonfinite = a.first_nonfinite >= 0 ? a.first_nonfinite : b.first_nonfinite;
  return r;
}

}  // namespace

RunResult run_estimator(const Estimator& est, const Model& model, const RunOptions& opt) {
  if (opt.samples < 2)
    raise_input_error("samples", "an integer >= 2", std::to_string(opt.samples));
  if (opt.threads < 0) raise_input_error("threads", "an integer >= 0", std::to_string(opt.threads));
  est.check(*model.problem);
  const auto start = std::chrono::steady_clock::now();
  const std::size_t dim = output_dim(est.info(), model.theta_dim());  // d, or d(d+1)/2 for Hessians
  const std::uint64_t blocks = (opt.samples + kBlockSize - 1) / kBlockSize;

  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, Partial acc) {
    // Per-thread buffers, reused across blocks (a leaf spawns no tasks, so no reentrancy).
    thread_local std::vector<double> buffer, work;
    buffer.resize(kBlockSize * dim);
    for (std::uint64_t b = r.begin(); b != r.end(); ++b) {
      const std::uint64_t count = std::min(kBlockSize, opt.samples - b * kBlockSize);
      est.sample_block(model, opt.seed, b, count, work, std::span(buffer).first(count * dim));
      const std::span<double> rows = std::span(buffer).first(count * dim);
      Moments block_m = block_moments(rows, count, dim);
      // A sum of finite values is finite unless it overflows; a NaN or an infinity makes it
      // non-finite. So finite sums prove every sample finite, and only a block whose sums are
      // not finite is scanned row by row: its finite rows compacted in place, the others counted.
      bool sums_finite = true;
      for (std::size_t j = 0; j < dim; ++j)
        sums_finite &= std::isfinite(block_m.mean[j]) & std::isfinite(block_m.mean_abs[j]);
      if (!sums_finite) {
        std::size_t kept = 0;
        for (std::uint64_t i = 0; i < count; ++i) {
          const double* row = buffer.data() + i * dim;
          bool finite = true;
          for (std::size_t j = 0; j < dim; ++j) finite &= std::isfinite(row[j]);
          if (finite) {
            if (kept != i) std::copy(row, row + dim, buffer.data() + kept * dim);
            ++kept;
          } else {
            if (acc.first_nonfinite < 0)
              acc.first_nonfinite = static_cast<std::int64_t>(b * kBlockSize + i);
            ++acc.nonfinite;
          }
        }
        if (kept != count) block_m = block_moments(rows.first(kept * dim), kept, dim);
      }
      acc.moments = merge(acc.moments, block_m);
      if (opt.on_progress) opt.on_progress(count);
    }
    return acc;
  };
  Partial identity;
  tbb::task_arena arena(opt.threads > 0 ? opt.threads : tbb::task_arena::automatic);
  // The reduction over blocks [lo, hi): oneTBB splits a blocked_range at lo + (hi - lo) / 2 down to
  // single blocks, so a sub-range gives exactly the Partial of that subtree of [0, blocks).
  auto reduce = [&](std::uint64_t lo, std::uint64_t hi) {
    return arena.execute([&] {
      return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(lo, hi, 1), identity, leaf,
                                                join, tbb::simple_partitioner());
    });
  };
  Partial total;
  const int ranks = opt.partition ? opt.partition->size() : 1;
  if (ranks <= 1) {
    total = reduce(0, blocks);
  } else {
    // Cut the tree at the first depth with >= ranks subtrees (ranges of one block are not split).
    std::vector<std::pair<std::uint64_t, std::uint64_t>> cut{{0, blocks}};
    int depth = 0;
    while (cut.size() < static_cast<std::size_t>(ranks)) {
      std::vector<std::pair<std::uint64_t, std::uint64_t>> next;
      bool split = false;
      for (const auto& [lo, hi] : cut) {
        if (hi - lo > 1) {
          const std::uint64_t mid = lo + (hi - lo) / 2;
          next.push_back({lo, mid});
          next.push_back({mid, hi});
          split = true;
        } else {
          next.push_back({lo, hi});
        }
      }
      cut = std::move(next);
      ++depth;
      if (!split) break;
    }
    // Each subtree as 3 + 3 dim doubles (count, nonfinite, first_nonfinite + 1, mean, m2,
    // mean_abs): counts below 2^53 are exact, and every slot has one owner, the others add 0.
    const std::size_t width = 3 + 3 * dim;
    std::vector<double> slots(cut.size() * width, 0.0);
    for (std::size_t j = 0; j < cut.size(); ++j) {
      if (static_cast<int>(j % static_cast<std::size_t>(ranks)) != opt.partition->rank()) continue;
      const Partial p = reduce(cut[j].first, cut[j].second);
      double* o = slots.data() + j * width;
      o[0] = static_cast<double>(p.moments.count);
      o[1] = static_cast<double>(p.nonfinite);
      o[2] = static_cast<double>(p.first_nonfinite + 1);
      for (std::size_t i = 0; i < p.moments.dim(); ++i) {
        o[3 + i] = p.moments.mean[i];
        o[3 + dim + i] = p.moments.m2[i];
        o[3 + 2 * dim + i] = p.moments.mean_abs[i];
      }
    }
    opt.partition->sum_all(slots);
    std::size_t next_leaf = 0;
    // Rebuild the single-process join tree over the cut: recurse exactly as the split did.
    std::function<Partial(std::uint64_t, std::uint64_t, int)> combine = [&](std::uint64_t lo, std::uint64_t hi,
                                                                           int level) -> Partial {
      if (level == depth || hi - lo <= 1) {
        const double* o = slots.data() + (next_leaf++) * width;
        Partial p;
        p.moments.count = static_cast<std::uint64_t>(o[0]);
        p.nonfinite = static_cast<std::uint64_t>(o[1]);
        p.first_nonfinite = static_cast<std::int64_t>(o[2]) - 1;
        if (p.moments.count > 0) {
          p.moments.mean.assign(o + 3, o + 3 + dim);
          p.moments.m2.assign(o + 3 + dim, o + 3 + 2 * dim);
          p.moments.mean_abs.assign(o + 3 + 2 * dim, o + 3 + 3 * dim);
        }
        return p;
      }
      const std::uint64_t mid = lo + (hi - lo) / 2;
      Partial left = combine(lo, mid, level + 1);
      Partial right = combine(mid, hi, level + 1);
      return join(left, right);
    };
    total = combine(0, blocks, 0);
  }
  RunResult r;
  r.moments = total.moments;
  if (r.moments.count == 0) {  // every sample non-finite: keep the dimension for reporting
    r.moments.mean.assign(dim, std::nan(""));
    r.moments.m2.assign(dim, std::nan(""));
    r.moments.mean_abs.assign(dim, std::nan(""));
  }
  r.requested = opt.samples;
  r.nonfinite = total.nonfinite;
  r.first_nonfinite = total.first_nonfinite;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace estcheck
