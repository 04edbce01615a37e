// tests/test_suite.cpp — suites (tools/suite.hpp) and their reports (reports/suite_report.hpp,
// junit.hpp, markdown.hpp, html.hpp, svg.hpp), in-process and deterministic:
// - Holm's thresholds over checks against hand-worked cases, and their defining property (a check
//   fails exactly when p <= its threshold, and that is Holm's step-down rejection set), and that
//   they and the adjusted p-values (verify/stats/holm.hpp) are one procedure;
// - check seeds: fixed values, independent of the other checks, different per name;
// - parse_suite: every malformed file is an InputError naming the file and the JSON pointer;
// - the writers on a hand-built report: a failing check is a JUnit <failure> with its figures, a
//   "FAIL" row in Markdown and a red row in HTML; charts are SVG with a legend; text is escaped;
// - write_files writes all files or none.
// - judge_calibration (the calibrate check's claims) on hand-built counts: closed-form bounds, the
//   duality of bounds and p-values, and the pass / fail / inconclusive cases.
// - a one-check suite's verify report equals, field by field, the pipeline's (verify/pipeline.hpp)
//   and `estcheck verify --json`'s for the same check and seed (dice:order=2 says order 2);
// Two small suites are run (planted bugs, fixed seed 1): a mutant check with |z| in the hundreds,
// and the t test's calibration on gaussian-exp (false-rejection rate about 20 x alpha = 1e-3, fail
// p-value below 1e-20 against a threshold of 1e-4), so neither asserted fail is a borderline outcome
// and neither draws from tests/budget.hpp; no pass verdict is asserted here (tests/suite_reports.sh
// asserts the default suite's, at budget::kSuites).
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"
#include "reports/suite_report.hpp"
#include "reports/svg.hpp"
#include "estimators/core/error.hpp"
#include "tools/cli.hpp"
#include "tools/suite.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/pipeline.hpp"
#include "verify/stats/calibrate.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace estcheck {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    for (;;) {
      path_ = fs::temp_directory_path() /
              ("estcheck_test_suite." + std::to_string(::getpid()) + "." + std::to_string(counter++));
      if (fs::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(Holm, HandWorkedThresholds) {
  // m = 4, α = 0.04: thresholds by rank 0.01, 0.04/3, 0.02, 0.04. p sorted: 0.001 (rank 1,
  // 0.001 <= 0.01: fail), 0.012 (rank 2, <= 0.0133: fail), 0.03 (rank 3, > 0.02: stop), 0.5.
  // After the stop every later rank keeps the stopping threshold 0.02.
  const auto h = holm_thresholds({0.5, 0.012, 0.001, 0.03}, 0.04);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[2].first, 1u);
  EXPECT_DOUBLE_EQ(h[2].second, 0.01);
  EXPECT_EQ(h[1].first, 2u);
  EXPECT_DOUBLE_EQ(h[1].second, 0.04 / 3);
  EXPECT_EQ(h[3].first, 3u);
  EXPECT_DOUBLE_EQ(h[3].second, 0.02);
  EXPECT_EQ(h[0].first, 4u);
  EXPECT_DOUBLE_EQ(h[0].second, 0.02);
}

TEST(Holm, FailsExactlyTheStepDownRejections) {
  // Against the adjusted-p-value form of Holm: reject i iff max_{l <= rank i} (m-l+1) p_(l) <= α.
  const std::vector<std::vector<double>> cases = {
      {0.01, 0.02, 0.03}, {0.0, 0.0, 1.0}, {0.2, 0.001, 0.0249, 0.5, 0.012}, {1e-9}, {0.9}, {0.02, 0.02, 0.02}};
  for (const auto& p : cases) {
    const double alpha = 0.05;
    const auto h = holm_thresholds(p, alpha);
    std::vector<std::size_t> order(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) order[h[i].first - 1] = i;
    double running = 0;
    for (std::size_t l = 0; l < p.size(); ++l) {
      running = std::max(running, static_cast<double>(p.size() - l) * p[order[l]]);
      const bool holm_rejects = running <= alpha;
      EXPECT_EQ(p[order[l]] <= h[order[l]].second, holm_rejects) << "case starting " << p[0] << ", rank " << l + 1;
    }
  }
}

TEST(Holm, ThresholdsAndAdjustedPValuesAreOneProcedure) {
  // verify/stats/holm.hpp's two views: p_i <= threshold_i exactly when adjusted_i <= α, at levels
  // on both sides of the p-values (including equal to one of them, and ties).
  const std::vector<std::vector<double>> cases = {
      {0.01, 0.02, 0.03}, {0.0, 0.0, 1.0}, {0.2, 0.001, 0.0249, 0.5, 0.012}, {1e-9}, {0.9}, {0.02, 0.02, 0.02}};
  for (const auto& p : cases) {
    const std::vector<double> adjusted = holm_adjusted(p);
    for (const double alpha : {1e-3, 0.01, 0.03, 0.05, 0.06, 0.2}) {
      const auto h = holm_thresholds(p, alpha);
      for (std::size_t i = 0; i < p.size(); ++i)
        EXPECT_EQ(p[i] <= h[i].second, adjusted[i] <= alpha) << "case starting " << p[0] << ", alpha " << alpha;
    }
  }
  EXPECT_EQ(holm_levels(4, 0.04), (std::vector<double>{0.01, 0.04 / 3, 0.02, 0.04}));
}

TEST(CheckSeed, FixedDistinctAndIndependentOfOtherChecks) {
  const std::uint64_t a = check_seed(1, "reinforce-toy");
  EXPECT_EQ(a, check_seed(1, "reinforce-toy"));
  EXPECT_NE(a, check_seed(2, "reinforce-toy"));
  EXPECT_NE(a, check_seed(1, "reinforce-toy2"));
  EXPECT_NE(check_seed(1, "ab"), check_seed(1, "ba"));
  // Pinned: the derivation is part of the reproducibility contract (docs/suites.md).
  EXPECT_EQ(a, 6410594666900315492ULL);
}

std::string expect_input_error(const std::string& path) {
  try {
    parse_suite(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << path;
  return "";
}

TEST(ParseSuite, MalformedFilesNameTheFileAndPointer) {
  TempDir dir;
  const std::string ok_check =
      R"({"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0]})";
  struct Case {
    std::string name, text, needle1, needle2;
  };
  auto cal = [](const std::string& key_value) {  // a calibrate check with one more key
    return R"({"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "estimator": "reinforce", "theta": [0], )" +
           key_value + "}]}";
  };
  const std::vector<Case> cases = {
      {"unknown_top_key", R"({"checks": [)" + ok_check + R"(], "alpah": 1e-4})", "/alpah", "unknown key"},
      {"unknown_check_key", R"({"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0], "sample": 5}]})",
       "/checks/0/sample", "unknown key"},
      {"wrong_type", R"({"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0], "samples": "many"}]})",
       "/checks/0/samples", "an integer"},
      {"theta_type", R"({"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": 0}]})",
       "/checks/0/theta", "array"},
      {"duplicate", R"({"checks": [)" + ok_check + "," + ok_check + "]}", "/checks/1/name", "already"},
      {"unknown_problem", R"({"checks": [{"name": "a", "kind": "verify", "problem": "nosuch", "estimator": "reinforce", "theta": [0]}]})",
       "/checks/0/problem", "nosuch"},
      {"unknown_estimator", R"({"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "nosuch", "theta": [0]}]})",
       "/checks/0/estimator", "nosuch"},
      {"unknown_kind", R"({"checks": [{"name": "a", "kind": "calibrat", "problem": "toy", "theta": [0]}]})",
       "/checks/0/kind", "calibrate"},
      // calibrate: the same strictness for its keys.
      {"calibrate_no_estimator", R"({"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "theta": [0]}]})",
       "/checks/0/estimator", "required"},
      {"calibrate_unknown_key", cal(R"("repetition": 10)"), "/checks/0/repetition", "unknown key"},
      {"calibrate_repetitions_type", cal(R"("repetitions": "many")"), "/checks/0/repetitions", "an integer"},
      {"calibrate_repetitions_zero", cal(R"("repetitions": 0)"), "/checks/0/repetitions", "[1, "},
      {"calibrate_samples_one", cal(R"("samples": 1)"), "/checks/0/samples", "[2, "},
      {"calibrate_alphas_type", cal(R"("alphas": 0.01)"), "/checks/0/alphas", "array"},
      {"calibrate_alphas_empty", cal(R"("alphas": [])"), "/checks/0/alphas", "non-empty"},
      {"calibrate_alpha_range", cal(R"("alphas": [0.01, 1])"), "/checks/0/alphas/1", "(0, 1)"},
      {"calibrate_test", cal(R"("test": "z")"), "/checks/0/test", "auto, t, catoni or betting"},
      {"calibrate_coordinate", cal(R"("coordinate": 1)"), "/checks/0/coordinate", "[0, 0]"},
      {"calibrate_max_ratio", cal(R"("max_ratio": 0)"), "/checks/0/max_ratio", "> 0"},
      {"calibrate_min_power", cal(R"("min_power": 1.5)"), "/checks/0/min_power", "[0, 1]"},
      {"calibrate_min_power_type", cal(R"("min_power": "high")"), "/checks/0/min_power", "a number"},
      {"calibrate_catoni_without_variance",
       R"({"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "estimator": "relax", "theta": [1], "test": "catoni"}]})",
       "/checks/0/test", "exact variance"},
      {"calibrate_hessian",  // VIMCO is calibrated against its own ∇L_K (issue 18); a Hessian is not
       R"({"checks": [{"name": "a", "kind": "calibrate", "problem": "scg-fig1c", "estimator": "dice:order=2", "theta": [0]}]})",
       "/checks/0/estimator", "Hessian"},
      {"missing_key", R"({"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce"}]})",
       "/checks/0/theta", "required"},
      {"syntax", "{\"checks\": [\n  {\"name\": \"a\",,}\n]}", "valid JSON", "line 2"},
      {"alpha_range", R"({"alpha": 2, "checks": [)" + ok_check + "]}", "/alpha", "(0, 1)"},
      {"empty_checks", R"({"checks": []})", "/checks", "non-empty"},
  };
  for (const auto& c : cases) {
    const std::string path = dir.file(c.name + ".json", c.text);
    const std::string msg = expect_input_error(path);
    EXPECT_NE(msg.find(path), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.needle1), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.needle2), std::string::npos) << c.name << ": " << msg;
  }
  const std::string missing = expect_input_error((dir.path() / "missing.json").string());
  EXPECT_NE(missing.find("no such file"), std::string::npos) << missing;
}

TEST(ParseSuite, DefaultsAndTablePathsRelativeToTheSuite) {
  TempDir dir;
  dir.file("t.json", R"({"distribution": "bernoulli", "n": 1, "table": [0.2, 0.7]})");
  const std::string path = dir.file(
      "s.json", R"({"checks": [{"name": "a", "kind": "verify", "problem": "t.json", "estimator": "arm", "theta": [0.1]}]})");
  const SuiteSpec s = parse_suite(path);
  EXPECT_EQ(s.name, "s");
  EXPECT_EQ(s.alpha, 1e-4);
  EXPECT_EQ(s.seed, 1u);
  ASSERT_EQ(s.checks.size(), 1u);
  EXPECT_EQ(s.checks[0].samples, 100000u);
  EXPECT_EQ(fs::path(s.checks[0].problem), (dir.path() / "t.json").lexically_normal());
}

/// A hand-built report: one failing verify check, one passing bias-curve.
SuiteReport sample_report() {
  SuiteReport r;
  r.name = "demo <&>";
  r.file = "demo.json";
  r.seed = 3;
  r.threads = 2;
  r.alpha = 1e-4;
  r.budget_checks = 1;
  CheckResult v;
  v.name = "bad-one";
  v.kind = "verify";
  v.seed = 42;
  v.verdict = Verdict::fail;
  v.reason = "bias detected";
  v.p_value = 0.0;
  v.holm_rank = 1;
  v.threshold = 1e-4;
  VerifyReport vr;
  vr.problem = "toy:t=0.45";
  vr.estimator.spec = "mutant/x";
  vr.theta = {1.0};
  vr.exact.gradient = {0.5};
  vr.exact.error = {0.0};
  vr.run.requested = 2048;
  vr.test.exact = {0.5};
  vr.test.mean = {0.7};
  vr.test.std_error = {0.01};
  vr.test.bias = {0.2};
  vr.test.bias_bound = 0.25;
  vr.test.verdict = Verdict::fail;
  vr.checkpoints = {{1024, {0.69}, {0.014}, 0.27, 4.0}, {2048, {0.7}, {0.01}, 0.25, 4.0}};
  v.verify = vr;
  CheckResult b;
  b.name = "curve";
  b.kind = "bias-curve";
  b.verdict = Verdict::pass;
  b.reason = "exact";
  BiasCurveReport cr;
  cr.problem = "toy";
  cr.estimator = "concrete";
  cr.param = "temperature";
  cr.theta = {1.0};
  cr.values = {0.1, 1.0};
  cr.exact.gradient = {0.5};
  cr.means = {EstimatorMean{{0.45}, {0.0}, "quadrature", {}}, EstimatorMean{{0.3}, {0.0}, "quadrature", {}}};
  b.curve = cr;
  r.checks = {v, b};
  r.verdict = overall_verdict(r.checks);
  return r;
}

TEST(Writers, FailingCheckIsAFailureWithFiguresAndARedRow) {
  const SuiteReport r = sample_report();
  EXPECT_EQ(r.verdict, Verdict::fail);
  const std::string junit = to_junit(r);
  EXPECT_NE(junit.find("<testcase name='bad-one' classname='estcheck.verify'"), std::string::npos);
  EXPECT_NE(junit.find("<failure type='fail' message='check bad-one fail: estimator mutant/x, problem toy:t=0.45, "
                       "theta (1), samples 2048, max |z| 20, bias bound 0.25, p-value 0, threshold 0.0001'"),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("name='demo &lt;&amp;&gt;'"), std::string::npos);
  EXPECT_NE(junit.find("tests='2' failures='1' errors='0'"), std::string::npos);
  const std::string md = to_markdown(r);
  EXPECT_NE(md.find("| 🔴 **FAIL** | `bad-one` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 🟢 pass | `curve` |"), std::string::npos) << md;
  const std::string html = to_html(r);
  EXPECT_NE(html.find("<tr class='fail'><td class='verdict'>FAIL</td>"), std::string::npos);
  EXPECT_EQ(html.find("http://", html.find("<body")) , html.find("http://www.w3.org/2000/svg"));
  // Two running-mean charts? One coordinate: one running mean, one bias bound; plus the curve.
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 3u);
  EXPECT_EQ(html.find("<demo"), std::string::npos);  // the suite name is escaped
}

TEST(Svg, LineChartHasAxesLegendAndSkipsUnplottablePoints) {
  svg::LineChart c;
  c.title = "t";
  c.x_label = "samples n";
  c.y_label = "mean (units)";
  c.log_x = true;
  c.series.push_back({"a<b", {1, 10, 100, -1}, {1, 2, 3, 4}, {}, {}, true, true, {}, {}});
  c.hlines.push_back({"exact", 2.5});
  const std::string s = svg::render(c);
  EXPECT_EQ(s.rfind("<svg", 0), 0u);
  EXPECT_NE(s.find("samples n"), std::string::npos);
  EXPECT_NE(s.find("mean (units)"), std::string::npos);
  EXPECT_NE(s.find("a&lt;b"), std::string::npos);
  EXPECT_NE(s.find("class='legend'"), std::string::npos);
  EXPECT_NE(s.find("stroke-dasharray='5,4'"), std::string::npos);  // the reference line is dashed
  // x = -1 on a log axis is skipped: 3 markers (circles) for the series, plus one in the legend.
  std::size_t circles = 0;
  for (std::size_t at = s.find("<circle"); at != std::string::npos; at = s.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 4u);
  EXPECT_EQ(svg::short_number(1e5), "1e+05");
  EXPECT_EQ(svg::short_number(0.25), "0.25");
}

TEST(WriteFiles, AllOrNothing) {
  TempDir dir;
  const std::string a = (dir.path() / "a.txt").string(), b = (dir.path() / "no" / "b.txt").string();
  EXPECT_THROW(write_files({{a, "A"}, {b, "B"}}, "--out"), InputError);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);
  write_files({{a, "A"}}, "--out");
  std::ifstream in(a);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "A");
}

TEST(RunSuite, PlantedBugFailsWithHolmArithmetic) {
  TempDir dir;
  // Seed 1 (the file's); the mutant's bias is 0.2 against a standard error near 1e-3 (|z| near 200).
  const std::string path = dir.file("p.json", R"({"seed": 1, "alpha": 1e-4, "checks": [
    {"name": "mutant", "kind": "verify", "problem": "toy:t=0.45", "estimator": "mutant/score-no-normalizer",
     "theta": [1], "samples": 20000},
    {"name": "curve", "kind": "bias-curve", "problem": "toy:t=0.45", "estimator": "concrete", "theta": [1],
     "param": "temperature", "from": 0.1, "to": 1, "count": 3, "max_abs_bias": 1}]})");
  std::ostringstream out, err;
  SuiteOptions o;
  o.threads = 1;
  const SuiteReport r = run_suite(parse_suite(path), o, out, err);
  EXPECT_EQ(r.budget_checks, 1u);
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_EQ(r.checks[0].verdict, Verdict::fail);
  EXPECT_EQ(r.checks[0].threshold, 1e-4);  // m = 1: the whole budget
  EXPECT_EQ(r.checks[0].seed, check_seed(1, "mutant"));
  EXPECT_EQ(r.checks[0].verify->checkpoints.size(), 6u);  // 1, 2, 4, 8, 16 blocks, then all 20000 samples
  EXPECT_EQ(r.checks[0].verify->checkpoints.back().samples, 20000u);
  EXPECT_EQ(r.checks[1].verdict, Verdict::pass);  // exact: |bias| <= 1 for a gradient below 0.25
  EXPECT_FALSE(r.checks[1].p_value.has_value());
  EXPECT_EQ(r.verdict, Verdict::fail);
  EXPECT_EQ(err.str(), "");  // no progress bar unless asked for
  EXPECT_NE(out.str().find("split over m = 1 check"), std::string::npos) << out.str();
}

/// The verify report of a one-check suite as JSON, without its timing. With one budgeted check,
/// Holm's threshold is the suite's α and the Catoni scale is tuned to α0 = α, as `verify` tunes it.
nlohmann::json one_check_suite_report(const TempDir& dir, const std::string& check, std::uint64_t seed,
                                      const std::string& alpha) {
  const std::string path = dir.file("one.json", R"({"seed": )" + std::to_string(seed) + R"(, "alpha": )" + alpha +
                                                    R"(, "checks": [)" + check + "]}");
  SuiteOptions o;
  o.threads = 1;
  std::ostringstream out, err;
  const SuiteReport r = run_suite(parse_suite(path), o, out, err);
  EXPECT_TRUE(r.checks.at(0).verify.has_value());
  nlohmann::json j = to_json(*r.checks.at(0).verify);
  j.erase("elapsed_s");
  return j;
}

/// `estcheck verify ARGS --json -` in-process, without its timing.
nlohmann::json cli_verify_report(std::vector<std::string> args) {
  args.insert(args.begin(), {"estcheck", "verify"});
  for (const std::string a : {"--threads", "1", "--json", "-"}) args.push_back(a);
  std::ostringstream out, err;
  EXPECT_EQ(run_cli(args, out, err) == 2, false) << err.str();
  nlohmann::json j = nlohmann::json::parse(out.str());
  j.erase("elapsed_s");
  return j;
}

void expect_same_fields(const nlohmann::json& a, const nlohmann::json& b) {
  for (auto it = a.begin(); it != a.end(); ++it) EXPECT_EQ(it.value(), b.value(it.key(), nlohmann::json())) << it.key();
  EXPECT_EQ(a.size(), b.size());
}

TEST(RunSuite, VerifyReportIsThePipelinesFieldByField) {
  // dice:order=2 (issue 13: a suite report once said "order": 1): the Hessian, t-test (no exact
  // variance: scg-gauss has a gaussian node, so the draws are not enumerable), with a tolerance.
  // The verdict does not matter here.
  TempDir dir;
  const nlohmann::json suite = one_check_suite_report(
      dir, R"({"name": "dice", "kind": "verify", "problem": "scg-gauss", "estimator": "dice:order=2",
               "theta": [0.3, -0.2], "samples": 20000, "tolerance": 0.5})", 5, "1e-3");
  EXPECT_EQ(suite.at("order"), 2);
  EXPECT_EQ(suite.at("estimator"), "dice:order=2");
  auto problem = make_problem("scg-gauss");
  auto estimator = make_estimator("dice:order=2");
  VerifyRequest q;
  q.problem = problem.get();
  q.estimator = estimator.get();
  q.theta = {0.3, -0.2};
  q.run.samples = 20000;
  q.run.seed = check_seed(5, "dice");
  q.run.threads = 1;
  q.test = {1e-3, 0.5};
  q.explain_test_choice = false;  // the suite names the t-test as test_bias does
  nlohmann::json direct = to_json(estcheck::verify(q));
  direct.erase("elapsed_s");
  expect_same_fields(suite, direct);
  // The CLI's report: the same, except that it says why the t-test ran.
  nlohmann::json cli = cli_verify_report({"scg-gauss", "dice:order=2", "--theta", "0.3,-0.2", "--samples", "20000", "--seed",
                                          std::to_string(check_seed(5, "dice")), "--alpha", "1e-3", "--tolerance", "0.5"});
  EXPECT_EQ(cli.at("test"), suite.at("test").get<std::string>() +
                                "; chosen because no variance bound is known (the Catoni test needs one)");
  cli["test"] = suite.at("test");
  expect_same_fields(suite, cli);
}

TEST(RunSuite, VerifyReportIsTheClisWithTheCatoniTest) {
  // reinforce on the toy: the exact variance is known, so both run the Catoni test tuned to α.
  TempDir dir;
  const nlohmann::json suite = one_check_suite_report(
      dir, R"({"name": "r", "kind": "verify", "problem": "toy:t=0.45", "estimator": "reinforce", "theta": [1],
               "samples": 20000})", 3, "1e-4");
  EXPECT_NE(suite.at("test").get<std::string>().find("Catoni"), std::string::npos);
  expect_same_fields(suite, cli_verify_report({"toy:t=0.45", "reinforce", "--theta", "1", "--samples", "20000", "--seed",
                                               std::to_string(check_seed(3, "r")), "--alpha", "1e-4"}));
}

/// A calibration result with n finite repetitions and (false rejections, power rejections) per α.
CalibrationResult counts(std::uint64_t n, const std::vector<std::tuple<double, std::uint64_t, std::uint64_t>>& levels) {
  CalibrationResult r;
  for (const auto& [alpha, k, j] : levels) {
    CalibrationAtAlpha lv;
    lv.alpha = alpha;
    lv.false_rejection = rate_estimate(k, n);
    lv.ratio_to_nominal = lv.false_rejection.rate / alpha;
    lv.power = rate_estimate(j, n);
    r.levels.push_back(lv);
  }
  return r;
}

TEST(CalibrationClaims, ClosedFormBoundsAndBonferroniOverTheClaims) {
  // k = 0 of n: the one-sided Clopper–Pearson upper bound at level γ is 1 - γ^(1/n); j = n: the
  // lower bound on power is γ^(1/n). Two α, so 4 claims and γ = threshold / 4.
  const std::uint64_t n = 20000;
  const CalibrationClaims c = judge_calibration(counts(n, {{0.01, 0, n}, {0.001, 0, n}}), 1.5, 0.85, 1e-3);
  EXPECT_DOUBLE_EQ(c.level, 2.5e-4);
  ASSERT_EQ(c.levels.size(), 2u);
  // Tolerance: Boost inverts the incomplete beta to near machine precision; 1e-9 relative leaves
  // room for the rounding of pow and 1 - x here, and is far below any figure reported (4 digits).
  const double closed = 1.0 - std::pow(2.5e-4, 1.0 / static_cast<double>(n));
  EXPECT_NEAR(c.levels[0].rate_upper, closed, 1e-9 * closed);
  EXPECT_NEAR(c.levels[0].power_lower, 1.0 - closed, 1e-9);
  EXPECT_EQ(c.levels[0].rate_lower, 0.0);
  EXPECT_EQ(c.levels[0].rate_p_value, 1.0);  // P(X >= 0)
  EXPECT_DOUBLE_EQ(c.levels[1].max_rate, 1.5e-3);
  // 1 - (2.5e-4)^(1/20000) = 4.1e-4 <= 1.5e-3: both rate claims confirmed, and power 1.
  EXPECT_EQ(c.verdict, Verdict::pass) << c.reason;
  EXPECT_EQ(c.p_value, 1.0);
}

TEST(CalibrationClaims, FailsExactlyWhenABoundExcludesAClaim) {
  // Duality: rate_lower > max_rate exactly when P(Bin(n, max_rate) >= k) < γ, for every k.
  const std::uint64_t n = 2000;
  const double threshold = 1e-4;
  for (std::uint64_t k = 0; k <= 40; ++k) {
    const CalibrationClaims c = judge_calibration(counts(n, {{1e-3, k, n}}), 1.5, 0.85, threshold);
    const auto& l = c.levels[0];
    EXPECT_EQ(l.rate_lower > l.max_rate, l.rate_p_value < c.level) << "k = " << k;
    EXPECT_EQ(c.verdict == Verdict::fail, c.p_value <= threshold) << "k = " << k;
    EXPECT_DOUBLE_EQ(c.p_value, std::min(1.0, 2.0 * l.rate_p_value));  // power 1: the rate claim decides
    const double tail = k == 0 ? 1.0
                               : boost::math::cdf(boost::math::complement(
                                     boost::math::binomial_distribution<double>(2000.0, 1.5e-3), static_cast<double>(k - 1)));
    EXPECT_NEAR(l.rate_p_value, tail, 1e-12 + 1e-9 * tail);
  }
  // 48 of 2000 at α = 1e-3 (the t test on gaussian-exp): far above 1.5e-3.
  const CalibrationClaims bad = judge_calibration(counts(n, {{1e-3, 48, 1800}}), 1.5, 0.85, threshold);
  EXPECT_EQ(bad.verdict, Verdict::fail);
  EXPECT_LT(bad.p_value, 1e-30);
  EXPECT_GT(bad.levels[0].rate_lower, 1.5e-3);
  EXPECT_NE(bad.reason.find("48/2000"), std::string::npos) << bad.reason;
  // Power 1500 of 2000 against a claim of 0.85: fails on power alone.
  const CalibrationClaims weak = judge_calibration(counts(n, {{0.01, 20, 1500}}), 1.5, 0.85, threshold);
  EXPECT_EQ(weak.verdict, Verdict::fail);
  EXPECT_LT(weak.levels[0].power_upper, 0.85);
  EXPECT_NE(weak.reason.find("power"), std::string::npos) << weak.reason;
}

TEST(CalibrationClaims, TooFewRepetitionsAreInconclusive) {
  // 100 runs cannot confirm a rate <= 1.5e-3 (the upper bound for k = 0 is about 0.1) nor refute it.
  const CalibrationClaims c = judge_calibration(counts(100, {{1e-3, 0, 100}}), 1.5, 0.85, 1e-4);
  EXPECT_EQ(c.verdict, Verdict::inconclusive);
  EXPECT_NE(c.reason.find("too few repetitions"), std::string::npos) << c.reason;
  EXPECT_EQ(judge_calibration(CalibrationResult{}, 1.5, 0.85, 1e-4).verdict, Verdict::error);
  EXPECT_THROW(judge_calibration(counts(100, {{1e-3, 0, 100}}), 1.5, 0.85, 0.0), InputError);
  EXPECT_THROW(judge_calibration(counts(100, {{1e-3, 0, 100}}), 0.0, 0.85, 1e-4), InputError);
}

TEST(RunSuite, MiscalibratedTTestFailsWithItsCharts) {
  TempDir dir;
  // Student's t on REINFORCE with f = exp (heavy-tailed) and 1000 samples: about 2.3e-2 false
  // rejections at α = 1e-3, so 2000 repetitions give k near 46 against a claim of 1.5e-3 × 2000 = 3.
  const std::string path = dir.file("c.json", R"({"seed": 1, "alpha": 1e-4, "checks": [
    {"name": "t-calibration", "kind": "calibrate", "problem": "gaussian-exp:d=1", "estimator": "reinforce",
     "theta": [0, 0], "test": "t", "samples": 1000, "repetitions": 2000, "alphas": [0.001]}]})");
  std::ostringstream out, err;
  SuiteOptions o;
  o.threads = 2;
  const SuiteReport r = run_suite(parse_suite(path), o, out, err);
  EXPECT_EQ(r.budget_checks, 1u);
  ASSERT_EQ(r.checks.size(), 1u);
  const CheckResult& c = r.checks[0];
  EXPECT_EQ(c.verdict, Verdict::fail) << c.reason;
  ASSERT_TRUE(c.p_value.has_value());
  EXPECT_LT(*c.p_value, 1e-20);
  EXPECT_EQ(c.threshold, 1e-4);
  ASSERT_TRUE(c.calibrate.has_value());
  EXPECT_EQ(c.calibrate->options.seed, check_seed(1, "t-calibration"));
  EXPECT_EQ(c.calibrate->result.p_values.size(), 2000u);
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(j["result"]["command"], "calibrate");
  EXPECT_EQ(j["claims"]["levels"][0]["max_rate"], 1.5e-3);
  EXPECT_NE(figures(c).find("alpha 0.001: false rejections"), std::string::npos) << figures(c);
  const std::string junit = to_junit(r);
  EXPECT_NE(junit.find("<failure type='fail' message='check t-calibration fail: estimator reinforce"), std::string::npos);
  const std::string html = to_html(r);
  EXPECT_NE(html.find("p-values of the 2000 null runs"), std::string::npos);
  EXPECT_NE(html.find("false-rejection rate against nominal α"), std::string::npos);
  EXPECT_NE(to_markdown(r).find("| 🔴 **FAIL** | `t-calibration` | calibrate |"), std::string::npos) << to_markdown(r);
}

}  // namespace
}  // namespace estcheck
