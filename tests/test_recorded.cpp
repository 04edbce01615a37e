// tests/test_recorded.cpp — verify/harness/recorded.hpp: samples from CSV and raw float64 files go through
// the harness exactly as an estimator's would (same moments as the in-memory samples, bit for bit
// for any thread count; non-finite values counted), and malformed files are input errors.
// Deterministic: the files hold the samples run_estimator itself produced.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/harness/harness.hpp"
#include "verify/harness/recorded.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace estcheck {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("estcheck_test_recorded_" + name)).string();
}

TEST(Recorded, FileSamplesReproduceTheEstimatorsMoments) {
  auto p = make_problem("gaussian-quadratic:d=1,c=0.5");
  const Model m = make_model(*p, std::vector<double>{0.2, -0.1});
  auto e = make_estimator("reinforce");
  const std::uint64_t n = 3000;
  std::vector<double> rows(n * 2), scratch(e->scratch_size(m));
  for (std::uint64_t i = 0; i < n; ++i)
    draw_sample(*e, m, 7, i / kBlockSize, i % kBlockSize, scratch, std::span(rows).subspan(2 * i, 2));
  // CSV at 17 significant digits and raw float64 both round-trip every double exactly.
  const std::string csv = temp_path("a.csv"), raw = temp_path("a.f64");
  {
    std::ofstream c(csv), r(raw, std::ios::binary);
    c << "# header comment\n";
    char buf[64];
    for (std::uint64_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%.17g, %.17g\n", rows[2 * i], rows[2 * i + 1]);
      c << buf;
    }
    r.write(reinterpret_cast<const char*>(rows.data()), static_cast<std::streamsize>(rows.size() * sizeof(double)));
  }
  RunOptions opt;
  opt.samples = n;
  opt.seed = 7;
  const RunResult direct = run_estimator(*e, m, opt);
  for (SampleFormat f : {SampleFormat::csv, SampleFormat::f64}) {
    RecordedSamples rec(read_samples(f == SampleFormat::csv ? csv : raw, f, 2), 2, "file");
    EXPECT_EQ(rec.rows(), n);
    for (int threads : {1, 2}) {
      opt.threads = threads;
      const RunResult r = run_estimator(rec, m, opt);
      EXPECT_EQ(r.moments.mean, direct.moments.mean);
      EXPECT_EQ(r.moments.m2, direct.moments.m2);
    }
  }
  std::remove(csv.c_str());
  std::remove(raw.c_str());
}

TEST(Recorded, NonFiniteValuesAreCountedAndMalformedFilesRejected) {
  const std::string path = temp_path("b.csv");
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write("0.5\nnan\n1.5\ninf\n2.5\n");
  RecordedSamples rec(read_samples(path, SampleFormat::csv, 1), 1, "b");
  auto p = make_problem("toy");
  const Model m = make_model(*p, std::vector<double>{0.0});
  RunOptions opt;
  opt.samples = rec.rows();
  const RunResult r = run_estimator(rec, m, opt);
  EXPECT_EQ(r.nonfinite, 2u);
  EXPECT_EQ(r.first_nonfinite, 1);
  EXPECT_DOUBLE_EQ(r.moments.mean[0], 1.5);
  write("1,2\n");
  EXPECT_THROW(read_samples(path, SampleFormat::csv, 1), InputError);
  write("1\n2x\n");
  EXPECT_THROW(read_samples(path, SampleFormat::csv, 1), InputError);
  write("1\n");
  EXPECT_THROW(read_samples(path, SampleFormat::csv, 1), InputError);  // fewer than 2 samples
  EXPECT_THROW(read_samples(temp_path("missing.csv"), SampleFormat::csv, 1), InputError);
  EXPECT_THROW(parse_sample_format("json"), InputError);
  EXPECT_THROW(rec.check(*make_problem("gaussian-quadratic")), InputError);  // θ has 2 coordinates
  std::remove(path.c_str());
}

}  // namespace
}  // namespace estcheck
