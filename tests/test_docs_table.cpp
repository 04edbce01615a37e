// tests/test_docs_table.cpp — docs/estimators.md's estimator table equals the one rendered from the
// descriptors (estimator_table_markdown), so the doc cannot drift from the registry. On failure
// the message prints the table to paste between the markers.
#include "estimators/registry/registry.hpp"
#include "tests/docs_table.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

TEST(DocsTable, EstimatorTableMatchesTheDescriptors) {
  const std::string expected = estimator_table_markdown();
  EXPECT_EQ(test::documented_estimator_table(), expected)
      << "docs/estimators.md is out of date; put this table between its estimator-table markers:\n"
      << expected;
}

}  // namespace
}  // namespace estcheck
