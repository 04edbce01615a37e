// estimators/core/error.cpp — see error.hpp.
#include "estimators/core/error.hpp"

#include <charconv>
#include <cmath>

namespace estcheck {

void raise_input_error(const std::string& argument, const std::string& expected,
                       const std::string& got) {
  throw InputError(argument, argument + ": expected " + expected + ", got " + got);
}

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

}  // namespace estcheck
