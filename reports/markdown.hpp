// reports/markdown.hpp — a suite report as GitHub-flavoured Markdown (report.md), for a CI job
// page: the verdict, the budget arithmetic, and one table row per check; a failing check's row
// starts with "🔴 **FAIL**" (Markdown has no row colours), an erroring one with "🔴 **ERROR**".
#pragma once

#include "reports/suite_report.hpp"

#include <string>

namespace estcheck {

std::string to_markdown(const SuiteReport& report);

}  // namespace estcheck
