// reports/html.cpp — see html.hpp.
#include "reports/html.hpp"

#include "reports/claims.hpp"
#include "reports/svg.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace estcheck {
namespace {

using svg::escape;

const char* kStyle = R"(
body{font-family:sans-serif;margin:1.5em auto;padding:0 1em;max-width:1300px;color:#111;line-height:1.35}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
td,th{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eee}
tr.pass td.verdict{color:#05631b}
tr.fail,tr.error,section.fail h2{background:#f6c6c6}
tr.fail td.verdict,tr.error td.verdict{color:#8b0000;font-weight:bold}
tr.inconclusive{background:#fdf0c2}
code{font-size:.92em}
.charts{display:flex;flex-wrap:wrap;gap:10px}
.meta{color:#333}
.note{color:#555;font-size:.9em}
table.claims td{overflow-wrap:anywhere}
table.claims td:nth-child(5){min-width:40%}
div.figures{margin-bottom:.3em}
div.figures.fail{color:#8b0000;font-weight:bold}
)";

std::string label(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "FAIL";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::error: return "ERROR";
  }
  return "?";
}

std::string g(double v) { return svg::short_number(v); }

/// A check's row class and label by its outcome (an expected fail is a pass, labelled as such).
std::string row_class(const CheckResult& c) { return to_string(outcome(c)); }
std::string row_label(const CheckResult& c) {
  if (c.expect == Verdict::fail && c.verdict == Verdict::fail) return "fail (as claimed)";
  if (c.expect == Verdict::fail && c.verdict == Verdict::pass) return "pass: the claim expects fail";
  return label(c.verdict);
}

std::string reading_class(Reading r) {
  return r == Reading::holds ? "pass" : r == Reading::does_not_hold ? "fail" : "inconclusive";
}

std::string anchor(const std::string& name) {
  std::string a = "check-";
  for (char c : name) a += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return a;
}

void verify_charts(std::ostringstream& s, const CheckResult& c) {
  const VerifyReport& r = *c.verify;
  const std::size_t d = r.theta.size(), shown = std::min<std::size_t>(d, 4);
  for (std::size_t i = 0; i < shown; ++i) {
    svg::LineChart ch;
    ch.title = c.name + ": running mean of gradient coordinate " + std::to_string(i);
    ch.x_label = "samples n (log scale)";
    ch.y_label = "estimate of ∂L/∂θ" + std::to_string(i) + " (units of f per unit θ)";
    ch.log_x = true;
    svg::Series se;
    for (const auto& p : c.verify->checkpoints) {
      se.x.push_back(static_cast<double>(p.samples));
      se.y.push_back(p.mean[i]);
      se.lower.push_back(p.mean[i] - p.critical_value * p.std_error[i]);
      se.upper.push_back(p.mean[i] + p.critical_value * p.std_error[i]);
    }
    se.name = "mean, (1−α) band";
    ch.series.push_back(se);
    ch.hlines.push_back({"exact gradient", r.exact.gradient[i]});
    s << svg::render(ch);
  }
  svg::LineChart b;
  b.title = c.name + ": bound on max |bias| against samples";
  b.x_label = "samples n (log scale)";
  b.y_label = "max_i |bias_i| (units of the gradient, log scale)";
  b.log_x = b.log_y = true;
  svg::Series bound, observed;
  bound.name = "(1−α) upper bound";
  observed.name = "max |mean − exact|";
  for (const auto& p : c.verify->checkpoints) {
    bound.x.push_back(static_cast<double>(p.samples));
    bound.y.push_back(p.bias_bound);
    double m = 0;
    for (std::size_t i = 0; i < d; ++i) m = std::max(m, std::abs(p.mean[i] - r.exact.gradient[i]));
    observed.x.push_back(static_cast<double>(p.samples));
    observed.y.push_back(m);
  }
  b.series = {bound, observed};
  if (r.test.tolerance) b.hlines.push_back({"tolerance", *r.test.tolerance});
  s << svg::render(b);
  if (shown < d)
    s << "<p class='note'>Running means shown for the first " << shown << " of " << d << " coordinates.</p>";
}

void compare_charts(std::ostringstream& s, const CheckResult& c) {
  const CompareReport& first = c.compare.front();
  if (c.sweep_index) {
    svg::LineChart ch;
    ch.title = c.name + ": trace variance against θ[" + std::to_string(*c.sweep_index) + "]";
    ch.x_label = "θ[" + std::to_string(*c.sweep_index) + "] (parameter units)";
    ch.y_label = "trace of Var(estimator) (squared gradient units, log)";
    ch.log_y = true;
    for (std::size_t e = 0; e < first.result.estimators.size(); ++e) {
      svg::Series se;
      se.name = first.result.estimators[e];
      for (const auto& p : c.compare) {
        se.x.push_back(p.theta[*c.sweep_index]);
        se.y.push_back(p.result.trace[e]);
      }
      ch.series.push_back(se);
    }
    s << svg::render(ch);
  }
  for (const auto& p : c.compare) {
    if (c.sweep_index && &p != &c.compare.front() && &p != &c.compare.back()) continue;
    svg::BarChart b;
    b.title = c.name + ": Var(" + p.result.estimators[0] + ") / Var(estimator) at θ = " + theta_text(p.theta);
    b.y_label = "variance reduction, trace ratio (log scale)";
    b.log_y = true;
    b.legend_bar = "estimated ratio";
    b.legend_interval = "(1−α) interval";
    for (const auto& cmp : p.result.comparisons)
      b.bars.push_back({cmp.other, cmp.trace.ratio, cmp.trace.lower, cmp.trace.upper});
    b.hlines.push_back({"claimed minimum R = " + g(p.result.min_reduction), p.result.min_reduction});
    s << svg::render(b);
  }
}

void curve_chart(std::ostringstream& s, const CheckResult& c) {
  const BiasCurveReport& r = *c.curve;
  svg::LineChart ch;
  ch.title = c.name + ": exact bias of " + r.estimator + " against " + r.param;
  ch.x_label = r.param + " (estimator parameter)";
  ch.y_label = "exact bias E[ĝ] − ∇L (gradient units)";
  for (std::size_t i = 0; i < r.exact.gradient.size() && i < 6; ++i) {
    svg::Series se;
    se.name = "bias of coordinate " + std::to_string(i);
    for (std::size_t k = 0; k < r.values.size(); ++k) {
      se.x.push_back(r.values[k]);
      se.y.push_back(r.means[k].mean[i] - r.exact.gradient[i]);
    }
    ch.series.push_back(se);
  }
  ch.hlines.push_back({"no bias", 0.0});
  if (c.max_abs_bias) {
    ch.hlines.push_back({"claimed bound +", *c.max_abs_bias});
    ch.hlines.push_back({"claimed bound −", -*c.max_abs_bias});
  }
  s << svg::render(ch);
}

void calibrate_charts(std::ostringstream& s, const CheckResult& c) {
  const CalibrateReport& r = *c.calibrate;
  const CalibrationResult& res = r.result;
  if (c.calibration && !c.calibration->levels.empty()) {  // the claims per α, at the check's level
    const CalibrationClaims& cl = *c.calibration;
    s << "<table class='claims'><tr><th>α</th><th>false rejections</th><th>rate</th><th>bounds at "
      << g(cl.level) << "</th><th>rate / α</th><th>claim: rate ≤</th><th>power</th><th>bounds at " << g(cl.level)
      << "</th><th>claim: power ≥</th></tr>";
    for (std::size_t a = 0; a < cl.levels.size() && a < res.levels.size(); ++a) {
      const CalibrationClaimAtAlpha& l = cl.levels[a];
      const CalibrationAtAlpha& o = res.levels[a];
      s << "<tr><td>" << g(l.alpha) << "</td><td>" << o.false_rejection.count << "/" << o.false_rejection.trials
        << "</td><td>" << g(o.false_rejection.rate) << "</td><td>[" << g(l.rate_lower) << ", " << g(l.rate_upper)
        << "]</td><td>" << g(o.ratio_to_nominal) << "</td><td>" << g(l.max_rate) << "</td><td>" << g(o.power.rate)
        << "</td><td>[" << g(l.power_lower) << ", " << g(l.power_upper) << "]</td><td>" << g(cl.min_power)
        << "</td></tr>";
    }
    s << "</table>";
  }
  // (a) The null runs' p-values: a valid test's are uniform or pile up near 1 (conservative);
  // too much mass near 0 is miscalibration.
  constexpr std::size_t kBins = 20;
  svg::Histogram h;
  h.title = c.name + ": p-values of the " + std::to_string(res.p_values.size()) + " null runs";
  h.x_label = "family p-value of a run under the true null (test at α = " + g(r.options.alphas.front()) + ")";
  h.y_label = "density (fraction per unit p)";
  h.heights.assign(kBins, 0.0);
  for (double p : res.p_values)
    h.heights[std::min(kBins - 1, static_cast<std::size_t>(std::max(0.0, p) * kBins))] += 1.0;
  const double n = static_cast<double>(std::max<std::size_t>(1, res.p_values.size()));
  for (double& v : h.heights) v *= static_cast<double>(kBins) / n;
  h.legend_bar = "observed, " + std::to_string(kBins) + " bins";
  h.hlines.push_back({"uniform density 1", 1.0});
  s << svg::render(h);
  // (b) Observed false-rejection rate against the nominal α, with the bounds at the check's level.
  svg::LineChart ch;
  ch.title = c.name + ": false-rejection rate against nominal α";
  ch.x_label = "nominal level α (log scale)";
  ch.y_label = "false-rejection rate (fraction of runs, log scale)";
  ch.log_x = ch.log_y = true;
  svg::Series obs, nominal, claim;
  obs.name = "observed, with bounds";
  obs.line = false;
  nominal.name = "rate = α";
  nominal.markers = false;
  claim.name = "claim: rate = " + g(c.calibration ? c.calibration->max_ratio : 1.0) + "·α";
  claim.markers = false;
  bool zero = false;
  double lo = INFINITY, hi = 0;
  for (std::size_t a = 0; a < res.levels.size(); ++a) {
    const CalibrationAtAlpha& lv = res.levels[a];
    obs.x.push_back(lv.alpha);
    obs.y.push_back(lv.false_rejection.rate);
    zero = zero || lv.false_rejection.count == 0;
    if (c.calibration && a < c.calibration->levels.size()) {
      obs.bar_lower.push_back(c.calibration->levels[a].rate_lower);
      obs.bar_upper.push_back(c.calibration->levels[a].rate_upper);
    } else {
      obs.bar_lower.push_back(lv.false_rejection.lower);
      obs.bar_upper.push_back(lv.false_rejection.upper);
    }
    lo = std::min(lo, lv.alpha);
    hi = std::max(hi, lv.alpha);
  }
  // The reference lines span the α range, a little wider so that one α still shows a segment.
  for (double x : {lo / 1.5, hi * 1.5}) {
    nominal.x.push_back(x);
    nominal.y.push_back(x);
    claim.x.push_back(x);
    claim.y.push_back(x * (c.calibration ? c.calibration->max_ratio : 1.0));
  }
  ch.series = {obs, nominal, claim};
  s << svg::render(ch);
  s << "<p class='note'>Bars: one-sided Clopper–Pearson bounds on each rate at level "
    << (c.calibration ? g(c.calibration->level) : std::string("0.025")) << " (the check's threshold over its "
    << 2 * res.levels.size() << " claims)"
    << (zero ? "; a rate of 0 has no marker on the log scale, its bar starts at the bottom" : "") << ".</p>";
}

}  // namespace

std::string to_html(const SuiteReport& r) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
    << "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    << "<title>estcheck suite " << escape(r.name) << ": " << label(r.verdict) << "</title><style>" << kStyle
    << "</style></head>\n<body data-verdict='" << to_string(r.verdict) << "' data-checks='" << r.checks.size()
    << "'>\n<h1>estcheck suite <code>" << escape(r.name) << "</code>: " << label(r.verdict) << "</h1>\n";
  if (!r.description.empty()) s << "<p>" << escape(r.description) << "</p>\n";
  s << "<p class='meta'>Suite file <code>" << escape(r.file) << "</code>; seed " << r.seed
    << " (each check's seed is derived from it and the check's name); " << r.threads << " threads; "
    << g(r.elapsed_s) << " s; exit code " << exit_code(r.verdict) << ".</p>\n<p class='meta'>"
    << escape(budget_text(r)) << ".</p>\n";
  if (const std::vector<ClaimResult> ks = claims(r); !ks.empty()) {
    std::size_t held = 0;
    for (const auto& k : ks) held += k.reading == Reading::holds;
    s << "<h2 id='claims'>Claims: " << held << " of " << ks.size() << " hold</h2>\n<p class='note'>Each claim is "
      << "checked by the checks named after it; it holds when every one of them has the verdict the claim predicts "
      << "(docs/suites.md, &quot;Claims&quot;).</p>\n<table class='claims' data-claims='" << ks.size()
      << "' data-claims-held='" << held << "'><tr><th>reading</th><th>claim</th><th>source</th><th>checks</th>"
      << "<th>figures</th></tr>\n";
    for (const auto& k : ks) {  // the one-line reading, split: its verdict, then each check's figures
      s << "<tr class='" << reading_class(k.reading) << "'><td class='verdict'>"
        << (k.reading == Reading::does_not_hold ? "does not hold at these settings" : to_string(k.reading))
        << "</td><td>" << escape(k.claim) << "</td><td>" << escape(k.source) << "</td><td>";
      for (std::size_t i : k.checks)
        s << "<a href='#" << anchor(r.checks[i].name) << "'>" << escape(r.checks[i].name) << "</a>: "
          << escape(row_label(r.checks[i])) << "<br>";
      s << "</td><td>";
      for (std::size_t i : k.checks) {
        const CheckResult& c = r.checks[i];
        s << "<div class='figures " << row_class(c) << "'>" << escape(c.name) << " (expected " << to_string(c.expect)
          << ", got " << to_string(c.verdict) << "): " << escape(claim_figures(c)) << "</div>";
      }
      s << "</td></tr>\n";
    }
    s << "</table>\n";
  }
  s << "<table class='summary'><tr><th>status</th><th>check</th><th>kind</th><th>figures</th><th>p-value</th>"
       "<th>threshold</th><th>seed</th></tr>\n";
  for (const auto& c : r.checks)
    s << "<tr class='" << row_class(c) << "'><td class='verdict'>" << row_label(c) << "</td><td><a href='#"
      << anchor(c.name) << "'>" << escape(c.name) << "</a></td><td>" << escape(c.kind) << "</td><td>"
      << escape(figures(c)) << "</td><td>" << (c.p_value ? g(*c.p_value) : "—") << "</td><td>"
      << (c.threshold ? g(*c.threshold) : "—") << "</td><td>" << c.seed << "</td></tr>\n";
  s << "</table>\n";
  for (const auto& c : r.checks) {
    s << "<section class='check " << row_class(c) << "' id='" << anchor(c.name) << "'><h2>"
      << row_label(c) << ": " << escape(c.name) << " <small>(" << escape(c.kind) << ")</small></h2>\n";
    if (!c.claim.empty())
      s << "<p class='claim'>Claim: <q>" << escape(c.claim) << "</q> (" << escape(c.source) << "); expected verdict "
        << to_string(c.expect) << ".</p>\n";
    if (!c.description.empty()) s << "<p>" << escape(c.description) << "</p>\n";
    s << "<p>" << escape(c.reason) << ".</p>\n<p class='note'>" << escape(figures(c)) << "; seed " << c.seed
      << ".</p>\n<div class='charts'>";
    if (c.verify && !c.verify->checkpoints.empty()) verify_charts(s, c);
    else if (!c.compare.empty()) compare_charts(s, c);
    else if (c.curve) curve_chart(s, c);
    else if (c.calibrate) calibrate_charts(s, c);
    s << "</div></section>\n";
  }
  // The only script: marks the page as rendered (the browser test reads these attributes).
  s << "<script>\n(function(){var n=document.querySelectorAll('svg.chart').length;"
       "document.body.setAttribute('data-charts-rendered',String(n));"
       "var f=document.querySelectorAll('tr.fail,tr.error').length;"
       "document.body.setAttribute('data-failing-rows',String(f));})();\n</script>\n"
    << "</body></html>\n";
  return s.str();
}

}  // namespace estcheck
