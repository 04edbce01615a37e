// estimators/core/input_file.hpp — reading a user's input file (problem tables, graphs, suites,
// samples) so that every way it can be wrong is an InputError naming the field, never a crash or a
// hang: a missing path, a folder, a FIFO or device (which would block or never end), a read error
// (a file in /proc that fails to read), a file over the size limit; and, for JSON, a syntax error
// (with line and column), a number outside the double range (1e400) and nesting deeper than
// kMaxJsonDepth (a file nested 100,000 deep would otherwise exhaust the stack when printed).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace estcheck {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::uint64_t kMaxInputBytes = std::uint64_t{1} << 32;  // 4 GiB

/// The bytes of the regular file `path`. Throws InputError(field, expected, why) when it is
/// missing ("'path' (no such file)"), a folder, not a regular file, unreadable ("'path' (cannot be
/// opened: ...)", "(read error: ...)"), or larger than kMaxInputBytes.
std::string read_input_file(const std::string& path, const std::string& field, const std::string& expected);

/// `text` parsed as JSON. Throws InputError(field, ...) for a syntax error, a number that
/// overflows a double, or nesting deeper than kMaxJsonDepth.
nlohmann::json parse_input_json(const std::string& text, const std::string& field);

}  // namespace estcheck
