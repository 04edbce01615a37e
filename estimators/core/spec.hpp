// estimators/core/spec.hpp — parsing the `name:key=value,...` specs of problems and estimators.
//
// "rloo:k=4" -> {name "rloo", params {k: "4"}}. Typed getters check each value and name the
// argument in their error ("rloo:k: expected an integer >= 2, got 1"); `finish` rejects keys that
// no getter asked for, so a typo is an error rather than a silently ignored option.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace estcheck {

class Spec {
 public:
  /// Parses `text`; `what` names the argument in errors ("PROBLEM", "ESTIMATOR").
  static Spec parse(std::string_view text, std::string_view what);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  /// The value of `key` as a finite double (default when absent).
  double get_double(const std::string& key, double fallback);
  /// The value of `key` as an integer in [lo, hi] (default when absent).
  std::int64_t get_int(const std::string& key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);
  /// The value of `key` as text (default when absent).
  std::string get_string(const std::string& key, const std::string& fallback);
  /// Throws InputError naming the first key no getter asked for.
  void finish() const;

 private:
  std::string arg(const std::string& key) const { return name_ + ":" + key; }
  std::string text_;
  std::string what_;
  std::string name_;
  std::map<std::string, std::string> params_;
  std::set<std::string> used_;
};

}  // namespace estcheck
