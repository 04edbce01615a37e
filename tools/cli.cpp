// tools/cli.cpp — see cli.hpp. Argument parsing is CLI11's: each subcommand's arguments are bound
// to its options struct (tools/cli_options.hpp) and run by its function (tools/commands.hpp; list's
// is here), which checks every value with estcheck's own parsers so that each message names the
// argument and what was expected. Errors from the library name a field; run_cli shows them under
// the subcommand's argument for it (tools/cli_fields.hpp).
#include "tools/cli.hpp"

#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/registry/registry.hpp"
#include "reports/verify_report.hpp"
#include "tools/cli_fields.hpp"
#include "tools/cli_options.hpp"
#include "tools/commands.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <iomanip>

namespace estcheck {
namespace {

constexpr int kUsageExit = 2;

void list_command(bool as_json, bool mutants, std::ostream& out) {
  const auto params_json = [](const std::vector<ParamInfo>& ps) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& p : ps) {
      nlohmann::json j = {{"key", p.key}, {"default", p.fallback}, {"meaning", p.meaning}};
      if (p.kind != ParamInfo::Kind::text) j["kind"] = to_string(p.kind);
      if (p.kind == ParamInfo::Kind::integer) j["range"] = {p.lo, p.hi};
      if (p.kind == ParamInfo::Kind::choice) j["choices"] = p.choices;
      if (p.or_real) j["or_real"] = true;
      a.push_back(std::move(j));
    }
    return a;
  };
  if (as_json) {
    nlohmann::json j = {{"schema_version", kJsonSchemaVersion}, {"command", "list"}};
    j["problems"] = nlohmann::json::array();
    for (const auto& p : problem_catalogue())
      j["problems"].push_back({{"name", p.name}, {"family", p.family},
                               {"description", p.description}, {"params", params_json(p.params)}});
    j["estimators"] = nlohmann::json::array();
    for (const auto& e : estimator_catalogue())
      j["estimators"].push_back({{"name", e.name}, {"claimed_unbiased", e.claimed_unbiased},
                                 {"requires", e.requires_}, {"description", e.description},
                                 {"reference", e.reference}, {"params", params_json(e.params)}});
    if (mutants) {
      j["mutants"] = nlohmann::json::array();
      for (const auto& m : mutant_catalogue())
        j["mutants"].push_back({{"name", m.name}, {"claimed_unbiased", false}, {"bug", m.bug},
                                {"fails_on", m.fails_on}, {"theta", m.theta}});
    }
    out << j.dump(2) << "\n";
    return;
  }
  const auto params_text = [](const std::vector<ParamInfo>& ps) {
    std::string s;
    for (const auto& p : ps) s += (s.empty() ? ":" : ",") + p.key + "=" + p.fallback;
    return s;
  };
  out << "Problems (PROBLEM):\n";
  for (const auto& p : problem_catalogue())
    out << "  " << std::left << std::setw(30) << (p.name + params_text(p.params)) << " " << p.description
        << "\n";
  out << "\nEstimators (ESTIMATOR; defaults shown):\n";
  for (const auto& e : estimator_catalogue())
    out << "  " << e.name << params_text(e.params) << "\n      "
        << (e.claimed_unbiased ? "claimed unbiased. " : "not claimed unbiased. ") << e.description
        << "\n      requires: " << e.requires_ << "\n";
  if (!mutants) return;
  out << "\nMutants (planted bugs; estcheck must report fail on the problem named):\n";
  for (const auto& m : mutant_catalogue()) {
    std::string theta;
    for (double t : m.theta) theta += (theta.empty() ? "" : ",") + format_double(t);
    out << "  " << std::left << std::setw(32) << m.name << " " << m.bug << "\n"
        << "  " << std::setw(32) << "" << " fails on: " << m.fails_on << " --theta " << theta << "\n";
  }
}

// ---------------------------------------------------------------- the subcommands' arguments

/// PROBLEM, --theta and --json.
void add_target(CLI::App* sub, cli::TargetArgs& t) {
  sub->add_option("PROBLEM", t.problem, "Problem spec (name:key=value,...) or JSON table file")->required();
  // Lists are split by cli::split_list, not CLI11's delimiter, which drops empty fields ("0.3,").
  sub->add_option("--theta", t.theta, "Parameters θ, comma-separated (or default: the problem's own, e.g. vae)")->required()->allow_extra_args(false);
  sub->add_option("--json", t.json, "Write the result as JSON to PATH ('-': stdout)");
  sub->add_option("--oracle-seconds", t.oracle_seconds,
                  "Time budget of each exact oracle figure; past it the figure is unknown and no verdict rests "
                  "on it (default 30; docs/oracles.md)");
}

constexpr const char* kThreadsHelp = "Worker threads (default 0: every core)";
constexpr const char* kQuietHelp = "No progress bar (shown on a terminal's stderr otherwise)";

CLI::App* add_list(CLI::App& app, cli::ListArgs& a) {
  auto* sub = app.add_subcommand("list", "List the problems and estimators");
  sub->add_flag("--json", a.json, "Print the catalogue as JSON");
  sub->add_flag("--mutants", a.mutants, "Also list the planted-bug estimators (mutant/...)");
  return sub;
}

CLI::App* add_exact(CLI::App& app, cli::ExactArgs& a) {
  auto* sub = app.add_subcommand("exact", "Exact objective and gradient of a problem at θ");
  add_target(sub, a.target);
  sub->add_option("--order", a.order, "2: also the exact Hessian (graph problems; docs/graphs.md)");
  sub->add_option("--estimator", a.estimator, "Also the estimator's exact mean and bias (concrete, straight-through)");
  return sub;
}

CLI::App* add_compare(CLI::App& app, cli::CompareArgs& a) {
  auto* sub = app.add_subcommand("compare", "Variance ratios of estimators, with intervals");
  add_target(sub, a.target);
  sub->add_option("ESTIMATORS", a.estimators, "The reference estimator, then the others")->required();
  sub->add_option("--samples", a.samples, "Samples per estimator (default 1000000)");
  sub->add_option("--seed", a.seed, "Seed of the shared noise streams (default 1)");
  sub->add_option("--max-run-seconds", a.max_run_seconds,
                  "Refuse a run whose pilot predicts a longer run (default 3600; 0: no limit)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_option("--alpha", a.alpha, "Family-wise error rate over the comparisons (default 0.001)");
  sub->add_option("--min-reduction", a.min_reduction, "Claim Var(reference)/Var(other) >= R (default 1)");
  sub->add_option("--interval", a.interval,
                  "Trace-ratio interval: delta, bootstrap-t, or both (their union; default) - docs/statistics.md");
  sub->add_option("--theta-grid", a.theta_grid,
                  "[INDEX=]FROM:TO:COUNT: sweep θ[INDEX] (default 0) over COUNT values; α is split over them");
  sub->add_flag("--quiet", a.quiet, kQuietHelp);
  return sub;
}

CLI::App* add_bias_curve(CLI::App& app, cli::BiasCurveArgs& a) {
  auto* sub = app.add_subcommand("bias-curve", "Exact bias of an estimator against one parameter");
  add_target(sub, a.target);
  sub->add_option("ESTIMATOR", a.estimator, "Estimator name (concrete, straight-through)")->required();
  sub->add_option("--param", a.param, "KEY=FROM:TO:COUNT, e.g. temperature=0.05:5:20")->required();
  return sub;
}

/// --test and --variance-bound with their help texts (verify's, test-samples', calibrate's).
void add_test_method(CLI::App* sub, cli::TestArgs& t, const std::string& test_help, const std::string& bound_help) {
  sub->add_option("--test", t.test, test_help);
  sub->add_option("--variance-bound", t.variance_bound, bound_help);
}

CLI::App* add_verify(CLI::App& app, cli::VerifyArgs& a) {
  auto* sub = app.add_subcommand("verify", "Test whether an estimator's mean is the exact gradient");
  add_target(sub, a.target);
  sub->add_option("ESTIMATOR", a.estimator, "Estimator spec (name:key=value,...); omit with --external");
  sub->add_option("--external", a.external,
                  "Run 'CMD ARGS' (no shell) as the estimator, over the protocol of docs/external.md");
  sub->add_option("--timeout", a.timeout, "With --external: seconds to wait for each answer (default 60)");
  sub->add_option("--samples", a.samples, "Number of estimator samples N (default 1000000)");
  sub->add_option("--seed", a.seed, "Seed of the Philox noise streams (default 1)");
  sub->add_option("--max-run-seconds", a.max_run_seconds,
                  "Refuse a run whose pilot predicts a longer run (default 3600; 0: no limit)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_option("--alpha", a.test.alpha, "Family-wise error rate over the coordinates (default 0.001)");
  sub->add_option("--tolerance", a.test.tolerance, "Claim |bias_i| < D for every i (equivalence test)");
  add_test_method(sub, a.test,
                  "auto (default: catoni with a certified exact variance, else betting with the estimator's declared "
                  "sample range, else catoni with --variance-bound, else t), t (Student t, asymptotic: CLT), "
                  "catoni (heavy-tail-safe; needs a variance bound) or betting (bounded samples; anytime-valid)",
                  "Upper bound(s) on Var of each gradient coordinate (one value, or one per coordinate) "
                  "for the catoni test; default: the exact variance when estcheck computes it");
  sub->add_flag("--sequential", a.sequential,
                "Stop when the verdict is clear: with the betting test, checked after every block (anytime-valid); "
                "otherwise in doubling rounds (the error rate holds at any round)");
  sub->add_option("--max-samples", a.max_samples, "With --sequential: the largest round (required)");
  sub->add_option("--first-samples", a.first_samples, "With --sequential: the first round (default 16384)");
  sub->add_flag("--quiet", a.quiet, kQuietHelp);
  sub->add_option("--order", a.order,
                  "1: check the gradient; 2: the Hessian (ESTIMATOR gets order=2, e.g. dice; docs/graphs.md)");
  return sub;
}

CLI::App* add_calibrate(CLI::App& app, cli::CalibrateArgs& a) {
  auto* sub = app.add_subcommand("calibrate", "Tests of the tester: error rates of the bias test under a "
                                              "true null and power at the planted detectable bias");
  add_target(sub, a.target);
  sub->add_option("ESTIMATOR", a.estimator, "Estimator spec (name:key=value,...)")->required();
  sub->add_option("--samples", a.samples, "Samples per repetition (default 1000)");
  sub->add_option("--repetitions", a.repetitions, "Independent runs (default 1000)");
  sub->add_option("--seed", a.seed, "Seed of the repetitions' seeds (default 1)");
  sub->add_option("--max-run-seconds", a.max_run_seconds,
                  "Refuse a run whose pilot predicts a longer run (default 3600; 0: no limit)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_option("--alphas", a.alphas, "Nominal levels, comma-separated (default 0.01,0.001)");
  add_test_method(sub, a.test, "auto, t, catoni or betting (as for verify)", "As for verify");
  sub->add_option("--coordinate", a.coordinate, "Coordinate where the bias is planted (default 0)");
  sub->add_flag("--sequential", a.sequential,
                "Each repetition is a sequential run (as verify --sequential); reports the samples used");
  sub->add_option("--max-samples", a.max_samples, "With --sequential: the most samples per run (required)");
  sub->add_option("--first-samples", a.first_samples, "With --sequential: the first round (default 16384)");
  sub->add_option("--tolerance", a.test.tolerance,
                  "With --sequential: the pass rule's D; also counts passes at a planted bias of D (false passes)");
  sub->add_option("--planted-bias", a.planted_bias,
                  "Measure the power at this bias for every run (default: at each run's own detectable bias)");
  return sub;
}

CLI::App* add_suite(CLI::App& app, cli::SuiteArgs& a) {
  auto* sub = app.add_subcommand("suite", "Run a verification suite file and write its reports (docs/suites.md)");
  sub->add_option("FILE", a.file, "Suite file (JSON; docs/suites.md)")->required();
  sub->add_option("--out", a.out,
                  "Folder for report.json, report.md, report.html and junit.xml (default estcheck-report; created)");
  sub->add_option("--junit", a.junit, "Also write the JUnit XML to PATH");
  sub->add_option("--markdown", a.markdown, "Also write the Markdown report to PATH");
  sub->add_option("--seed", a.seed, "Suite seed (default: the file's \"seed\", else 1); check seeds derive from it");
  sub->add_option("--max-run-seconds", a.max_run_seconds,
                  "Refuse a check's run whose pilot predicts a longer run (default 3600; 0: no limit)");
  sub->add_option("--oracle-seconds", a.oracle_seconds,
                  "Time budget of each exact oracle figure (default: the file's \"oracle_seconds\", else 30)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_flag("--quiet", a.quiet, "No progress bar and no per-check lines");
  sub->add_option("--alpha", a.alpha, "The suite's family-wise error budget (default: the file's \"alpha\", else 1e-4)");
  sub->add_flag("--dry-run", a.dry_run, "Check the suite file and print the plan; run nothing, write nothing");
  return sub;
}

CLI::App* add_test_samples(CLI::App& app, cli::TestSamplesArgs& a) {
  auto* sub = app.add_subcommand("test-samples", "Test gradient samples produced anywhere (a CSV or raw float64 "
                                                 "file) for bias against the exact gradient");
  add_target(sub, a.target);
  sub->add_option("--samples-file", a.samples_file, "One sample per row: d comma-separated numbers (csv) or "
                                                    "row-major native float64 (f64)")->required();
  sub->add_option("--format", a.format, "csv (default) or f64");
  sub->add_option("--alpha", a.test.alpha, "Family-wise error rate over the coordinates (default 0.001)");
  sub->add_option("--tolerance", a.test.tolerance, "Claim |bias_i| < D for every i (equivalence test)");
  add_test_method(sub, a.test, "auto (betting with --sample-range, else catoni with --variance-bound, else t), t, "
                  "catoni or betting",
                  "Upper bound(s) on Var of each coordinate (enables the heavy-tail-safe catoni test)");
  sub->add_option("--sample-range", a.sample_range,
                  "LO:HI holding every sample (one, or one per coordinate): enables the betting test; a row "
                  "outside it is an error (exit 4)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  return sub;
}

CLI::App* add_mutate(CLI::App& app, cli::MutateArgs& a) {
  auto* sub = app.add_subcommand("mutate", "Run every planted-bug estimator through a suite's verify checks "
                                           "and report which the suite catches (its power)");
  sub->add_option("FILE", a.file, "Suite file (JSON; docs/suites.md)")->required();
  sub->add_option("--seed", a.seed, "Suite seed (default: the file's \"seed\", else 1)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_option("--json", a.json, "Write the result as JSON to PATH ('-': stdout)");
  return sub;
}

CLI::App* add_hunt(CLI::App& app, cli::HuntArgs& a) {
  auto* sub = app.add_subcommand("hunt", "Hunt for a bias: verify random problems and parameters under one "
                                         "family-wise alpha, shrink the first failure (docs/hunt.md)");
  sub->add_option("ESTIMATOR", a.estimator, "Estimator spec; keys given stay fixed, the others are drawn")->required();
  sub->add_option("--problems", a.problems, "Kinds drawn, comma-separated: toy, bernoulli, categorical, gaussian, graph, "
                                            "control (default: the table kinds the estimator accepts, else the others)");
  sub->add_option("--budget-checks", a.budget_checks, "Drawn cases verified, at most (default 100)");
  sub->add_option("--shrink-checks", a.shrink_checks, "Verifications while shrinking, at most (default 100)");
  sub->add_option("--samples", a.samples, "Samples per verification (default 100000)");
  sub->add_option("--seed", a.seed, "Seed of the cases and of every verification's noise (default 1)");
  sub->add_option("--alpha", a.alpha, "Family-wise error rate over every verification of the hunt (default 0.01)");
  sub->add_option("--test", a.test, "The bias test: auto (default), t, catoni or betting");
  sub->add_option("--max-variables", a.max_variables, "Bernoulli variables / categorical classes, at most (2-8, default 8)");
  sub->add_option("--oracle-seconds", a.oracle_seconds, "Time budget of each exact oracle figure (default 30)");
  sub->add_option("--out", a.out, "Suite file reproducing the minimal counterexample (default estcheck-hunt.json)");
  sub->add_option("--threads", a.threads, kThreadsHelp);
  sub->add_option("--json", a.json, "Write the hunt as JSON to PATH ('-': stdout instead of the text)");
  sub->add_flag("--verbose", a.verbose, "One line per verification on stderr");
  return sub;
}

/// Every subcommand's arguments; CLI11 fills the one that is used.
struct AllArgs {
  cli::ListArgs list;
  cli::ExactArgs exact;
  cli::CompareArgs compare;
  cli::BiasCurveArgs bias_curve;
  cli::VerifyArgs verify;
  cli::CalibrateArgs calibrate;
  cli::SuiteArgs suite;
  cli::TestSamplesArgs test_samples;
  cli::MutateArgs mutate;
  cli::HuntArgs hunt;
};

/// The subcommand that was used and the function that runs it over its arguments.
struct Chosen {
  cli::Command command;
  std::function<int()> run;
};

/// Records which options were given (CLI11 knows, the structs hold text) and picks the function.
Chosen choose(CLI::App& app, AllArgs& a, std::ostream& out, std::ostream& err) {
  using cli::Command;
  const auto given = [&](const char* sub, const char* option) { return app.get_subcommand(sub)->count(option) > 0; };
  const std::string name = app.get_subcommands().front()->get_name();
  if (name == "list") return {Command::list, [&a, &out] { list_command(a.list.json, a.list.mutants, out); return 0; }};
  if (name == "mutate") {
    a.mutate.seed_given = given("mutate", "--seed");
    return {Command::mutate, [&a, &out] { return cli::mutate_command(a.mutate, out); }};
  }
  if (name == "hunt") return {Command::hunt, [&a, &out, &err] { return cli::hunt_command(a.hunt, out, err); }};
  if (name == "suite") {
    a.suite.seed_given = given("suite", "--seed");
    return {Command::suite, [&a, &out, &err] { return cli::suite_command(a.suite, out, err); }};
  }
  if (name == "exact") {
    a.exact.target.json_given = given("exact", "--json");
    a.exact.estimator_given = given("exact", "--estimator");
    return {Command::exact, [&a, &out, &err] { return cli::exact_command(a.exact, out, err); }};
  }
  if (name == "bias-curve") {
    a.bias_curve.target.json_given = given("bias-curve", "--json");
    return {Command::bias_curve, [&a, &out] { return cli::bias_curve_command(a.bias_curve, out); }};
  }
  if (name == "compare") {
    a.compare.target.json_given = given("compare", "--json");
    return {Command::compare, [&a, &out, &err] { return cli::compare_command(a.compare, out, err); }};
  }
  if (name == "calibrate") {
    a.calibrate.target.json_given = given("calibrate", "--json");
    a.calibrate.samples_given = given("calibrate", "--samples");
    a.calibrate.max_samples_given = given("calibrate", "--max-samples");
    a.calibrate.first_samples_given = given("calibrate", "--first-samples");
    a.calibrate.test.tolerance_given = given("calibrate", "--tolerance");
    return {Command::calibrate, [&a, &out] { return cli::calibrate_command(a.calibrate, out); }};
  }
  if (name == "test-samples") {
    a.test_samples.target.json_given = given("test-samples", "--json");
    a.test_samples.test.tolerance_given = given("test-samples", "--tolerance");
    return {Command::test_samples, [&a, &out] { return cli::test_samples_command(a.test_samples, out); }};
  }
  cli::VerifyArgs& v = a.verify;
  v.target.json_given = given("verify", "--json");
  v.timeout_given = given("verify", "--timeout");
  v.samples_given = given("verify", "--samples");
  v.order_given = given("verify", "--order");
  v.max_samples_given = given("verify", "--max-samples");
  v.first_samples_given = given("verify", "--first-samples");
  v.test.tolerance_given = given("verify", "--tolerance");
  return {Command::verify, [&a, &out, &err] { return cli::verify_command(a.verify, out, err); }};
}

}  // namespace

void set_run_partition(const RunPartition* partition) { cli::set_partition(partition); }

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"estcheck: verify stochastic gradient estimators against exact oracles", "estcheck"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "estcheck 0.1.0");
  AllArgs a;
  add_list(app, a.list);
  add_exact(app, a.exact);
  add_compare(app, a.compare);
  add_bias_curve(app, a.bias_curve);
  add_verify(app, a.verify);
  add_calibrate(app, a.calibrate);
  add_suite(app, a.suite);
  add_test_samples(app, a.test_samples);
  add_mutate(app, a.mutate);
  add_hunt(app, a.hunt);

  std::vector<std::string> argv_rev(args.rbegin(), args.rend() - 1);
  try {
    app.parse(argv_rev);
  } catch (const CLI::CallForHelp&) {
    const auto subs = app.get_subcommands();
    out << (subs.empty() ? app.help() : subs.front()->help());
    return 0;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return 0;
  } catch (const CLI::Success&) {
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "estcheck: error: " << e.what() << " (run 'estcheck --help' for usage)\n";  // one line
    return kUsageExit;
  }

  const Chosen chosen = choose(app, a, out, err);
  try {
    return chosen.run();
  } catch (const InputError& e) {
    err << "estcheck: error: " << cli::for_command(e, chosen.command).what() << "\n";
    return kUsageExit;
  }
}

}  // namespace estcheck
