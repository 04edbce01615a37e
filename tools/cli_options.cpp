// tools/cli_options.cpp — see cli_options.hpp.
#include "tools/cli_options.hpp"

#include "estimators/core/error.hpp"

#include <charconv>
#include <cmath>

namespace estcheck::cli {

double parse_double(const std::string& flag, const std::string& text) {
  double x = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size())
    raise_input_error(flag, "a number", "'" + text + "'");
  return x;
}

std::uint64_t parse_count(const std::string& flag, const std::string& text, std::uint64_t lo,
                          const std::string& expected) {
  std::uint64_t n = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), n);
  if (res.ec == std::errc() && res.ptr == text.data() + text.size()) {
    if (n < lo) raise_input_error(flag, expected, "'" + text + "'");
    return n;
  }
  double x = 0;
  const auto r2 = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r2.ec != std::errc() || r2.ptr != text.data() + text.size() || !std::isfinite(x) ||
      x != std::floor(x) || x < static_cast<double>(lo) || x >= 1.8e19)
    raise_input_error(flag, expected, "'" + text + "'");
  return static_cast<std::uint64_t>(x);
}

std::uint64_t parse_samples(const std::string& flag, const std::string& text) {
  const std::string expected = "an integer in [2, 10^12]";
  const std::uint64_t n = parse_count(flag, text, 2, expected);
  if (n > kMaxSamples) raise_input_error(flag, expected, "'" + text + "'");
  return n;
}

double parse_seconds(const std::string& flag, const std::string& text) {
  const double s = parse_double(flag, text);
  if (!(std::isfinite(s) && s > 0.0)) raise_input_error(flag, "a number of seconds > 0", "'" + text + "'");
  return s;
}

std::vector<std::string> split_list(const std::string& flag, const std::vector<std::string>& occurrences) {
  std::vector<std::string> out;
  for (const auto& text : occurrences) {
    std::size_t start = 0, position = out.size() + 1;
    for (;;) {
      const auto comma = text.find(',', start);
      const std::string field = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (field.empty())
        raise_input_error(flag, "comma-separated values with none empty",
                          "'" + text + "' (empty value at position " + std::to_string(position) + ")");
      out.push_back(field);
      ++position;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::uint64_t parse_seed(const std::string& text) {
  return parse_count("--seed", text, 0, "an integer in [0, 2^64)");
}

int parse_threads(const std::string& text) {
  const std::uint64_t threads = parse_count("--threads", text, 0, "an integer >= 0 (0: every core)");
  if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + text + "'");
  return static_cast<int>(threads);
}

std::vector<double> parse_theta(const std::vector<std::string>& occurrences) {
  if (occurrences.empty()) raise_input_error("--theta", "comma-separated numbers", "nothing");
  const std::vector<std::string> parts = split_list("--theta", occurrences);
  std::vector<double> theta;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double v = parse_double("--theta", parts[i]);
    if (!std::isfinite(v))
      raise_input_error("--theta", "finite numbers", "'" + parts[i] + "' at position " + std::to_string(i + 1));
    theta.push_back(v);
  }
  return theta;
}

std::vector<double> parse_theta(const std::vector<std::string>& occurrences, const Problem& problem) {
  if (occurrences.size() == 1 && occurrences[0] == "default") {
    if (auto theta = problem.default_theta()) return *theta;
    raise_input_error("--theta", "comma-separated numbers ('default' only for a problem that suggests a θ, e.g. vae)",
                      "'default' for '" + problem.spec() + "'");
  }
  return parse_theta(occurrences);
}

double Range::at(std::uint64_t k) const {
  return from + (to - from) * static_cast<double>(k) / static_cast<double>(count - 1);
}

std::optional<std::array<std::string, 3>> split_range(const std::string& text) {
  std::vector<std::string> parts;
  std::string rest = text;
  for (std::size_t pos; (pos = rest.find(':')) != std::string::npos; rest = rest.substr(pos + 1))
    parts.push_back(rest.substr(0, pos));
  parts.push_back(rest);
  if (parts.size() != 3) return std::nullopt;
  return std::array<std::string, 3>{parts[0], parts[1], parts[2]};
}

Range parse_range(const std::string& flag, const std::array<std::string, 3>& parts,
                  const std::string& count_expected) {
  Range r;
  r.from = parse_double(flag, parts[0]);
  r.to = parse_double(flag, parts[1]);
  r.count = parse_count(flag, parts[2], 2, count_expected);
  return r;
}

}  // namespace estcheck::cli
