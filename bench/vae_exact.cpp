// bench/vae_exact.cpp — Google Benchmark of the VAE's certified exact gradient
// (verify/oracles/amortized_exact.hpp; RELAX §6.2 and eq. 17, Grathwohl et al. 2018).
//
// BM_VaeExact/N/T: one exact_gradient call on vae:latents=N,images=32 (linear decoder, seed 1) at
// θ = φ (the problem's encoder), T threads: 32 blocks of 2^N states, each enumerated by the
// certified Bernoulli route, then Aᵀ in Arb; the Arb enclosure of f's constants is included.
// items_per_second = states per second. bench/vae_exact.md records the figures (N = 16 and 20).
// Run: build/bin/vae_exact --benchmark_filter=... (N = 20 takes seconds per iteration).
#include "estimators/problems/catalogue.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/exact.hpp"

#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

namespace {

using namespace estcheck;

void BM_VaeExact(benchmark::State& state) {
  const auto n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  set_oracle_seconds(600.0);  // a timing, not a verification: no 30 s budget
  const auto problem = make_problem("vae:latents=" + std::to_string(n) + ",images=32");
  const Model model = make_model(*problem, *problem->default_theta());
  for (auto _ : state) {
    const ExactGradient g = exact_gradient(model, ExactMethod::automatic, threads);
    if (!g.certificate.certified()) throw std::runtime_error("not certified: " + g.certificate.note);
    benchmark::DoNotOptimize(g.gradient.data());
  }
  state.SetItemsProcessed(state.iterations() * (std::int64_t{32} << n));
}
BENCHMARK(BM_VaeExact)->Args({16, 1})->Args({16, 2})->Args({20, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
