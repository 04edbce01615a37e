// tests/docs_table.hpp — the estimator table as docs/estimators.md carries it, between its markers,
// for the tests that compare it with estimator_table_markdown() (estimators/registry/registry.hpp).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace estcheck::test {

inline constexpr const char* kTableBegin = "<!-- estimator-table:begin";
inline constexpr const char* kTableEnd = "<!-- estimator-table:end -->";

/// The lines between the begin marker's line and the end marker in docs/estimators.md. Throws
/// std::runtime_error when the file or a marker is missing.
inline std::string documented_estimator_table() {
  const std::string path = ESTCHECK_SOURCE_DIR "/docs/estimators.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto begin = doc.find(kTableBegin);
  const auto end = doc.find(kTableEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    throw std::runtime_error(path + ": missing the estimator-table markers");
  const auto first = doc.find('\n', begin) + 1;
  return doc.substr(first, end - first);
}

}  // namespace estcheck::test
