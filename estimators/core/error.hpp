// estimators/core/error.hpp — estcheck's one error path (after Boost.Math's raise_domain_error).
//
// Every check of user input (a CLI flag, a problem or estimator spec, a JSON file) fails through
// raise_input_error, so every message has the same shape: "<argument>: expected <what>, got <value>".
// The CLI maps InputError to exit code 2 and writes no output file.
#pragma once

#include <stdexcept>
#include <string>

namespace estcheck {

/// Bad input a user can give. `argument()` names what was wrong: a flag ("--theta"), a spec key
/// ("toy:t"), or a file and key ("table.json: table").
class InputError : public std::invalid_argument {
 public:
  InputError(std::string argument, const std::string& message)
      : std::invalid_argument(message), argument_(std::move(argument)) {}
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string argument_;
};

/// Throws InputError with the message "<argument>: expected <expected>, got <got>".
[[noreturn]] void raise_input_error(const std::string& argument, const std::string& expected,
                                    const std::string& got);

/// Shortest round-trip text of a double, for messages ("nan", "inf", "0.1").
std::string format_double(double value);

}  // namespace estcheck
