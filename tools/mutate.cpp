// tools/mutate.cpp — see mutate.hpp.
#include "tools/mutate.hpp"

#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/problems/catalogue.hpp"
#include "verify/pipeline.hpp"

#include <oneapi/tbb/info.h>

#include <chrono>
#include <iomanip>
#include <memory>

namespace estcheck {

namespace {

/// One mutant's runs through the verify checks of its base: (check index, the check with the
/// mutant in place, its run).
struct MutantRun {
  std::size_t index;
  std::shared_ptr<const SuiteCheck> check;
  CheckRun run;
};

bool caught_at(const CheckRun& run, double threshold) { return run.result.p_value && *run.result.p_value <= threshold; }

/// The runs of the mutant `m` through every verify check of its base whose problem it accepts, in
/// file order; stops after a check whose p-value is at most α/m (Holm fails it whatever the others).
std::vector<MutantRun> run_mutant(const SuiteSpec& suite, const MutantInfo& m, std::uint64_t seed, int threads) {
  const double alpha0 = suite.alpha / static_cast<double>(std::max<std::size_t>(1, budget_checks(suite)));
  std::vector<MutantRun> runs;
  for (std::size_t i = 0; i < suite.checks.size(); ++i) {
    const CheckSpec& c = suite.checks[i];
    // A check whose claim predicts a fail (a biased estimator) cannot catch a mutant: failing it
    // is what the suite expects.
    if (c.kind != "verify" || c.expect_fail) continue;
    const std::string& spec = c.estimators.at(0);
    if (spec.substr(0, spec.find(':')) != m.base) continue;
    auto check = c.check->with_estimator(make_mutant(m.name));
    if (!check) continue;  // the mutant cannot run on this problem
    runs.push_back({i, check, check->run(check_context(suite, i, seed, threads, nullptr, nullptr))});
    if (caught_at(runs.back().run, alpha0)) break;
  }
  return runs;
}

/// The suite's budgeted checks run once with their own estimators (Holm needs every p-value).
std::vector<CheckRun> run_baseline(const SuiteSpec& suite, std::uint64_t seed, int threads) {
  std::vector<CheckRun> runs;
  for (std::size_t i = 0; i < suite.checks.size(); ++i)
    runs.push_back(takes_budget(suite.checks[i].kind)
                       ? suite.checks[i].check->run(check_context(suite, i, seed, threads, nullptr, nullptr))
                       : CheckRun{});
  return runs;
}

/// Holm over every budgeted check, the mutant's runs in place of its checks' own; each of the
/// mutant's runs is decided at its threshold. The baseline is run on first need.
void decide_mutant(const SuiteSpec& suite, std::vector<MutantRun>& runs,
                   std::optional<std::vector<CheckRun>>& baseline, std::uint64_t seed, int threads) {
  if (!baseline) baseline = run_baseline(suite, seed, threads);
  std::vector<CheckRun> all = *baseline;
  for (const auto& r : runs) all[r.index] = r.run;
  decide_by_holm(suite, all);
  for (auto& r : runs) r.run = std::move(all[r.index]);
}

/// The mutant's outcome from its decided runs: caught by the first check (file order) that fails it.
MutantOutcome outcome(const SuiteSpec& suite, const MutantInfo& m, const std::vector<MutantRun>& runs) {
  MutantOutcome o{m.name, m.base, m.bug, {}, "", "", false};
  for (const auto& run : runs) {
    const std::string& name = suite.checks[run.index].name;
    o.checks.push_back(name);
    if (o.caught) continue;
    const BiasTest& t = run.run.result.verify->test;
    o.caught = t.verdict == Verdict::fail;
    o.caught_by = o.caught ? name : "";
    o.reason = o.caught ? t.reason : "check '" + name + "': " + to_string(t.verdict) + " - " + t.reason;
  }
  if (o.checks.empty())
    o.reason = "not exercised: the suite has no verify check of '" + m.base + "' on a problem the mutant accepts";
  return o;
}

}  // namespace

MutationReport mutate_suite(const SuiteSpec& suite, std::optional<std::uint64_t> seed, int threads) {
  const auto start = std::chrono::steady_clock::now();
  MutationReport r;
  r.suite = suite.name;
  r.file = suite.file;
  r.seed = seed.value_or(suite.seed);
  r.alpha = suite.alpha;
  r.budget_checks = budget_checks(suite);
  r.alpha_per_check = suite.alpha / static_cast<double>(std::max<std::size_t>(1, r.budget_checks));
  if (threads <= 0) threads = tbb::info::default_concurrency();
  std::optional<std::vector<CheckRun>> baseline;
  for (const auto& m : mutant_catalogue()) {
    std::vector<MutantRun> runs = run_mutant(suite, m, r.seed, threads);
    // p <= α/m: failed at any Holm threshold; otherwise Holm over the whole suite decides.
    if (!runs.empty() && !caught_at(runs.back().run, r.alpha_per_check))
      decide_mutant(suite, runs, baseline, r.seed, threads);
    else
      for (auto& run : runs) suite.checks[run.index].check->decide(run.run, r.alpha_per_check);
    r.mutants.push_back(outcome(suite, m, runs));
    r.caught += r.mutants.back().caught;
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
                      {"alpha", r.alpha},
                      {"correction", "Holm step-down over the suite's budgeted checks, "
                                     "the mutant's checks in place of its base's"},
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
  out << "estcheck mutate: suite " << r.suite << " (" << r.file << "), seed " << r.seed << ", alpha "
      << format_double(r.alpha) << " split over " << r.budget_checks << " checks by Holm (smallest threshold "
      << format_double(r.alpha_per_check) << ")\n";
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
