// reports/junit.hpp — a suite report as JUnit XML (junit.xml), the format CI dashboards read:
// one <testsuite> named after the suite, one <testcase> per check (classname "estcheck.<kind>"),
// <failure> for a failed check and <error> for an errored one, each with a message carrying the
// figures (reports/suite_report.hpp: figures). Inconclusive checks are <skipped> with the reason.
// Validated in ctest against reports/schema/junit.xsd (tests/suite_reports.sh).
#pragma once

#include "reports/suite_report.hpp"

#include <string>

namespace estcheck {

/// The JUnit XML document (UTF-8, with the XML declaration).
std::string to_junit(const SuiteReport& report);

}  // namespace estcheck
