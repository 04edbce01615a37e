// tools/cli.cpp — see cli.hpp. Argument parsing is CLI11's; every value is then checked by
// estcheck's own parsers so that each message names the argument and what was expected.
#include "tools/cli.hpp"

#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/registry/registry.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"
#include "reports/suite_report.hpp"
#include "reports/verify_report.hpp"
#include "tools/mutate.hpp"
#include "tools/progress.hpp"
#include "tools/suite.hpp"
#include "verify/stats/calibrate.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/harness/external.hpp"
#include "verify/harness/recorded.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <CLI/CLI.hpp>
#include <oneapi/tbb/info.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <unistd.h>

namespace estcheck {
namespace {

constexpr int kUsageExit = 2;

const RunPartition* g_partition = nullptr;  // set_run_partition
bool output_rank() { return g_partition == nullptr || g_partition->rank() == 0; }

double parse_double(const std::string& arg, const std::string& text) {
  double x = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size())
    raise_input_error(arg, "a number", "'" + text + "'");
  return x;
}

/// A non-negative integer, also written as 1e6 or 1000000.0 if the value is an exact integer.
std::uint64_t parse_count(const std::string& arg, const std::string& text, std::uint64_t lo,
                          const std::string& expected) {
  std::uint64_t n = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), n);
  if (res.ec == std::errc() && res.ptr == text.data() + text.size()) {
    if (n < lo) raise_input_error(arg, expected, "'" + text + "'");
    return n;
  }
  double x = 0;
  const auto r2 = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r2.ec != std::errc() || r2.ptr != text.data() + text.size() || !std::isfinite(x) ||
      x != std::floor(x) || x < static_cast<double>(lo) || x >= 1.8e19)
    raise_input_error(arg, expected, "'" + text + "'");
  return static_cast<std::uint64_t>(x);
}

std::vector<double> parse_theta(const std::vector<std::string>& parts) {
  if (parts.empty()) raise_input_error("--theta", "comma-separated numbers", "nothing");
  std::vector<double> theta;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double v = parse_double("--theta", parts[i]);
    if (!std::isfinite(v))
      raise_input_error("--theta", "finite numbers", "'" + parts[i] + "' at position " + std::to_string(i + 1));
    theta.push_back(v);
  }
  return theta;
}

int default_threads() { return tbb::info::default_concurrency(); }

/// --variance-bound as the pipeline takes it (verify/pipeline.hpp: choose_variance_bound applies
/// the policy): one value for every coordinate, or one per coordinate; empty when not given.
VarianceBound given_variance_bound(const std::vector<std::string>& parts) {
  VarianceBound vb;
  for (const auto& part : parts) {
    const double v = parse_double("--variance-bound", part);
    if (!(std::isfinite(v) && v >= 0.0)) raise_input_error("--variance-bound", "finite numbers >= 0", "'" + part + "'");
    vb.values.push_back(v);
  }
  if (!vb.values.empty()) vb.source = "--variance-bound option";
  return vb;
}

/// A progress bar goes to stderr only when it is the process's stderr and a terminal.
bool show_progress(const std::ostream& err, bool quiet) {
  return !quiet && &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}

/// `estcheck suite`: checks every output path, runs the suite, writes the four reports (and the
/// --junit / --markdown copies) atomically, and returns the suite's exit code.
int suite_command(const std::string& file, const std::string& out_dir, const std::string& junit_path,
                  const std::string& markdown_path, std::optional<std::uint64_t> seed, int threads, bool quiet,
                  std::optional<double> alpha, bool dry_run, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  SuiteSpec spec = parse_suite(file);
  if (alpha) spec.alpha = *alpha;
  if (dry_run) {  // the file is valid: show the plan, run nothing, write nothing
    SuiteReport plan;
    plan.alpha = spec.alpha;
    for (const auto& c : spec.checks) plan.budget_checks += takes_budget(c.kind);
    const std::uint64_t suite_seed = seed.value_or(spec.seed);
    out << "suite " << spec.name << " (" << file << "): " << spec.checks.size() << " checks, seed " << suite_seed
        << "\n  " << budget_text(plan) << "\n";
    for (const auto& c : spec.checks)
      out << "  " << c.name << " (" << c.kind << ", seed " << check_seed(suite_seed, c.name) << ")\n";
    return 0;
  }
  // Output paths are checked (and --out created) before the run, so a long run cannot fail at the end.
  // With MPI ranks only rank 0 touches files (the others compute their share of each run).
  const fs::path dir(out_dir);
  std::vector<std::pair<std::string, std::string>> files = {{(dir / "report.json").string(), ""},
                                                           {(dir / "report.md").string(), ""},
                                                           {(dir / "report.html").string(), ""},
                                                           {(dir / "junit.xml").string(), ""}};
  if (output_rank()) {
    std::error_code ec;
    if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec))
      raise_input_error("--out", "a folder", "the file '" + out_dir + "'");
    if (!fs::exists(out_dir, ec)) {
      const fs::path parent = fs::path(out_dir).has_parent_path() ? fs::path(out_dir).parent_path() : fs::path(".");
      if (!fs::is_directory(parent, ec))
        raise_input_error("--out", "a folder in an existing folder", "'" + out_dir + "'");
      if (!fs::create_directory(out_dir, ec) || ec)
        raise_input_error("--out", "a folder that can be created", "'" + out_dir + "' (" + ec.message() + ")");
    }
    for (const auto& f : files) check_output_path(f.first, "--out");
    if (!junit_path.empty()) check_output_path(junit_path, "--junit");
    if (!markdown_path.empty()) check_output_path(markdown_path, "--markdown");
  }

  SuiteOptions so;
  so.seed = seed;
  so.threads = threads;
  so.quiet = quiet;
  so.progress = show_progress(err, quiet) && output_rank();
  so.partition = g_partition;
  const SuiteReport rep = run_suite(spec, so, out, err);
  if (!output_rank()) return exit_code(rep.verdict);
  const std::string junit = to_junit(rep), markdown = to_markdown(rep);
  files[0].second = to_json(rep).dump(2) + "\n";
  files[1].second = markdown;
  files[2].second = to_html(rep);
  files[3].second = junit;
  if (!junit_path.empty()) files.emplace_back(junit_path, junit);
  if (!markdown_path.empty()) files.emplace_back(markdown_path, markdown);
  write_files(files, "--out");
  out << "reports: " << (dir / "report.json").string() << ", report.md, report.html, junit.xml in " << out_dir
      << (junit_path.empty() ? "" : "; " + junit_path) << (markdown_path.empty() ? "" : "; " + markdown_path) << "\n";
  return exit_code(rep.verdict);
}

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

}  // namespace

void set_run_partition(const RunPartition* partition) { g_partition = partition; }

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"estcheck: verify stochastic gradient estimators against exact oracles", "estcheck"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "estcheck 0.1.0");

  bool list_json = false, list_mutants = false;
  auto* list = app.add_subcommand("list", "List the problems and estimators");
  list->add_flag("--json", list_json, "Print the catalogue as JSON");
  list->add_flag("--mutants", list_mutants, "Also list the planted-bug estimators (mutant/...)");

  std::string problem_text, estimator_text, json_path, samples_text = "1000000", seed_text = "1",
              threads_text = "0", alpha_text = "0.001", tolerance_text;
  std::vector<std::string> theta_parts;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("PROBLEM", problem_text, "Problem spec (name:key=value,...) or JSON table file")
        ->required();
    sub->add_option("--theta", theta_parts, "Parameters θ, comma-separated")
        ->required()
        ->delimiter(',')
        ->allow_extra_args(false);
    sub->add_option("--json", json_path, "Write the result as JSON to PATH ('-': stdout)");
  };
  auto* exact = app.add_subcommand("exact", "Exact objective and gradient of a problem at θ");
  add_common(exact);
  std::string exact_order_text = "1";
  exact->add_option("--order", exact_order_text, "2: also the exact Hessian (graph problems; docs/graphs.md)");
  exact->add_option("--estimator", estimator_text,
                    "Also the estimator's exact mean and bias (concrete, straight-through)");
  std::string param_text, reduction_text = "1";
  std::vector<std::string> compare_specs;
  auto* cmp = app.add_subcommand("compare", "Variance ratios of estimators, with intervals");
  add_common(cmp);
  cmp->add_option("ESTIMATORS", compare_specs, "The reference estimator, then the others")->required();
  cmp->add_option("--samples", samples_text, "Samples per estimator (default 1000000)");
  cmp->add_option("--seed", seed_text, "Seed of the shared noise streams (default 1)");
  cmp->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  cmp->add_option("--alpha", alpha_text, "Family-wise error rate over the comparisons (default 0.001)");
  cmp->add_option("--min-reduction", reduction_text, "Claim Var(reference)/Var(other) >= R (default 1)");
  std::string interval_text = "both";
  cmp->add_option("--interval", interval_text,
                  "Trace-ratio interval: delta, bootstrap-t, or both (their union; default) - docs/statistics.md");
  std::string grid_text;
  cmp->add_option("--theta-grid", grid_text,
                  "[INDEX=]FROM:TO:COUNT: sweep θ[INDEX] (default 0) over COUNT values; α is split over them");
  auto* curve = app.add_subcommand("bias-curve", "Exact bias of an estimator against one parameter");
  add_common(curve);
  curve->add_option("ESTIMATOR", estimator_text, "Estimator name (concrete, straight-through)")->required();
  curve->add_option("--param", param_text, "KEY=FROM:TO:COUNT, e.g. temperature=0.05:5:20")->required();
  auto* verify = app.add_subcommand("verify", "Test whether an estimator's mean is the exact gradient");
  add_common(verify);
  verify->add_option("ESTIMATOR", estimator_text, "Estimator spec (name:key=value,...); omit with --external");
  std::string external_text, timeout_text = "60";
  verify->add_option("--external", external_text,
                     "Run 'CMD ARGS' (no shell) as the estimator, over the protocol of docs/external.md");
  verify->add_option("--timeout", timeout_text, "With --external: seconds to wait for each answer (default 60)");
  verify->add_option("--samples", samples_text, "Number of estimator samples N (default 1000000)");
  verify->add_option("--seed", seed_text, "Seed of the Philox noise streams (default 1)");
  verify->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  verify->add_option("--alpha", alpha_text, "Family-wise error rate over the coordinates (default 0.001)");
  verify->add_option("--tolerance", tolerance_text, "Claim |bias_i| < D for every i (equivalence test)");
  std::string test_text = "auto";
  std::vector<std::string> vbound_parts;
  verify->add_option("--test", test_text,
                     "auto (default: catoni when a variance bound is known, else t), t (Student t, CLT), "
                     "or catoni (heavy-tail-safe; needs a variance bound)");
  verify->add_option("--variance-bound", vbound_parts,
                     "Upper bound(s) on Var of each gradient coordinate (one value, or one per coordinate) "
                     "for the catoni test; default: the exact variance when estcheck computes it")
      ->delimiter(',');
  bool sequential = false;
  std::string max_samples_text, first_samples_text = "16384";
  verify->add_flag("--sequential", sequential,
                   "Sample in doubling rounds and stop when the verdict is clear (error rate holds at any round)");
  verify->add_option("--max-samples", max_samples_text, "With --sequential: the largest round (required)");
  verify->add_option("--first-samples", first_samples_text, "With --sequential: the first round (default 16384)");
  auto* cal = app.add_subcommand("calibrate", "Tests of the tester: error rates of the bias test under a "
                                              "true null and power at the planted detectable bias");
  add_common(cal);
  cal->add_option("ESTIMATOR", estimator_text, "Estimator spec (name:key=value,...)")->required();
  std::string cal_samples_text = "1000", reps_text = "1000", coord_text = "0";
  std::vector<std::string> alphas_parts;
  cal->add_option("--samples", cal_samples_text, "Samples per repetition (default 1000)");
  cal->add_option("--repetitions", reps_text, "Independent runs (default 1000)");
  cal->add_option("--seed", seed_text, "Seed of the repetitions' seeds (default 1)");
  cal->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  cal->add_option("--alphas", alphas_parts, "Nominal levels, comma-separated (default 0.01,0.001)")->delimiter(',');
  cal->add_option("--test", test_text, "auto, t or catoni (as for verify)");
  cal->add_option("--variance-bound", vbound_parts, "As for verify")->delimiter(',');
  cal->add_option("--coordinate", coord_text, "Coordinate where the bias is planted (default 0)");
  bool quiet = false;
  verify->add_flag("--quiet", quiet, "No progress bar (shown on a terminal's stderr otherwise)");
  cmp->add_flag("--quiet", quiet, "No progress bar (shown on a terminal's stderr otherwise)");

  std::string suite_file, out_dir = "estcheck-report", junit_path, markdown_path;
  auto* suite = app.add_subcommand("suite", "Run a verification suite file and write its reports (docs/suites.md)");
  suite->add_option("FILE", suite_file, "Suite file (JSON; docs/suites.md)")->required();
  suite->add_option("--out", out_dir,
                    "Folder for report.json, report.md, report.html and junit.xml (default estcheck-report; created)");
  suite->add_option("--junit", junit_path, "Also write the JUnit XML to PATH");
  suite->add_option("--markdown", markdown_path, "Also write the Markdown report to PATH");
  suite->add_option("--seed", seed_text, "Suite seed (default: the file's \"seed\", else 1); check seeds derive from it");
  suite->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  suite->add_flag("--quiet", quiet, "No progress bar and no per-check lines");
  std::string suite_alpha_text;
  suite->add_option("--alpha", suite_alpha_text, "The suite's family-wise error budget (default: the file's \"alpha\", else 1e-4)");
  bool dry_run = false;
  suite->add_flag("--dry-run", dry_run, "Check the suite file and print the plan; run nothing, write nothing");
  std::string samples_file, format_text = "csv";
  auto* ts = app.add_subcommand("test-samples", "Test gradient samples produced anywhere (a CSV or raw float64 "
                                                "file) for bias against the exact gradient");
  add_common(ts);
  ts->add_option("--samples-file", samples_file, "One sample per row: d comma-separated numbers (csv) or "
                                                 "row-major native float64 (f64)")->required();
  ts->add_option("--format", format_text, "csv (default) or f64");
  ts->add_option("--alpha", alpha_text, "Family-wise error rate over the coordinates (default 0.001)");
  ts->add_option("--tolerance", tolerance_text, "Claim |bias_i| < D for every i (equivalence test)");
  ts->add_option("--test", test_text, "auto (catoni with --variance-bound, else t), t, or catoni");
  ts->add_option("--variance-bound", vbound_parts, "Upper bound(s) on Var of each coordinate (enables the "
                                                   "heavy-tail-safe catoni test)")->delimiter(',');
  ts->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  auto* mut = app.add_subcommand("mutate", "Run every planted-bug estimator through a suite's verify checks "
                                           "and report which the suite catches (its power)");
  mut->add_option("FILE", suite_file, "Suite file (JSON; docs/suites.md)")->required();
  mut->add_option("--seed", seed_text, "Suite seed (default: the file's \"seed\", else 1)");
  mut->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  mut->add_option("--json", json_path, "Write the result as JSON to PATH ('-': stdout)");
  std::string order_text = "1";
  verify->add_option("--order", order_text,
                     "1: check the gradient; 2: the Hessian (ESTIMATOR gets order=2, e.g. dice; docs/graphs.md)");

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
    err << "estcheck: error: " << e.what() << "\nRun 'estcheck --help' for usage.\n";
    return kUsageExit;
  }

  try {
    if (list->parsed()) {
      list_command(list_json, list_mutants, out);
      return 0;
    }
    if (mut->parsed()) {
      if (!json_path.empty()) check_output_path(json_path);
      std::optional<std::uint64_t> seed;
      if (mut->count("--seed")) seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      const MutationReport rep = mutate_suite(parse_suite(suite_file), seed, static_cast<int>(threads));
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return exit_code(rep);
    }
    if (suite->parsed()) {
      std::optional<std::uint64_t> seed;
      if (suite->count("--seed")) seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      std::optional<double> alpha;
      if (!suite_alpha_text.empty()) {
        alpha = parse_double("--alpha", suite_alpha_text);
        if (!(*alpha > 0 && *alpha < 1)) raise_input_error("--alpha", "a number in (0, 1)", "'" + suite_alpha_text + "'");
      }
      return suite_command(suite_file, out_dir, junit_path, markdown_path, seed, static_cast<int>(threads), quiet,
                           alpha, dry_run, out, err);
    }
    CLI::App* used = exact->parsed() ? exact : curve->parsed() ? curve : cmp->parsed() ? cmp : cal->parsed() ? cal
                   : ts->parsed() ? ts : verify;
    if (!json_path.empty() || used->count("--json")) check_output_path(json_path);
    const auto problem = make_problem(problem_text, "PROBLEM");
    const std::vector<double> theta = parse_theta(theta_parts);
    if (exact->parsed()) {
      std::unique_ptr<Estimator> est;
      if (exact->count("--estimator")) {
        est = make_estimator(estimator_text, "--estimator");
        est->check(*problem);
      }
      const Model model = make_model(*problem, theta, "--theta");
      ExactReport rep{problem->spec(), theta, exact_gradient(model), "", std::nullopt, std::nullopt};
      const auto order = parse_count("--order", exact_order_text, 1, "1 or 2");
      if (order > 2) raise_input_error("--order", "1 or 2", "'" + exact_order_text + "'");
      if (order == 2) {
        if (problem->family() != Family::graph)
          raise_input_error("--order", "a graph problem for the exact Hessian (order 2)", "'" + problem->spec() + "'");
        rep.hessian = exact_graph_hessian(model);
      }
      if (est) {
        est->prepare(model);
        rep.estimator = est->info().spec;
        rep.estimator_mean = exact_estimator_mean(*est, model);
        rep.estimator_moments = exact_estimator_moments(*est, model);
        if (rep.estimator_moments && !rep.estimator_mean)
          rep.estimator_mean = EstimatorMean{rep.estimator_moments->mean, rep.estimator_moments->mean_error,
                                             rep.estimator_moments->method};
        if (!rep.estimator_mean)
          raise_input_error("--estimator",
                            "an estimator with an exact oracle on this problem (see 'estcheck exact' "
                            "in README.md)",
                            "'" + rep.estimator + "'");
      }
      if (json_path.empty()) write_text(out, rep);
      else write_json(to_json(rep), json_path, out);
      return 0;
    }
    if (curve->parsed()) {
      // KEY=FROM:TO:COUNT, COUNT >= 2 points evenly spaced from FROM to TO.
      const auto eq = param_text.find('=');
      const std::string key = param_text.substr(0, eq);
      std::vector<std::string> parts;
      if (eq != std::string::npos) {
        std::string rest = param_text.substr(eq + 1);
        for (std::size_t pos; (pos = rest.find(':')) != std::string::npos; rest = rest.substr(pos + 1))
          parts.push_back(rest.substr(0, pos));
        parts.push_back(rest);
      }
      if (eq == std::string::npos || key.empty() || parts.size() != 3)
        raise_input_error("--param", "KEY=FROM:TO:COUNT (e.g. temperature=0.05:5:20)", "'" + param_text + "'");
      const double from = parse_double("--param", parts[0]), to = parse_double("--param", parts[1]);
      const std::uint64_t count = parse_count("--param", parts[2], 2, "a COUNT >= 2 in KEY=FROM:TO:COUNT");
      if (count > 100000) raise_input_error("--param", "a COUNT <= 100000", "'" + parts[2] + "'");
      make_model(*problem, theta, "--theta");  // θ is checked here, so the message names the flag
      const BiasCurveReport rep = bias_curve({problem.get(), estimator_text, theta, key, from, to, count});
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return 0;
    }
    if (cmp->parsed()) {
      if (compare_specs.size() < 2)
        raise_input_error("ESTIMATORS", "a reference estimator and at least one other", std::to_string(compare_specs.size()));
      make_model(*problem, theta, "--theta");  // θ checked here, so the message names the flag
      std::vector<std::unique_ptr<Estimator>> owned;
      std::vector<Estimator*> compared;
      for (const auto& spec : compare_specs) {
        owned.push_back(make_estimator(spec, "ESTIMATORS"));
        if (owned.back()->info().order != 1)
          raise_input_error("ESTIMATORS", "gradient estimators (order 1)", "'" + spec + "'");
        owned.back()->check(*problem);  // prepared at each θ by the pipeline's compare
        compared.push_back(owned.back().get());
      }
      CompareOptions co;
      co.run.samples = parse_count("--samples", samples_text, 2, "an integer >= 2");
      co.run.seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      co.run.threads = static_cast<int>(threads);
      co.alpha = parse_double("--alpha", alpha_text);
      co.min_reduction = parse_double("--min-reduction", reduction_text);
      co.method = parse_interval_method(interval_text);
      if (!grid_text.empty()) {
        // [INDEX=]FROM:TO:COUNT
        std::size_t index = 0;
        std::string range = grid_text;
        if (const auto eq = grid_text.find('='); eq != std::string::npos) {
          index = parse_count("--theta-grid", grid_text.substr(0, eq), 0, "[INDEX=]FROM:TO:COUNT with INDEX < the length of θ");
          range = grid_text.substr(eq + 1);
        }
        std::vector<std::string> parts;
        for (std::size_t pos; (pos = range.find(':')) != std::string::npos; range = range.substr(pos + 1))
          parts.push_back(range.substr(0, pos));
        parts.push_back(range);
        if (parts.size() != 3 || index >= theta.size())
          raise_input_error("--theta-grid", "[INDEX=]FROM:TO:COUNT with INDEX < " + std::to_string(theta.size()),
                            "'" + grid_text + "'");
        const double from = parse_double("--theta-grid", parts[0]), to = parse_double("--theta-grid", parts[1]);
        const std::uint64_t count = parse_count("--theta-grid", parts[2], 2, "a COUNT in [2, 1000]");
        if (count > 1000 || !std::isfinite(from) || !std::isfinite(to))
          raise_input_error("--theta-grid", "finite FROM, TO and a COUNT in [2, 1000]", "'" + grid_text + "'");
        Progress progress(err, co.run.samples * compare_specs.size() * count, show_progress(err, quiet));
        CompareOptions point = co;
        point.run.on_progress = progress.callback();
        point.alpha = co.alpha / static_cast<double>(count);  // Bonferroni over the grid
        nlohmann::json sweep = {{"schema_version", kJsonSchemaVersion}, {"command", "compare"},
                                {"problem", problem->spec()}, {"theta", theta}, {"sweep_index", index},
                                {"estimators", compare_specs}, {"samples", co.run.samples}, {"seed", co.run.seed},
                                {"alpha", co.alpha}, {"alpha_per_point", point.alpha},
                                {"min_reduction", co.min_reduction}, {"points", nlohmann::json::array()}};
        Verdict overall = Verdict::pass;
        for (std::uint64_t k = 0; k < count; ++k) {
          std::vector<double> th = theta;
          th[index] = from + (to - from) * static_cast<double>(k) / static_cast<double>(count - 1);
          make_model(*problem, th, "--theta");  // θ checked here, so the message names the flag
          const CompareReport pr = compare({problem.get(), compared, th, point});
          progress.finish();
          if (json_path != "-") write_text(out, pr);
          sweep["points"].push_back(to_json(pr));
          const Verdict v = pr.result.verdict;
          if (v == Verdict::error || (v == Verdict::fail && overall != Verdict::error) ||
              (v == Verdict::inconclusive && overall == Verdict::pass))
            overall = v;
        }
        sweep["verdict"] = to_string(overall);
        if (!json_path.empty()) write_json(sweep, json_path, out);
        return exit_code(overall);
      }
      Progress progress(err, co.run.samples * compare_specs.size(), show_progress(err, quiet));
      co.run.on_progress = progress.callback();
      const CompareReport rep = compare({problem.get(), compared, theta, co});
      progress.finish();
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return exit_code(rep.result.verdict);
    }
    if (ts->parsed()) {
      const SampleFormat format = parse_sample_format(format_text);
      const Model model = make_model(*problem, theta, "--theta");
      RecordedSamples rec(read_samples(samples_file, format, model.theta_dim()), model.theta_dim(), samples_file);
      rec.check(*problem);
      RunOptions run;
      run.samples = rec.rows();
      run.seed = 0;
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      run.threads = static_cast<int>(threads);
      BiasTestOptions test;
      test.alpha = parse_double("--alpha", alpha_text);
      if (!tolerance_text.empty()) test.tolerance = parse_double("--tolerance", tolerance_text);
      validate(test);
      const TestMethod method = parse_test_method(test_text);
      const VarianceBound vb = choose_variance_bound(given_variance_bound(vbound_parts), model.theta_dim(), method, std::nullopt);
      VerifyReport rep;
      rep.problem = problem->spec();
      rep.estimator = rec.info();
      rep.theta = theta;
      rep.threads = run.threads > 0 ? run.threads : default_threads();
      rep.exact = exact_gradient(model, ExactMethod::automatic, run.threads);
      rep.run = run_estimator(rec, model, run);
      rep.test = verify_bias(rec, model, run, rep.run, rep.exact, test, method, vb.values, vb.source);
      rep.variance_bound = vb.values;
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return exit_code(rep.test.verdict);
    }
    if (cal->parsed()) {
      const auto estimator = make_estimator(estimator_text, "ESTIMATOR");
      estimator->check(*problem);
      make_model(*problem, theta, "--theta");  // θ checked here, so the message names the flag
      CalibrateOptions co;
      co.samples = parse_count("--samples", cal_samples_text, 2, "an integer >= 2");
      co.repetitions = parse_count("--repetitions", reps_text, 1, "an integer >= 1");
      co.seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      co.threads = static_cast<int>(threads);
      co.coordinate = parse_count("--coordinate", coord_text, 0, "an index >= 0");
      co.method = parse_test_method(test_text);
      if (!alphas_parts.empty()) {
        co.alphas.clear();
        for (const auto& a : alphas_parts) co.alphas.push_back(parse_double("--alphas", a));
      }
      if (estimator->info().objective_samples != 0 || estimator->info().order != 1)
        raise_input_error("ESTIMATOR", "an estimator of the gradient of E[f] (not a multi-sample bound or a Hessian)",
                          "'" + estimator->info().spec + "'");
      const CalibrateReport rep =
          calibrate(CalibrateRequest{problem.get(), estimator.get(), theta, co, given_variance_bound(vbound_parts)});
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return 0;
    }
    std::unique_ptr<Estimator> estimator;
    if (!external_text.empty()) {
      if (!estimator_text.empty())
        raise_input_error("ESTIMATOR", "no estimator spec with --external (the program is the estimator)",
                          "'" + estimator_text + "'");
      const double timeout = parse_double("--timeout", timeout_text);
      if (!(timeout > 0.0 && timeout <= 86400.0))
        raise_input_error("--timeout", "seconds in (0, 86400]", "'" + timeout_text + "'");
      make_model(*problem, theta, "--theta");  // θ is checked before the program starts
      estimator = std::make_unique<ExternalEstimator>(external_text, problem->spec(), timeout);
    } else {
      if (estimator_text.empty())
        raise_input_error("ESTIMATOR", "an estimator spec (see 'estcheck list') or --external 'CMD ARGS'", "nothing");
      if (verify->count("--timeout")) raise_input_error("--timeout", "--external alongside --timeout", "no --external");
      // --order 2: the estimator's order-2 form (spec + "order=2"; mutants are taken as named).
      const auto order = static_cast<int>(parse_count("--order", order_text, 1, "1 or 2"));
      if (order > 2) raise_input_error("--order", "1 or 2", "'" + order_text + "'");
      std::string spec = estimator_text;
      if (order == 2 && !spec.starts_with("mutant/") && spec.find("order=") == std::string::npos)
        spec += (spec.find(':') == std::string::npos ? ":" : ",") + std::string("order=2");
      try {
        estimator = make_estimator(spec, "ESTIMATOR");
      } catch (const InputError&) {
        if (order == 1) throw;
        raise_input_error("--order", "an ESTIMATOR with an order-2 form (dice, mutant/dice-first-order)",
                          "'" + estimator_text + "'");
      }
      if (verify->count("--order") && estimator->info().order != order)
        raise_input_error("--order", "the order of ESTIMATOR '" + estimator->info().spec + "' (" +
                                         std::to_string(estimator->info().order) + ")",
                          "'" + order_text + "'");
    }
    estimator->check(*problem);
    make_model(*problem, theta, "--theta");  // θ checked here, so the message names the flag
    RunOptions run;
    run.samples = parse_count("--samples", samples_text, 2, "an integer >= 2");
    run.seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
    const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
    if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
    run.threads = static_cast<int>(threads);
    run.partition = g_partition;
    Progress progress(err, run.samples, show_progress(err, quiet) && output_rank());
    run.on_progress = progress.callback();
    BiasTestOptions test;
    test.alpha = parse_double("--alpha", alpha_text);
    if (!tolerance_text.empty()) test.tolerance = parse_double("--tolerance", tolerance_text);
    validate(test);

    VerifyRequest request;
    request.problem = problem.get();
    request.estimator = estimator.get();
    request.theta = theta;
    request.run = run;
    request.test = test;
    request.method = parse_test_method(test_text);
    request.variance_bound = given_variance_bound(vbound_parts);
    if (sequential) {
      if (max_samples_text.empty())
        raise_input_error("--max-samples", "a sample budget with --sequential (e.g. --max-samples 1e7)", "nothing");
      if (verify->count("--samples"))
        raise_input_error("--samples", "no --samples with --sequential (it sets --max-samples and --first-samples)",
                          "'" + samples_text + "'");
      SequentialOptions so;
      so.max_samples = parse_count("--max-samples", max_samples_text, 2, "an integer >= 2");
      so.first_samples = std::min(so.max_samples, parse_count("--first-samples", first_samples_text, 2, "an integer >= 2"));
      request.run.on_progress = nullptr;  // the rounds re-read prefixes: a bar over N samples would mislead
      request.sequential = so;
    } else if (verify->count("--max-samples") || verify->count("--first-samples")) {
      raise_input_error("--max-samples", "--sequential alongside --max-samples / --first-samples", "no --sequential");
    }
    const VerifyReport rep = estcheck::verify(request);
    progress.finish();
    if (!output_rank()) return exit_code(rep.test.verdict);  // rank 0 reports for all
    if (json_path != "-") write_text(out, rep);
    if (!json_path.empty()) write_json(to_json(rep), json_path, out);
    return exit_code(rep.test.verdict);
  } catch (const InputError& e) {
    err << "estcheck: error: " << e.what() << "\n";
    return kUsageExit;
  }
}

}  // namespace estcheck
