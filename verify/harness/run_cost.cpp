// verify/harness/run_cost.cpp — see run_cost.hpp.
#include "verify/harness/run_cost.hpp"

#include "estimators/core/error.hpp"

#include <oneapi/tbb/info.h>

#include <chrono>
#include <vector>

namespace estcheck {

RunCost expected_run_cost(const Estimator& est, const Model& model, std::uint64_t samples, int threads) {
  RunCost c;
  if (est.info().spec.starts_with("external:")) return c;  // a program's samples: not ours to draw
  const std::size_t dim = output_dim(est.info(), model.theta_dim());
  std::vector<double> work, out(dim);
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0.0;
  while (c.pilot_samples < kPilotSamples && elapsed < kPilotSeconds) {
    est.sample_block(model, 0x9e3779b97f4a7c15ULL ^ kPilotKey, std::uint64_t{1} << 63, 1, work, out);
    ++c.pilot_samples;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const int t = threads > 0 ? threads : tbb::info::default_concurrency();
  c.seconds_per_sample = elapsed / static_cast<double>(c.pilot_samples);
  c.expected_seconds = c.seconds_per_sample * static_cast<double>(samples) / static_cast<double>(t);
  return c;
}

void check_run_cost(const Estimator& est, const Model& model, std::uint64_t samples, int threads,
                    double max_seconds) {
  if (!(max_seconds > 0.0)) return;
  const RunCost c = expected_run_cost(est, model, samples, threads);
  if (c.expected_seconds <= max_seconds) return;
  raise_input_error("max_run_seconds",
                    "a run predicted to finish within " + format_double(max_seconds) +
                        " s (lower --samples, or raise --max-run-seconds)",
                    "about " + format_double(static_cast<double>(static_cast<long long>(c.expected_seconds))) +
                        " s for " + std::to_string(samples) + " samples of '" + est.info().spec + "' (" +
                        format_double(c.seconds_per_sample) + " s per sample, measured on " +
                        std::to_string(c.pilot_samples) + (c.pilot_samples == 1 ? " pilot sample)" : " pilot samples)"));
}

}  // namespace estcheck
