// estimators/core/param.cpp — see param.hpp.
#include "estimators/core/param.hpp"

#include "estimators/core/error.hpp"

#include <algorithm>
#include <stdexcept>

namespace estcheck {

const char* to_string(ParamInfo::Kind kind) {
  switch (kind) {
    case ParamInfo::Kind::real: return "real";
    case ParamInfo::Kind::integer: return "integer";
    case ParamInfo::Kind::choice: return "choice";
    case ParamInfo::Kind::text: break;
  }
  return "text";
}

ParamInfo real_param(std::string key, double fallback, std::string meaning) {
  ParamInfo p{std::move(key), format_double(fallback), std::move(meaning), ParamInfo::Kind::real};
  p.real_fallback = fallback;
  return p;
}

ParamInfo integer_param(std::string key, std::int64_t fallback, std::int64_t lo, std::int64_t hi,
                        std::string meaning) {
  ParamInfo p{std::move(key), std::to_string(fallback), std::move(meaning), ParamInfo::Kind::integer};
  p.integer_fallback = fallback;
  p.lo = lo;
  p.hi = hi;
  return p;
}

ParamInfo choice_param(std::string key, std::vector<std::string> choices, std::string meaning, bool or_real) {
  ParamInfo p{std::move(key), choices.at(0), std::move(meaning), ParamInfo::Kind::choice};
  p.choices = std::move(choices);
  p.or_real = or_real;
  return p;
}

const ParamValues::Value& ParamValues::at(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("ParamValues: no parameter '" + key + "'");
  return it->second;
}
double ParamValues::real(const std::string& key) const { return at(key).real; }
std::int64_t ParamValues::integer(const std::string& key) const { return at(key).integer; }
const std::string& ParamValues::text(const std::string& key) const { return at(key).text; }

namespace {

std::string or_list(const std::vector<std::string>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) s += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return s;
}

}  // namespace

ParamValues parse_params(Spec& spec, const std::vector<ParamInfo>& params, const std::string& argument) {
  ParamValues out;
  for (const ParamInfo& p : params) {
    ParamValues::Value& v = out.values_[p.key];
    switch (p.kind) {
      case ParamInfo::Kind::real: v.real = spec.get_double(p.key, p.real_fallback); break;
      case ParamInfo::Kind::integer: v.integer = spec.get_int(p.key, p.integer_fallback, p.lo, p.hi); break;
      case ParamInfo::Kind::text: v.text = spec.get_string(p.key, p.fallback); break;
      case ParamInfo::Kind::choice:
        v.text = spec.get_string(p.key, p.fallback);
        if (std::find(p.choices.begin(), p.choices.end(), v.text) != p.choices.end()) break;
        if (p.or_real) {
          v.real = spec.get_double(p.key, 0.0);  // throws "<name>:<key>: expected a finite number"
          break;
        }
        raise_input_error(argument + " " + spec.name() + ":" + p.key, or_list(p.choices), "'" + v.text + "'");
    }
  }
  spec.finish();
  return out;
}

}  // namespace estcheck
