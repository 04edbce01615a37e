// estimators/core/spec.cpp — see spec.hpp.
#include "estimators/core/spec.hpp"

#include "estimators/core/error.hpp"

#include <charconv>
#include <cmath>

namespace estcheck {

Spec Spec::parse(std::string_view text, std::string_view what) {
  Spec s;
  s.text_ = std::string(text);
  s.what_ = std::string(what);
  const auto colon = text.find(':');
  s.name_ = std::string(text.substr(0, colon));
  if (s.name_.empty()) raise_input_error(s.what_, "a name such as 'toy' or 'toy:t=0.45'", "'" + s.text_ + "'");
  if (colon == std::string_view::npos) return s;
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      raise_input_error(s.what_, "key=value pairs after ':' in '" + s.text_ + "'",
                        "'" + std::string(item) + "'");
    const std::string key(item.substr(0, eq));
    if (s.params_.count(key))
      raise_input_error(s.what_, "each key once in '" + s.text_ + "'", "'" + key + "' twice");
    s.params_[key] = std::string(item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return s;
}

std::string Spec::get_string(const std::string& key, const std::string& fallback) {
  used_.insert(key);
  const auto it = params_.find(key);
  return it == params_.end() ? fallback : it->second;
}

double Spec::get_double(const std::string& key, double fallback) {
  used_.insert(key);
  const auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  const std::string& v = it->second;
  double x = 0;
  const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size() || !std::isfinite(x))
    raise_input_error(arg(key), "a finite number", "'" + v + "'");
  return x;
}

std::int64_t Spec::get_int(const std::string& key, std::int64_t fallback, std::int64_t lo,
                           std::int64_t hi) {
  used_.insert(key);
  const auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  const std::string& v = it->second;
  std::int64_t x = 0;
  const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size() || x < lo || x > hi)
    raise_input_error(arg(key),
                      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                      "'" + v + "'");
  return x;
}

void Spec::finish() const {
  for (const auto& [key, value] : params_)
    if (!used_.count(key)) {
      std::string known;
      for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
      raise_input_error(arg(key), known.empty() ? "no parameters" : "one of: " + known,
                        "unknown key '" + key + "'");
    }
}

}  // namespace estcheck
