// reports/verify_report.cpp — see verify_report.hpp.
#include "reports/verify_report.hpp"

#include "estimators/core/cleanup.hpp"
#include "estimators/core/error.hpp"
#include "verify/harness/harness.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace estcheck {

namespace {
const char* kNoise = "Philox4x64-10, key (seed, purpose 0), counter (draw, index, block)";
}

namespace {
/// {"certainty": "certified" | "estimated" | "unknown", "note": how or why} (issue 14).
nlohmann::json certificate_json(const Certificate& c) {
  return {{"certainty", to_string(c.certainty)}, {"note", c.note}};
}

/// a - b elementwise; NaN where b has no element (never reads past b).
std::vector<double> difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

/// What an `exact --estimator` report's estimator targets: the Hessian for an order-2 estimator
/// (its outputs are the Hessian's upper triangle), else the gradient.
const std::vector<double>& estimator_target(const ExactReport& r) {
  if (r.hessian && r.estimator_order == 2) return r.hessian->gradient;
  return r.exact.gradient;
}
}  // namespace

nlohmann::json to_json(const ExactReport& r) {
  nlohmann::json j = {{"schema_version", kJsonSchemaVersion},
          {"command", "exact"},
          {"problem", r.problem},
          {"theta", r.theta},
          {"objective", r.exact.objective},
          {"gradient", r.exact.gradient},
          {"oracle", to_string(r.exact.method)},
          {"objective_error_bound", r.exact.objective_error},
          {"gradient_error_bound", r.exact.error},
          {"certificate", certificate_json(r.exact.certificate)},
          {"support_points", r.exact.support_points}};
  if (r.hessian) {
    j["hessian"] = r.hessian->gradient;
    j["hessian_error_bound"] = r.hessian->error;
    j["hessian_certificate"] = certificate_json(r.hessian->certificate);
  }
  if (r.estimator_moments) {
    j["estimator"] = r.estimator;
    j["estimator_variance"] = r.estimator_moments->variance;
    j["estimator_variance_error_bound"] = r.estimator_moments->variance_error;
    j["estimator_moments_method"] = r.estimator_moments->method;
    j["estimator_moments_certificate"] = certificate_json(r.estimator_moments->certificate);
  }
  if (r.estimator_mean) {
    j["estimator"] = r.estimator;
    j["estimator_mean"] = r.estimator_mean->mean;
    j["estimator_mean_error_bound"] = r.estimator_mean->error;
    j["estimator_mean_method"] = r.estimator_mean->method;
    j["estimator_mean_certificate"] = certificate_json(r.estimator_mean->certificate);
    j["bias"] = difference(r.estimator_mean->mean, estimator_target(r));
  }
  return j;
}

nlohmann::json to_json(const VerifyReport& r) {
  const BiasTest& t = r.test;
  nlohmann::json j = {
      {"schema_version", kJsonSchemaVersion},
      {"command", "verify"},
      {"problem", r.problem},
      {"estimator", r.estimator.spec},
      {"claimed_unbiased", r.estimator.claimed_unbiased},
      {"theta", r.theta},
      {"samples", r.run.requested},
      {"samples_used", t.samples},
      {"seed", r.seed},
      {"threads", r.threads},
      {"ranks", r.ranks},
      {"block_size", kBlockSize},
      {"noise", kNoise},
      {"alpha", t.alpha},
      {"tolerance", t.tolerance ? nlohmann::json(*t.tolerance) : nlohmann::json(nullptr)},
      {"test", t.method},
      {"error_rate", t.error_rate},
      {"oracle", to_string(r.exact.method)},
      {"objective", r.objective},
      {"order", r.estimator.order},
      {"exact_objective", r.exact.objective},
      {"exact_gradient", t.exact},
      {"exact_gradient_error_bound", r.exact.error},
      {"exact_certificate", certificate_json(r.exact.certificate)},
      {"mean", t.mean},
      {"std_error", t.std_error},
      {"variance", t.variance},
      {"bias_estimate", t.bias},
      {"numerical_error_budget", t.numerical_error},
      {"statistic", t.statistic},
      {"p_value", t.p_value},
      {"p_value_raw", t.p_value_raw},
      {"p_value_family", t.p_value_family},
      {"critical_value", t.critical_value},
      {"bias_bound", t.bias_bound},
      {"bias_bound_per_coordinate", t.bias_bound_per_coordinate},
      {"detectable_bias", t.detectable_bias},
      {"detectable_bias_per_coordinate", t.detectable_bias_per_coordinate},
      {"detectable_bias_power", 0.9},
      {"nonfinite", r.run.nonfinite},
      {"first_nonfinite_sample",
       r.run.first_nonfinite >= 0 ? nlohmann::json(r.run.first_nonfinite) : nlohmann::json(nullptr)},
      {"verdict", to_string(t.verdict)},
      {"reason", t.reason},
      {"elapsed_s", r.run.elapsed_s}};
  if (t.samples_for_tolerance) j["samples_for_tolerance_estimate"] = *t.samples_for_tolerance;
  if (t.catoni_passes > 0) j["catoni_passes"] = t.catoni_passes;
  if (!t.degenerate_coordinates.empty()) {
    j["degenerate_coordinates"] = t.degenerate_coordinates;
    j["degenerate_variance_needed"] = t.variance_needed;
  }
  j["asymptotic"] = t.asymptotic;
  j["sample_range"] = r.sample_range ? nlohmann::json{{"lo", r.sample_range->lo}, {"hi", r.sample_range->hi},
                                                      {"source", r.sample_range->source}}
                                     : nlohmann::json(nullptr);
  j["variance_bound"] = r.variance_bound.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.variance_bound);
  j["variance_bound_source"] = r.variance_source;
  if (r.sequential) {
    nlohmann::json rounds = nlohmann::json::array();
    for (const auto& k : r.sequential->rounds)
      rounds.push_back({{"samples", k.samples}, {"alpha", k.alpha}, {"p_value_family", k.p_value_family},
                        {"bias_bound", k.bias_bound}, {"verdict", to_string(k.verdict)}});
    j["sequential"] = {{"planned_rounds", r.sequential->planned_rounds},
                       {"alpha_per_round", r.sequential->rounds.front().alpha},
                       {"samples_used", r.sequential->rounds.back().samples},
                       {"rounds", rounds}};
  }
  if (r.estimator_moments) {
    j["exact_estimator_variance"] = r.estimator_moments->variance;
    j["exact_estimator_variance_error_bound"] = r.estimator_moments->variance_error;
    j["exact_estimator_variance_certificate"] = certificate_json(r.estimator_moments->certificate);
  }
  if (r.estimator_mean) {
    j["exact_estimator_mean"] = r.estimator_mean->mean;
    j["exact_bias"] = difference(r.estimator_mean->mean, t.exact);
    j["exact_estimator_mean_error_bound"] = r.estimator_mean->error;
    j["exact_estimator_mean_certificate"] = certificate_json(r.estimator_mean->certificate);
  }
  return j;
}

nlohmann::json to_json(const BiasCurveReport& r) {
  nlohmann::json means = nlohmann::json::array(), bias = nlohmann::json::array(),
                 errors = nlohmann::json::array();
  for (const auto& m : r.means) {
    means.push_back(m.mean);
    bias.push_back(difference(m.mean, r.exact.gradient));
    errors.push_back(m.error);
  }
  return {{"schema_version", kJsonSchemaVersion}, {"command", "bias-curve"},
          {"problem", r.problem}, {"estimator", r.estimator}, {"theta", r.theta},
          {"param", r.param}, {"values", r.values}, {"exact_gradient", r.exact.gradient},
          {"estimator_mean", means}, {"bias", bias}, {"estimator_mean_error_bound", errors}};
}

namespace {
std::string sci(double v, int digits = 6) {
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}
std::string vec(const std::vector<double>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + sci(v[i]);
  return s + ")";
}
}  // namespace

void write_text(std::ostream& out, const ExactReport& r) {
  out << "problem   " << r.problem << "\n"
      << "theta     " << vec(r.theta) << "\n"
      << "oracle    " << to_string(r.exact.method) << ", " << describe(r.exact.certificate) << "\n"
      << "objective " << sci(r.exact.objective, 17) << "  (error <= " << sci(r.exact.objective_error, 2)
      << ")\n"
      << "gradient\n";
  for (std::size_t i = 0; i < r.exact.gradient.size(); ++i)
    out << "  [" << i << "] " << std::setw(25) << sci(r.exact.gradient[i], 17) << "  (error <= "
        << sci(r.exact.error[i], 2) << ")\n";
  if (r.hessian) {
    out << "hessian (upper triangle), " << describe(r.hessian->certificate) << "\n";
    const std::size_t d = r.exact.gradient.size();
    for (std::size_t i = 0, k = 0; i < d; ++i)
      for (std::size_t j = i; j < d; ++j, ++k)
        out << "  [" << i << "," << j << "] " << std::setw(23) << sci(r.hessian->gradient[k], 17) << "  (error <= "
            << sci(r.hessian->error[k], 2) << ")\n";
  }
  if (r.estimator_moments) {
    out << "estimator " << r.estimator << ": exact variance (" << r.estimator_moments->method << "), "
        << describe(r.estimator_moments->certificate) << "\n";
    for (std::size_t i = 0; i < r.estimator_moments->variance.size(); ++i)
      out << "  [" << i << "] " << std::setw(25) << sci(r.estimator_moments->variance[i], 17) << "  (error <= "
          << sci(r.estimator_moments->variance_error[i], 2) << ")\n";
  }
  if (!r.estimator_mean) return;
  out << "estimator " << r.estimator << ": exact mean (" << r.estimator_mean->method << "), "
      << describe(r.estimator_mean->certificate) << "\n";
  for (std::size_t i = 0; i < r.estimator_mean->mean.size(); ++i)
    out << "  [" << i << "] " << std::setw(25) << sci(r.estimator_mean->mean[i], 17) << "  bias "
        << sci(difference(r.estimator_mean->mean, estimator_target(r))[i], 6) << "  (error <= "
        << sci(r.estimator_mean->error[i], 2) << ")\n";
}

namespace {

std::string interval_description(RatioIntervalMethod m) {
  const std::string common = ", paired samples (common random numbers), Bonferroni over comparisons";
  switch (m) {
    case RatioIntervalMethod::delta: return "delta method on log(Var A / Var B)" + common;
    case RatioIntervalMethod::bootstrap_t:
      return "traces: bootstrap-t over batches of log(Var A / Var B); per coordinate: delta method" + common;
    case RatioIntervalMethod::both: break;
  }
  return "traces: union of the delta-method and batch bootstrap-t intervals on log(Var A / Var B); per coordinate: "
         "delta method" + common;
}

}  // namespace

nlohmann::json to_json(const CompareReport& r) {
  const CompareResult& c = r.result;
  nlohmann::json comps = nlohmann::json::array();
  auto iv = [](const RatioInterval& x) { return nlohmann::json{{"ratio", x.ratio}, {"lower", x.lower}, {"upper", x.upper}}; };
  for (const auto& cmp : c.comparisons) {
    nlohmann::json per = nlohmann::json::array();
    for (const auto& x : cmp.per_coordinate) per.push_back(iv(x));
    nlohmann::json j = {{"reference", c.estimators[0]}, {"other", cmp.other}, {"per_coordinate", per},
                        {"trace", iv(cmp.trace)}};
    if (cmp.optimal_scale) {
      j["optimal_scale"] = *cmp.optimal_scale;
      j["optimal_trace_variance"] = *cmp.optimal_trace_variance;
      j["optimal_scale_per_coordinate"] = cmp.optimal_scale_per_coordinate;
      j["optimal_variance_per_coordinate"] = cmp.optimal_variance_per_coordinate;
    }
    if (cmp.exact_ratio) {
      j["exact_ratio"] = *cmp.exact_ratio;
      j["exact_trace_ratio"] = *cmp.exact_trace_ratio;
      j["exact_trace_ratio_error_bound"] = *cmp.exact_trace_ratio_error;
    }
    comps.push_back(j);
  }
  return {{"schema_version", kJsonSchemaVersion}, {"command", "compare"}, {"problem", r.problem},
          {"theta", r.theta}, {"estimators", c.estimators}, {"samples", c.samples}, {"seed", r.seed},
          {"threads", r.threads}, {"alpha", c.alpha}, {"min_reduction", c.min_reduction},
          {"interval", interval_description(c.method)}, {"interval_method", to_string(c.method)},
          {"batches", c.batches},
          {"bootstrap_replicates", c.comparisons.empty() ? 0 : c.comparisons[0].bootstrap_t.size()},
          {"critical_value", c.z}, {"variance", c.variance}, {"trace", c.trace}, {"nonfinite", c.nonfinite},
          {"comparisons", comps}, {"verdict", to_string(c.verdict)}, {"reason", c.reason}, {"elapsed_s", c.elapsed_s}};
}

void write_text(std::ostream& out, const CompareReport& r) {
  const CompareResult& c = r.result;
  out << "estcheck compare on " << r.problem << " at theta = " << vec(r.theta) << "\n"
      << "  samples " << c.samples << " per estimator (seed " << r.seed << ", common random numbers), alpha = "
      << c.alpha << ", trace interval " << to_string(c.method) << "\n";
  for (std::size_t e = 0; e < c.estimators.size(); ++e)
    out << "  " << std::left << std::setw(40) << c.estimators[e] << std::right << " variance " << vec(c.variance[e])
        << ", trace " << sci(c.trace[e]) << "\n";
  for (const auto& cmp : c.comparisons) {
    out << "  Var(" << c.estimators[0] << ") / Var(" << cmp.other << "): trace " << sci(cmp.trace.ratio, 4) << " ["
        << sci(cmp.trace.lower, 4) << ", " << sci(cmp.trace.upper, 4) << "]";
    if (cmp.exact_trace_ratio) out << ", exact " << sci(*cmp.exact_trace_ratio, 4);
    out << "\n";
    if (cmp.optimal_scale)
      out << "    optimal scaling: A + s(B - A) with s = " << sci(*cmp.optimal_scale, 4) << " reaches trace variance "
          << sci(*cmp.optimal_trace_variance, 4) << " (B itself is s = 1: trace "
          << sci(c.trace[&cmp - &c.comparisons[0] + 1], 4) << ")\n";
  }
  out << "  verdict: " << to_string(c.verdict) << " - " << c.reason << "\n";
}

void write_text(std::ostream& out, const BiasCurveReport& r) {
  out << "exact bias of " << r.estimator << " on " << r.problem << " at theta = " << vec(r.theta)
      << " against " << r.param << "\n"
      << "  exact gradient " << vec(r.exact.gradient) << "\n"
      << "  " << std::setw(12) << r.param;
  for (std::size_t i = 0; i < r.exact.gradient.size(); ++i)
    out << std::setw(18) << ("bias[" + std::to_string(i) + "]");
  out << "\n";
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    out << "  " << std::setw(12) << sci(r.values[k]);
    for (std::size_t i = 0; i < r.exact.gradient.size(); ++i)
      out << std::setw(18) << sci(r.means[k].mean[i] - r.exact.gradient[i]);
    out << "\n";
  }
}

void write_text(std::ostream& out, const VerifyReport& r) {
  const BiasTest& t = r.test;
  out << "estcheck verify: " << r.estimator.spec << " on " << r.problem << " at theta = " << vec(r.theta)
      << "\n"
      << "  samples " << r.run.requested << " (seed " << r.seed << ", " << r.threads << " threads, "
      << sci(r.run.elapsed_s, 3) << " s, "
      << sci(static_cast<double>(r.run.requested) / std::max(r.run.elapsed_s, 1e-9), 3)
      << " samples/s); non-finite samples: " << r.run.nonfinite << "\n"
      << (r.estimator.order == 2 ? "  target: the Hessian, coordinates = its upper triangle row-major (H_00, H_01, ...)\n" : "")
      << "  exact target: " << to_string(r.exact.method) << ", " << describe(r.exact.certificate) << "\n"
      << "  test: " << t.method << ", alpha = " << t.alpha << "\n"
      << (r.sample_range ? "  declared sample range: " + r.sample_range->source + "\n" : std::string())
      << "  coord                    exact                     mean    std.error   p (Holm)\n";
  for (std::size_t i = 0; i < t.exact.size(); ++i)
    out << "  " << std::setw(5) << i << std::setw(25) << sci(t.exact[i], 12) << std::setw(25)
        << sci(t.mean[i], 12) << std::setw(13) << sci(t.std_error[i], 3) << std::setw(11)
        << sci(t.p_value[i], 3) << "\n";
  if (r.estimator_moments)
    out << "  exact estimator variance " << vec(r.estimator_moments->variance) << ", "
        << to_string(r.estimator_moments->certificate.certainty) << "\n";
  if (r.estimator_mean)
    out << "  exact estimator mean " << vec(r.estimator_mean->mean) << ", exact bias "
        << vec(difference(r.estimator_mean->mean, t.exact)) << ", " << to_string(r.estimator_mean->certificate.certainty)
        << "\n";
  out << "  max |bias| <= " << sci(t.bias_bound, 3) << " (confidence " << sci(1 - t.alpha) << ")"
      << (r.test_method == TestMethod::betting
              ? "; detectable bias (this run's confidence-sequence width, a plug-in figure): "
              : "; detectable bias at 90% power: ")
      << sci(t.detectable_bias, 3) << "\n"
      << "  verdict: " << to_string(t.verdict) << " - " << t.reason << "\n";
}

void check_output_path(const std::string& path, const std::string& argument) {
  if (path == "-") return;
  if (path.empty()) raise_input_error(argument, "a file path or '-'", "an empty string");
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) raise_input_error(argument, "a file path or '-'", "the folder '" + path + "'");
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    raise_input_error(argument, "a path in an existing folder", "'" + path + "'");
  if (::access(dir.c_str(), W_OK) != 0)
    raise_input_error(argument, "a path in a writable folder", "'" + path + "'");
}

void write_json(const nlohmann::json& doc, const std::string& path, std::ostream& out) {
  const std::string text = doc.dump(2) + "\n";
  if (path == "-") {
    out << text << std::flush;
    return;
  }
  check_output_path(path);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  track_temp_file(tmp);  // removed by the SIGINT/SIGTERM handler if the run is stopped now
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      untrack_temp_file(tmp);
      raise_input_error("--json", "a writable file", "'" + path + "' (write failed)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  untrack_temp_file(tmp);
  if (ec) {
    std::remove(tmp.c_str());
    raise_input_error("--json", "a writable file", "'" + path + "' (" + ec.message() + ")");
  }
}

}  // namespace estcheck

namespace estcheck {

namespace {
nlohmann::json rate_json(const RateEstimate& r) {
  return {{"count", r.count}, {"trials", r.trials}, {"rate", r.rate}, {"ci95", {r.lower, r.upper}}};
}
std::string test_method_name(TestMethod m) {
  switch (m) {
    case TestMethod::t: return "t";
    case TestMethod::catoni: return "catoni";
    case TestMethod::betting: return "betting";
    case TestMethod::automatic: break;
  }
  return "auto";
}
nlohmann::json samples_json(const SamplesUsed& s) {
  return {{"mean", s.mean}, {"min", s.min}, {"median", s.median}, {"max", s.max}};
}
}  // namespace

nlohmann::json to_json(const CalibrateReport& r) {
  const CalibrationResult& c = r.result;
  nlohmann::json j = {{"schema_version", kJsonSchemaVersion},
                      {"command", "calibrate"},
                      {"problem", r.problem},
                      {"estimator", r.estimator},
                      {"theta", r.theta},
                      {"samples", r.options.samples},
                      {"repetitions", r.options.repetitions},
                      {"seed", r.options.seed},
                      {"repetition_seeds", "Philox4x64-10 word 0 of counter {0, r, 0, 0}, key {seed, 1}"},
                      {"threads", r.threads},
                      {"coordinate", r.options.coordinate},
                      {"test", c.test_method},
                      {"variance_bound", c.variance_bound.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.variance_bound)},
                      {"exact_gradient", r.exact.gradient},
                      {"nonfinite_runs", c.nonfinite_runs},
                      {"error_runs", c.error_runs},
                      {"first_error", c.first_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.first_error)},
                      {"test_kind", test_method_name(c.method)},
                      {"sequential", r.options.sequential
                                         ? nlohmann::json{{"max_samples", r.options.sequential->max_samples},
                                                          {"first_samples", r.options.sequential->first_samples}}
                                         : nlohmann::json(nullptr)},
                      {"tolerance", r.options.tolerance ? nlohmann::json(*r.options.tolerance) : nlohmann::json(nullptr)},
                      {"planted_bias", r.options.planted_bias ? nlohmann::json(*r.options.planted_bias) : nlohmann::json(nullptr)},
                      {"levels", nlohmann::json::array()},
                      {"p_values", {{"alpha", r.options.alphas.front()},
                                    {"ks_minus", c.ks_minus},
                                    {"ks_minus_p_value", c.ks_minus_p},
                                    {"anderson_darling", c.anderson_darling},
                                    {"values", c.p_values}}},
                      {"elapsed_s", c.elapsed_s}};
  for (const auto& lv : c.levels) {
    nlohmann::json l = {{"alpha", lv.alpha},
                        {"false_rejection", rate_json(lv.false_rejection)},
                        {"ratio_to_nominal", lv.ratio_to_nominal},
                        {"power_at_detectable_bias", rate_json(lv.power)},
                        {"median_detectable_bias", lv.median_detectable_bias},
                        {"detectable_biases", lv.detectable_bias}};
    if (r.options.sequential) {
      l["null_samples_used"] = samples_json(lv.null_samples);
      l["power_samples_used"] = samples_json(lv.power_samples);
    }
    if (lv.tolerance_pass) {
      l["tolerance_pass"] = rate_json(*lv.tolerance_pass);
      l["tolerance_pass_samples_used"] = samples_json(lv.pass_samples);
      l["false_pass_at_tolerance"] = rate_json(*lv.false_pass);
    }
    j["levels"].push_back(std::move(l));
  }
  return j;
}

void write_text(std::ostream& out, const CalibrateReport& r) {
  const auto g3 = [](double x) {
    std::ostringstream o;
    o << std::setprecision(3) << x;
    return o.str();
  };
  const CalibrationResult& c = r.result;
  out << "estcheck calibrate: " << r.estimator << " on " << r.problem << " at theta = (";
  for (std::size_t i = 0; i < r.theta.size(); ++i) out << (i ? ", " : "") << format_double(r.theta[i]);
  out << ")\n  " << r.options.repetitions << " repetitions x ";
  if (r.options.sequential)
    out << "sequential runs of at most " << r.options.sequential->max_samples << " samples";
  else
    out << r.options.samples << " samples";
  out << " (seed " << r.options.seed << ", " << r.threads << " threads, " << format_double(c.elapsed_s) << " s)";
  if (c.nonfinite_runs) out << "; " << c.nonfinite_runs << " runs with non-finite samples left out";
  if (c.error_runs) out << "; " << c.error_runs << " runs with no verdict left out (first: " << c.first_error << ")";
  out << "\n  test: " << c.test_method << "\n";
  if (r.options.planted_bias)
    out << "  power at a fixed planted bias of " << format_double(*r.options.planted_bias) << " on coordinate "
        << r.options.coordinate << "\n";
  out << "  alpha        false rejections   rate [95% CI]                    rate/alpha   "
      << (r.options.planted_bias ? "power at planted bias [95% CI]     " : "power at detectable bias [95% CI]  ")
      << " median detectable\n";
  for (const auto& lv : c.levels) {
    out << "  " << std::left << std::setw(12) << g3(lv.alpha) << " " << std::setw(18)
        << (std::to_string(lv.false_rejection.count) + "/" + std::to_string(lv.false_rejection.trials)) << " "
        << std::setw(32)
        << (g3(lv.false_rejection.rate) + " [" + g3(lv.false_rejection.lower) + ", " +
            g3(lv.false_rejection.upper) + "]")
        << " " << std::setw(12) << g3(lv.ratio_to_nominal) << " " << std::setw(35)
        << (g3(lv.power.rate) + " [" + g3(lv.power.lower) + ", " + g3(lv.power.upper) + "]")
        << " " << g3(lv.median_detectable_bias) << std::right << "\n";
  }
  for (const auto& lv : c.levels) {
    if (!r.options.sequential) break;
    const auto used = [&](const SamplesUsed& s) {
      return "median " + std::to_string(s.median) + ", mean " + g3(s.mean) + ", " + std::to_string(s.min) + "-" +
             std::to_string(s.max);
    };
    out << "  samples used at alpha " << g3(lv.alpha) << ": null runs " << used(lv.null_samples) << "; power runs "
        << used(lv.power_samples) << "\n";
    if (lv.tolerance_pass)
      out << "    tolerance " << format_double(*r.options.tolerance) << ": null runs passed "
          << lv.tolerance_pass->count << "/" << lv.tolerance_pass->trials << " (samples " << used(lv.pass_samples)
          << "); false passes at a bias of the tolerance " << lv.false_pass->count << "/" << lv.false_pass->trials
          << " = " << g3(lv.false_pass->rate) << " [" << g3(lv.false_pass->lower) << ", " << g3(lv.false_pass->upper)
          << "]\n";
  }
  out << "  p-values at alpha " << format_double(r.options.alphas.front()) << ": one-sided KS D- = "
      << g3(c.ks_minus) << " (p = " << g3(c.ks_minus_p)
      << "; large D- = too many small p-values), Anderson-Darling A2 = " << g3(c.anderson_darling) << "\n";
}

}  // namespace estcheck
