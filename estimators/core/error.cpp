// estimators/core/error.cpp — see error.hpp.
#include "estimators/core/error.hpp"

#include <charconv>
#include <cmath>

namespace estcheck {

InputError::InputError(InputField field, std::string expected, std::string got)
    : std::invalid_argument(field.text() + ": expected " + expected + ", got " + got),
      field_(std::move(field)),
      expected_(std::move(expected)),
      got_(std::move(got)) {}

InputError InputError::relabeled(std::string field) const {
  return InputError(InputField(std::move(field), field_.key), expected_, got_);
}

InputError InputError::located(std::string field) const {
  return InputError(InputField(std::move(field)), expected_, got_);
}

void raise_input_error(const InputField& field, const std::string& expected, const std::string& got) {
  throw InputError(field, expected, got);
}

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

}  // namespace estcheck
