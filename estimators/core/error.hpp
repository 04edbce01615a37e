// estimators/core/error.hpp — estcheck's one error path (after Boost.Math's raise_domain_error).
//
// Every check of user input (a CLI flag, a problem or estimator spec, a JSON file) fails through
// raise_input_error, so every message has the same shape: "<field>: expected <what>, got <value>".
// Library code names the field it checked ("alpha", "samples", "estimator", "theta", a spec key
// "rloo:k", or a file and key "table.json: table"), never a CLI flag; the CLI maps a field to its
// flag (tools/cli_fields.hpp) and a suite maps it to its file and JSON pointer (tools/suite.cpp),
// both with InputError::relabeled. The CLI maps InputError to exit code 2 and writes no output file.
#pragma once

#include <stdexcept>
#include <string>

namespace estcheck {

/// Where bad input came from: a field name, and optionally a key inside it (the spec key of an
/// estimator built from the field: {"estimator", "scg:credit"} reads "estimator scg:credit").
struct InputField {
  std::string name;
  std::string key;

  InputField(const char* field) : name(field) {}
  InputField(std::string field) : name(std::move(field)) {}
  InputField(std::string field, std::string key_in_field) : name(std::move(field)), key(std::move(key_in_field)) {}
  /// "name" or "name key", as messages show it.
  std::string text() const { return key.empty() ? name : name + " " + key; }
};

/// Bad input a user can give: which field was wrong, what was expected and what was given.
/// what() is "<field[ key]>: expected <expected>, got <got>".
class InputError : public std::invalid_argument {
 public:
  InputError(InputField field, std::string expected, std::string got);

  /// The field's name ("alpha", "estimator", "rloo:k", "table.json: table").
  const std::string& field() const noexcept { return field_.name; }
  /// The key inside the field, or "" ("scg:credit" for field "estimator").
  const std::string& key() const noexcept { return field_.key; }
  const std::string& expected() const noexcept { return expected_; }
  const std::string& got() const noexcept { return got_; }
  /// The old name of field() (what the error was about), kept for callers written before fields.
  const std::string& argument() const noexcept { return field_.name; }

  /// The same error under another field name (the key is kept): how the CLI puts its flag in
  /// ("alpha" -> "--alpha") and a suite its file and JSON pointer.
  InputError relabeled(std::string field) const;
  /// The same error under `field` alone (the key is dropped: the new name says where it was).
  InputError located(std::string field) const;

 private:
  InputField field_;
  std::string expected_;
  std::string got_;
};

/// Throws InputError with the message "<field>: expected <expected>, got <got>".
[[noreturn]] void raise_input_error(const InputField& field, const std::string& expected,
                                    const std::string& got);

/// Shortest round-trip text of a double, for messages ("nan", "inf", "0.1").
std::string format_double(double value);

}  // namespace estcheck
