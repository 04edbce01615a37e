// tools/mutate.cpp — see mutate.hpp.
#include "tools/mutate.hpp"

#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "verify/check.hpp"

#include <chrono>
#include <iomanip>

namespace estcheck {

MutationReport mutate_suite(const SuiteSpec& suite, std::optional<std::uint64_t> seed, int threads) {
  const auto start = std::chrono::steady_clock::now();
  MutationReport r;
  r.suite = suite.name;
  r.file = suite.file;
  r.seed = seed.value_or(suite.seed);
  for (const auto& c : suite.checks) r.budget_checks += takes_budget(c.kind);
  r.alpha_per_check = suite.alpha / static_cast<double>(std::max<std::size_t>(1, r.budget_checks));
  for (const auto& m : mutant_catalogue()) {
    MutantOutcome o{m.name, m.base, m.bug, {}, "", "", false};
    for (const auto& c : suite.checks) {
      if (c.kind != "verify") continue;
      const std::string& spec = c.estimators.at(0);
      if (spec.substr(0, spec.find(':')) != m.base) continue;
      const auto problem = make_problem(c.problem, c.pointer + "/problem");
      auto mutant = make_mutant(m.name);
      try {
        mutant->check(*problem);
      } catch (const InputError&) {
        continue;  // the mutant cannot run on this problem
      }
      o.checks.push_back(c.name);
      CheckOptions opt;
      opt.samples = c.samples;
      opt.seed = check_seed(r.seed, c.name);
      opt.threads = threads;
      opt.alpha = r.alpha_per_check;
      const BiasCheck res = check_unbiased(*mutant, *problem, c.theta, opt);
      if (res.test.verdict == Verdict::fail) {
        o.caught = true;
        o.caught_by = c.name;
        o.reason = res.test.reason;
        break;
      }
      o.reason = "check '" + c.name + "': " + to_string(res.test.verdict) + " - " + res.test.reason;
    }
    if (o.checks.empty())
      o.reason = "not exercised: the suite has no verify check of '" + m.base + "' on a problem the mutant accepts";
    r.caught += o.caught;
    r.mutants.push_back(std::move(o));
  }
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::json to_json(const MutationReport& r) {
  nlohmann::json j = {{"schema_version", 1},
                      {"command", "mutate"},
                      {"suite", r.suite},
                      {"file", r.file},
                      {"seed", r.seed},
                      {"alpha_per_check", r.alpha_per_check},
                      {"budget_checks", r.budget_checks},
                      {"caught", r.caught},
                      {"mutants_total", r.mutants.size()},
                      {"mutation_score", r.mutants.empty() ? 1.0 : static_cast<double>(r.caught) /
                                                                    static_cast<double>(r.mutants.size())},
                      {"mutants", nlohmann::json::array()},
                      {"elapsed_s", r.elapsed_s}};
  for (const auto& m : r.mutants)
    j["mutants"].push_back({{"mutant", m.mutant}, {"base", m.base}, {"bug", m.bug}, {"checks", m.checks},
                            {"caught", m.caught}, {"caught_by", m.caught ? nlohmann::json(m.caught_by) : nlohmann::json(nullptr)},
                            {"reason", m.reason}});
  return j;
}

void write_text(std::ostream& out, const MutationReport& r) {
  out << "estcheck mutate: suite " << r.suite << " (" << r.file << "), seed " << r.seed << ", alpha per check "
      << format_double(r.alpha_per_check) << " (budget / " << r.budget_checks << " checks)\n";
  for (const auto& m : r.mutants) {
    out << "  " << std::left << std::setw(34) << m.mutant << std::setw(10) << (m.caught ? "caught" : "MISSED")
        << std::right;
    if (m.caught) out << "by " << m.caught_by << " (" << m.checks.size() << " check(s) run)\n";
    else out << m.reason << "\n";
  }
  out << "mutation score: " << r.caught << "/" << r.mutants.size() << " caught (" << format_double(r.elapsed_s)
      << " s)\n";
}

int exit_code(const MutationReport& r) { return r.caught == r.mutants.size() ? 0 : 1; }

}  // namespace estcheck
