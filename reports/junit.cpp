// reports/junit.cpp — see junit.hpp.
#include "reports/junit.hpp"

#include "estimators/core/error.hpp"
#include "reports/claims.hpp"
#include "reports/svg.hpp"

#include <cstdio>
#include <sstream>

namespace estcheck {
namespace {
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}
}  // namespace

std::string to_junit(const SuiteReport& r) {
  using svg::escape;
  std::size_t failures = 0, errors = 0, skipped = 0;
  for (const auto& c : r.checks) {  // by outcome: a fail the check's claim predicts is a pass
    failures += outcome(c) == Verdict::fail;
    errors += c.verdict == Verdict::error;
    skipped += c.verdict == Verdict::inconclusive;
  }
  const std::string counts = " tests='" + std::to_string(r.checks.size()) + "' failures='" + std::to_string(failures) +
                             "' errors='" + std::to_string(errors) + "'";
  std::ostringstream s;
  s << "<?xml version='1.0' encoding='UTF-8'?>\n"
    << "<testsuites name='estcheck suite " << escape(r.name) << "'" << counts << " time='" << seconds(r.elapsed_s)
    << "'>\n"
    << "  <testsuite name='" << escape(r.name) << "'" << counts << " skipped='" << skipped << "' time='"
    << seconds(r.elapsed_s) << "' package='estcheck' file='" << escape(r.file) << "'>\n"
    << "    <properties>\n";
  auto prop = [&](const std::string& k, const std::string& v) {
    s << "      <property name='" << escape(k) << "' value='" << escape(v) << "'/>\n";
  };
  prop("suite_file", r.file);
  prop("seed", std::to_string(r.seed));
  prop("threads", std::to_string(r.threads));
  prop("alpha", format_double(r.alpha));
  prop("budget", budget_text(r));
  prop("verdict", to_string(r.verdict));
  s << "    </properties>\n";
  for (const auto& c : r.checks) {
    s << "    <testcase name='" << escape(c.name) << "' classname='estcheck." << escape(c.kind) << "' time='"
      << seconds(c.elapsed_s) << "'>\n";
    const std::string msg = "check " + c.name + " " + verdict_text(c) + ": " + figures(c);
    const std::string body = "check " + c.name + " (" + c.kind + ", seed " + std::to_string(c.seed) + ")\n" +
                             (c.claim.empty() ? "" : "claim: " + c.claim + " (" + c.source + "); expected verdict " +
                                                         to_string(c.expect) + "\n") +
                             figures(c) + "\n" + c.reason;
    if (outcome(c) == Verdict::fail)
      s << "      <failure type='fail' message='" << escape(msg) << "'>" << escape(body) << "</failure>\n";
    else if (c.verdict == Verdict::error)
      s << "      <error type='error' message='" << escape(msg) << "'>" << escape(body) << "</error>\n";
    else if (c.verdict == Verdict::inconclusive)
      s << "      <skipped type='inconclusive' message='" << escape("inconclusive: " + c.reason) << "'/>\n";
    s << "      <system-out>" << escape(body) << "</system-out>\n"
      << "    </testcase>\n";
  }
  s << "    <system-out>" << escape(budget_text(r)) << "</system-out>\n"
    << "  </testsuite>\n"
    << "</testsuites>\n";
  return s.str();
}

}  // namespace estcheck
