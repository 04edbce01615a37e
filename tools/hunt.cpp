// tools/hunt.cpp — `estcheck hunt ESTIMATOR`: property-based bias hunting with shrinking (issue
// 16 item 2; the engine is verify/hunt.hpp, the statistics are in docs/hunt.md). Prints the
// budget, the first failing case, the accepted shrink steps and the minimal counterexample with
// its exact bias, and writes a suite file (docs/suites.md) with one verify check that reproduces
// it (a table case's table in a JSON table file beside it); with --json, the whole hunt as JSON
// (docs/json.md), the minimal case's and the first failure's verify reports included.
//
// Exit codes: 1 a bias was found; 0 none within the budget; 4 none found but a verification had
// no verdict because of non-finite samples; 3 no verification gave a verdict (every target
// uncertified or every run inconclusive); 2 bad input.
#include "estimators/core/error.hpp"
#include "reports/verify_report.hpp"
#include "tools/commands.hpp"
#include "verify/hunt.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/stats/catoni.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace estcheck::cli {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ", ") + format_double(x);
  return s;
}

void print_case(const HuntCheck& c, std::ostream& out, const std::string& indent) {
  out << indent << "problem:   " << c.problem << "\n"
      << indent << "estimator: " << c.estimator << "\n"
      << indent << "theta:     " << join(c.c.theta) << "\n"
      << indent << "verdict:   " << to_string(c.report.test.verdict) << " - " << c.report.test.reason << "\n";
}

/// The bias of the minimal case per coordinate: the exact E ĝ from an oracle when one knows the
/// estimator, else the Monte Carlo mean with its interval at the check's level.
void print_bias(const HuntCheck& c, std::ostream& out) {
  const VerifyReport& r = c.report;
  const BiasTest& t = r.test;
  out << "  exact gradient: " << (r.exact.certificate.certified() ? "certified: " : "") << r.exact.certificate.note
      << "\n";
  if (r.estimator_mean) out << "  exact E[g]: " << r.estimator_mean->method << "\n";
  for (std::size_t i = 0; i < r.exact.gradient.size(); ++i) {
    out << "    coordinate " << i << ": gradient " << format_double(r.exact.gradient[i]) << " ± "
        << format_double(r.exact.error[i]);
    if (r.estimator_mean && i < r.estimator_mean->mean.size()) {
      const double mean = r.estimator_mean->mean[i];
      out << "; exact E[g] " << format_double(mean) << "; exact bias " << format_double(mean - r.exact.gradient[i])
          << " ± " << format_double(r.estimator_mean->error[i] + r.exact.error[i])
          << (r.estimator_mean->certificate.certified() ? "" : " (E[g] estimated, not certified)") << "\n";
    } else if (i < t.mean.size()) {
      const double half = t.critical_value * t.std_error[i];
      out << "; Monte Carlo mean " << format_double(t.mean[i]) << " ± " << format_double(half)
          << "; bias " << format_double(t.bias[i]) << " ± " << format_double(half + r.exact.error[i])
          << " (no exact-mean oracle for this estimator: interval at the check's level)\n";
    } else {
      out << "\n";
    }
  }
}

/// The table file beside suite file `path`: FILE.table.json for FILE.json.
std::string table_path(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / (p.stem().string() + ".table.json")).string();
}

/// Writes the suite file that reproduces `c` (and its table file, for a table case).
void write_suite(const HuntResult& r, const HuntCheck& c, const std::string& path, std::uint64_t samples) {
  std::string problem = c.problem;
  if (is_table_kind(c.c.kind) && c.c.kind != HuntKind::toy) {  // other kinds: the problem is a spec
    const std::string table = table_path(path);
    std::ofstream t(table);
    t << table_json(c.c);
    if (!t) raise_input_error("out", "a writable path", "'" + table + "'");
    problem = fs::path(table).filename().string();
  }
  nlohmann::json check = {{"name", "hunt-minimal"},
                          {"kind", "verify"},
                          {"problem", problem},
                          {"estimator", c.estimator},
                          {"theta", c.c.theta},
                          {"samples", samples},
                          {"description", "minimal counterexample of estcheck hunt " + r.estimator + " --seed " +
                                              std::to_string(r.options.seed) + ": " + c.problem}};
  nlohmann::json suite = {{"name", "hunt-" + r.estimator.substr(r.estimator.find('/') + 1)},
                          {"description", "reproduces the bias estcheck hunt found (docs/hunt.md)"},
                          {"alpha", 1e-4},
                          {"seed", r.options.seed},
                          {"checks", nlohmann::json::array({check})}};
  std::ofstream f(path);
  f << suite.dump(2) << "\n";
  if (!f) raise_input_error("out", "a writable path", "'" + path + "'");
}

nlohmann::json case_json(const HuntCheck& c, bool with_report) {
  nlohmann::json j = {{"check", c.index + 1},
                      {"kind", to_string(c.c.kind)},
                      {"problem", c.problem},
                      {"estimator", c.estimator},
                      {"theta", c.c.theta},
                      {"verdict", to_string(c.report.test.verdict)}};
  if (c.c.kind == HuntKind::toy) j["t"] = c.c.toy_t;
  else if (is_table_kind(c.c.kind)) j["table"] = c.c.table;
  if (with_report) j["report"] = to_json(c.report);
  return j;
}

}  // namespace

nlohmann::json hunt_json(const HuntResult& r, const std::string& suite_file) {
  nlohmann::json kinds = nlohmann::json::array();
  for (HuntKind k : r.kinds) kinds.push_back(to_string(k));
  nlohmann::json j = {{"schema_version", kJsonSchemaVersion},
                      {"command", "hunt"},
                      {"estimator", r.estimator},
                      {"kinds", kinds},
                      {"seed", r.options.seed},
                      {"budget_checks", r.options.budget_checks},
                      {"shrink_checks_budget", r.options.shrink_checks},
                      {"samples", r.options.samples},
                      {"alpha", r.options.alpha},
                      {"alpha_per_check", r.alpha_per_check},
                      {"checks", r.checks},
                      {"shrink_checks", r.shrink_checks},
                      {"passed", r.passed},
                      {"inconclusive", r.inconclusive},
                      {"errors", r.errors},
                      {"discarded", r.discarded},
                      {"asymptotic", r.asymptotic},
                      {"found", r.found()},
                      {"first_failure", nullptr},
                      {"steps", nlohmann::json::array()},
                      {"minimal", nullptr},
                      {"shrink_budget_exhausted", r.shrink_budget_exhausted},
                      {"suite_file", suite_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(suite_file)}};
  if (r.found()) {
    j["first_failure"] = case_json(*r.first_failure, true);
    for (const HuntCheck& s : r.steps) j["steps"].push_back(case_json(s, false));
    j["minimal"] = case_json(*r.minimal, true);
  }
  return j;
}

int hunt_exit_code(const HuntResult& r) { return !r.found() ? (r.errors > 0 ? 4 : r.passed == 0 ? 3 : 0) : 1; }

std::string write_hunt_suite(const HuntResult& r, const std::string& path) {
  if (!r.found()) return "";
  const std::string suite_file = path.empty() ? "estcheck-hunt.json" : path;
  write_suite(r, *r.minimal, suite_file, reproduction_samples(*r.minimal, 1e-4));
  return suite_file;
}

void write_hunt_text(std::ostream& out, const HuntResult& r, const HuntEstimator& e, const std::string& suite_file) {
  const HuntOptions& o = r.options;
  std::string kinds;
  for (HuntKind k : r.kinds) kinds += (kinds.empty() ? "" : ", ") + std::string(to_string(k));
  std::string params;
  for (const ParamInfo& p : e.params) params += (params.empty() ? "" : ", ") + p.key;
  out << "estcheck hunt: " << e.name << (e.fixed.empty() ? "" : ":" + e.fixed) << " on " << kinds << " problems"
      << (params.empty() ? "" : "; parameters drawn: " + params) << "; seed " << o.seed << "\n"
      << "  budget: " << o.budget_checks << " checks + " << o.shrink_checks << " shrink checks, " << o.samples
      << " samples each; family-wise alpha = " << format_double(o.alpha) << " (Bonferroni: "
      << format_double(r.alpha_per_check) << " per check)\n";
  const auto tally = [&] {
    out << "  verified: " << r.checks << " drawn cases, " << r.shrink_checks << " shrink candidates ("
        << r.passed << " pass, " << r.inconclusive << " inconclusive, " << r.errors << " error, "
        << r.discarded << " discarded, " << r.asymptotic << " by the CLT t-test)\n";
  };
  if (!r.found()) {
    out << "  no bias found in " << r.checks << " checks at family-wise alpha = " << format_double(o.alpha) << "\n";
    tally();
    return;
  }
  const HuntCheck& first = *r.first_failure;
  const HuntCheck& minimal = *r.minimal;
  out << "  bias found at check " << first.index + 1 << " of " << o.budget_checks << ":\n";
  print_case(first, out, "    ");
  out << "  shrinking: " << r.steps.size() << " steps accepted, " << r.shrink_checks << " candidates verified"
      << (r.shrink_budget_exhausted ? " (shrink budget spent: the minimum may shrink further)" : "") << "\n";
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    out << "    " << i + 1 << ". " << r.steps[i].problem << "  " << r.steps[i].estimator << "  theta ["
        << join(r.steps[i].c.theta) << "]\n";
  out << "minimal counterexample (check " << minimal.index + 1 << "):\n";
  print_case(minimal, out, "  ");
  print_bias(minimal, out);
  tally();
  if (suite_file.empty()) return;
  out << "reproduce: estcheck suite " << suite_file;
  if (is_table_kind(minimal.c.kind) && minimal.c.kind != HuntKind::toy) out << "  (table: " << table_path(suite_file) << ")";
  out << "\n";
}

int hunt_command(const HuntArgs& a, std::ostream& out, std::ostream& err) {
  HuntOptions o;
  for (const std::string& k : split_list("--problems", a.problems)) o.kinds.push_back(parse_hunt_kind(k, "--problems"));
  o.budget_checks = parse_count("--budget-checks", a.budget_checks, 1, "an integer >= 1");
  o.shrink_checks = parse_count("--shrink-checks", a.shrink_checks, 0, "an integer >= 0");
  o.samples = parse_samples("--samples", a.samples);
  o.seed = parse_seed(a.seed);
  o.threads = parse_threads(a.threads);
  o.alpha = parse_double("--alpha", a.alpha);
  if (!(o.alpha > 0 && o.alpha < 1)) raise_input_error("--alpha", "a number in (0, 1)", "'" + a.alpha + "'");
  o.method = parse_test_method(a.test, "--test");
  o.max_variables = static_cast<int>(parse_count("--max-variables", a.max_variables, 2, "an integer in [2, 8]"));
  if (o.max_variables > 8) raise_input_error("--max-variables", "an integer in [2, 8]", "'" + a.max_variables + "'");
  set_oracle_seconds(parse_seconds("--oracle-seconds", a.oracle_seconds));
  if (!a.out.empty()) check_output_path(a.out, "--out");
  if (!a.json.empty()) check_output_path(a.json);
  const HuntEstimator e = hunt_estimator(a.estimator);
  if (a.verbose)
    o.on_check = [&err](const HuntCheck& c) {
      err << (c.shrinking ? "  shrink " : "  check ") << c.index << ": " << to_string(c.report.test.verdict) << "  "
          << c.problem << "  " << c.estimator << "  theta [" << join(c.c.theta) << "]\n";
    };

  const HuntResult r = hunt(e, o);
  const std::string suite_file = write_hunt_suite(r, a.out);
  if (!a.json.empty()) write_json(hunt_json(r, suite_file), a.json, out);
  if (a.json != "-") write_hunt_text(out, r, e, suite_file);
  return hunt_exit_code(r);
}

}  // namespace estcheck::cli
