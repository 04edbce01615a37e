// verify/stats/betting.cpp — see betting.hpp (Waudby-Smith & Ramdas 2024, hedged capital with
// predictable plug-in bets).
#include "verify/stats/betting.hpp"

#include "estimators/core/error.hpp"
#include "verify/stats/holm.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace estcheck {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Samples between two folds of the running products into logs: 256 factors in [1/2, 3/2] stay
/// within [2^-256, 1.5^256], far from underflow and overflow.
constexpr std::uint64_t kFoldEvery = 256;
/// Point states: computed, certainly rejected (the mean cannot lie there), never rejected.
constexpr char kCompute = 0, kRejected = 1, kNever = 2;

double grid_offset(int j) { return std::exp2(-static_cast<double>(j) / 3.0); }

}  // namespace

BettingProcess::BettingProcess(const SampleRange& range, std::span<const double> target,
                               std::span<const double> target_error, double alpha_bets)
    : lo_(range.lo), hi_(range.hi) {
  const std::size_t d = target.size();
  if (range.lo.size() != d || range.hi.size() != d)
    raise_input_error("sample_range", std::to_string(d) + " intervals", std::to_string(range.lo.size()));
  if (!(alpha_bets > 0.0 && alpha_bets < 1.0)) raise_input_error("alpha", "a number in (0, 1)", format_double(alpha_bets));
  log_numerator_ = 2.0 * std::log(2.0 / alpha_bets);
  constexpr std::size_t P = 2 + 2 * kBettingGrid;
  coords_.resize(d);
  for (std::size_t i = 0; i < d; ++i) {
    if (!(std::isfinite(range.lo[i]) && std::isfinite(range.hi[i]) && range.lo[i] <= range.hi[i]))
      raise_input_error("sample_range", "finite intervals with lo <= hi",
                        "[" + format_double(range.lo[i]) + ", " + format_double(range.hi[i]) + "] at coordinate " +
                            std::to_string(i));
    Coordinate& c = coords_[i];
    c.lo = range.lo[i];
    c.width = range.hi[i] - range.lo[i];
    c.inv_width = c.width > 0.0 ? 1.0 / c.width : 0.0;
    c.point.assign(P, 0.0);
    c.sign.assign(P, 1.0);
    c.cap.assign(P, 1.0);
    c.log_cap.assign(P, 0.0);
    c.max_log.assign(P, 0.0);
    c.outside.assign(P, kCompute);
    // In the samples' units first; a constant coordinate (lo = hi) is decided here, exactly.
    const double g = target[i], e = target_error[i];
    std::vector<double>& raw = c.raw;
    raw.assign(P, 0.0);
    raw[0] = g + e;  // K⁺ at b
    raw[1] = g - e;  // K⁻ at a
    c.sign[1] = -1.0;
    for (int j = 0; j < kBettingGrid; ++j) {
      raw[2 + j] = g + c.width * grid_offset(j);  // K⁻ at the upper grid
      c.sign[2 + j] = -1.0;
      raw[2 + kBettingGrid + j] = g - c.width * grid_offset(j);  // K⁺ at the lower grid
    }
    for (std::size_t p = 0; p < P; ++p) {
      const bool plus = c.sign[p] > 0.0;
      // K⁺ at m rejects "mean <= m"; K⁻ at m rejects "mean >= m". The mean lies in [lo, hi].
      if (c.width == 0.0) {
        const bool reject = plus ? raw[p] < c.lo : raw[p] > c.lo;
        c.outside[p] = reject ? kRejected : kNever;
        continue;
      }
      const double m = (raw[p] - c.lo) * c.inv_width;
      if (plus) {
        if (m < 0.0) c.outside[p] = kRejected;
        else if (m >= 1.0) c.outside[p] = kNever;
      } else {
        if (m > 1.0) c.outside[p] = kRejected;
        else if (m <= 0.0) c.outside[p] = kNever;
      }
      c.point[p] = std::clamp(m, 0.0, 1.0);
    }
  }
}

void BettingProcess::fold(Coordinate& c) {
  for (std::size_t p = 0; p < c.cap.size(); ++p) {
    c.log_cap[p] += std::log(c.cap[p]);
    c.cap[p] = 1.0;
    c.max_log[p] = std::max(c.max_log[p], c.log_cap[p]);
  }
}

std::optional<RangeViolation> BettingProcess::add(std::span<const double> rows, std::size_t count) {
  const std::size_t d = coords_.size();
  // The range check first, over the whole batch: a sample outside it (or NaN) stops everything.
  for (std::size_t k = 0; k < count; ++k)
    for (std::size_t i = 0; i < d; ++i) {
      const double v = rows[k * d + i];
      if (!(v >= lo_[i] && v <= hi_[i])) return RangeViolation{samples_ + k, i, v};
    }
  // Coordinates are independent: each runs its own sequential product, so they may run on any
  // thread (in the caller's task arena) with the same bits.
  auto update = [&](std::size_t i) {
    Coordinate& c = coords_[i];
    if (c.width == 0.0) return;
    std::uint64_t t = samples_, since = 0;
    const std::size_t P = c.point.size();
    double* __restrict cap = c.cap.data();
    const double* __restrict point = c.point.data();
    const double* __restrict sign = c.sign.data();
    for (std::size_t k = 0; k < count; ++k) {
      const double x = std::clamp((rows[k * d + i] - c.lo) * c.inv_width, 0.0, 1.0);
      ++t;
      const double td = static_cast<double>(t);
      // The bet of sample t uses x_1..x_{t-1} only (predictable).
      const double var = (0.25 + c.sum_sq) / td;
      const double lambda = std::min(kBettingMaxBet, std::sqrt(log_numerator_ / (var * td * std::log1p(td))));
      for (std::size_t p = 0; p < P; ++p) cap[p] *= 1.0 + lambda * sign[p] * (x - point[p]);
      c.sum_x += x;
      const double mu = (0.5 + c.sum_x) / (td + 1.0);
      c.sum_sq += (x - mu) * (x - mu);
      if (++since == kFoldEvery) {
        fold(c);
        since = 0;
      }
    }
    fold(c);  // a check point at the end of every batch (a block, in the harness's passes)
  };
  if (d == 1) {
    update(0);
  } else {
    tbb::parallel_for(std::size_t{0}, d, update);
  }
  samples_ += count;
  return std::nullopt;
}

std::vector<double> BettingProcess::p_values() const {
  std::vector<double> p(coords_.size(), 1.0);
  for (std::size_t i = 0; i < coords_.size(); ++i) {
    const Coordinate& c = coords_[i];
    if (c.outside[0] == kRejected || c.outside[1] == kRejected) {
      p[i] = 0.0;
      continue;
    }
    p[i] = std::min(1.0, std::exp(std::log(2.0) - std::max(c.max_log[0], c.max_log[1])));
  }
  return p;
}

double BettingProcess::log_max_capital(std::size_t i) const {
  const Coordinate& c = coords_[i];
  return std::max(c.max_log[0], c.max_log[1]) - std::log(2.0);
}

std::array<double, 2> BettingProcess::interval(std::size_t i, double level) const {
  const Coordinate& c = coords_[i];
  const double threshold = std::log(2.0 / level);  // ½K >= 1/level
  auto rejected = [&](std::size_t p) {
    return c.outside[p] == kRejected || (c.outside[p] == kCompute && c.max_log[p] >= threshold);
  };
  // Upper end: the smallest rejected upper grid point (the largest rejected index); else hi.
  // (Rejection sets are half-lines, so the last rejected grid index bounds the interval.)
  double upper = hi_[i], lower = lo_[i];
  for (int j = kBettingGrid - 1; j >= 0; --j)
    if (rejected(2 + static_cast<std::size_t>(j))) {
      upper = std::min(upper, c.raw[2 + static_cast<std::size_t>(j)]);
      break;
    }
  for (int j = kBettingGrid - 1; j >= 0; --j)
    if (rejected(2 + kBettingGrid + static_cast<std::size_t>(j))) {
      lower = std::max(lower, c.raw[2 + kBettingGrid + static_cast<std::size_t>(j)]);
      break;
    }
  if (lower > upper) lower = upper = 0.5 * (lower + upper);  // both sides rejected past each other (never, in exact arithmetic)
  return {lower, upper};
}

BettingRun betting_pass(const Estimator& est, const Model& model, const RunOptions& opt, const SampleRange& range,
                        const ExactGradient& exact, double alpha_bets,
                        const std::function<bool(const BettingProcess&)>& stop, bool with_run) {
  const auto start = std::chrono::steady_clock::now();
  if (opt.samples < 2) raise_input_error("samples", "an integer >= 2", std::to_string(opt.samples));
  if (opt.threads < 0) raise_input_error("threads", "an integer >= 0", std::to_string(opt.threads));
  const std::size_t dim = output_dim(est.info(), model.theta_dim());
  BettingRun r;
  r.process.emplace(range, exact.gradient, exact.error, alpha_bets);
  const std::uint64_t blocks = (opt.samples + kBlockSize - 1) / kBlockSize;
  const bool keep = with_run && blocks <= kMaxMomentBlocks && (opt.partition == nullptr || opt.partition->size() <= 1);
  std::vector<Moments> block_moments_kept(keep ? blocks : 0);
  tbb::task_arena arena(opt.threads > 0 ? opt.threads : tbb::task_arena::automatic);
  // Blocks are drawn in parallel a chunk at a time (each block a pure function of its noise
  // streams) and fed in block order by this thread: the order, not the threads, fixes the result.
  const std::uint64_t chunk = std::max<std::uint64_t>(1, 4 * static_cast<std::uint64_t>(arena.max_concurrency()));
  std::vector<double> buffer(chunk * kBlockSize * dim);
  for (std::uint64_t first = 0; first < blocks; first += chunk) {
    const std::uint64_t last = std::min(blocks, first + chunk);
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(first, last, 1), [&](const tbb::blocked_range<std::uint64_t>& br) {
        thread_local std::vector<double> work;
        for (std::uint64_t b = br.begin(); b != br.end(); ++b) {
          const std::uint64_t count = std::min(kBlockSize, opt.samples - b * kBlockSize);
          const std::span<double> rows = std::span(buffer).subspan((b - first) * kBlockSize * dim, count * dim);
          est.sample_block(model, opt.seed, b, count, work, rows);
          if (keep) block_moments_kept[b] = block_moments(rows, count, dim);
        }
      });
    });
    for (std::uint64_t b = first; b < last; ++b) {
      const std::uint64_t count = std::min(kBlockSize, opt.samples - b * kBlockSize);
      arena.execute([&] {
        r.violation = r.process->add(
            std::span<const double>(buffer).subspan((b - first) * kBlockSize * dim, count * dim), count);
      });
      if (r.violation) {
        r.samples = r.process->samples();
        return r;
      }
      if (opt.on_progress) opt.on_progress(count);
      if (stop && stop(*r.process)) {
        r.samples = r.process->samples();
        return r;
      }
    }
  }
  r.samples = r.process->samples();
  if (keep) {
    // run_estimator's tree (verify/harness/harness.hpp): split [lo, hi) at lo + (hi - lo) / 2, each
    // leaf one block merged into an empty accumulator. Every sample is finite (the range check).
    const std::function<Moments(std::uint64_t, std::uint64_t)> tree = [&](std::uint64_t lo, std::uint64_t hi) {
      if (hi - lo == 1) return merge(Moments{}, block_moments_kept[lo]);
      const std::uint64_t mid = lo + (hi - lo) / 2;
      return merge(tree(lo, mid), tree(mid, hi));
    };
    RunResult run;
    run.moments = tree(0, blocks);
    run.requested = opt.samples;
    run.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.run = std::move(run);
  }
  return r;
}

BiasTest test_bias_betting(const RunResult& run, const ExactGradient& exact, const BiasTestOptions& o,
                           const BettingRun& betting, const SampleRange& range, const std::string& estimator) {
  // Start from the t-test's figures (mean, variance, error handling), then replace the statistic,
  // p-values, bounds and verdict with the betting test's.
  BiasTest t = test_bias(run, exact, o);
  const std::size_t d = exact.gradient.size();
  t.method = "betting confidence sequence on the declared sample range (Waudby-Smith & Ramdas 2024; no variance "
             "or normality assumed), Holm over " + std::to_string(d) + (d == 1 ? " coordinate" : " coordinates");
  t.error_rate = "P(fail | unbiased) <= alpha";
  if (o.tolerance) t.error_rate += "; P(pass | max_i |bias_i| >= tolerance) <= alpha";
  t.error_rate += " (non-asymptotic and anytime-valid: holds for any distribution within the declared range)";
  t.asymptotic = false;
  t.degenerate_coordinates.clear();
  t.variance_needed.clear();
  t.critical_value = 0.0;
  t.samples_for_tolerance.reset();
  if (betting.violation && !std::isfinite(betting.violation->value) && t.verdict == Verdict::error) {
    t.target_certificate = exact.certificate;
    return t;  // a NaN or infinite sample: the run's own no-verdict reason (counted, left out) says it
  }
  if (betting.violation) {
    const RangeViolation& v = *betting.violation;
    t.verdict = Verdict::error;
    t.reason = "estimator '" + estimator + "' produced a sample outside its declared range: sample " +
               std::to_string(v.sample) + ", coordinate " + std::to_string(v.coordinate) + " = " +
               format_double(v.value) + " not in [" + format_double(range.lo[v.coordinate]) + ", " +
               format_double(range.hi[v.coordinate]) + "] (" + range.source + "); no verdict is given";
    t.target_certificate = exact.certificate;
    return t;
  }
  if (t.verdict == Verdict::error && !no_verdict_reason(run, exact).empty()) return t;
  if (exact.certificate.unknown() || !betting.process) return t;
  const BettingProcess& bp = *betting.process;
  t.samples = bp.samples();
  t.p_value_raw = bp.p_values();
  t.bias_bound_per_coordinate.clear();
  t.detectable_bias_per_coordinate.clear();
  const double level = o.alpha / static_cast<double>(d);
  for (std::size_t i = 0; i < d; ++i) {
    const auto [lower, upper] = bp.interval(i, level);
    const double g = exact.gradient[i], e = exact.error[i];
    t.numerical_error[i] = e;
    // log of the largest hedged capital at the tested interval; +inf where the answer is certain
    // (a constant coordinate off the target, or a target outside the declared range).
    t.statistic[i] = t.p_value_raw[i] == 0.0 ? std::numeric_limits<double>::infinity() : bp.log_max_capital(i);
    t.bias_bound_per_coordinate.push_back(std::max({upper - g, g - lower, 0.0}) + e);
    t.detectable_bias_per_coordinate.push_back(upper - lower + 2.0 * e);
  }
  t.p_value = holm_adjusted(t.p_value_raw);
  t.p_value_family = d ? *std::min_element(t.p_value.begin(), t.p_value.end()) : 1.0;
  t.bias_bound = d ? *std::max_element(t.bias_bound_per_coordinate.begin(), t.bias_bound_per_coordinate.end()) : 0.0;
  t.detectable_bias = d ? *std::max_element(t.detectable_bias_per_coordinate.begin(),
                                            t.detectable_bias_per_coordinate.end()) : 0.0;
  if (t.p_value_family <= o.alpha) {
    const auto worst = static_cast<std::size_t>(std::min_element(t.p_value.begin(), t.p_value.end()) - t.p_value.begin());
    conclude(t, o, "mean", "largest betting capital " + format_double(std::exp(t.statistic[worst])) + ", ");
  } else {
    conclude(t, o, "mean");
  }
  apply_target_certificate(t, exact);
  return t;
}

}  // namespace estcheck
