// bench/bench_harness.cpp — Google Benchmark of the Monte Carlo harness and the exact oracle.
//
// What it measures:
// - BM_Harness/T: one run_estimator call (verify/harness/harness.hpp) of the `reinforce` estimator on a
//   16-variable Bernoulli table problem, kSamples = 2^21 samples, seed 1, T threads (1 and 2).
//   The work per sample: 16 Bernoulli draws from Philox noise, one table lookup f(b), the score
//   b - σ(θ) scaled by f(b), and the per-coordinate moments (mean, M2, mean |x|) of the harness.
//   items_per_second = samples per second (wall clock: UseRealTime).
// - BM_ExactEnumeration/T: one exact_gradient call (verify/oracles/exact.hpp, enumeration) on the same
//   problem and θ: 2^16 support points, T threads. items_per_second = support points per second.
//
// The problem (bench/torch_peer.py builds the same one, bit for bit):
//   table[k] = sin(k) + cos(0.3 k), k = 0 .. 2^16 - 1 (f(b) = table[Σ_i b_i 2^i]),
//   θ_i = -2 + 4 i / 15, i = 0 .. 15 (16 logits evenly spread over [-2, 2]).
// After timing, BM_Harness also reports max_abs_z: the largest |mean_i - ∇L_i| / (standard error
// of mean_i) over the 16 coordinates, against the exact gradient (a sanity check, not a timing).
//
// Run: build/bin/bench_harness (bench/run.sh passes the repetitions and the output file).
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

using namespace estcheck;

constexpr std::size_t kVars = 16;
constexpr std::uint64_t kSamples = std::uint64_t{1} << 21;

std::vector<double> make_table() {
  std::vector<double> t(std::size_t{1} << kVars);
  for (std::size_t k = 0; k < t.size(); ++k) {
    const double x = static_cast<double>(k);
    t[k] = std::sin(x) + std::cos(0.3 * x);
  }
  return t;
}

std::vector<double> make_theta() {
  std::vector<double> theta(kVars);
  for (std::size_t i = 0; i < kVars; ++i)
    theta[i] = -2.0 + 4.0 * static_cast<double>(i) / static_cast<double>(kVars - 1);
  return theta;
}

/// The problem, model and estimator, built once and shared by every benchmark.
struct Fixture {
  std::unique_ptr<Problem> problem = make_table_problem(Family::bernoulli, make_table(), "bench16");
  std::vector<double> theta = make_theta();
  Model model = make_model(*problem, theta);
  std::unique_ptr<Estimator> estimator = make_estimator("reinforce");
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_Harness(benchmark::State& state) {
  const Fixture& fx = fixture();
  RunOptions opt;
  opt.samples = kSamples;
  opt.seed = 1;
  opt.threads = static_cast<int>(state.range(0));
  RunResult last;
  for (auto _ : state) {
    last = run_estimator(*fx.estimator, fx.model, opt);
    benchmark::DoNotOptimize(last.moments.mean.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kSamples));
  // Sanity (not timed): the harness mean against the exact gradient, in standard errors.
  const ExactGradient exact = exact_gradient(fx.model, ExactMethod::enumeration, 0);
  const std::vector<double> var = last.moments.variance();
  double max_z = 0.0;
  for (std::size_t i = 0; i < kVars; ++i) {
    const double se = std::sqrt(var[i] / static_cast<double>(last.moments.count));
    max_z = std::max(max_z, std::abs(last.moments.mean[i] - exact.gradient[i]) / se);
  }
  state.counters["max_abs_z"] = max_z;
  state.counters["nonfinite"] = static_cast<double>(last.nonfinite);
}
BENCHMARK(BM_Harness)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

void BM_ExactEnumeration(benchmark::State& state) {
  const Fixture& fx = fixture();
  const int threads = static_cast<int>(state.range(0));
  ExactGradient r;
  for (auto _ : state) {
    r = exact_gradient(fx.model, ExactMethod::enumeration, threads);
    benchmark::DoNotOptimize(r.gradient.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * r.support_points));
}
BENCHMARK(BM_ExactEnumeration)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()
    ->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
