// verify/harness/recorded.hpp — gradient samples produced anywhere (a file, another program), tested like
// an estimator's: `estcheck test-samples PROBLEM --theta ... --samples-file F`.
//
// RecordedSamples is an Estimator whose sample i is row i of a table read from a file, so the
// harness's moments, non-finite counting, block order (and hence bit-identity for any thread
// count) and the Catoni test's extra passes all apply unchanged: block b serves rows
// [1024 b, 1024 (b+1)). Formats: CSV (one sample per line, d comma-separated numbers; blank lines
// and lines starting with '#' skipped; "nan", "inf" allowed and counted as non-finite), or raw
// float64 (native little-endian doubles, row-major, size a multiple of 8 d bytes).
#pragma once

#include "estimators/estimator.hpp"

#include <string>
#include <vector>

namespace estcheck {

enum class SampleFormat { csv, f64 };
/// "csv", "f64"; throws InputError naming `argument` otherwise.
SampleFormat parse_sample_format(const std::string& text, const std::string& argument = "format");

/// Reads `path` as rows of `dim` values. Throws InputError (field "samples_file") for an
/// unreadable file, a malformed number (with its line), a row of the wrong length, a raw file
/// whose size is not a multiple of 8·dim, or fewer than 2 rows.
std::vector<double> read_samples(const std::string& path, SampleFormat format, std::size_t dim);

class RecordedSamples final : public Estimator {
 public:
  RecordedSamples(std::vector<double> rows, std::size_t dim, std::string source);
  const EstimatorInfo& info() const override { return info_; }
  /// Throws InputError unless the problem's θ has `dim` coordinates.
  void check(const Problem& problem) const override;
  std::size_t scratch_size(const Model&) const override { return 0; }
  /// Not a noise-driven kernel: throws std::logic_error (the harness uses sample_block).
  void sample(const Model&, Noise&, std::span<double>, std::span<double>) const override;
  void sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                    std::vector<double>& work, std::span<double> out) const override;
  std::uint64_t rows() const { return rows_.size() / dim_; }

 private:
  std::vector<double> rows_;
  std::size_t dim_;
  EstimatorInfo info_;
};

}  // namespace estcheck
