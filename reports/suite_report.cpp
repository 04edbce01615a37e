// reports/suite_report.cpp — see suite_report.hpp.
#include "reports/suite_report.hpp"

#include "reports/claims.hpp"
#include "estimators/core/cleanup.hpp"
#include "estimators/core/error.hpp"
#include "verify/stats/holm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace estcheck {

Verdict overall_verdict(const std::vector<CheckResult>& checks) {
  Verdict v = Verdict::pass;
  for (const auto& c : checks) {
    const Verdict o = outcome(c);
    if (o == Verdict::error) return Verdict::error;
    if (o == Verdict::fail) v = Verdict::fail;
    else if (o == Verdict::inconclusive && v == Verdict::pass) v = Verdict::inconclusive;
  }
  return v;
}

std::string theta_text(const std::vector<double>& theta) {
  // Up to kThetaShown values in full; a longer θ (the VAE's encoder weights: hundreds) as its first
  // values and its length, so report rows stay readable (report.json keeps every value).
  constexpr std::size_t kThetaShown = 8;
  std::string s = "(";
  const std::size_t shown = theta.size() <= kThetaShown ? theta.size() : 4;
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + format_double(theta[i]);
  if (shown < theta.size()) s += ", ... " + std::to_string(theta.size()) + " values";
  return s + ")";
}

std::string figure_text(double v) {
  std::ostringstream s;
  s.precision(4);
  s << v;
  return s.str();
}

namespace {
std::string g(double v) { return figure_text(v); }

double max_abs_exact_bias(const BiasCurveReport& c) {
  double m = 0.0;
  for (const auto& mean : c.means)
    for (std::size_t i = 0; i < mean.mean.size(); ++i) m = std::max(m, std::abs(mean.mean[i] - c.exact.gradient[i]));
  return m;
}
}  // namespace

double max_abs_z(const CheckResult& c) {
  if (!c.verify) return 0.0;
  const BiasTest& t = c.verify->test;
  double z = 0.0;
  for (std::size_t i = 0; i < t.bias.size(); ++i)
    z = std::max(z, t.std_error[i] > 0 ? std::abs(t.bias[i]) / t.std_error[i]
                                       : (t.bias[i] != 0 ? INFINITY : 0.0));
  return z;
}

std::string figures(const CheckResult& c) {
  std::string s;
  if (c.verify) {
    const VerifyReport& r = *c.verify;
    s = "estimator " + r.estimator.spec + ", problem " + r.problem + ", theta " + theta_text(r.theta) + ", samples " +
        std::to_string(r.run.requested) + ", max |z| " + g(max_abs_z(c)) + ", bias bound " + g(r.test.bias_bound);
  } else if (!c.compare.empty()) {
    const CompareResult& r = c.compare.front().result;
    s = "estimators " + r.estimators[0] + " vs";
    for (std::size_t e = 1; e < r.estimators.size(); ++e) s += (e > 1 ? ", " : " ") + r.estimators[e];
    s += ", problem " + c.compare.front().problem;
    if (c.sweep_index)
      s += ", theta[" + std::to_string(*c.sweep_index) + "] over " + std::to_string(c.compare.size()) + " points from " +
           theta_text(c.compare.front().theta) + " to " + theta_text(c.compare.back().theta);
    else s += ", theta " + theta_text(c.compare.front().theta);
    double lo = INFINITY;
    for (const auto& p : c.compare)
      for (const auto& cmp : p.result.comparisons) lo = std::min(lo, cmp.trace.lower);
    s += ", samples " + std::to_string(r.samples) + ", min reduction " + g(r.min_reduction) +
         ", smallest lower end of Var(reference)/Var(other) " + g(lo);
  } else if (c.curve) {
    s = "estimator " + c.curve->estimator + ", problem " + c.curve->problem + ", theta " + theta_text(c.curve->theta) +
        ", " + c.curve->param + " from " + g(c.curve->values.front()) + " to " + g(c.curve->values.back()) +
        ", max |exact bias| " + g(max_abs_exact_bias(*c.curve));
    if (c.max_abs_bias) s += " (claim: <= " + g(*c.max_abs_bias) + ")";
  } else if (c.calibrate) {
    const CalibrateReport& r = *c.calibrate;
    s = "estimator " + r.estimator + ", problem " + r.problem + ", theta " + theta_text(r.theta) + ", test " +
        (r.result.test_method.empty() ? std::string("(none: no finite run)") : r.result.test_method) + ", " +
        std::to_string(r.options.repetitions) + " repetitions x " +
        std::to_string(r.options.samples) + " samples";
    if (c.calibration) {
      const CalibrationClaims& cl = *c.calibration;
      s += ", claims rate <= " + g(cl.max_ratio) + " x alpha and power >= " + g(cl.min_power) + "; bounds at level " +
           g(cl.level);
      for (std::size_t a = 0; a < cl.levels.size() && a < r.result.levels.size(); ++a) {
        const CalibrationClaimAtAlpha& l = cl.levels[a];
        const CalibrationAtAlpha& o = r.result.levels[a];
        s += "; alpha " + g(l.alpha) + ": false rejections " + std::to_string(o.false_rejection.count) + "/" +
             std::to_string(o.false_rejection.trials) + ", rate " + g(o.false_rejection.rate) + " [" + g(l.rate_lower) +
             ", " + g(l.rate_upper) + "], ratio " + g(o.ratio_to_nominal) + ", power " + g(o.power.rate) + " [" +
             g(l.power_lower) + ", " + g(l.power_upper) + "]";
      }
    }
  }
  if (c.p_value) s += ", p-value " + g(*c.p_value);
  if (c.threshold) s += ", threshold " + g(*c.threshold);
  return s;
}

std::string budget_text(const SuiteReport& r) {
  std::ostringstream s;
  s << "error budget alpha = " << format_double(r.alpha) << " (family-wise, over the suite), split over m = "
    << r.budget_checks << " check" << (r.budget_checks == 1 ? "" : "s")
    << " by Holm's step-down procedure: the check with the j-th smallest p-value is failed when p <= alpha / (m - j + 1)"
       " and every smaller p was failed too";
  if (r.budget_checks > 0) {
    s << "; thresholds";
    const std::vector<double> levels = holm_levels(r.budget_checks, r.alpha);
    for (std::size_t j = 0; j < levels.size(); ++j) s << (j > 0 ? ", " : " ") << g(levels[j]);
  }
  return s.str();
}

nlohmann::json to_json(const CheckResult& c) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"name", c.name},
                      {"kind", c.kind},
                      {"description", c.description},
                      {"seed", c.seed},
                      {"verdict", to_string(c.verdict)},
                      {"reason", c.reason},
                      {"p_value", opt(c.p_value)},
                      {"holm_rank", opt(c.holm_rank)},
                      {"threshold", opt(c.threshold)},
                      {"figures", figures(c)},
                      {"elapsed_s", c.elapsed_s}};
  if (!c.claim.empty()) {
    j["claim"] = c.claim;
    j["source"] = c.source;
    j["expect"] = to_string(c.expect);
    j["outcome"] = to_string(outcome(c));
  }
  if (c.verify) {
    j["result"] = to_json(*c.verify);
    j["max_abs_z"] = max_abs_z(c);
    nlohmann::json cps = nlohmann::json::array();
    for (const auto& p : c.verify->checkpoints)
      cps.push_back({{"samples", p.samples}, {"mean", p.mean}, {"std_error", p.std_error},
                     {"bias_bound", p.bias_bound}, {"critical_value", p.critical_value}});
    j["checkpoints"] = cps;
  } else if (!c.compare.empty()) {
    if (c.sweep_index) {
      const auto& f = c.compare.front();
      nlohmann::json points = nlohmann::json::array();
      for (const auto& p : c.compare) points.push_back(to_json(p));
      j["result"] = {{"schema_version", kJsonSchemaVersion}, {"command", "compare"}, {"problem", f.problem},
                     {"theta", f.theta}, {"sweep_index", *c.sweep_index}, {"estimators", f.result.estimators},
                     {"samples", f.result.samples}, {"seed", f.seed}, {"alpha", c.threshold ? *c.threshold : f.result.alpha},
                     {"alpha_per_point", f.result.alpha}, {"min_reduction", f.result.min_reduction},
                     {"points", points}, {"verdict", to_string(c.verdict)}};
    } else {
      j["result"] = to_json(c.compare.front());
    }
  } else if (c.curve) {
    j["result"] = to_json(*c.curve);
    j["max_abs_bias"] = opt(c.max_abs_bias);
    j["max_abs_exact_bias"] = max_abs_exact_bias(*c.curve);
  } else if (c.calibrate) {
    j["result"] = to_json(*c.calibrate);
    if (c.calibration) {
      const CalibrationClaims& cl = *c.calibration;
      nlohmann::json levels = nlohmann::json::array();
      for (const auto& l : cl.levels)
        levels.push_back({{"alpha", l.alpha},
                          {"max_rate", l.max_rate},
                          {"false_rejection_bounds", {l.rate_lower, l.rate_upper}},
                          {"false_rejection_p_value", l.rate_p_value},
                          {"power_bounds", {l.power_lower, l.power_upper}},
                          {"power_p_value", l.power_p_value}});
      j["claims"] = {{"max_ratio", cl.max_ratio},
                     {"min_power", cl.min_power},
                     {"bound_level", cl.level},
                     {"p_value", cl.p_value},
                     {"levels", levels}};
    }
  }
  return j;
}

nlohmann::json to_json(const SuiteReport& r) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : r.checks) checks.push_back(to_json(c));
  const nlohmann::json thresholds = holm_levels(r.budget_checks, r.alpha);
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto& c : r.checks) ++counts[static_cast<int>(c.verdict)];
  nlohmann::json claim_list = nlohmann::json::array();
  for (const auto& k : claims(r)) claim_list.push_back(to_json(k, r));
  return {{"schema_version", kSuiteReportVersion},
          {"command", "suite"},
          {"suite", r.name},
          {"description", r.description},
          {"suite_file", r.file},
          {"seed", r.seed},
          {"seed_derivation", "check seed = splitmix64(splitmix64(suite seed) + fnv1a64(check name)) (docs/suites.md)"},
          {"threads", r.threads},
          {"alpha", r.alpha},
          {"correction", "Holm step-down over the checks' family-wise p-values"},
          {"budget_checks", r.budget_checks},
          {"holm_thresholds", thresholds},
          {"budget", budget_text(r)},
          {"counts", {{"pass", counts[0]}, {"fail", counts[1]}, {"inconclusive", counts[2]}, {"error", counts[3]}}},
          {"verdict", to_string(r.verdict)},
          {"exit_code", exit_code(r.verdict)},
          {"elapsed_s", r.elapsed_s},
          {"claims", claim_list},
          {"checks", checks}};
}

void write_files(const std::vector<std::pair<std::string, std::string>>& files, const std::string& argument) {
  std::vector<std::string> temps;
  auto cleanup = [&] {
    for (const auto& t : temps) {
      std::remove(t.c_str());
      untrack_temp_file(t);
    }
  };
  for (const auto& f : files) check_output_path(f.first, argument);
  for (const auto& [path, text] : files) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    temps.push_back(tmp);
    track_temp_file(tmp);  // removed by the SIGINT/SIGTERM handler if the run is stopped now
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      cleanup();
      raise_input_error(argument, "a writable file", "'" + path + "' (write failed)");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    std::filesystem::rename(temps[i], files[i].first, ec);
    untrack_temp_file(temps[i]);
    if (ec) {
      for (std::size_t k = i; k < temps.size(); ++k) {
        std::remove(temps[k].c_str());
        untrack_temp_file(temps[k]);
      }
      raise_input_error(argument, "a writable file", "'" + files[i].first + "' (" + ec.message() + ")");
    }
  }
}

}  // namespace estcheck
