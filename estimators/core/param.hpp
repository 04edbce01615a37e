// estimators/core/param.hpp — the typed parameters of problem and estimator specs, and a spec's
// values parsed against them.
//
// A ParamInfo states one key once: its kind (a real number, an integer in [lo, hi], or a word from
// a list), its default and what it means. parse_params reads a Spec against a list of them with
// the Spec getters (estimators/core/spec.hpp), so the errors are the getters' own
// ("rloo:k: expected an integer in [2, 1048576], got '1'"), and rejects keys no ParamInfo names.
#pragma once

#include "estimators/core/spec.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {

/// One parameter of a problem or estimator spec (shown by `estcheck list` and the docs table).
struct ParamInfo {
  enum class Kind { real, integer, choice, text };
  ParamInfo() = default;
  /// A parameter of kind `kind` with the default `fallback` as text (problems list theirs so).
  ParamInfo(std::string key_, std::string fallback_, std::string meaning_, Kind kind_ = Kind::text)
      : key(std::move(key_)), fallback(std::move(fallback_)), meaning(std::move(meaning_)), kind(kind_) {}
  std::string key;
  std::string fallback;  ///< default value as text
  std::string meaning;
  Kind kind = Kind::text;
  double real_fallback = 0.0;           ///< Kind::real: the default
  std::int64_t integer_fallback = 0;    ///< Kind::integer: the default
  std::int64_t lo = 0, hi = 0;          ///< Kind::integer: the range [lo, hi]
  std::vector<std::string> choices;     ///< Kind::choice: the words allowed (the first is the default)
  bool or_real = false;                 ///< Kind::choice: a finite number is allowed too
};

/// "real", "integer", "choice" or "text".
const char* to_string(ParamInfo::Kind kind);

/// A real parameter (any finite number; constructors check narrower ranges).
ParamInfo real_param(std::string key, double fallback, std::string meaning);
/// An integer parameter in [lo, hi].
ParamInfo integer_param(std::string key, std::int64_t fallback, std::int64_t lo, std::int64_t hi,
                        std::string meaning);
/// A word from `choices` (default: the first); `or_real`: a finite number is allowed too.
ParamInfo choice_param(std::string key, std::vector<std::string> choices, std::string meaning,
                       bool or_real = false);

/// The parameter values of one spec: the given value or the default, typed.
class ParamValues {
 public:
  /// The value of a real parameter (or of a choice given as a number; 0 for a word).
  double real(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  /// The text of a choice or text parameter.
  const std::string& text(const std::string& key) const;

 private:
  friend ParamValues parse_params(Spec& spec, const std::vector<ParamInfo>& params,
                                  const std::string& argument);
  struct Value {
    double real = 0.0;
    std::int64_t integer = 0;
    std::string text;
  };
  const Value& at(const std::string& key) const;
  std::map<std::string, Value> values_;
};

/// Reads every parameter of `params` from `spec` in order, then rejects keys none of them names
/// (Spec::finish). Throws InputError: the Spec getters' errors for a bad real or integer, and
/// "<argument> <name>:<key>: expected a or b, got '<word>'" for a word outside a choice.
ParamValues parse_params(Spec& spec, const std::vector<ParamInfo>& params, const std::string& argument);

}  // namespace estcheck
