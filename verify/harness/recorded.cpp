// verify/harness/recorded.cpp — see recorded.hpp.
#include "verify/harness/recorded.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/input_file.hpp"
#include "verify/harness/harness.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace estcheck {

SampleFormat parse_sample_format(const std::string& text, const std::string& argument) {
  if (text == "csv") return SampleFormat::csv;
  if (text == "f64") return SampleFormat::f64;
  raise_input_error(argument, "csv or f64", "'" + text + "'");
}

namespace {

double parse_field(std::string_view f, const std::string& where) {
  while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
  while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r')) f.remove_suffix(1);
  double x = 0;
  const auto res = std::from_chars(f.data(), f.data() + f.size(), x);
  if (f.empty() || res.ec != std::errc() || res.ptr != f.data() + f.size())
    raise_input_error("samples_file", "numbers (" + where + ")", "'" + std::string(f) + "'");
  return x;
}

}  // namespace

std::vector<double> read_samples(const std::string& path, SampleFormat format, std::size_t dim) {
  // A folder, FIFO (which would block), device or unreadable file is an error naming the field.
  const std::string bytes_read = read_input_file(path, "samples_file", "a readable file");
  std::istringstream in(bytes_read);
  std::vector<double> rows;
  if (format == SampleFormat::f64) {
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string bytes = buf.str();
    if (bytes.size() % (8 * dim) != 0)
      raise_input_error("samples_file", "a raw float64 file of whole rows of " + std::to_string(dim) +
                        " values (a multiple of " + std::to_string(8 * dim) + " bytes)",
                        std::to_string(bytes.size()) + " bytes");
    rows.resize(bytes.size() / 8);
    std::copy(bytes.data(), bytes.data() + bytes.size(), reinterpret_cast<char*>(rows.data()));
  } else {
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      const std::string where = path + " line " + std::to_string(lineno);
      std::size_t count = 0, start = 0;
      for (;;) {
        const auto comma = line.find(',', start);
        const std::string_view field(line.data() + start, (comma == std::string::npos ? line.size() : comma) - start);
        rows.push_back(parse_field(field, where));
        ++count;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (count != dim)
        raise_input_error("samples_file", std::to_string(dim) + " values per line (" + where + ")",
                          std::to_string(count) + " values");
    }
  }
  if (rows.size() / dim < 2)
    raise_input_error("samples_file", "at least 2 samples", std::to_string(rows.size() / dim) + " in '" + path + "'");
  return rows;
}

RecordedSamples::RecordedSamples(std::vector<double> rows, std::size_t dim, std::string source)
    : rows_(std::move(rows)), dim_(dim), info_{"samples-file:" + source, true, false, 0, "recorded samples"} {}

void RecordedSamples::check(const Problem& problem) const {
  if (problem.theta_dim() != dim_)
    raise_input_error("samples_file", std::to_string(problem.theta_dim()) + " values per sample for problem '" +
                                            problem.spec() + "' (" + problem.theta_meaning() + ")",
                      std::to_string(dim_));
}

void RecordedSamples::sample(const Model&, Noise&, std::span<double>, std::span<double>) const {
  throw std::logic_error("RecordedSamples::sample: recorded samples are read by block, not drawn");
}

void RecordedSamples::sample_block(const Model&, std::uint64_t, std::uint64_t block, std::size_t count,
                                   std::vector<double>&, std::span<double> out) const {
  const std::size_t first = static_cast<std::size_t>(block * kBlockSize) * dim_;
  std::copy(rows_.begin() + static_cast<std::ptrdiff_t>(first),
            rows_.begin() + static_cast<std::ptrdiff_t>(first + count * dim_), out.begin());
}

}  // namespace estcheck
