// tools/suite.cpp — see suite.hpp.
#include "tools/suite.hpp"

#include "estimators/core/error.hpp"
#include "estimators/registry/registry.hpp"
#include "tools/progress.hpp"
#include "verify/stats/calibrate.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/stats/compare.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/oracles/graph_exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/verdict.hpp"

#include <nlohmann/json.hpp>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

namespace estcheck {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- parsing

/// Keys allowed at the top level and per kind (besides the common ones).
const std::set<std::string> kTopKeys = {"name", "description", "alpha", "seed", "checks"};
const std::set<std::string> kCommonKeys = {"name", "kind", "description", "problem", "theta"};
const std::map<std::string, std::set<std::string>> kKeys = {
    {"verify", {"estimator", "samples", "tolerance"}},
    {"compare", {"estimators", "samples", "min_reduction", "theta_grid"}},
    {"bias-curve", {"estimator", "param", "from", "to", "count", "max_abs_bias"}},
    {"calibrate", {"estimator", "samples", "repetitions", "alphas", "test", "coordinate", "max_ratio", "min_power"}},
};

struct Reader {
  std::string file;

  [[noreturn]] void bad(const std::string& pointer, const std::string& expected, const std::string& got) const {
    raise_input_error(file + ": " + (pointer.empty() ? "/" : pointer), expected, got);
  }

  static std::string describe(const json& v) {
    std::string text = v.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return std::string(v.type_name()) + " " + text;
  }

  void keys(const json& obj, const std::string& pointer, const std::set<std::string>& a,
            const std::set<std::string>& b = {}) const {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!a.count(it.key()) && !b.count(it.key())) {
        std::string allowed;
        for (const auto* set : {&a, &b})
          for (const auto& k : *set) allowed += (allowed.empty() ? "" : ", ") + k;
        bad(pointer + "/" + it.key(), "one of the keys " + allowed, "the unknown key '" + it.key() + "'");
      }
  }

  const json& need(const json& obj, const std::string& pointer, const std::string& key) const {
    if (!obj.contains(key)) bad(pointer + "/" + key, "a value (the key is required)", "nothing");
    return obj.at(key);
  }

  std::string string(const json& v, const std::string& pointer) const {
    if (!v.is_string()) bad(pointer, "a string", describe(v));
    return v.get<std::string>();
  }

  double number(const json& v, const std::string& pointer) const {
    if (!v.is_number()) bad(pointer, "a number", describe(v));
    const double x = v.get<double>();
    if (!std::isfinite(x)) bad(pointer, "a finite number", describe(v));
    return x;
  }

  std::uint64_t integer(const json& v, const std::string& pointer, std::uint64_t lo, std::uint64_t hi) const {
    const std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (v.is_number_unsigned()) {
      const auto n = v.get<std::uint64_t>();
      if (n < lo || n > hi) bad(pointer, expected, describe(v));
      return n;
    }
    if (v.is_number_float()) {  // 1e5 is allowed when it is an exact integer
      const double x = v.get<double>();
      if (std::isfinite(x) && x == std::floor(x) && x >= static_cast<double>(lo) && x <= static_cast<double>(hi))
        return static_cast<std::uint64_t>(x);
    }
    bad(pointer, expected, describe(v));
  }

  std::vector<double> numbers(const json& v, const std::string& pointer) const {
    if (!v.is_array() || v.empty()) bad(pointer, "a non-empty array of numbers", describe(v));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(number(v[i], pointer + "/" + std::to_string(i)));
    return out;
  }
};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':';
  });
}

/// Re-raises an InputError from a registry call with the file and pointer in front.
template <class F>
auto located(const Reader& rd, const std::string& pointer, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const InputError& e) {
    throw e.located(rd.file + ": " + pointer);  // the file and pointer replace the field and its key
  }
}

/// `estimator` with key=value appended to its spec.
std::string with_param(const std::string& estimator, const std::string& key, double value) {
  return estimator + (estimator.find(':') == std::string::npos ? ":" : ",") + key + "=" + format_double(value);
}

double grid_value(double from, double to, std::size_t k, std::size_t count) {
  return from + (to - from) * static_cast<double>(k) / static_cast<double>(count - 1);
}

CheckSpec parse_check(const Reader& rd, const json& c, const std::string& ptr) {
  if (!c.is_object()) rd.bad(ptr, "an object (a check)", Reader::describe(c));
  CheckSpec s;
  s.pointer = ptr;
  s.name = rd.string(rd.need(c, ptr, "name"), ptr + "/name");
  if (!valid_name(s.name))
    rd.bad(ptr + "/name", "a name of 1 to 100 letters, digits and - _ . / :", "'" + s.name + "'");
  s.kind = rd.string(rd.need(c, ptr, "kind"), ptr + "/kind");
  if (!kKeys.count(s.kind)) rd.bad(ptr + "/kind", "verify, compare, bias-curve or calibrate", "'" + s.kind + "'");
  rd.keys(c, ptr, kCommonKeys, kKeys.at(s.kind));
  if (c.contains("description")) s.description = rd.string(c["description"], ptr + "/description");
  s.problem = rd.string(rd.need(c, ptr, "problem"), ptr + "/problem");
  // A relative table-file path is relative to the suite file's folder.
  if (s.problem.ends_with(".json") && std::filesystem::path(s.problem).is_relative())
    s.problem = (std::filesystem::path(rd.file).parent_path() / s.problem).lexically_normal().string();
  s.theta = rd.numbers(rd.need(c, ptr, "theta"), ptr + "/theta");

  // Build everything once now, so that a bad spec is reported before any check runs.
  const auto problem = located(rd, ptr + "/problem", [&] { return make_problem(s.problem, "problem"); });
  const Model model = located(rd, ptr + "/theta", [&] { return make_model(*problem, s.theta, "theta"); });
  auto build = [&](const std::string& spec, const std::string& p) {
    auto est = located(rd, p, [&] { return make_estimator(spec, "estimator"); });
    located(rd, p, [&] {
      est->check(*problem);
      return 0;
    });
    return est;
  };

  if (s.kind == "verify" || s.kind == "compare") {
    if (c.contains("samples")) s.samples = rd.integer(c["samples"], ptr + "/samples", 2, 1'000'000'000'000ULL);
  }
  if (s.kind == "verify") {
    s.estimators = {rd.string(rd.need(c, ptr, "estimator"), ptr + "/estimator")};
    build(s.estimators[0], ptr + "/estimator");
    if (c.contains("tolerance")) {
      s.tolerance = rd.number(c["tolerance"], ptr + "/tolerance");
      if (*s.tolerance <= 0) rd.bad(ptr + "/tolerance", "a number > 0", format_double(*s.tolerance));
    }
  } else if (s.kind == "compare") {
    const json& e = rd.need(c, ptr, "estimators");
    if (!e.is_array() || e.size() < 2)
      rd.bad(ptr + "/estimators", "an array of at least 2 estimator specs (the reference first)", Reader::describe(e));
    for (std::size_t i = 0; i < e.size(); ++i) {
      const std::string p = ptr + "/estimators/" + std::to_string(i);
      s.estimators.push_back(rd.string(e[i], p));
      build(s.estimators.back(), p);
    }
    if (c.contains("min_reduction")) {
      s.min_reduction = rd.number(c["min_reduction"], ptr + "/min_reduction");
      if (s.min_reduction <= 0) rd.bad(ptr + "/min_reduction", "a number > 0", format_double(s.min_reduction));
    }
    if (c.contains("theta_grid")) {
      const std::string gp = ptr + "/theta_grid";
      const json& g = c["theta_grid"];
      if (!g.is_object()) rd.bad(gp, "an object {\"index\", \"from\", \"to\", \"count\"}", Reader::describe(g));
      rd.keys(g, gp, {"index", "from", "to", "count"});
      ThetaGrid grid;
      if (g.contains("index")) grid.index = rd.integer(g["index"], gp + "/index", 0, s.theta.size() - 1);
      grid.from = rd.number(rd.need(g, gp, "from"), gp + "/from");
      grid.to = rd.number(rd.need(g, gp, "to"), gp + "/to");
      grid.count = rd.integer(rd.need(g, gp, "count"), gp + "/count", 2, 1000);
      for (std::size_t k = 0; k < grid.count; ++k) {
        std::vector<double> th = s.theta;
        th[grid.index] = grid_value(grid.from, grid.to, k, grid.count);
        located(rd, gp, [&] { return make_model(*problem, th, "theta"); });
      }
      s.theta_grid = grid;
    }
  } else if (s.kind == "calibrate") {
    s.estimators = {rd.string(rd.need(c, ptr, "estimator"), ptr + "/estimator")};
    auto est = build(s.estimators[0], ptr + "/estimator");
    if (est->info().objective_samples != 0)
      rd.bad(ptr + "/estimator", "an estimator of the gradient of E[f] (not a multi-sample bound)",
             "'" + s.estimators[0] + "'");
    s.samples = 1000;
    if (c.contains("samples")) s.samples = rd.integer(c["samples"], ptr + "/samples", 2, 1'000'000'000'000ULL);
    if (c.contains("repetitions"))
      s.repetitions = rd.integer(c["repetitions"], ptr + "/repetitions", 1, 1'000'000'000ULL);
    if (c.contains("alphas")) {
      s.alphas = rd.numbers(c["alphas"], ptr + "/alphas");
      for (std::size_t i = 0; i < s.alphas.size(); ++i)
        if (!(s.alphas[i] > 0 && s.alphas[i] < 1))
          rd.bad(ptr + "/alphas/" + std::to_string(i), "a level in (0, 1)", format_double(s.alphas[i]));
    }
    if (c.contains("test")) {
      s.test = rd.string(c["test"], ptr + "/test");
      if (s.test != "auto" && s.test != "t" && s.test != "catoni") rd.bad(ptr + "/test", "auto, t or catoni", "'" + s.test + "'");
    }
    if (c.contains("coordinate"))
      s.coordinate = rd.integer(c["coordinate"], ptr + "/coordinate", 0, s.theta.size() - 1);
    if (c.contains("max_ratio")) {
      s.max_ratio = rd.number(c["max_ratio"], ptr + "/max_ratio");
      if (s.max_ratio <= 0) rd.bad(ptr + "/max_ratio", "a number > 0", format_double(s.max_ratio));
    }
    if (c.contains("min_power")) {
      s.min_power = rd.number(c["min_power"], ptr + "/min_power");
      if (!(s.min_power >= 0 && s.min_power <= 1)) rd.bad(ptr + "/min_power", "a number in [0, 1]", format_double(s.min_power));
    }
    if (s.test == "catoni") {  // the Catoni test needs a variance bound: the exact one, from the oracle
      est->prepare(model);
      if (!exact_estimator_moments(*est, model))
        rd.bad(ptr + "/test", "auto or t: the Catoni test needs the exact variance, which no oracle knows for '" +
                                  s.estimators[0] + "' here", "'catoni'");
    }
  } else {  // bias-curve
    s.estimators = {rd.string(rd.need(c, ptr, "estimator"), ptr + "/estimator")};
    s.param = rd.string(rd.need(c, ptr, "param"), ptr + "/param");
    s.from = rd.number(rd.need(c, ptr, "from"), ptr + "/from");
    s.to = rd.number(rd.need(c, ptr, "to"), ptr + "/to");
    s.count = rd.integer(rd.need(c, ptr, "count"), ptr + "/count", 2, 100000);
    if (c.contains("max_abs_bias")) {
      s.max_abs_bias = rd.number(c["max_abs_bias"], ptr + "/max_abs_bias");
      if (*s.max_abs_bias < 0) rd.bad(ptr + "/max_abs_bias", "a number >= 0", format_double(*s.max_abs_bias));
    }
    for (double v : {s.from, s.to}) {
      auto est = build(with_param(s.estimators[0], s.param, v), ptr + "/param");
      est->prepare(model);
      if (!exact_estimator_mean(*est, model))
        rd.bad(ptr + "/estimator", "an estimator with an exact-mean oracle on this problem (see 'estcheck exact')",
               "'" + s.estimators[0] + "'");
    }
  }
  return s;
}

// ---------------------------------------------------------------- running

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A check's state between its run and the Holm decision.
struct Pending {
  CheckResult result;
  // verify
  RunResult run;
  std::vector<RunResult> prefixes;
  ExactGradient exact;
  std::vector<double> variance_bound;  ///< for the Catoni test (empty: t-test)
  std::string variance_source;
  std::optional<CatoniMeans> catoni;
  // compare
  std::size_t points = 1;
};

std::uint64_t planned_samples(const CheckSpec& c) {
  if (c.kind == "verify") {
    const std::uint64_t blocks = (c.samples + kBlockSize - 1) / kBlockSize;
    std::uint64_t total = c.samples;
    for (std::uint64_t b = 1; b < blocks; b *= 2) total += b * kBlockSize;
    return total;
  }
  if (c.kind == "compare")
    return c.samples * c.estimators.size() * (c.theta_grid ? c.theta_grid->count : 1);
  if (c.kind == "calibrate") return c.samples * c.repetitions;
  return 0;
}

/// The bias test of a verify check at `opt`: Catoni when run_verify prepared it, else Student t.
BiasTest test(const Pending& p, const BiasTestOptions& opt) {
  if (p.catoni) return test_bias_catoni(p.run, p.exact, opt, p.variance_bound, *p.catoni, p.variance_source);
  return test_bias(p.run, p.exact, opt);
}

Pending run_verify(const CheckSpec& c, std::uint64_t seed, int threads, double alpha0, const RunPartition* partition,
                   Progress& progress) {
  Pending p;
  const auto problem = make_problem(c.problem, c.pointer + "/problem");
  const auto est = make_estimator(c.estimators[0], c.pointer + "/estimator");
  const Model model = make_model(*problem, c.theta, c.pointer + "/theta");
  est->prepare(model);
  VerifyReport rep;
  rep.problem = problem->spec();
  rep.estimator = est->info().spec;
  rep.claimed_unbiased = est->info().claimed_unbiased;
  rep.theta = c.theta;
  rep.seed = seed;
  rep.threads = threads;
  rep.objective_samples = est->info().objective_samples;
  rep.exact = exact_target(*est, model, threads);  // ∇L, ∇L_K (VIMCO) or the Hessian (order 2)
  RunOptions run;
  run.samples = c.samples;
  run.seed = seed;
  run.threads = threads;
  run.partition = partition;
  run.on_progress = progress.callback();
  // Checkpoints: the first 2^k blocks (a prefix of the same noise streams), then the whole run.
  const std::uint64_t blocks = (c.samples + kBlockSize - 1) / kBlockSize;
  for (std::uint64_t b = 1; b < blocks; b *= 2) {
    RunOptions prefix = run;
    prefix.samples = b * kBlockSize;
    p.prefixes.push_back(run_estimator(*est, model, prefix));
  }
  rep.run = run_estimator(*est, model, run);
  rep.estimator_mean = exact_estimator_mean(*est, model);
  if (rep.objective_samples == 0 && est->info().order == 1) rep.estimator_moments = exact_estimator_moments(*est, model);
  p.run = rep.run;
  p.exact = rep.exact;
  // The heavy-tail-safe Catoni test where the exact variance is known (as `estcheck verify`
  // does), with its scale tuned to α0 = the suite's budget / its checks (Holm's smallest
  // threshold). Its p-value is valid at any level, since the scale is fixed before the data, so
  // the verdict can be decided after Holm (finish_verify); otherwise the t-test.
  if (rep.estimator_moments && rep.run.nonfinite == 0 && rep.run.moments.count >= 2) {
    p.variance_bound = variance_upper_bound(*rep.estimator_moments);
    p.variance_source = variance_bound_source(*rep.estimator_moments);
    p.catoni = catoni_means_for_test(*est, model, run, rep.run, alpha0, p.variance_bound);
    rep.variance_bound = p.variance_bound;
  }
  const BiasTest t = test(p, BiasTestOptions{0.5, std::nullopt});
  if (t.verdict != Verdict::error) p.result.p_value = t.p_value_family;
  p.result.verify = std::move(rep);
  return p;
}

void finish_verify(Pending& p, const CheckSpec& c, double threshold) {
  CheckResult& r = p.result;
  const BiasTestOptions opt{threshold, c.tolerance};
  r.verify->test = test(p, opt);
  r.verdict = r.verify->test.verdict;
  r.reason = r.verify->test.reason;
  auto checkpoint = [&](const RunResult& run) {
    const BiasTest t = test_bias(run, p.exact, opt);
    return Checkpoint{run.requested, t.mean, t.std_error, t.bias_bound, t.critical_value};
  };
  for (const auto& pre : p.prefixes) r.checkpoints.push_back(checkpoint(pre));
  r.checkpoints.push_back(checkpoint(p.run));
}

Pending run_compare(const CheckSpec& c, std::uint64_t seed, int threads, double alpha, const RunPartition* partition,
                    Progress& progress) {
  Pending p;
  const auto problem = make_problem(c.problem, c.pointer + "/problem");
  std::vector<std::unique_ptr<Estimator>> owned;
  std::vector<const Estimator*> ests;
  for (const auto& spec : c.estimators) {
    owned.push_back(make_estimator(spec, c.pointer + "/estimators"));
    ests.push_back(owned.back().get());
  }
  CompareOptions co;
  co.run.samples = c.samples;
  co.run.seed = seed;
  co.run.threads = threads;
  co.run.partition = partition;
  co.run.on_progress = progress.callback();
  co.min_reduction = c.min_reduction;
  p.points = c.theta_grid ? c.theta_grid->count : 1;
  // Decided again at the check's Holm threshold / points (finish_compare); this α sets how many
  // bootstrap replicates are drawn (bootstrap_replicates), so it is the grid's share of the suite's α.
  co.alpha = alpha / static_cast<double>(p.points);
  if (c.theta_grid) p.result.sweep_index = c.theta_grid->index;
  double p_min = 1.0;
  bool error = false;
  for (std::size_t k = 0; k < p.points; ++k) {
    std::vector<double> th = c.theta;
    if (c.theta_grid) th[c.theta_grid->index] = grid_value(c.theta_grid->from, c.theta_grid->to, k, p.points);
    const Model model = make_model(*problem, th, c.pointer + "/theta");
    for (auto& e : owned) e->prepare(model);
    CompareReport rep{problem->spec(), th, seed, threads, compare_estimators(ests, model, co)};
    if (rep.result.verdict == Verdict::error) error = true;
    p_min = std::min(p_min, fail_p_value(rep.result));
    p.result.compare.push_back(std::move(rep));
  }
  if (!error) p.result.p_value = std::min(1.0, static_cast<double>(p.points) * p_min);  // Bonferroni over the grid
  return p;
}

void finish_compare(Pending& p, double threshold) {
  CheckResult& r = p.result;
  Verdict overall = Verdict::pass;
  std::string reason;
  for (auto& pt : r.compare) {
    decide(pt.result, threshold / static_cast<double>(p.points));
    const Verdict v = pt.result.verdict;
    const bool worse = v == Verdict::error || (v == Verdict::fail && overall != Verdict::error) ||
                       (v == Verdict::inconclusive && overall == Verdict::pass);
    if (worse || reason.empty()) {
      overall = worse ? v : overall;
      reason = pt.result.reason + (p.points > 1 ? " (at theta = " + theta_text(pt.theta) + ")" : "");
    }
  }
  if (overall == Verdict::pass && p.points > 1)
    reason = "at each of the " + std::to_string(p.points) + " values of theta: " + r.compare.front().result.reason;
  r.verdict = overall;
  r.reason = reason;
}

/// A calibrate check: `estcheck calibrate` with the check's seed; its p-value is that of the fail
/// verdict of judge_calibration (valid at any threshold: it does not depend on it).
Pending run_calibrate(const CheckSpec& c, std::uint64_t seed, int threads, Progress& progress) {
  Pending p;
  const auto problem = make_problem(c.problem, c.pointer + "/problem");
  const auto est = make_estimator(c.estimators[0], c.pointer + "/estimator");
  const Model model = make_model(*problem, c.theta, c.pointer + "/theta");
  est->prepare(model);
  CalibrateReport rep;
  rep.problem = problem->spec();
  rep.estimator = est->info().spec;
  rep.theta = c.theta;
  rep.threads = threads;
  rep.options.samples = c.samples;
  rep.options.repetitions = c.repetitions;
  rep.options.seed = seed;
  rep.options.threads = threads;
  rep.options.alphas = c.alphas;
  rep.options.method = parse_test_method(c.test, c.pointer + "/test");
  rep.options.coordinate = c.coordinate;
  // The variance bound as `estcheck calibrate` takes it without --variance-bound: the exact
  // variance (plus its numerical error) when an oracle knows it and the test is not forced to t.
  std::vector<double> vbound;
  std::string vsource;
  if (rep.options.method != TestMethod::t)
    if (const auto moments = exact_estimator_moments(*est, model)) {
      vbound = variance_upper_bound(*moments);
      vsource = variance_bound_source(*moments);
    }
  rep.exact = exact_gradient(model);
  rep.result = calibrate(*est, model, rep.exact, rep.options, vbound, vsource);
  progress.add(c.samples * c.repetitions);
  p.result.calibration = judge_calibration(rep.result, c.max_ratio, c.min_power, 0.5);
  if (rep.result.nonfinite_runs == 0) p.result.p_value = p.result.calibration->p_value;
  p.result.calibrate = std::move(rep);
  return p;
}

void finish_calibrate(Pending& p, const CheckSpec& c, double threshold) {
  CheckResult& r = p.result;
  r.calibration = judge_calibration(r.calibrate->result, c.max_ratio, c.min_power, threshold);
  r.verdict = r.calibration->verdict;
  r.reason = r.calibration->reason;
  if (r.calibrate->result.nonfinite_runs > 0) {
    r.verdict = Verdict::error;
    r.reason = std::to_string(r.calibrate->result.nonfinite_runs) + " of " + std::to_string(c.repetitions) +
               " repetitions produced non-finite samples: no verdict";
  }
}

Pending run_curve(const CheckSpec& c) {
  Pending p;
  const auto problem = make_problem(c.problem, c.pointer + "/problem");
  const Model model = make_model(*problem, c.theta, c.pointer + "/theta");
  BiasCurveReport rep;
  rep.problem = problem->spec();
  rep.estimator = c.estimators[0];
  rep.theta = c.theta;
  rep.param = c.param;
  rep.exact = exact_gradient(model);
  double worst = 0.0, worst_error = 0.0;
  for (std::size_t k = 0; k < c.count; ++k) {
    const double v = grid_value(c.from, c.to, k, c.count);
    const auto est = make_estimator(with_param(c.estimators[0], c.param, v), c.pointer + "/param");
    est->check(*problem);
    est->prepare(model);
    auto mean = exact_estimator_mean(*est, model);
    if (!mean)
      raise_input_error(c.pointer + "/estimator", "an estimator with an exact-mean oracle on this problem",
                        "'" + c.estimators[0] + "'");
    for (std::size_t i = 0; i < mean->mean.size(); ++i) {
      const double b = std::abs(mean->mean[i] - rep.exact.gradient[i]);
      if (b > worst) worst = b, worst_error = mean->error[i] + rep.exact.error[i];
    }
    rep.values.push_back(v);
    rep.means.push_back(std::move(*mean));
  }
  CheckResult& r = p.result;
  r.max_abs_bias = c.max_abs_bias;
  r.reason = "exact bias at " + std::to_string(c.count) + " values of " + c.param + "; max |exact bias| = " +
             format_double(worst) + " (numerical error <= " + format_double(worst_error) + ")";
  if (!c.max_abs_bias) {
    r.verdict = Verdict::pass;
    r.reason += "; no bound claimed (a report, not a test)";
  } else if (worst + worst_error <= *c.max_abs_bias) {
    r.verdict = Verdict::pass;
    r.reason += " <= the claimed bound " + format_double(*c.max_abs_bias);
  } else if (worst - worst_error > *c.max_abs_bias) {
    r.verdict = Verdict::fail;
    r.reason += " exceeds the claimed bound " + format_double(*c.max_abs_bias);
  } else {
    r.verdict = Verdict::inconclusive;
    r.reason += ": the numerical error does not settle the claimed bound " + format_double(*c.max_abs_bias);
  }
  r.curve = std::move(rep);
  return p;
}

std::string g(double v) {
  std::ostringstream s;
  s << std::setprecision(3) << v;
  return s.str();
}

}  // namespace

std::uint64_t check_seed(std::uint64_t suite_seed, std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  return splitmix64(splitmix64(suite_seed) + h);
}

std::vector<std::pair<std::size_t, double>> holm_thresholds(const std::vector<double>& p, double alpha) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] < p[b]; });
  std::vector<std::pair<std::size_t, double>> out(m);
  bool stopped = false;
  double stop_threshold = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    const double t = alpha / static_cast<double>(m - j);
    if (!stopped && !(p[order[j]] <= t)) {
      stopped = true;
      stop_threshold = t;
    }
    out[order[j]] = {j + 1, stopped ? stop_threshold : t};
  }
  return out;
}

SuiteSpec parse_suite(const std::string& path) {
  Reader rd{path};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    raise_input_error("FILE", "a readable suite file (JSON)", "'" + path + "' (no such file)");
  std::ifstream in(path);
  if (!in) raise_input_error("FILE", "a readable suite file (JSON)", "'" + path + "' (cannot be opened)");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    // nlohmann's message names the line and column.
    raise_input_error(path, "valid JSON", std::string("a syntax error: ") + e.what());
  }
  if (!doc.is_object()) rd.bad("", "an object with the key \"checks\"", Reader::describe(doc));
  rd.keys(doc, "", kTopKeys);
  SuiteSpec s;
  s.file = path;
  s.name = doc.contains("name") ? rd.string(doc["name"], "/name") : std::filesystem::path(path).stem().string();
  if (doc.contains("description")) s.description = rd.string(doc["description"], "/description");
  if (doc.contains("alpha")) {
    s.alpha = rd.number(doc["alpha"], "/alpha");
    if (!(s.alpha > 0 && s.alpha < 1)) rd.bad("/alpha", "a number in (0, 1)", format_double(s.alpha));
  }
  if (doc.contains("seed")) s.seed = rd.integer(doc["seed"], "/seed", 0, UINT64_MAX);
  const json& checks = rd.need(doc, "", "checks");
  if (!checks.is_array() || checks.empty()) rd.bad("/checks", "a non-empty array of checks", Reader::describe(checks));
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::string ptr = "/checks/" + std::to_string(i);
    CheckSpec c = parse_check(rd, checks[i], ptr);
    if (auto it = seen.find(c.name); it != seen.end())
      rd.bad(ptr + "/name", "a check name used once", "'" + c.name + "', already the name of /checks/" +
                                                           std::to_string(it->second));
    seen[c.name] = i;
    s.checks.push_back(std::move(c));
  }
  return s;
}

SuiteReport run_suite(const SuiteSpec& suite, const SuiteOptions& o, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  SuiteReport rep;
  rep.name = suite.name;
  rep.description = suite.description;
  rep.file = suite.file;
  rep.seed = o.seed.value_or(suite.seed);
  rep.threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  rep.alpha = suite.alpha;
  std::uint64_t total = 0;
  for (const auto& c : suite.checks) {
    rep.budget_checks += takes_budget(c.kind);
    total += planned_samples(c);
  }
  out << "estcheck suite " << suite.name << " (" << suite.file << "): " << suite.checks.size() << " checks, seed "
      << rep.seed << ", " << rep.threads << " threads\n  " << budget_text(rep) << "\n";
  Progress progress(err, total, o.progress);
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < suite.checks.size(); ++i) {
    const CheckSpec& c = suite.checks[i];
    const std::uint64_t seed = check_seed(rep.seed, c.name);
    progress.set_label("check " + std::to_string(i + 1) + "/" + std::to_string(suite.checks.size()) + " " + c.name);
    const auto t0 = std::chrono::steady_clock::now();
    Pending p = c.kind == "verify"    ? run_verify(c, seed, rep.threads, suite.alpha / static_cast<double>(std::max<std::size_t>(1, rep.budget_checks)),
                                                 o.partition, progress)
                : c.kind == "compare" ? run_compare(c, seed, rep.threads, suite.alpha, o.partition, progress)
                : c.kind == "calibrate" ? run_calibrate(c, seed, rep.threads, progress)
                                      : run_curve(c);
    p.result.name = c.name;
    p.result.kind = c.kind;
    p.result.description = c.description;
    p.result.seed = seed;
    p.result.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o.quiet) {
      progress.finish();
      out << "  [" << i + 1 << "/" << suite.checks.size() << "] " << c.name << " (" << c.kind << ") ran in "
          << g(p.result.elapsed_s) << " s"
          << (p.result.p_value ? ", p-value " + g(*p.result.p_value) : std::string()) << "\n"
          << std::flush;
    }
    pending.push_back(std::move(p));
  }
  progress.finish();
  // Holm over the budgeted checks; a check that errored has no p-value and counts as p = 1.
  std::vector<std::size_t> budgeted;
  std::vector<double> ps;
  for (std::size_t i = 0; i < pending.size(); ++i)
    if (takes_budget(suite.checks[i].kind)) {
      budgeted.push_back(i);
      ps.push_back(pending[i].result.p_value.value_or(1.0));
    }
  const auto holm = holm_thresholds(ps, suite.alpha);
  for (std::size_t k = 0; k < budgeted.size(); ++k) {
    Pending& p = pending[budgeted[k]];
    p.result.holm_rank = holm[k].first;
    p.result.threshold = holm[k].second;
    const CheckSpec& c = suite.checks[budgeted[k]];
    if (c.kind == "verify") finish_verify(p, c, holm[k].second);
    else if (c.kind == "calibrate") finish_calibrate(p, c, holm[k].second);
    else finish_compare(p, holm[k].second);
  }
  for (auto& p : pending) rep.checks.push_back(std::move(p.result));
  rep.verdict = overall_verdict(rep.checks);
  rep.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int width = 6;
  for (const auto& c : rep.checks) width = std::max(width, static_cast<int>(c.name.size()) + 2);
  out << "  " << std::left << std::setw(width) << "check" << std::setw(12) << "kind" << std::setw(11) << "p-value"
      << std::setw(6) << "rank" << std::setw(11) << "threshold" << std::setw(14) << "verdict" << "seed\n";
  for (const auto& c : rep.checks)
    out << "  " << std::setw(width) << c.name << std::setw(12) << c.kind << std::setw(11)
        << (c.p_value ? g(*c.p_value) : "-") << std::setw(6)
        << (c.holm_rank ? std::to_string(*c.holm_rank) : "-") << std::setw(11)
        << (c.threshold ? g(*c.threshold) : "-") << std::setw(14)
        << (c.verdict == Verdict::pass ? "pass" : c.verdict == Verdict::fail ? "FAIL" : to_string(c.verdict)) << c.seed
        << "\n";
  out << std::right;
  for (const auto& c : rep.checks)
    if (c.verdict == Verdict::fail || c.verdict == Verdict::error)
      out << "  " << (c.verdict == Verdict::fail ? "FAIL " : "ERROR ") << c.name << ": " << c.reason << "\n    "
          << figures(c) << "\n";
  out << "suite verdict: " << to_string(rep.verdict) << " (exit " << exit_code(rep.verdict) << "), "
      << g(rep.elapsed_s) << " s\n";
  return rep;
}

}  // namespace estcheck
