// tools/cli.cpp — see cli.hpp. Argument parsing is CLI11's; every value is then checked by
// estcheck's own parsers so that each message names the argument and what was expected.
#include "tools/cli.hpp"

#include "estimators/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/registry.hpp"
#include "reports/verify_report.hpp"
#include "verify/estimator_mean.hpp"
#include "verify/exact.hpp"
#include "verify/graph_exact.hpp"
#include "verify/harness.hpp"
#include "verify/verdict.hpp"

#include <CLI/CLI.hpp>
#include <oneapi/tbb/info.h>

#include <charconv>
#include <cmath>
#include <iomanip>

namespace estcheck {
namespace {

constexpr int kUsageExit = 2;

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

void list_command(bool as_json, bool mutants, std::ostream& out) {
  const auto params_json = [](const std::vector<ParamInfo>& ps) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& p : ps) a.push_back({{"key", p.key}, {"default", p.fallback}, {"meaning", p.meaning}});
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
                                 {"params", params_json(e.params)}});
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
  std::string grid_text;
  cmp->add_option("--theta-grid", grid_text,
                  "[INDEX=]FROM:TO:COUNT: sweep θ[INDEX] (default 0) over COUNT values; α is split over them");
  auto* curve = app.add_subcommand("bias-curve", "Exact bias of an estimator against one parameter");
  add_common(curve);
  curve->add_option("ESTIMATOR", estimator_text, "Estimator name (concrete, straight-through)")->required();
  curve->add_option("--param", param_text, "KEY=FROM:TO:COUNT, e.g. temperature=0.05:5:20")->required();
  auto* verify = app.add_subcommand("verify", "Test whether an estimator's mean is the exact gradient");
  add_common(verify);
  verify->add_option("ESTIMATOR", estimator_text, "Estimator spec (name:key=value,...)")->required();
  verify->add_option("--samples", samples_text, "Number of estimator samples N (default 1000000)");
  verify->add_option("--seed", seed_text, "Seed of the Philox noise streams (default 1)");
  verify->add_option("--threads", threads_text, "Worker threads (default 0: every core)");
  verify->add_option("--alpha", alpha_text, "Family-wise error rate over the coordinates (default 0.001)");
  verify->add_option("--tolerance", tolerance_text, "Claim |bias_i| < D for every i (equivalence test)");
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
    CLI::App* used = exact->parsed() ? exact : curve->parsed() ? curve : cmp->parsed() ? cmp : verify;
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
      const Model model = make_model(*problem, theta, "--theta");
      BiasCurveReport rep;
      rep.problem = problem->spec();
      rep.estimator = estimator_text;
      rep.theta = theta;
      rep.param = key;
      rep.exact = exact_gradient(model);
      for (std::uint64_t k = 0; k < count; ++k) {
        const double v = from + (to - from) * static_cast<double>(k) / static_cast<double>(count - 1);
        const std::string spec = estimator_text + (estimator_text.find(':') == std::string::npos ? ":" : ",") +
                                 key + "=" + format_double(v);
        const auto est = make_estimator(spec, "ESTIMATOR");
        est->check(*problem);
        est->prepare(model);
        auto mean = exact_estimator_mean(*est, model);
        if (!mean)
          raise_input_error("ESTIMATOR",
                            "an estimator with an exact-mean oracle on this problem (concrete or "
                            "straight-through on toy or a bernoulli table)",
                            "'" + estimator_text + "'");
        rep.values.push_back(v);
        rep.means.push_back(std::move(*mean));
      }
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return 0;
    }
    if (cmp->parsed()) {
      if (compare_specs.size() < 2)
        raise_input_error("ESTIMATORS", "a reference estimator and at least one other", std::to_string(compare_specs.size()));
      const Model model = make_model(*problem, theta, "--theta");
      std::vector<std::unique_ptr<Estimator>> owned;
      std::vector<const Estimator*> ests;
      for (const auto& spec : compare_specs) {
        owned.push_back(make_estimator(spec, "ESTIMATORS"));
        if (owned.back()->info().order != 1)
          raise_input_error("ESTIMATORS", "gradient estimators (order 1)", "'" + spec + "'");
        owned.back()->check(*problem);
        owned.back()->prepare(model);
        ests.push_back(owned.back().get());
      }
      CompareOptions co;
      co.run.samples = parse_count("--samples", samples_text, 2, "an integer >= 2");
      co.run.seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
      const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
      if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
      co.run.threads = static_cast<int>(threads);
      co.alpha = parse_double("--alpha", alpha_text);
      co.min_reduction = parse_double("--min-reduction", reduction_text);
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
        CompareOptions point = co;
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
          const Model pm = make_model(*problem, th, "--theta");
          for (auto& e : owned) e->prepare(pm);
          CompareReport pr{problem->spec(), th, co.run.seed, co.run.threads, compare_estimators(ests, pm, point)};
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
      CompareReport rep{problem->spec(), theta, co.run.seed, co.run.threads > 0 ? co.run.threads : default_threads(),
                        compare_estimators(ests, model, co)};
      if (json_path != "-") write_text(out, rep);
      if (!json_path.empty()) write_json(to_json(rep), json_path, out);
      return exit_code(rep.result.verdict);
    }
    // --order 2: the estimator's order-2 form (spec + "order=2"; mutants are taken as named).
    const auto order = static_cast<int>(parse_count("--order", order_text, 1, "1 or 2"));
    if (order > 2) raise_input_error("--order", "1 or 2", "'" + order_text + "'");
    std::string spec = estimator_text;
    if (order == 2 && !spec.starts_with("mutant/") && spec.find("order=") == std::string::npos)
      spec += (spec.find(':') == std::string::npos ? ":" : ",") + std::string("order=2");
    std::unique_ptr<Estimator> estimator;
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
    estimator->check(*problem);
    const Model model = make_model(*problem, theta, "--theta");
    estimator->prepare(model);  // learned control variates train here (deterministically)
    RunOptions run;
    run.samples = parse_count("--samples", samples_text, 2, "an integer >= 2");
    run.seed = parse_count("--seed", seed_text, 0, "an integer in [0, 2^64)");
    const std::uint64_t threads = parse_count("--threads", threads_text, 0, "an integer >= 0 (0: every core)");
    if (threads > 4096) raise_input_error("--threads", "an integer in [0, 4096]", "'" + threads_text + "'");
    run.threads = static_cast<int>(threads);
    BiasTestOptions test;
    test.alpha = parse_double("--alpha", alpha_text);
    if (!tolerance_text.empty()) test.tolerance = parse_double("--tolerance", tolerance_text);
    validate(test);

    VerifyReport rep;
    rep.problem = problem->spec();
    rep.estimator = estimator->info().spec;
    rep.claimed_unbiased = estimator->info().claimed_unbiased;
    rep.theta = theta;
    rep.seed = run.seed;
    rep.threads = run.threads > 0 ? run.threads : default_threads();
    rep.objective_samples = estimator->info().objective_samples;
    rep.order = estimator->info().order;
    rep.exact = exact_target(*estimator, model, run.threads);
    rep.run = run_estimator(*estimator, model, run);
    rep.test = test_bias(rep.run, rep.exact, test);
    rep.estimator_mean = exact_estimator_mean(*estimator, model);
    if (estimator->info().objective_samples == 0) rep.estimator_moments = exact_estimator_moments(*estimator, model);
    if (json_path != "-") write_text(out, rep);
    if (!json_path.empty()) write_json(to_json(rep), json_path, out);
    return exit_code(rep.test.verdict);
  } catch (const InputError& e) {
    err << "estcheck: error: " << e.what() << "\n";
    return kUsageExit;
  }
}

}  // namespace estcheck
