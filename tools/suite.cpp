// tools/suite.cpp — see suite.hpp.
#include "tools/suite.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/input_file.hpp"
#include "estimators/registry/registry.hpp"
#include "reports/claims.hpp"
#include "tools/progress.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/pipeline.hpp"

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
const std::set<std::string> kTopKeys = {"name", "description", "alpha", "seed", "oracle_seconds", "checks"};
const std::set<std::string> kCommonKeys = {"name", "kind", "description", "problem", "theta", "claim", "source", "expect"};
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
      // x < 2^64 first: hi = 2^64 - 1 rounds up to 2^64 as a double, and 2^64 would wrap to 0.
      if (std::isfinite(x) && x == std::floor(x) && x < 0x1p64 && x >= static_cast<double>(lo) &&
          x <= static_cast<double>(hi))
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

std::shared_ptr<const SuiteCheck> make_check(const CheckSpec& spec, std::shared_ptr<Problem> problem,
                                              const std::vector<std::shared_ptr<Estimator>>& estimators);

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
  // A paper's claim this check tests (reports/claims.hpp): its sentence, source and expected verdict.
  if (c.contains("claim")) {
    s.claim = rd.string(c["claim"], ptr + "/claim");
    if (s.claim.empty()) rd.bad(ptr + "/claim", "a non-empty sentence (the paper's claim)", "\"\"");
  }
  for (const char* key : {"source", "expect"})
    if (c.contains(key) && s.claim.empty())
      rd.bad(ptr + "/" + key, "a check with a \"claim\" (the key belongs to a claim)", Reader::describe(c[key]));
  if (c.contains("source")) s.source = rd.string(c["source"], ptr + "/source");
  if (c.contains("expect")) {
    const std::string e = rd.string(c["expect"], ptr + "/expect");
    if (e != "pass" && e != "fail") rd.bad(ptr + "/expect", "pass or fail (the verdict the claim predicts)", "'" + e + "'");
    if (e == "fail" && !takes_budget(s.kind))
      rd.bad(ptr + "/expect", "pass (a bias-curve check is exact: state the bound it must meet)", "'fail'");
    s.expect_fail = e == "fail";
  }
  s.problem = rd.string(rd.need(c, ptr, "problem"), ptr + "/problem");
  // A relative table-file path is relative to the suite file's folder.
  if (s.problem.ends_with(".json") && std::filesystem::path(s.problem).is_relative())
    s.problem = (std::filesystem::path(rd.file).parent_path() / s.problem).lexically_normal().string();
  // Build everything once now, so that a bad spec is reported before any check runs.
  std::shared_ptr<Problem> problem = located(rd, ptr + "/problem", [&] { return make_problem(s.problem, "problem"); });
  // "theta": "default" takes the problem's own θ (Problem::default_theta: the VAE's encoder).
  if (const json& th = rd.need(c, ptr, "theta"); th.is_string() && th.get<std::string>() == "default") {
    const auto d = problem->default_theta();
    if (!d) rd.bad(ptr + "/theta", "a non-empty array of numbers (\"default\" only for a problem that suggests a θ, e.g. vae)",
                   "\"default\"");
    s.theta = *d;
  } else {
    s.theta = rd.numbers(th, ptr + "/theta");
  }
  std::vector<std::shared_ptr<Estimator>> built;  // the check's estimators, built once
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
    built.push_back(build(s.estimators[0], ptr + "/estimator"));
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
      built.push_back(build(s.estimators.back(), p));
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
    if (est->info().order != 1)
      rd.bad(ptr + "/estimator", "an estimator of a gradient (not a Hessian)", "'" + s.estimators[0] + "'");
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
      if (s.test != "auto" && s.test != "t" && s.test != "catoni" && s.test != "betting")
        rd.bad(ptr + "/test", "auto, t, catoni or betting", "'" + s.test + "'");
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
    if (s.test == "catoni") {  // the Catoni test needs a variance bound: the exact one, certified
      est->prepare(model);
      const auto moments = exact_estimator_moments(*est, model);
      if (!moments || !moments->certificate.certified())
        rd.bad(ptr + "/test", "auto or t: the Catoni test needs the certified exact variance, which no oracle gives for '" +
                                  s.estimators[0] + "' here", "'catoni'");
    }
    built.push_back(std::move(est));
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
  s.check = make_check(s, problem, built);
  return s;
}

// ---------------------------------------------------------------- running

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// What every typed check holds: its parsed fields and its problem, built once.
class CheckBase : public SuiteCheck {
 public:
  CheckBase(const CheckSpec& spec, std::shared_ptr<Problem> problem) : spec_(spec), problem_(std::move(problem)) {
    spec_.check = nullptr;
  }
  void decide(CheckRun&, double) const override {}

 protected:
  CheckSpec spec_;
  std::shared_ptr<Problem> problem_;
};

/// A verify check: the pipeline with the Catoni scale tuned to α0 = the suite's budget / its checks
/// (Holm's smallest threshold) before the data, as `estcheck verify` would run it otherwise. The
/// Catoni p-value is valid at any level, since the scale is fixed before the data, so the verdict
/// is decided after Holm (decide); without a variance bound the t-test runs.
class VerifyCheck final : public CheckBase {
 public:
  VerifyCheck(const CheckSpec& spec, std::shared_ptr<Problem> problem, std::shared_ptr<Estimator> estimator)
      : CheckBase(spec, std::move(problem)), estimator_(std::move(estimator)) {}

  std::uint64_t planned_samples() const override {
    const std::uint64_t blocks = (spec_.samples + kBlockSize - 1) / kBlockSize;
    std::uint64_t total = spec_.samples;
    for (std::uint64_t b = 1; b < blocks; b *= 2) total += b * kBlockSize;
    return total;
  }

  /// The request this check makes of the pipeline (test level: decided later).
  VerifyRequest request(const CheckContext& x) const {
    VerifyRequest q;
    q.problem = problem_.get();
    q.estimator = estimator_.get();
    q.theta = spec_.theta;
    q.run.samples = spec_.samples;
    q.run.seed = x.seed;
    q.run.threads = x.threads;
    q.run.partition = x.partition;
    q.run.max_seconds = x.max_run_seconds;
    if (x.progress) q.run.on_progress = x.progress->callback();
    q.test = {0.5, std::nullopt};  // the p-value does not depend on the level
    q.catoni_alpha = x.alpha0;
    q.checkpoints = true;
    q.explain_test_choice = false;
    return q;
  }

  CheckRun run(const CheckContext& x) const override {
    CheckRun r;
    const VerifyRequest q = request(x);
    r.verify = run_verification(q);
    estcheck::decide(*r.verify, q.test);
    if (r.verify->report.test.verdict != Verdict::error) r.result.p_value = r.verify->report.test.p_value_family;
    return r;
  }

  void decide(CheckRun& r, double threshold) const override {
    estcheck::decide(*r.verify, {threshold, spec_.tolerance});
    r.result.verify = r.verify->report;
    r.result.verdict = r.result.verify->test.verdict;
    r.result.reason = r.result.verify->test.reason;
  }

  std::shared_ptr<const SuiteCheck> with_estimator(std::shared_ptr<Estimator> estimator) const override {
    try {
      estimator->check(*problem_);
    } catch (const InputError&) {
      return nullptr;
    }
    return std::make_shared<VerifyCheck>(spec_, problem_, std::move(estimator));
  }

 private:
  std::shared_ptr<Estimator> estimator_;
};

/// A compare check: the pipeline's compare at each θ of its grid; its p-value is the smallest fail
/// p-value times the grid size (Bonferroni over the grid).
class CompareCheck final : public CheckBase {
 public:
  CompareCheck(const CheckSpec& spec, std::shared_ptr<Problem> problem, std::vector<std::shared_ptr<Estimator>> ests)
      : CheckBase(spec, std::move(problem)), estimators_(std::move(ests)) {}

  std::size_t points() const { return spec_.theta_grid ? spec_.theta_grid->count : 1; }

  std::uint64_t planned_samples() const override { return spec_.samples * spec_.estimators.size() * points(); }

  CheckRun run(const CheckContext& x) const override {
    CheckRun r;
    CompareRequest q;
    q.problem = problem_.get();
    for (const auto& e : estimators_) q.estimators.push_back(e.get());
    q.options.run.samples = spec_.samples;
    q.options.run.seed = x.seed;
    q.options.run.threads = x.threads;
    q.options.run.partition = x.partition;
    q.options.run.max_seconds = x.max_run_seconds;
    if (x.progress) q.options.run.on_progress = x.progress->callback();
    q.options.min_reduction = spec_.min_reduction;
    // Decided again at the check's Holm threshold / points (decide); this α sets how many
    // bootstrap replicates are drawn (bootstrap_replicates), so it is the grid's share of the suite's α.
    q.options.alpha = x.alpha / static_cast<double>(points());
    if (spec_.theta_grid) r.result.sweep_index = spec_.theta_grid->index;
    double p_min = 1.0;
    bool error = false;
    for (std::size_t k = 0; k < points(); ++k) {
      q.theta = spec_.theta;
      if (spec_.theta_grid)
        q.theta[spec_.theta_grid->index] = grid_value(spec_.theta_grid->from, spec_.theta_grid->to, k, points());
      CompareReport rep = compare(q);
      if (rep.result.verdict == Verdict::error) error = true;
      p_min = std::min(p_min, fail_p_value(rep.result));
      r.result.compare.push_back(std::move(rep));
    }
    if (!error) r.result.p_value = std::min(1.0, static_cast<double>(points()) * p_min);
    return r;
  }

  void decide(CheckRun& run, double threshold) const override {
    CheckResult& r = run.result;
    Verdict overall = Verdict::pass;
    std::string reason;
    for (auto& pt : r.compare) {
      estcheck::decide(pt.result, threshold / static_cast<double>(points()));
      const Verdict v = pt.result.verdict;
      const bool worse = v == Verdict::error || (v == Verdict::fail && overall != Verdict::error) ||
                         (v == Verdict::inconclusive && overall == Verdict::pass);
      if (worse || reason.empty()) {
        overall = worse ? v : overall;
        reason = pt.result.reason + (points() > 1 ? " (at theta = " + theta_text(pt.theta) + ")" : "");
      }
    }
    if (overall == Verdict::pass && points() > 1)
      reason = "at each of the " + std::to_string(points()) + " values of theta: " + r.compare.front().result.reason;
    r.verdict = overall;
    r.reason = reason;
  }

 private:
  std::vector<std::shared_ptr<Estimator>> estimators_;
};

/// A calibrate check: the pipeline's calibrate with the check's seed; its p-value is that of the
/// fail verdict of judge_calibration (valid at any threshold: it does not depend on it).
class CalibrateCheck final : public CheckBase {
 public:
  CalibrateCheck(const CheckSpec& spec, std::shared_ptr<Problem> problem, std::shared_ptr<Estimator> estimator)
      : CheckBase(spec, std::move(problem)), estimator_(std::move(estimator)) {}

  std::uint64_t planned_samples() const override { return spec_.samples * spec_.repetitions; }

  CheckRun run(const CheckContext& x) const override {
    CalibrateRequest q;
    q.problem = problem_.get();
    q.estimator = estimator_.get();
    q.theta = spec_.theta;
    q.options.samples = spec_.samples;
    q.options.repetitions = spec_.repetitions;
    q.options.seed = x.seed;
    q.options.threads = x.threads;
    q.max_run_seconds = x.max_run_seconds;
    q.options.alphas = spec_.alphas;
    q.options.method = parse_test_method(spec_.test, spec_.pointer + "/test");
    q.options.coordinate = spec_.coordinate;
    CheckRun r;
    CalibrateReport rep = calibrate(q);
    if (x.progress) x.progress->add(spec_.samples * spec_.repetitions);
    r.result.calibration = judge_calibration(rep.result, spec_.max_ratio, spec_.min_power, 0.5);
    if (rep.result.nonfinite_runs == 0) r.result.p_value = r.result.calibration->p_value;
    r.result.calibrate = std::move(rep);
    return r;
  }

  void decide(CheckRun& run, double threshold) const override {
    CheckResult& r = run.result;
    r.calibration = judge_calibration(r.calibrate->result, spec_.max_ratio, spec_.min_power, threshold);
    r.verdict = r.calibration->verdict;
    r.reason = r.calibration->reason;
    if (r.calibrate->result.nonfinite_runs > 0) {
      r.verdict = Verdict::error;
      r.reason = std::to_string(r.calibrate->result.nonfinite_runs) + " of " + std::to_string(spec_.repetitions) +
                 " repetitions produced non-finite samples: no verdict";
    }
  }

 private:
  std::shared_ptr<Estimator> estimator_;
};

/// A bias-curve check: exact (no sampling, no share of the budget); it decides in its run step.
class BiasCurveCheck final : public CheckBase {
 public:
  using CheckBase::CheckBase;

  std::uint64_t planned_samples() const override { return 0; }

  CheckRun run(const CheckContext&) const override {
    BiasCurveReport rep = bias_curve(
        {problem_.get(), spec_.estimators[0], spec_.theta, spec_.param, spec_.from, spec_.to, spec_.count});
    double worst = 0.0, worst_error = 0.0;
    for (const auto& mean : rep.means)
      for (std::size_t i = 0; i < mean.mean.size(); ++i) {
        const double b = std::abs(mean.mean[i] - rep.exact.gradient[i]);
        if (b > worst) worst = b, worst_error = mean.error[i] + rep.exact.error[i];
      }
    CheckRun run;
    CheckResult& r = run.result;
    r.max_abs_bias = spec_.max_abs_bias;
    r.reason = "exact bias at " + std::to_string(spec_.count) + " values of " + spec_.param + "; max |exact bias| = " +
               format_double(worst) + " (numerical error <= " + format_double(worst_error) + ")";
    judge(r, worst, worst_error);
    r.curve = std::move(rep);
    return run;
  }

 private:
  void judge(CheckResult& r, double worst, double worst_error) const {
    const auto& bound = spec_.max_abs_bias;
    if (!bound) {
      r.verdict = Verdict::pass;
      r.reason += "; no bound claimed (a report, not a test)";
    } else if (worst + worst_error <= *bound) {
      r.verdict = Verdict::pass;
      r.reason += " <= the claimed bound " + format_double(*bound);
    } else if (worst - worst_error > *bound) {
      r.verdict = Verdict::fail;
      r.reason += " exceeds the claimed bound " + format_double(*bound);
    } else {
      r.verdict = Verdict::inconclusive;
      r.reason += ": the numerical error does not settle the claimed bound " + format_double(*bound);
    }
  }
};

std::shared_ptr<const SuiteCheck> make_check(const CheckSpec& spec, std::shared_ptr<Problem> problem,
                                              const std::vector<std::shared_ptr<Estimator>>& estimators) {
  if (spec.kind == "verify") return std::make_shared<VerifyCheck>(spec, std::move(problem), estimators.at(0));
  if (spec.kind == "compare") return std::make_shared<CompareCheck>(spec, std::move(problem), estimators);
  if (spec.kind == "calibrate") return std::make_shared<CalibrateCheck>(spec, std::move(problem), estimators.at(0));
  return std::make_shared<BiasCurveCheck>(spec, std::move(problem));
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

SuiteSpec parse_suite(const std::string& path) {
  Reader rd{path};
  // A folder, FIFO or unreadable file is an error naming FILE; a syntax error (with line and
  // column), a number beyond a double, or nesting past 64 levels names the file.
  const json doc = parse_input_json(read_input_file(path, "FILE", "a readable suite file (JSON)"), path);
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
  if (doc.contains("oracle_seconds")) {
    s.oracle_seconds = rd.number(doc["oracle_seconds"], "/oracle_seconds");
    if (!(*s.oracle_seconds > 0 && *s.oracle_seconds <= 1e6))
      rd.bad("/oracle_seconds", "a number of seconds in (0, 1e6]", format_double(*s.oracle_seconds));
  }
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

std::shared_ptr<const SuiteCheck> SuiteCheck::with_estimator(std::shared_ptr<Estimator>) const { return nullptr; }

std::size_t budget_checks(const SuiteSpec& suite) {
  std::size_t m = 0;
  for (const auto& c : suite.checks) m += takes_budget(c.kind);
  return m;
}

CheckContext check_context(const SuiteSpec& suite, std::size_t index, std::uint64_t seed, int threads,
                           const RunPartition* partition, Progress* progress) {
  CheckContext x;
  x.seed = check_seed(seed, suite.checks[index].name);
  x.threads = threads;
  x.alpha = suite.alpha;
  x.alpha0 = suite.alpha / static_cast<double>(std::max<std::size_t>(1, budget_checks(suite)));
  x.partition = partition;
  x.progress = progress;
  return x;
}

void decide_by_holm(const SuiteSpec& suite, std::vector<CheckRun>& runs) {
  std::vector<std::size_t> budgeted;
  std::vector<double> ps;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (takes_budget(suite.checks[i].kind)) {
      budgeted.push_back(i);
      ps.push_back(runs[i].result.p_value.value_or(1.0));
    }
  const auto holm = holm_thresholds(ps, suite.alpha);
  for (std::size_t k = 0; k < budgeted.size(); ++k) {
    CheckRun& r = runs[budgeted[k]];
    r.result.holm_rank = holm[k].first;
    r.result.threshold = holm[k].second;
    suite.checks[budgeted[k]].check->decide(r, holm[k].second);
  }
}

namespace {

/// The table of checks, the failures with their figures, and the suite's verdict.
void write_summary(std::ostream& out, const SuiteReport& rep) {
  int width = 6;
  for (const auto& c : rep.checks) width = std::max(width, static_cast<int>(c.name.size()) + 2);
  out << "  " << std::left << std::setw(width) << "check" << std::setw(12) << "kind" << std::setw(11) << "p-value"
      << std::setw(6) << "rank" << std::setw(11) << "threshold" << std::setw(19) << "verdict" << "seed\n";
  for (const auto& c : rep.checks)
    out << "  " << std::setw(width) << c.name << std::setw(12) << c.kind << std::setw(11)
        << (c.p_value ? g(*c.p_value) : "-") << std::setw(6)
        << (c.holm_rank ? std::to_string(*c.holm_rank) : "-") << std::setw(11)
        << (c.threshold ? g(*c.threshold) : "-") << std::setw(18)
        << (c.expect == Verdict::fail && c.verdict == Verdict::fail ? "fail (as claimed)"
            : outcome(c) == Verdict::fail                           ? "FAIL"
                                                                    : to_string(c.verdict))
        << " " << c.seed << "\n";
  out << std::right;
  for (const auto& c : rep.checks)
    if (outcome(c) == Verdict::fail || c.verdict == Verdict::error)
      out << "  " << (c.verdict == Verdict::error ? "ERROR " : "FAIL ") << c.name
          << (c.expect == Verdict::fail ? " (the claim expects fail)" : "") << ": " << c.reason << "\n    "
          << figures(c) << "\n";
  const std::vector<ClaimResult> ks = claims(rep);
  std::size_t held = 0;
  for (const auto& k : ks) held += k.reading == Reading::holds;
  if (!ks.empty()) out << "claims: " << held << " of " << ks.size() << " hold\n";
  for (const auto& k : ks)
    if (k.reading != Reading::holds) out << "  " << k.claim << " (" << k.source << "): " << k.text << "\n";
  out << "suite verdict: " << to_string(rep.verdict) << " (exit " << exit_code(rep.verdict) << "), "
      << g(rep.elapsed_s) << " s\n";
}

}  // namespace

SuiteReport run_suite(const SuiteSpec& suite, const SuiteOptions& o, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  SuiteReport rep;
  rep.name = suite.name;
  rep.description = suite.description;
  rep.file = suite.file;
  rep.seed = o.seed.value_or(suite.seed);
  rep.threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  rep.alpha = suite.alpha;
  rep.budget_checks = budget_checks(suite);
  std::uint64_t total = 0;
  for (const auto& c : suite.checks) total += c.check->planned_samples();
  out << "estcheck suite " << suite.name << " (" << suite.file << "): " << suite.checks.size() << " checks, seed "
      << rep.seed << ", " << rep.threads << " threads\n  " << budget_text(rep) << "\n";
  set_oracle_seconds(o.oracle_seconds.value_or(suite.oracle_seconds.value_or(kDefaultOracleSeconds)));
  Progress progress(err, total, o.progress);
  std::vector<CheckRun> runs;
  for (std::size_t i = 0; i < suite.checks.size(); ++i) {
    const CheckSpec& c = suite.checks[i];
    CheckContext x = check_context(suite, i, rep.seed, rep.threads, o.partition, &progress);
    x.max_run_seconds = o.max_run_seconds;
    progress.set_label("check " + std::to_string(i + 1) + "/" + std::to_string(suite.checks.size()) + " " + c.name);
    const auto t0 = std::chrono::steady_clock::now();
    CheckRun r = c.check->run(x);
    r.result.name = c.name;
    r.result.kind = c.kind;
    r.result.description = c.description;
    r.result.claim = c.claim;
    r.result.source = c.source;
    r.result.expect = c.expect_fail ? Verdict::fail : Verdict::pass;
    r.result.seed = x.seed;
    r.result.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o.quiet) {
      progress.finish();
      out << "  [" << i + 1 << "/" << suite.checks.size() << "] " << c.name << " (" << c.kind << ") ran in "
          << g(r.result.elapsed_s) << " s"
          << (r.result.p_value ? ", p-value " + g(*r.result.p_value) : std::string()) << "\n"
          << std::flush;
    }
    runs.push_back(std::move(r));
  }
  progress.finish();
  decide_by_holm(suite, runs);
  for (auto& r : runs) rep.checks.push_back(std::move(r.result));
  rep.verdict = overall_verdict(rep.checks);
  rep.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  write_summary(out, rep);
  return rep;
}

}  // namespace estcheck
