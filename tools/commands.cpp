// tools/commands.cpp — see commands.hpp. Each subcommand reads its arguments in the order run_cli
// always did (so the first error a user sees is unchanged; only exact now reads --order before it
// computes), then runs its computation in one function named after it (exact_report,
// verify_report_for, compare_at / compare_sweep, bias_curve_report, calibrate_report,
// test_samples_report) and writes the result.
#include "tools/commands.hpp"

#include "estimators/core/error.hpp"
#include "estimators/registry/registry.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"
#include "reports/suite_report.hpp"
#include "reports/verify_report.hpp"
#include "tools/mutate.hpp"
#include "tools/progress.hpp"
#include "tools/suite.hpp"
#include "verify/harness/external.hpp"
#include "verify/harness/harness.hpp"
#include "verify/harness/recorded.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/pipeline.hpp"
#include "verify/stats/calibrate.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/stats/verdict.hpp"

#include <oneapi/tbb/info.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace estcheck::cli {
namespace {

const RunPartition* g_partition = nullptr;  // set_partition
bool output_rank() { return g_partition == nullptr || g_partition->rank() == 0; }

int default_threads() { return tbb::info::default_concurrency(); }

/// A progress bar goes to stderr only when it is the process's stderr and a terminal.
bool show_progress(const std::ostream& err, bool quiet) {
  return !quiet && &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}

/// Throws InputError naming `flag` when the output `path` is one of the files the run reads: a
/// failed or finished run must never have replaced its own input.
void refuse_output_onto_inputs(const std::string& path, const std::string& flag, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  if (path.empty() || path == "-") return;
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(path, ec);
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    std::error_code e1, e2;
    const bool same = fs::exists(path, e1) && fs::exists(input, e2) ? fs::equivalent(path, input, ec)
                                                                     : !ec && out == fs::weakly_canonical(input, e1);
    if (same) raise_input_error(flag, "an output path that is not an input of the run", "'" + path + "' (it is read as '" + input + "')");
  }
}

/// --json PATH is checked before anything runs, so a long run cannot fail at the end, and may not
/// be the problem file (or another input named in `inputs`).
void check_json_path(const TargetArgs& t, std::vector<std::string> inputs = {}) {
  set_oracle_seconds(parse_seconds("--oracle-seconds", t.oracle_seconds));
  if (t.json.empty() && !t.json_given) return;
  check_output_path(t.json);
  inputs.push_back(t.problem);
  refuse_output_onto_inputs(t.json, "--json", inputs);
}

/// --max-run-seconds: seconds > 0, or 0 for no limit.
double parse_run_limit(const std::string& text) {
  return text == "0" ? 0.0 : parse_seconds("--max-run-seconds", text);
}

}  // namespace

std::string nonfinite_exact(const ExactReport& rep) {
  if (rep.exact.certificate.unknown()) return "the exact value is unknown: " + rep.exact.certificate.note;
  if (rep.hessian && rep.hessian->certificate.unknown())
    return "the exact Hessian is unknown: " + rep.hessian->certificate.note;
  if (rep.estimator_mean && rep.estimator_mean->certificate.unknown())
    return "the estimator's exact mean is unknown: " + rep.estimator_mean->certificate.note;
  if (rep.estimator_moments && rep.estimator_moments->certificate.unknown())
    return "the estimator's exact variance is unknown: " + rep.estimator_moments->certificate.note;
  if (auto why = nonfinite_figure(rep.exact, true); !why.empty()) return "the exact value is non-finite: " + why;
  if (rep.hessian)
    if (auto why = nonfinite_figure(*rep.hessian, true); !why.empty()) return "the exact Hessian is non-finite: " + why;
  return "";
}

namespace {

/// The text report unless --json is '-', and the JSON report where --json says.
template <class Report>
void write_report(const Report& rep, const std::string& json_path, std::ostream& out) {
  if (json_path != "-") write_text(out, rep);
  if (!json_path.empty()) write_json(to_json(rep), json_path, out);
}

/// The bias test's α and δ (--alpha, --tolerance), checked.
BiasTestOptions parse_bias_test(const TestArgs& t) {
  BiasTestOptions test;
  test.alpha = parse_double("--alpha", t.alpha);
  if (t.tolerance_given || !t.tolerance.empty()) test.tolerance = parse_double("--tolerance", t.tolerance);
  validate(test);
  return test;
}

/// --variance-bound as the pipeline takes it (verify/pipeline.hpp: choose_variance_bound applies
/// the policy): one value for every coordinate, or one per coordinate; empty when not given.
VarianceBound given_variance_bound(const std::vector<std::string>& parts) {
  VarianceBound vb;
  // > 0: a bound of 0 claims a constant estimator, and the Catoni test then fails any spread at all.
  for (const auto& part : split_list("--variance-bound", parts)) {
    const double v = parse_double("--variance-bound", part);
    if (!(std::isfinite(v) && v > 0.0)) raise_input_error("--variance-bound", "finite numbers > 0", "'" + part + "'");
    vb.values.push_back(v);
  }
  if (!vb.values.empty()) vb.source = "--variance-bound option";
  return vb;
}

/// `spec` with key=value appended.
std::string with_param(const std::string& spec, const std::string& key, const std::string& value) {
  return spec + (spec.find(':') == std::string::npos ? ":" : ",") + key + "=" + value;
}

// ---------------------------------------------------------------- exact

/// --order: 1 or 2.
int parse_order(const std::string& text) {
  const auto order = parse_count("--order", text, 1, "1 or 2");
  if (order > 2) raise_input_error("--order", "1 or 2", "'" + text + "'");
  return static_cast<int>(order);
}

}  // namespace

ExactReport exact_report(const Problem& problem, const Model& model, int order, Estimator* est) {
  ExactReport rep{problem.spec(), model.theta, exact_gradient(model), "", std::nullopt, std::nullopt};
  if (order == 2) {
    if (problem.family() != Family::graph)
      raise_input_error("--order", "a graph problem for the exact Hessian (order 2)", "'" + problem.spec() + "'");
    rep.hessian = exact_graph_hessian(model);
  }
  if (!est) return rep;
  est->prepare(model);
  rep.estimator = est->info().spec;
  rep.estimator_order = est->info().order;
  if (rep.estimator_order == 2 && !rep.hessian) rep.hessian = exact_graph_hessian(model);  // its target
  rep.estimator_mean = exact_estimator_mean(*est, model);
  rep.estimator_moments = exact_estimator_moments(*est, model);
  if (rep.estimator_moments && !rep.estimator_mean)
    rep.estimator_mean = EstimatorMean{rep.estimator_moments->mean, rep.estimator_moments->mean_error,
                                       rep.estimator_moments->method, rep.estimator_moments->certificate};
  if (!rep.estimator_mean)
    raise_input_error("--estimator",
                      "an estimator with an exact oracle on this problem (see 'estcheck exact' in README.md)",
                      "'" + rep.estimator + "'");
  return rep;
}

namespace {

// ---------------------------------------------------------------- verify

/// verify's estimator: the --external program, or ESTIMATOR in its --order form.
std::unique_ptr<Estimator> external_estimator(const VerifyArgs& a, const Problem& problem,
                                              const std::vector<double>& theta) {
  if (!a.estimator.empty())
    raise_input_error("estimator", "no estimator spec with --external (the program is the estimator)",
                      "'" + a.estimator + "'");
  const double timeout = parse_double("--timeout", a.timeout);
  if (!(timeout > 0.0 && timeout <= 86400.0))
    raise_input_error("--timeout", "seconds in (0, 86400]", "'" + a.timeout + "'");
  make_model(problem, theta, "theta");  // θ is checked before the program starts
  return std::make_unique<ExternalEstimator>(a.external, problem.spec(), timeout);
}

/// ESTIMATOR; with --order 2 its order-2 form (spec + "order=2"; mutants are taken as named).
std::unique_ptr<Estimator> spec_estimator(const VerifyArgs& a) {
  if (a.estimator.empty())
    raise_input_error("estimator", "an estimator spec (see 'estcheck list') or --external 'CMD ARGS'", "nothing");
  if (a.timeout_given) raise_input_error("--timeout", "--external alongside --timeout", "no --external");
  const int order = parse_order(a.order);
  std::string spec = a.estimator;
  if (order == 2 && !spec.starts_with("mutant/") && spec.find("order=") == std::string::npos)
    spec = with_param(spec, "order", "2");
  std::unique_ptr<Estimator> estimator;
  try {
    estimator = make_estimator(spec, "estimator");
  } catch (const InputError&) {
    if (order == 1) throw;
    raise_input_error("--order", "an ESTIMATOR with an order-2 form (dice, mutant/dice-first-order)",
                      "'" + a.estimator + "'");
  }
  if (a.order_given && estimator->info().order != order)
    raise_input_error("--order", "the order of ESTIMATOR '" + estimator->info().spec + "' (" +
                                     std::to_string(estimator->info().order) + ")",
                      "'" + a.order + "'");
  return estimator;
}

/// --sequential's rounds, or nullopt without --sequential; checks the flags that go with it
/// (verify's and calibrate's: --sequential, --max-samples, --first-samples, and no --samples).
std::optional<SequentialOptions> parse_sequential(bool sequential, const std::string& max_samples, bool max_given,
                                                  const std::string& first_samples, bool first_given,
                                                  const std::string& samples, bool samples_given) {
  if (!sequential) {
    if (max_given || first_given)
      raise_input_error("--max-samples", "--sequential alongside --max-samples / --first-samples", "no --sequential");
    return std::nullopt;
  }
  if (max_samples.empty())
    raise_input_error("--max-samples", "a sample budget with --sequential (e.g. --max-samples 1e7)", "nothing");
  if (samples_given)
    raise_input_error("--samples", "no --samples with --sequential (it sets --max-samples and --first-samples)",
                      "'" + samples + "'");
  SequentialOptions so;
  so.max_samples = parse_samples("--max-samples", max_samples);
  so.first_samples = parse_samples("--first-samples", first_samples);
  if (first_given && so.first_samples > so.max_samples)
    raise_input_error("--first-samples", "an integer in [2, --max-samples] (" + std::to_string(so.max_samples) + ")",
                      "'" + first_samples + "'");
  so.first_samples = std::min(so.max_samples, so.first_samples);  // the default 16384 may exceed a small budget
  return so;
}

std::optional<SequentialOptions> parse_sequential(const VerifyArgs& a) {
  return parse_sequential(a.sequential, a.max_samples, a.max_samples_given, a.first_samples, a.first_samples_given,
                          a.samples, a.samples_given);
}

/// verify's request for the pipeline (verify/pipeline.hpp), which checks and prepares the estimator,
/// computes the exact target and the oracles' moments, chooses the variance bound, runs and tests.
VerifyReport verify_report_for(Estimator& estimator, const Problem& problem, const std::vector<double>& theta,
                               RunOptions run, const BiasTestOptions& test, const VerifyArgs& a, Progress& progress) {
  VerifyRequest request;
  request.problem = &problem;
  request.estimator = &estimator;
  request.theta = theta;
  request.run = run;
  request.test = test;
  request.method = parse_test_method(a.test.test);
  request.variance_bound = given_variance_bound(a.test.variance_bound);
  if (const auto so = parse_sequential(a)) {
    request.run.on_progress = nullptr;  // the rounds re-read prefixes: a bar over N samples would mislead
    request.sequential = *so;
  }
  VerifyReport rep = estcheck::verify(request);
  progress.finish();
  return rep;
}

// ---------------------------------------------------------------- compare

/// --theta-grid [INDEX=]FROM:TO:COUNT: the coordinate swept and its values.
struct ThetaSweep {
  std::size_t index = 0;
  Range range;
};

ThetaSweep parse_theta_grid(const std::string& text, std::size_t theta_size) {
  ThetaSweep sweep;
  std::string range = text;
  if (const auto eq = text.find('='); eq != std::string::npos) {
    sweep.index = parse_count("--theta-grid", text.substr(0, eq), 0, "[INDEX=]FROM:TO:COUNT with INDEX < the length of θ");
    range = text.substr(eq + 1);
  }
  const auto parts = split_range(range);
  if (!parts || sweep.index >= theta_size)
    raise_input_error("--theta-grid", "[INDEX=]FROM:TO:COUNT with INDEX < " + std::to_string(theta_size),
                      "'" + text + "'");
  sweep.range = parse_range("--theta-grid", *parts, "a COUNT in [2, 1000]");
  if (sweep.range.count > 1000 || !std::isfinite(sweep.range.from) || !std::isfinite(sweep.range.to))
    raise_input_error("--theta-grid", "finite FROM, TO and a COUNT in [2, 1000]", "'" + text + "'");
  return sweep;
}

/// The estimators of compare, checked (the pipeline prepares them at each θ).
struct Contenders {
  std::vector<std::unique_ptr<Estimator>> owned;
  std::vector<Estimator*> ests;
};

Contenders make_contenders(const std::vector<std::string>& specs, const Problem& problem) {
  Contenders c;
  for (const auto& spec : specs) {
    c.owned.push_back(make_estimator(spec, "estimators"));
    if (c.owned.back()->info().order != 1)
      raise_input_error("estimators", "gradient estimators (order 1)", "'" + spec + "'");
    c.owned.back()->check(problem);
    c.ests.push_back(c.owned.back().get());
  }
  return c;
}

/// compare's computation at one θ (checked by the caller, so its message names the flag).
CompareReport compare_at(Contenders& c, const Problem& problem, const std::vector<double>& theta,
                         const CompareOptions& co) {
  return compare({&problem, c.ests, theta, co});
}

/// The worst verdict: error, else fail, else inconclusive, else pass.
Verdict worse(Verdict overall, Verdict v) {
  if (v == Verdict::error || (v == Verdict::fail && overall != Verdict::error) ||
      (v == Verdict::inconclusive && overall == Verdict::pass))
    return v;
  return overall;
}

/// compare --theta-grid: compare_at every grid point, α split over the points (Bonferroni).
int compare_sweep(const CompareArgs& a, const ThetaSweep& sweep, Contenders& c, const Problem& problem,
                  const std::vector<double>& theta, const CompareOptions& co, std::ostream& out, std::ostream& err) {
  const std::string& json_path = a.target.json;
  Progress progress(err, co.run.samples * a.estimators.size() * sweep.range.count, show_progress(err, a.quiet));
  CompareOptions point = co;
  point.run.on_progress = progress.callback();
  point.alpha = co.alpha / static_cast<double>(sweep.range.count);  // Bonferroni over the grid
  nlohmann::json doc = {{"schema_version", kJsonSchemaVersion}, {"command", "compare"},
                        {"problem", problem.spec()}, {"theta", theta}, {"sweep_index", sweep.index},
                        {"estimators", a.estimators}, {"samples", co.run.samples}, {"seed", co.run.seed},
                        {"alpha", co.alpha}, {"alpha_per_point", point.alpha},
                        {"min_reduction", co.min_reduction}, {"points", nlohmann::json::array()}};
  Verdict overall = Verdict::pass;
  for (std::uint64_t k = 0; k < sweep.range.count; ++k) {
    std::vector<double> th = theta;
    th[sweep.index] = sweep.range.at(k);
    make_model(problem, th, "theta");
    const CompareReport pr = compare_at(c, problem, th, point);
    progress.finish();
    if (json_path != "-") write_text(out, pr);
    doc["points"].push_back(to_json(pr));
    overall = worse(overall, pr.result.verdict);
  }
  doc["verdict"] = to_string(overall);
  if (!json_path.empty()) write_json(doc, json_path, out);
  return exit_code(overall);
}

// ---------------------------------------------------------------- bias-curve

/// --param KEY=FROM:TO:COUNT.
struct ParamSweep {
  std::string key;
  Range range;
};

ParamSweep parse_param(const std::string& text) {
  const auto eq = text.find('=');
  ParamSweep sweep{text.substr(0, eq), {}};
  const auto parts = eq == std::string::npos ? std::nullopt : split_range(text.substr(eq + 1));
  if (!parts || sweep.key.empty())
    raise_input_error("--param", "KEY=FROM:TO:COUNT (e.g. temperature=0.05:5:20)", "'" + text + "'");
  sweep.range = parse_range("--param", *parts, "a COUNT >= 2 in KEY=FROM:TO:COUNT");
  if (sweep.range.count > 100000) raise_input_error("--param", "a COUNT <= 100000", "'" + (*parts)[2] + "'");
  return sweep;
}

/// bias-curve's computation (the pipeline's bias_curve): the exact mean at every parameter value.
BiasCurveReport bias_curve_report(const std::string& estimator, const ParamSweep& sweep, const Problem& problem,
                                  const std::vector<double>& theta) {
  return bias_curve({&problem, estimator, theta, sweep.key, sweep.range.from, sweep.range.to, sweep.range.count});
}

// ---------------------------------------------------------------- calibrate

CalibrateOptions parse_calibrate(const CalibrateArgs& a) {
  CalibrateOptions co;
  co.samples = parse_samples("--samples", a.samples);
  co.sequential = parse_sequential(a.sequential, a.max_samples, a.max_samples_given, a.first_samples,
                                   a.first_samples_given, a.samples, a.samples_given);
  const std::uint64_t per_run = co.sequential ? co.sequential->max_samples : co.samples;
  co.repetitions = parse_count("--repetitions", a.repetitions, 1, "an integer >= 1");
  if (co.repetitions > kMaxSamples / per_run)  // samples x repetitions within the 10^12 sample cap
    raise_input_error("--repetitions", "at most 10^12 / the samples per run (" + std::to_string(kMaxSamples / per_run) +
                      ")", "'" + a.repetitions + "'");
  co.seed = parse_seed(a.seed);
  co.threads = parse_threads(a.threads);
  co.coordinate = parse_count("--coordinate", a.coordinate, 0, "an index >= 0");
  co.method = parse_test_method(a.test.test);
  if (a.test.tolerance_given || !a.test.tolerance.empty()) {
    if (!co.sequential)
      raise_input_error("--tolerance", "--sequential alongside --tolerance (the early pass rule)", "no --sequential");
    co.tolerance = parse_double("--tolerance", a.test.tolerance);
    if (!(*co.tolerance > 0.0 && std::isfinite(*co.tolerance)))
      raise_input_error("--tolerance", "a number > 0", "'" + a.test.tolerance + "'");
  }
  if (!a.planted_bias.empty()) {
    co.planted_bias = parse_double("--planted-bias", a.planted_bias);
    if (!(*co.planted_bias > 0.0 && std::isfinite(*co.planted_bias)))
      raise_input_error("--planted-bias", "a number > 0", "'" + a.planted_bias + "'");
  }
  if (!a.alphas.empty()) {
    co.alphas.clear();
    for (const auto& alpha : split_list("--alphas", a.alphas)) co.alphas.push_back(parse_double("--alphas", alpha));
  }
  return co;
}

/// calibrate's computation (the pipeline's calibrate: variance bound by its policy, then the runs).
CalibrateReport calibrate_report(Estimator& estimator, const Problem& problem, const std::vector<double>& theta,
                                 const CalibrateOptions& co, const std::vector<std::string>& vbound_parts,
                                 double max_seconds) {
  return calibrate(CalibrateRequest{&problem, &estimator, theta, co, given_variance_bound(vbound_parts), max_seconds});
}

// ---------------------------------------------------------------- test-samples

/// --sample-range LO:HI (one for every coordinate, or one per coordinate), or nullopt when not given.
std::optional<SampleRange> parse_sample_range(const std::vector<std::string>& given, std::size_t dim) {
  if (given.empty()) return std::nullopt;
  const std::vector<std::string> parts = split_list("--sample-range", given);
  if (parts.size() != 1 && parts.size() != dim)
    raise_input_error("--sample-range", "1 or " + std::to_string(dim) + " intervals LO:HI",
                      std::to_string(parts.size()) + " intervals");
  SampleRange r;
  for (const std::string& p : parts) {
    const auto colon = p.find(':');
    if (colon == std::string::npos) raise_input_error("--sample-range", "an interval LO:HI", "'" + p + "'");
    const double lo = parse_double("--sample-range", p.substr(0, colon));
    const double hi = parse_double("--sample-range", p.substr(colon + 1));
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
      raise_input_error("--sample-range", "finite LO <= HI", "'" + p + "'");
    r.lo.push_back(lo);
    r.hi.push_back(hi);
  }
  if (r.lo.size() == 1) {
    r.lo.assign(dim, r.lo[0]);
    r.hi.assign(dim, r.hi[0]);
  }
  r.source = "--sample-range option";
  return r;
}

/// test-samples' computation: the exact gradient, the recorded run and the bias test (the betting
/// test when a --sample-range is given and --test is auto or betting, as chosen_test orders them).
VerifyReport test_samples_report(const RecordedSamples& rec, const Model& model, const RunOptions& run,
                                 const BiasTestOptions& test, const TestArgs& t,
                                 const std::vector<std::string>& sample_range) {
  const TestMethod method = parse_test_method(t.test);
  const VarianceBound given = given_variance_bound(t.variance_bound);
  const VarianceBound vb = choose_variance_bound(given, model.theta_dim(), method, std::nullopt);
  const std::optional<SampleRange> range = parse_sample_range(sample_range, model.theta_dim());
  if (method == TestMethod::betting && !range)
    raise_input_error("--sample-range", "an interval LO:HI holding every sample (the betting test needs one)", "nothing");
  VerifyReport rep;
  rep.problem = model.problem->spec();
  rep.estimator = rec.info();
  rep.theta = model.theta;
  rep.threads = run.threads > 0 ? run.threads : default_threads();
  rep.exact = exact_gradient(model, ExactMethod::automatic, run.threads);
  rep.test_method = chosen_test(method, false, range.has_value(), !given.values.empty());
  if (rep.test_method == TestMethod::betting) {
    // The recorded rows in file order, every one checked against the range (one outside: exit 4).
    rep.sample_range = range;
    BettingRun b;
    if (!rep.exact.certificate.unknown())
      b = betting_pass(rec, model, run, *range, rep.exact, test.alpha / static_cast<double>(model.theta_dim()),
                       nullptr, true);
    if (b.run) {
      rep.run = std::move(*b.run);
      b.run.reset();
    } else {
      rep.run = run_estimator(rec, model, run);
    }
    rep.test = test_bias_betting(rep.run, rep.exact, test, b, *range, rec.info().spec);
  } else {
    rep.run = run_estimator(rec, model, run);
    rep.test = verify_bias(rec, model, run, rep.run, rep.exact, test, method, vb.values, vb.source);
  }
  rep.variance_bound = vb.values;
  rep.variance_source = vb.source;
  return rep;
}

// ---------------------------------------------------------------- suite

/// suite --dry-run: the plan of a valid file; nothing runs and nothing is written.
int suite_plan(const SuiteSpec& spec, const std::string& file, std::uint64_t suite_seed, std::ostream& out) {
  SuiteReport plan;
  plan.alpha = spec.alpha;
  for (const auto& c : spec.checks) plan.budget_checks += takes_budget(c.kind);
  out << "suite " << spec.name << " (" << file << "): " << spec.checks.size() << " checks, seed " << suite_seed
      << "\n  " << budget_text(plan) << "\n";
  for (const auto& c : spec.checks)
    out << "  " << c.name << " (" << c.kind << ", seed " << check_seed(suite_seed, c.name) << ")"
        << (c.claim.empty() ? "" : ", claim: " + c.claim + (c.expect_fail ? " (expects fail)" : "")) << "\n";
  return 0;
}

/// --out (created if missing, after every other path is checked), the report paths in it, --junit
/// and --markdown: all writable, and none of them the suite file. Returns whether --out was created.
bool check_suite_outputs(const SuiteArgs& a, const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a.out, ec) && !fs::is_directory(a.out, ec))
    raise_input_error("--out", "a folder", "the file '" + a.out + "'");
  const bool create = !fs::exists(a.out, ec);
  if (create) {
    const fs::path parent = fs::path(a.out).has_parent_path() ? fs::path(a.out).parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
      raise_input_error("--out", "a folder in an existing folder", "'" + a.out + "'");
  }
  if (!a.junit.empty()) check_output_path(a.junit, "--junit");
  if (!a.markdown.empty()) check_output_path(a.markdown, "--markdown");
  refuse_output_onto_inputs(a.junit, "--junit", {a.file});
  refuse_output_onto_inputs(a.markdown, "--markdown", {a.file});
  for (const auto& f : files) refuse_output_onto_inputs(f.first, "--out", {a.file});
  if (create && (!fs::create_directory(a.out, ec) || ec))
    raise_input_error("--out", "a folder that can be created", "'" + a.out + "' (" + ec.message() + ")");
  for (const auto& f : files) check_output_path(f.first, "--out");
  return create;
}

/// Removes the --out folder this run created if the run ends by an exception (exit 2) while it is
/// still empty: a run that exits 2 leaves no folder behind.
struct CreatedFolder {
  std::string path;
  bool armed = false;
  ~CreatedFolder() {
    if (!armed) return;
    std::error_code ec;
    if (std::filesystem::is_empty(path, ec) && !ec) std::filesystem::remove(path, ec);
  }
};

/// Runs the suite and writes the four reports (and the --junit / --markdown copies) atomically.
int run_and_report_suite(const SuiteArgs& a, const SuiteSpec& spec, std::optional<std::uint64_t> seed, int threads,
                         std::ostream& out, std::ostream& err) {
  const std::filesystem::path dir(a.out);
  std::vector<std::pair<std::string, std::string>> files = {{(dir / "report.json").string(), ""},
                                                           {(dir / "report.md").string(), ""},
                                                           {(dir / "report.html").string(), ""},
                                                           {(dir / "junit.xml").string(), ""}};
  // Output paths are checked (and --out created) before the run, so a long run cannot fail at the end.
  // With MPI ranks only rank 0 touches files (the others compute their share of each run).
  CreatedFolder created{a.out};
  if (output_rank()) created.armed = check_suite_outputs(a, files);
  SuiteOptions so;
  so.seed = seed;
  so.threads = threads;
  so.quiet = a.quiet;
  so.progress = show_progress(err, a.quiet) && output_rank();
  so.partition = g_partition;
  so.max_run_seconds = parse_run_limit(a.max_run_seconds);
  if (!a.oracle_seconds.empty()) so.oracle_seconds = parse_seconds("--oracle-seconds", a.oracle_seconds);
  const SuiteReport rep = run_suite(spec, so, out, err);
  if (!output_rank()) return exit_code(rep.verdict);
  const std::string junit = to_junit(rep), markdown = to_markdown(rep);
  files[0].second = to_json(rep).dump(2) + "\n";
  files[1].second = markdown;
  files[2].second = to_html(rep);
  files[3].second = junit;
  if (!a.junit.empty()) files.emplace_back(a.junit, junit);
  if (!a.markdown.empty()) files.emplace_back(a.markdown, markdown);
  write_files(files, "--out");
  created.armed = false;
  out << "reports: " << (dir / "report.json").string() << ", report.md, report.html, junit.xml in " << a.out
      << (a.junit.empty() ? "" : "; " + a.junit) << (a.markdown.empty() ? "" : "; " + a.markdown) << "\n";
  return exit_code(rep.verdict);
}

}  // namespace

void set_partition(const RunPartition* partition) { g_partition = partition; }

int exact_command(const ExactArgs& a, std::ostream& out, std::ostream& err) {
  check_json_path(a.target);
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  std::unique_ptr<Estimator> raw;
  BoundEstimator est;  // the VAE's adapter where the problem is amortized (verify/pipeline.hpp)
  if (a.estimator_given) {
    raw = make_estimator(a.estimator, "estimator");
    est = bind_estimator(*raw, *problem);
    est->check(*problem);
  }
  const Model model = make_model(*problem, theta, "theta");
  const int order = parse_order(a.order);
  const ExactReport rep = exact_report(*problem, model, order, est.estimator);
  if (a.target.json.empty()) write_text(out, rep);
  else write_json(to_json(rep), a.target.json, out);
  if (const std::string why = nonfinite_exact(rep); !why.empty()) {
    err << "estcheck: error: " << why << " (exit 4: no exact figure can be trusted)\n";
    return exit_code(Verdict::error);
  }
  return 0;
}

int verify_command(const VerifyArgs& a, std::ostream& out, std::ostream& err) {
  check_json_path(a.target);
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  const auto estimator = a.external.empty() ? spec_estimator(a) : external_estimator(a, *problem, theta);
  estimator->check(*problem);
  make_model(*problem, theta, "theta");  // θ is checked here; the pipeline prepares the estimator
  RunOptions run;
  run.samples = parse_samples("--samples", a.samples);
  run.seed = parse_seed(a.seed);
  run.threads = parse_threads(a.threads);
  run.max_seconds = parse_run_limit(a.max_run_seconds);
  run.partition = g_partition;
  Progress progress(err, run.samples, show_progress(err, a.quiet) && output_rank());
  run.on_progress = progress.callback();
  const BiasTestOptions test = parse_bias_test(a.test);
  const VerifyReport rep = verify_report_for(*estimator, *problem, theta, run, test, a, progress);
  if (!output_rank()) return exit_code(rep.test.verdict);  // rank 0 reports for all
  write_report(rep, a.target.json, out);
  return exit_code(rep.test.verdict);
}

int compare_command(const CompareArgs& a, std::ostream& out, std::ostream& err) {
  check_json_path(a.target);
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  if (a.estimators.size() < 2)
    raise_input_error("estimators", "a reference estimator and at least one other", std::to_string(a.estimators.size()));
  make_model(*problem, theta, "theta");
  Contenders contenders = make_contenders(a.estimators, *problem);
  CompareOptions co;
  co.run.samples = parse_samples("--samples", a.samples);
  co.run.seed = parse_seed(a.seed);
  co.run.threads = parse_threads(a.threads);
  co.run.max_seconds = parse_run_limit(a.max_run_seconds);
  co.alpha = parse_double("--alpha", a.alpha);
  co.min_reduction = parse_double("--min-reduction", a.min_reduction);
  co.method = parse_interval_method(a.interval);
  if (!a.theta_grid.empty())
    return compare_sweep(a, parse_theta_grid(a.theta_grid, theta.size()), contenders, *problem, theta, co, out, err);
  Progress progress(err, co.run.samples * a.estimators.size(), show_progress(err, a.quiet));
  co.run.on_progress = progress.callback();
  const CompareReport rep = compare_at(contenders, *problem, theta, co);
  progress.finish();
  write_report(rep, a.target.json, out);
  return exit_code(rep.result.verdict);
}

int bias_curve_command(const BiasCurveArgs& a, std::ostream& out) {
  check_json_path(a.target);
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  const ParamSweep sweep = parse_param(a.param);
  make_model(*problem, theta, "theta");
  write_report(bias_curve_report(a.estimator, sweep, *problem, theta), a.target.json, out);
  return 0;
}

int calibrate_command(const CalibrateArgs& a, std::ostream& out) {
  check_json_path(a.target);
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  const auto estimator = make_estimator(a.estimator, "estimator");
  estimator->check(*problem);
  make_model(*problem, theta, "theta");  // θ is checked here; the pipeline prepares the estimator
  const CalibrateOptions co = parse_calibrate(a);
  if (estimator->info().order != 1)
    raise_input_error("estimator", "an estimator of a gradient (not a Hessian)", "'" + estimator->info().spec + "'");
  write_report(calibrate_report(*estimator, *problem, theta, co, a.test.variance_bound,
                                parse_run_limit(a.max_run_seconds)),
               a.target.json, out);
  return 0;
}

int test_samples_command(const TestSamplesArgs& a, std::ostream& out) {
  check_json_path(a.target, {a.samples_file});
  const auto problem = make_problem(a.target.problem, "problem");
  const std::vector<double> theta = parse_theta(a.target.theta, *problem);
  const SampleFormat format = parse_sample_format(a.format);
  const Model model = make_model(*problem, theta, "theta");
  RecordedSamples rec(read_samples(a.samples_file, format, model.theta_dim()), model.theta_dim(), a.samples_file);
  rec.check(*problem);
  RunOptions run;
  run.samples = rec.rows();
  run.seed = 0;
  run.threads = parse_threads(a.threads);
  const BiasTestOptions test = parse_bias_test(a.test);
  const VerifyReport rep = test_samples_report(rec, model, run, test, a.test, a.sample_range);
  write_report(rep, a.target.json, out);
  return exit_code(rep.test.verdict);
}

int suite_command(const SuiteArgs& a, std::ostream& out, std::ostream& err) {
  std::optional<std::uint64_t> seed;
  if (a.seed_given) seed = parse_seed(a.seed);
  const int threads = parse_threads(a.threads);
  std::optional<double> alpha;
  if (!a.alpha.empty()) {
    alpha = parse_double("--alpha", a.alpha);
    if (!(*alpha > 0 && *alpha < 1)) raise_input_error("--alpha", "a number in (0, 1)", "'" + a.alpha + "'");
  }
  SuiteSpec spec = parse_suite(a.file);
  if (alpha) spec.alpha = *alpha;
  if (a.dry_run) return suite_plan(spec, a.file, seed.value_or(spec.seed), out);
  return run_and_report_suite(a, spec, seed, threads, out, err);
}

int mutate_command(const MutateArgs& a, std::ostream& out) {
  if (!a.json.empty()) check_output_path(a.json);
  std::optional<std::uint64_t> seed;
  if (a.seed_given) seed = parse_seed(a.seed);
  const int threads = parse_threads(a.threads);
  const MutationReport rep = mutate_suite(parse_suite(a.file), seed, threads);
  write_report(rep, a.json, out);
  return exit_code(rep);
}

}  // namespace estcheck::cli
