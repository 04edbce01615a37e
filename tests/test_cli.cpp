// tests/test_cli.cpp — the estcheck command line (tools/cli.hpp), run in-process through run_cli
// with string streams: every bad input is exit 2 with a message naming the argument and leaves
// no output file; the JSON reports have their documented keys; results are bit-identical across
// thread counts; the exit codes of pass / fail / inconclusive / error; and table files whose
// exact gradient is checked against a hand computation.
//
// Monte Carlo runs here use fixed seeds and at most 50000 samples, so the file runs in well
// under a second. The verdicts asserted (pass, fail, inconclusive, error) are chosen so that none is a
// borderline statistical outcome: see each test. None of them draws on tests/budget.hpp: with a
// fixed seed each run is a deterministic computation, and the verdicts are far from the threshold.
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "tools/cli.hpp"
#include "tools/cli_fields.hpp"
#include "tools/cli_options.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/compare.hpp"
#include "verify/stats/verdict.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace estcheck {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kEps = std::numeric_limits<double>::epsilon();

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs `estcheck args...` in-process.
CliResult run(std::vector<std::string> args) {
  args.insert(args.begin(), "estcheck");
  std::ostringstream out, err;
  CliResult r;
  r.code = run_cli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// A fresh, empty folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    for (;;) {
      path_ = fs::temp_directory_path() /
              ("estcheck_test_cli." + std::to_string(::getpid()) + "." + std::to_string(counter++));
      if (fs::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return file(name);
  }
  /// Names of everything in the folder.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

json parse_file(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, a message naming the argument, nothing on out, no output file

struct BadInput {
  std::string name;
  std::vector<std::string> args;   ///< "{IN}" is replaced by the folder of input files
  std::vector<std::string> names;  ///< what err must mention
};

std::ostream& operator<<(std::ostream& os, const BadInput& b) { return os << b.name; }

/// Table files for the JSON cases, written once into a fresh folder.
class BadInputTest : public ::testing::TestWithParam<BadInput> {
 protected:
  static void SetUpTestSuite() {
    inputs_ = new TempDir;
    inputs_->write("malformed.json", "{\"distribution\": \"bernoulli\", \"n\": 1, \"table\": [1, 2,");
    inputs_->write("wrong_length.json", R"({"distribution": "bernoulli", "n": 2, "table": [1, 2, 3]})");
    inputs_->write("non_number.json", R"({"distribution": "bernoulli", "n": 1, "table": [1, "x"]})");
    inputs_->write("k1.json", R"({"distribution": "categorical", "k": 1, "table": [1]})");
    inputs_->write("n0.json", R"({"distribution": "bernoulli", "n": 0, "table": [1]})");
    inputs_->write("unknown_key.json",
                   R"({"distribution": "bernoulli", "n": 1, "table": [1, 2], "colour": "red"})");
  }
  static void TearDownTestSuite() {
    delete inputs_;
    inputs_ = nullptr;
  }
  static std::vector<std::string> args() {
    std::vector<std::string> a = GetParam().args;
    for (auto& s : a) {
      const auto at = s.find("{IN}");
      if (at != std::string::npos) s.replace(at, 4, inputs_->path().string());
    }
    return a;
  }
  static TempDir* inputs_;
};
TempDir* BadInputTest::inputs_ = nullptr;

const std::vector<BadInput> kBadInputs = {
    {"unknown_problem", {"verify", "nosuch", "reinforce", "--theta", "0"}, {"PROBLEM", "nosuch"}},
    {"unknown_estimator", {"verify", "toy", "nosuch", "--theta", "0"}, {"ESTIMATOR", "nosuch"}},
    {"unknown_spec_key", {"verify", "toy:u=1", "reinforce", "--theta", "0"}, {"toy:u"}},
    {"bad_spec_value", {"verify", "toy:t=abc", "reinforce", "--theta", "0"}, {"toy:t", "abc"}},
    {"rloo_k_1", {"verify", "toy", "rloo:k=1", "--theta", "0"}, {"rloo:k"}},
    {"theta_wrong_length", {"verify", "toy", "reinforce", "--theta", "0,1"}, {"--theta"}},
    {"theta_wrong_length_exact", {"exact", "gaussian-quadratic:d=2", "--theta", "0,0,0"}, {"--theta"}},
    {"theta_nan", {"verify", "toy", "reinforce", "--theta", "nan"}, {"--theta", "nan"}},
    {"theta_inf", {"verify", "toy", "reinforce", "--theta", "inf"}, {"--theta", "inf"}},
    {"theta_minus_inf", {"exact", "gaussian-quadratic", "--theta", "0,-inf"}, {"--theta"}},
    {"theta_non_numeric", {"verify", "toy", "reinforce", "--theta", "abc"}, {"--theta", "abc"}},
    {"samples_zero", {"verify", "toy", "reinforce", "--theta", "0", "--samples", "0"}, {"--samples"}},
    {"samples_negative", {"verify", "toy", "reinforce", "--theta", "0", "--samples", "-5"}, {"--samples"}},
    {"samples_text", {"verify", "toy", "reinforce", "--theta", "0", "--samples", "abc"}, {"--samples"}},
    {"samples_fraction", {"verify", "toy", "reinforce", "--theta", "0", "--samples", "1.5"}, {"--samples"}},
    {"alpha_zero", {"verify", "toy", "reinforce", "--theta", "0", "--alpha", "0"}, {"--alpha"}},
    {"alpha_above_one", {"verify", "toy", "reinforce", "--theta", "0", "--alpha", "1.5"}, {"--alpha"}},
    {"tolerance_negative", {"verify", "toy", "reinforce", "--theta", "0", "--tolerance", "-1"}, {"--tolerance"}},
    {"threads_negative", {"verify", "toy", "reinforce", "--theta", "0", "--threads", "-1"}, {"--threads"}},
    {"reparam_on_discrete", {"verify", "toy", "reparam", "--theta", "0"}, {"ESTIMATOR", "reparam", "toy"}},
    {"missing_theta", {"verify", "toy", "reinforce"}, {"--theta"}},
    {"missing_problem", {"verify", "--theta", "0"}, {"PROBLEM"}},
    {"missing_estimator", {"verify", "toy", "--theta", "0"}, {"ESTIMATOR"}},
    {"missing_problem_exact", {"exact", "--theta", "0"}, {"PROBLEM"}},
    {"unknown_option", {"verify", "toy", "reinforce", "--theta", "0", "--bogus"}, {"--bogus"}},
    {"missing_file", {"exact", "{IN}/missing.json", "--theta", "0"}, {"PROBLEM", "missing.json"}},
    {"malformed_json", {"exact", "{IN}/malformed.json", "--theta", "0"}, {"PROBLEM", "malformed.json"}},
    {"table_wrong_length", {"exact", "{IN}/wrong_length.json", "--theta", "0,0"}, {"PROBLEM", "wrong_length.json", "table"}},
    {"table_non_number", {"exact", "{IN}/non_number.json", "--theta", "0"}, {"PROBLEM", "table[1]"}},
    {"categorical_k_1", {"exact", "{IN}/k1.json", "--theta", "0"}, {"PROBLEM", "k1.json", "): k:"}},
    {"bernoulli_n_0", {"exact", "{IN}/n0.json", "--theta", "0"}, {"PROBLEM", "n0.json", "): n:"}},
    {"unknown_json_key", {"exact", "{IN}/unknown_key.json", "--theta", "0"}, {"PROBLEM", "colour"}},
    {"unknown_json_key_verify", {"verify", "{IN}/unknown_key.json", "reinforce", "--theta", "0"}, {"PROBLEM", "colour"}},
};

void expect_usage_error(const CliResult& r, const BadInput& b) {
  EXPECT_EQ(r.code, 2) << "err: " << r.err;
  for (const auto& name : b.names) EXPECT_NE(r.err.find(name), std::string::npos) << "err: " << r.err;
  EXPECT_EQ(r.out.find('{'), std::string::npos) << "out: " << r.out;
}

TEST_P(BadInputTest, ExitsTwoAndNamesTheArgument) {
  const CliResult r = run(args());
  expect_usage_error(r, GetParam());
}

TEST_P(BadInputTest, LeavesNoOutputFile) {
  const TempDir out_dir;
  const std::string path = out_dir.file("result.json");
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--json", path});
  const CliResult r = run(a);
  expect_usage_error(r, GetParam());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(out_dir.entries().empty()) << "left behind: " << out_dir.entries().front();  // no PATH.tmp.*
}

TEST_P(BadInputTest, JsonToStdoutPrintsNoJson) {
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--json", "-"});
  expect_usage_error(run(a), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cli, BadInputTest, ::testing::ValuesIn(kBadInputs),
                         [](const auto& test) { return test.param.name; });

TEST(Cli, JsonIntoMissingFolderIsUsageError) {
  const TempDir dir;
  const fs::path missing = dir.path() / "no_such_folder";
  const std::string path = (missing / "result.json").string();
  for (const std::vector<std::string>& a :
       {std::vector<std::string>{"verify", "toy", "reinforce", "--theta", "0", "--samples", "2000", "--json", path},
        std::vector<std::string>{"exact", "toy", "--theta", "0", "--json", path}}) {
    const CliResult r = run(a);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--json"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find('{'), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(missing));
    EXPECT_TRUE(dir.entries().empty());
  }
}

TEST(Cli, JsonOntoAFolderIsUsageError) {
  const TempDir dir;
  const CliResult r = run({"exact", "toy", "--theta", "0", "--json", dir.path().string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--json"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// JSON reports

TEST(Cli, VerifyJsonHasTheDocumentedKeys) {
  const TempDir dir;
  const std::string path = dir.file("verify.json");
  const CliResult r = run({"verify", "toy", "reinforce", "--theta", "0.3", "--samples", "20000",
                           "--seed", "7", "--threads", "2", "--json", path});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("verdict: pass"), std::string::npos) << r.out;  // text report on out
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"verify.json"});  // the temporary was renamed
  const json j = parse_file(path);
  for (const char* key : {"problem", "estimator", "theta", "samples", "seed", "threads", "alpha",
                          "exact_gradient", "mean", "std_error", "variance", "p_value", "bias_bound",
                          "detectable_bias", "verdict", "nonfinite", "elapsed_s"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["command"], "verify");
  EXPECT_EQ(j["problem"], "toy:t=0.499");
  EXPECT_EQ(j["estimator"], "reinforce");
  EXPECT_EQ(j["theta"], json::array({0.3}));
  EXPECT_EQ(j["samples"], 20000);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["alpha"], 0.001);
  EXPECT_EQ(j["nonfinite"], 0);
  EXPECT_EQ(j["verdict"], "pass");
  for (const char* key : {"exact_gradient", "mean", "std_error", "variance", "p_value"}) {
    ASSERT_TRUE(j[key].is_array()) << key;
    EXPECT_EQ(j[key].size(), 1u) << key;
  }
  EXPECT_TRUE(j["bias_bound"].is_number());
  EXPECT_TRUE(j["detectable_bias"].is_number());
  EXPECT_GE(j["elapsed_s"].get<double>(), 0.0);
}

TEST(Cli, ExactJsonHasTheDocumentedKeys) {
  const CliResult r = run({"exact", "toy:t=0.25", "--theta", "0.5", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);  // throws unless out is JSON and nothing else
  for (const char* key : {"problem", "theta", "objective", "gradient"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["command"], "exact");
  EXPECT_EQ(j["problem"], "toy:t=0.25");
  EXPECT_EQ(j["theta"], json::array({0.5}));
  ASSERT_EQ(j["gradient"].size(), 1u);
  // toy: L = σ(θ)(1-t)² + σ(-θ)t², dL/dθ = σ(θ)σ(-θ)(1 - 2t) (problems.hpp). The oracle reports
  // its own rounding bound; the hand formula is 6 operations on σ values accurate to 3ε each,
  // so it is within 12ε of its own magnitude.
  const double p = 1.0 / (1.0 + std::exp(-0.5)), q = 1.0 - p;
  const double objective = p * 0.75 * 0.75 + q * 0.25 * 0.25, gradient = p * q * 0.5;
  EXPECT_LE(std::abs(j["objective"].get<double>() - objective),
            j["objective_error_bound"].get<double>() + 12 * kEps * objective);
  EXPECT_LE(std::abs(j["gradient"][0].get<double>() - gradient),
            j["gradient_error_bound"][0].get<double>() + 12 * kEps * gradient);
}

TEST(Cli, ExactTextReport) {
  const CliResult r = run({"exact", "gaussian-quadratic:d=2,c=1", "--theta", "0,0.5,0,0"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("gaussian-quadratic:d=2,c=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closed-form"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('{'), std::string::npos) << r.out;
}

// --theta default: the VAE's encoder weights (docs/vae.md); a problem without one is a usage error.
TEST(Cli, ThetaDefault) {
  const CliResult r = run({"exact", "vae:latents=2,images=2", "--theta", "default"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("certified"), std::string::npos) << r.out;
  const CliResult toy = run({"exact", "toy", "--theta", "default"});
  EXPECT_EQ(toy.code, 2);
  EXPECT_NE(toy.err.find("--theta"), std::string::npos) << toy.err;
  // VIMCO runs on the per-image K-sample bound (docs/vae.md); K > 2 past the tuple route's size is refused.
  const CliResult vimco = run({"verify", "vae:latents=2,images=2", "vimco", "--theta", "default", "--samples", "1000"});
  EXPECT_EQ(vimco.code, 0) << vimco.err;
  EXPECT_NE(vimco.out.find("IWAE"), std::string::npos) << vimco.out;
  const CliResult big = run({"verify", "vae:latents=12,images=16", "vimco:k=3", "--theta", "default", "--samples", "1000"});
  EXPECT_EQ(big.code, 2);
  EXPECT_NE(big.err.find("K-tuples"), std::string::npos) << big.err;
}

TEST(Cli, ListJsonNamesTheCatalogue) {
  const CliResult r = run({"list", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  std::vector<std::string> estimators, problems;
  for (const auto& e : j["estimators"]) {
    estimators.push_back(e["name"]);
    EXPECT_TRUE(e["claimed_unbiased"].is_boolean()) << e.dump();
  }
  for (const auto& p : j["problems"]) problems.push_back(p["name"]);
  for (const char* name : {"reinforce", "rloo", "reparam"})
    EXPECT_NE(std::find(estimators.begin(), estimators.end(), name), estimators.end()) << name;
  for (const char* name : {"toy", "gaussian-quadratic", "gaussian-step"})
    EXPECT_NE(std::find(problems.begin(), problems.end(), name), problems.end()) << name;
}

TEST(Cli, ListMutants) {
  const CliResult plain = run({"list", "--json"});
  EXPECT_FALSE(json::parse(plain.out).contains("mutants"));
  const CliResult r = run({"list", "--json", "--mutants"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_GE(j["mutants"].size(), 6u);
  for (const auto& m : j["mutants"]) {
    EXPECT_EQ(m["claimed_unbiased"], false);
    EXPECT_FALSE(m["bug"].get<std::string>().empty());
    EXPECT_TRUE(m["fails_on"].is_string());
  }
  const CliResult text = run({"list", "--mutants"});
  EXPECT_NE(text.out.find("mutant/score-no-normalizer"), std::string::npos);
  // A mutant is verified like any estimator and fails where its entry says.
  const CliResult v = run({"verify", "toy:t=0.45", "mutant/score-no-normalizer", "--theta", "1",
                           "--samples", "20000"});
  EXPECT_EQ(v.code, 1) << v.out << v.err;
}

TEST(Cli, ExactWithEstimatorReportsItsExactBias) {
  const CliResult r = run({"exact", "toy:t=0.45", "--theta", "1", "--estimator", "concrete:temperature=0.5",
                           "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  for (const char* key : {"estimator", "estimator_mean", "bias", "estimator_mean_error_bound"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["bias"][0].get<double>(), j["estimator_mean"][0].get<double>() - j["gradient"][0].get<double>());
  EXPECT_GT(std::abs(j["bias"][0].get<double>()), 1e-3);
  // An estimator without an exact oracle (a planted mutant of ARM: no oracle knows its code) is an
  // input error naming --estimator.
  const CliResult bad = run({"exact", "toy", "--theta", "1", "--estimator", "mutant/arm-swapped-merge"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--estimator"), std::string::npos) << bad.err;
}

TEST(Cli, ExactWithEstimatorReportsTheExactVariance) {
  const CliResult r = run({"exact", "toy:t=0.45", "--theta", "0.3", "--estimator", "reinforce", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_TRUE(j.contains("estimator_variance"));
  EXPECT_GT(j["estimator_variance"][0].get<double>(), 0.0);
  const CliResult v = run({"verify", "toy:t=0.45", "reinforce", "--theta", "0.3", "--samples", "5000", "--json", "-"});
  EXPECT_TRUE(json::parse(v.out).contains("exact_estimator_variance"));
}

// The certificates travel with every exact figure (issue 14), and an order-2 estimator's exact bias
// is taken against the Hessian it targets (it once read the gradient, past its end).
TEST(Cli, ExactReportsCertificatesAndOrderTwoBiasAgainstTheHessian) {
  const CliResult r = run({"exact", "toy:t=0.45", "--theta", "0.3", "--estimator", "reinforce", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["certificate"]["certainty"], "certified") << j["certificate"];
  EXPECT_EQ(j["estimator_moments_certificate"]["certainty"], "certified") << j["estimator_moments_certificate"];
  for (const char* order : {"1", "2"}) {
    const CliResult h = run({"exact", "scg-fig1a", "--theta", "0.5", "--order", order, "--estimator", "dice:order=2",
                             "--json", "-"});
    ASSERT_EQ(h.code, 0) << h.err;
    const json k = json::parse(h.out);
    ASSERT_TRUE(k.contains("hessian")) << "order " << order;
    ASSERT_EQ(k["bias"].size(), k["hessian"].size());
    EXPECT_LE(std::abs(k["bias"][0].get<double>()), k["estimator_mean_error_bound"][0].get<double>() +
                                                         k["hessian_error_bound"][0].get<double>());
  }
}

TEST(Cli, VerifyReportsTheExactBiasBesideTheMonteCarloOne) {
  const CliResult r = run({"verify", "toy:t=0.45", "straight-through", "--theta", "1", "--samples", "20000",
                           "--json", "-"});
  EXPECT_EQ(r.code, 1) << r.err;  // biased, and detectably so
  const json j = json::parse(r.out);
  EXPECT_TRUE(j.contains("exact_bias"));
  EXPECT_TRUE(j.contains("exact_estimator_mean"));
  EXPECT_FALSE(json::parse(run({"verify", "toy", "reinforce", "--theta", "1", "--samples", "2000",
                                "--json", "-"}).out).contains("exact_bias"));
}

TEST(Cli, Compare) {
  const CliResult r = run({"compare", "toy:t=0.499", "reinforce", "rloo:k=2", "arm", "--theta", "0",
                           "--samples", "20000", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  for (const char* key : {"estimators", "variance", "trace", "comparisons", "verdict", "alpha", "min_reduction"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["comparisons"][0].contains("exact_trace_ratio"));  // both variances exact here
  EXPECT_GT(j["comparisons"][0]["trace"]["lower"].get<double>(), 1.0);
  // The trace interval's method and the bootstrap's size are recorded; --interval picks the method.
  EXPECT_EQ(j["interval_method"], "both");
  EXPECT_EQ(j["batches"].get<int>(), 256);
  EXPECT_EQ(j["bootstrap_replicates"].get<std::uint64_t>(), bootstrap_replicates(0.001, 2));
  const json d = json::parse(run({"compare", "toy:t=0.499", "reinforce", "arm", "--theta", "0", "--samples", "20000",
                                  "--interval", "delta", "--json", "-"}).out);
  EXPECT_EQ(d["interval_method"], "delta");
  EXPECT_EQ(d["bootstrap_replicates"].get<int>(), 0);
  const CliResult bad_interval =
      run({"compare", "toy", "reinforce", "arm", "--theta", "0", "--interval", "bca", "--samples", "2000"});
  EXPECT_EQ(bad_interval.code, 2);
  EXPECT_NE(bad_interval.err.find("--interval"), std::string::npos) << bad_interval.err;
  // A baseline that increases the variance: fail, exit 1.
  EXPECT_EQ(run({"compare", "toy:t=0.45", "reinforce", "reinforce:baseline=-3", "--theta", "0.5", "--samples",
                 "20000"}).code, 1);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"compare", "toy", "reinforce", "--theta", "0"},
        std::vector<std::string>{"compare", "toy", "reinforce", "nope", "--theta", "0"},
        std::vector<std::string>{"compare", "toy", "reinforce", "arm", "--theta", "0", "--min-reduction", "0"},
        std::vector<std::string>{"compare", "toy", "reinforce", "reparam", "--theta", "0"}}) {
    const CliResult e = run(bad);
    EXPECT_EQ(e.code, 2) << e.out;
    EXPECT_FALSE(e.err.empty());
  }
}

TEST(Cli, CompareThetaGrid) {
  const CliResult r = run({"compare", "toy:t=0.499", "reinforce", "rloo:k=2", "--theta", "0", "--theta-grid",
                           "0=-2:2:3", "--samples", "20000", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["points"].size(), 3u);
  EXPECT_EQ(j["points"][0]["theta"][0].get<double>(), -2.0);
  EXPECT_EQ(j["points"][2]["theta"][0].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["alpha_per_point"].get<double>(), 0.001 / 3);
  for (const char* bad : {"1=0:1:3", "0:1", "0:1:1", "a:1:3"}) {
    const CliResult e = run({"compare", "toy", "reinforce", "arm", "--theta", "0", "--theta-grid", bad});
    EXPECT_EQ(e.code, 2) << bad;
    EXPECT_NE(e.err.find("--theta-grid"), std::string::npos) << e.err;
  }
}

TEST(Cli, BiasCurve) {
  const CliResult r = run({"bias-curve", "toy:t=0.45", "concrete", "--theta", "1", "--param",
                           "temperature=0.1:2:5", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["param"], "temperature");
  ASSERT_EQ(j["values"].size(), 5u);
  EXPECT_EQ(j["values"][0].get<double>(), 0.1);
  EXPECT_EQ(j["values"][4].get<double>(), 2.0);
  ASSERT_EQ(j["bias"].size(), 5u);
  EXPECT_EQ(j["bias"][0].size(), 1u);
  const CliResult text = run({"bias-curve", "toy", "straight-through", "--theta", "0.5", "--param",
                              "temperature=0.5:1:2"});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("bias[0]"), std::string::npos);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"bias-curve", "toy", "concrete", "--theta", "1", "--param", "temperature"},
        std::vector<std::string>{"bias-curve", "toy", "concrete", "--theta", "1", "--param", "temperature=1:2"},
        std::vector<std::string>{"bias-curve", "toy", "concrete", "--theta", "1", "--param", "temperature=1:2:1"},
        std::vector<std::string>{"bias-curve", "toy", "concrete", "--theta", "1", "--param", "temperature=-1:2:3"},
        std::vector<std::string>{"bias-curve", "toy", "reinforce", "--theta", "1", "--param", "baseline=0:1:3"},
        std::vector<std::string>{"bias-curve", "toy", "concrete", "--theta", "1", "--param", "tau=0:1:3"}}) {
    const CliResult e = run(bad);
    EXPECT_EQ(e.code, 2) << bad.back() << ": " << e.out;
    EXPECT_FALSE(e.err.empty());
  }
}

TEST(Cli, ListTextAndHelp) {
  const CliResult list = run({"list"});
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.out.find("reinforce"), std::string::npos);
  EXPECT_NE(list.out.find("gaussian-step"), std::string::npos);
  for (const std::vector<std::string>& a : {std::vector<std::string>{"--help"},
                                            std::vector<std::string>{"verify", "--help"}}) {
    const CliResult help = run(a);
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << help.out;
    EXPECT_TRUE(help.err.empty()) << help.err;
  }
  const CliResult none = run({});
  EXPECT_EQ(none.code, 2);  // a subcommand is required
  EXPECT_FALSE(none.err.empty());
}

// ---------------------------------------------------------------------------------------------
// Reproducibility

/// The verify JSON of a run at `threads`, without the fields that may differ between thread
/// counts (elapsed time, the thread count itself).
json verify_json(std::vector<std::string> args, int threads) {
  args.insert(args.end(), {"--threads", std::to_string(threads), "--json", "-"});
  const CliResult r = run(args);
  EXPECT_NE(r.code, 2) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["threads"], threads);
  j.erase("elapsed_s");
  j.erase("threads");
  return j;
}

TEST(Cli, BitIdenticalAcrossThreadCounts) {
  const std::vector<std::vector<std::string>> runs = {
      {"verify", "toy", "reinforce", "--theta", "0.2", "--samples", "50000", "--seed", "11"},
      // 30001 = 29·1024 + 305: the last block is partial.
      {"verify", "gaussian-quadratic:d=2", "rloo:k=3", "--theta", "0.5,-1,0.1,-0.2", "--samples",
       "30001", "--seed", "12"},
  };
  for (const auto& args : runs) {
    const json one = verify_json(args, 1);
    ASSERT_EQ(one["samples"], std::stoi(args[6]));
    for (int threads : {2, 3}) {
      const json many = verify_json(args, threads);
      // json == compares numbers as doubles, exactly; and the text of the documents too.
      EXPECT_EQ(one, many) << "threads " << threads << ": " << args[1] << " " << args[2];
      EXPECT_EQ(one.dump(), many.dump());
    }
  }
}

TEST(Cli, DifferentSeedsGiveDifferentMeans) {
  const std::vector<std::string> args = {"verify", "toy", "reinforce", "--theta", "0.2", "--samples", "20000"};
  auto with_seed = [&](const std::string& seed) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--seed", seed});
    return verify_json(a, 2);
  };
  const json s1 = with_seed("1"), s2 = with_seed("2"), s1_again = with_seed("1");
  EXPECT_NE(s1["mean"], s2["mean"]);
  EXPECT_EQ(s1["mean"], s1_again["mean"]);
  EXPECT_EQ(s1["seed"], 1);
  EXPECT_EQ(s2["seed"], 2);
}

// ---------------------------------------------------------------------------------------------
// Exit codes and verdicts

TEST(Cli, NonFiniteSamplesExitFourAndStillWriteJson) {
  // μ = 1e200: f = (x - c)² overflows to inf in every sample, so every reinforce sample is
  // non-finite and there is no verdict.
  const TempDir dir;
  const std::string path = dir.file("nonfinite.json");
  const CliResult r = run({"verify", "gaussian-quadratic", "reinforce", "--theta", "1e200,0",
                           "--samples", "5000", "--json", path});
  EXPECT_EQ(r.code, 4) << r.err;
  ASSERT_TRUE(fs::exists(path));
  const json j = parse_file(path);
  EXPECT_EQ(j["verdict"], "error");
  EXPECT_EQ(j["samples"], 5000);
  EXPECT_EQ(j["nonfinite"], 5000);
  EXPECT_EQ(j["nonfinite"], j["samples"]);
  EXPECT_EQ(j["first_nonfinite_sample"], 0);
  EXPECT_EQ(j["samples_used"], 0);

  const CliResult to_stdout = run({"verify", "gaussian-quadratic", "reinforce", "--theta", "1e200,0",
                                   "--samples", "5000", "--json", "-"});
  EXPECT_EQ(to_stdout.code, 4);
  EXPECT_EQ(json::parse(to_stdout.out)["nonfinite"], 5000);
}

TEST(Cli, ReparamOnAStepFails) {
  // ∇x f = 0 for the step, so every reparam sample is exactly 0 while the exact gradient is
  // φ(μ/σ)/σ ≈ 0.39 and -φ(z)z ≈ -0.12: the standard error is 0, so the verdict is a certain fail
  // at any α (verdict.cpp: excess beyond the rounding budget with se = 0 gives p = 0).
  const CliResult r = run({"verify", "gaussian-step", "reparam", "--theta", "0.2,-0.3", "--samples",
                           "20000", "--json", "-"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["p_value_family"], 0.0);
}

TEST(Cli, TinyToleranceIsInconclusive) {
  // 5000 score-function samples cannot bound the bias below 1e-6 (the standard error alone is
  // ~0.03); with the fixed seed the bias test itself does not reject (checked: verdict field).
  const CliResult r = run({"verify", "gaussian-quadratic", "reinforce", "--theta", "0.5,0", "--samples",
                           "5000", "--tolerance", "1e-6", "--json", "-"});
  EXPECT_EQ(r.code, 3) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["verdict"], "inconclusive");
  EXPECT_EQ(j["tolerance"], 1e-6);
  EXPECT_GT(j["bias_bound"].get<double>(), 1e-6);
}

TEST(Cli, UnbiasedEstimatorPasses) {
  const CliResult r = run({"verify", "toy", "reinforce", "--theta", "0", "--samples", "20000"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("verdict: pass"), std::string::npos) << r.out;
}

TEST(Cli, JsonDashPrintsOnlyJson) {
  const CliResult v = run({"verify", "toy", "rloo:k=4", "--theta", "0.1", "--samples", "20000", "--json", "-"});
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_TRUE(json::accept(v.out)) << v.out;  // the whole of out parses
  EXPECT_EQ(v.out.find("verdict:"), std::string::npos);  // no text report mixed in
  const CliResult e = run({"exact", "gaussian-step:d=2", "--theta", "0.1,0.2,0,0", "--json", "-"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(json::accept(e.out)) << e.out;
}

// ---------------------------------------------------------------------------------------------
// Table files

/// Tolerance for a hand computation against the oracle: |a - b| <= 1e-12 |b|. The arithmetic:
/// both sides are sums of a few products of σ or softmax values (each accurate to a few ε); the
/// enumeration oracle's reported bound is (n + 11)ε Σ|terms| (verify/oracles/exact.cpp) and the tables
/// below are chosen so that Σ|terms| <= 10 |gradient| (no strong cancellation), giving at most
/// ~20ε·10 ≈ 5e-14 relative for each side. 1e-12 leaves a factor ~10 over their sum, and is also
/// checked against the bound the oracle itself reports.
constexpr double kHandRelTol = 1e-12;

void expect_close(double got, double want, double reported_bound, const std::string& what) {
  EXPECT_LE(std::abs(got - want), kHandRelTol * std::abs(want)) << what << ": " << got << " vs " << want;
  // The oracle's own bound, plus 32ε|want| for the hand formula (<= 12 roundings of values
  // accurate to 3ε, no cancellation).
  EXPECT_LE(std::abs(got - want), reported_bound + 32 * kEps * std::abs(want)) << what;
}

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(Cli, BernoulliTableFileExactGradient) {
  const TempDir dir;
  // f(b) = table[b_0 + 2 b_1].
  const double t[4] = {1.0, 3.0, 2.0, 7.0};
  const std::string path = dir.write(
      "bern.json", R"({"distribution": "bernoulli", "n": 2, "table": [1, 3, 2, 7], "description": "hand"})");
  const double th0 = 0.25, th1 = -0.5;
  const CliResult r = run({"exact", path, "--theta", "0.25,-0.5", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["problem"], path);
  EXPECT_EQ(j["oracle"], "enumeration");
  EXPECT_EQ(j["support_points"], 4);
  // By hand, with s_i = σ(θ_i), r_i = σ(-θ_i) = 1 - s_i:
  //   L = r0 r1 t0 + s0 r1 t1 + r0 s1 t2 + s0 s1 t3
  //   ∂L/∂θ_0 = s0 r0 (r1 (t1 - t0) + s1 (t3 - t2))     (b_0 flips: index +1)
  //   ∂L/∂θ_1 = s1 r1 (r0 (t2 - t0) + s0 (t3 - t1))     (b_1 flips: index +2)
  const double s0 = sigmoid_ref(th0), r0 = sigmoid_ref(-th0), s1 = sigmoid_ref(th1), r1 = sigmoid_ref(-th1);
  const double L = r0 * r1 * t[0] + s0 * r1 * t[1] + r0 * s1 * t[2] + s0 * s1 * t[3];
  const double g0 = s0 * r0 * (r1 * (t[1] - t[0]) + s1 * (t[3] - t[2]));
  const double g1 = s1 * r1 * (r0 * (t[2] - t[0]) + s0 * (t[3] - t[1]));
  expect_close(j["objective"], L, j["objective_error_bound"], "objective");
  expect_close(j["gradient"][0], g0, j["gradient_error_bound"][0], "gradient[0]");
  expect_close(j["gradient"][1], g1, j["gradient_error_bound"][1], "gradient[1]");

  // The same file works with verify (a Monte Carlo run; only that it runs and reports).
  const CliResult v = run({"verify", path, "reinforce", "--theta", "0.25,-0.5", "--samples", "4096",
                           "--json", "-"});
  EXPECT_NE(v.code, 2) << v.err;
  EXPECT_EQ(json::parse(v.out)["problem"], path);
}

TEST(Cli, CategoricalTableFileExactGradient) {
  const TempDir dir;
  const double t[3] = {1.0, 5.0, 2.0};
  const double th[3] = {0.1, -0.3, 0.7};
  const std::string path =
      dir.write("cat.json", R"({"distribution": "categorical", "k": 3, "table": [1, 5, 2]})");
  const CliResult r = run({"exact", path, "--theta", "0.1,-0.3,0.7", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["support_points"], 3);
  // By hand: p = softmax(θ), L = Σ_k p_k t_k, ∂L/∂θ_j = p_j (t_j - L) (the covariance of the
  // one-hot score e_j - p with f).
  const double z = std::exp(th[0]) + std::exp(th[1]) + std::exp(th[2]);
  double p[3], L = 0.0;
  for (int k = 0; k < 3; ++k) {
    p[k] = std::exp(th[k]) / z;
    L += p[k] * t[k];
  }
  expect_close(j["objective"], L, j["objective_error_bound"], "objective");
  for (int k = 0; k < 3; ++k)
    expect_close(j["gradient"][k], p[k] * (t[k] - L), j["gradient_error_bound"][k],
                 "gradient[" + std::to_string(k) + "]");
}

// ---------------------------------------------------------------- fields and their arguments

/// The InputError `fn` throws.
template <class F>
InputError error_of(F&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError";
  return InputError("none", "", "");
}

TEST(CliFields, LibraryErrorsNameTheFieldAndTheCliItsArgument) {
  BiasTestOptions test;
  test.alpha = 2;
  const InputError e = error_of([&] { validate(test); });
  EXPECT_EQ(e.field(), "alpha");
  EXPECT_EQ(e.expected(), "a number in (0, 1)");
  EXPECT_EQ(e.got(), "2");
  EXPECT_STREQ(cli::for_command(e, cli::Command::verify).what(), "--alpha: expected a number in (0, 1), got 2");
  const auto toy = make_problem("toy");
  const Model model = make_model(*toy, std::vector<double>{0.0}, "theta");
  RunOptions run;
  run.samples = 1;
  EXPECT_EQ(error_of([&] { run_estimator(*make_estimator("reinforce"), model, run); }).field(), "samples");
  EXPECT_EQ(error_of([&] { make_estimator("reparam")->check(*toy); }).field(), "estimator");
  EXPECT_EQ(error_of([&] { make_model(*toy, std::vector<double>{0.0, 1.0}, "theta"); }).field(), "theta");
}

TEST(CliFields, EachSubcommandShowsItsOwnArgumentForAField) {
  using cli::Command;
  EXPECT_EQ(cli::argument_for(Command::verify, "estimator"), "ESTIMATOR");
  EXPECT_EQ(cli::argument_for(Command::calibrate, "estimator"), "ESTIMATOR");
  EXPECT_EQ(cli::argument_for(Command::exact, "estimator"), "--estimator");
  EXPECT_EQ(cli::argument_for(Command::compare, "estimators"), "ESTIMATORS");
  EXPECT_EQ(cli::argument_for(Command::compare, "problem"), "PROBLEM");
  EXPECT_EQ(cli::argument_for(Command::verify, "theta"), "--theta");
  EXPECT_EQ(cli::argument_for(Command::verify, "max_samples"), "--max-samples");
  EXPECT_EQ(cli::argument_for(Command::test_samples, "samples_file"), "--samples-file");
}

TEST(CliFields, OlderNamesMapAsTheirFieldsAndOthersAreShownAsTheyAre) {
  using cli::Command;
  EXPECT_EQ(cli::argument_for(Command::verify, "ESTIMATOR"), "ESTIMATOR");
  EXPECT_EQ(cli::argument_for(Command::exact, "ESTIMATOR"), "--estimator");
  EXPECT_EQ(cli::argument_for(Command::compare, "ESTIMATORS"), "ESTIMATORS");
  EXPECT_EQ(cli::argument_for(Command::verify, "PROBLEM"), "PROBLEM");
  EXPECT_EQ(cli::argument_for(Command::verify, "--theta"), "--theta");
  EXPECT_EQ(cli::argument_for(Command::verify, "rloo:k"), "rloo:k");
  EXPECT_EQ(cli::argument_for(Command::verify, "table.json: table"), "table.json: table");
  const InputError keyed({"estimators", "scg:credit"}, "downstream or all", "'x'");
  EXPECT_STREQ(cli::for_command(keyed, Command::compare).what(),
               "ESTIMATORS scg:credit: expected downstream or all, got 'x'");
}

TEST(CliOptions, RangesAreFromToCountWrittenOnce) {
  EXPECT_FALSE(cli::split_range("0:1"));
  EXPECT_FALSE(cli::split_range("0:1:2:3"));
  const auto parts = cli::split_range("0.5:2:4");
  ASSERT_TRUE(parts);
  const cli::Range r = cli::parse_range("--param", *parts, "a COUNT >= 2");
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.at(0), 0.5);
  EXPECT_EQ(r.at(3), 2.0);
  EXPECT_STREQ(error_of([] { cli::parse_range("--param", {"0", "1", "1"}, "a COUNT >= 2"); }).what(),
               "--param: expected a COUNT >= 2, got '1'");
  EXPECT_STREQ(error_of([] { cli::parse_threads("5000"); }).what(), "--threads: expected an integer in [0, 4096], got '5000'");
  EXPECT_EQ(cli::parse_count("--samples", "1e6", 2, "an integer >= 2"), 1000000u);
}

// ---------------------------------------------------------------- the betting test (issue 18)
// Deterministic runs at fixed seeds; the verdicts asserted are far from the threshold (a mutant
// whose Holm p is ~1e-9 after one block). On main the graph oracle's target is estimated, not
// certified (issue 14), so the verdict is inconclusive and says what the statistics found.

TEST(Cli, VerifyTestBettingReportsTheDeclaredRange) {
  const CliResult r = run({"verify", "scg-fig1c", "scg", "--theta", "0.3", "--samples", "20000", "--seed", "3",
                           "--test", "betting", "--json", "-"});
  ASSERT_NE(r.code, 2) << r.err;
  const json j = json::parse(r.out);
  EXPECT_NE(j["test"].get<std::string>().find("betting confidence sequence"), std::string::npos) << j["test"];
  EXPECT_EQ(j["asymptotic"], false);
  ASSERT_TRUE(j["sample_range"].is_object());
  EXPECT_EQ(j["sample_range"]["lo"].size(), 1u);
  EXPECT_LT(j["sample_range"]["lo"][0].get<double>(), j["sample_range"]["hi"][0].get<double>());
  EXPECT_EQ(j["samples_used"], 20000);
  EXPECT_GT(j["detectable_bias"].get<double>(), 0.0);
  EXPECT_EQ(j["reason"].get<std::string>().find("asymptotic (CLT)"), std::string::npos) << j["reason"];
  // Gaussian problems declare no range: --test betting is a usage error naming --test.
  const CliResult g = run({"verify", "gaussian-quadratic", "reparam", "--theta", "0.1,0", "--samples", "2000",
                           "--test", "betting"});
  EXPECT_EQ(g.code, 2);
  EXPECT_NE(g.err.find("--test"), std::string::npos) << g.err;
}

TEST(Cli, SequentialBettingStopsAfterOneBlockOnAGrossBias) {
  const CliResult r = run({"verify", "scg-fig1c", "mutant/scg-baseline-uses-sample", "--theta", "0.3", "--sequential",
                           "--max-samples", "1000000", "--test", "betting", "--json", "-"});
  ASSERT_NE(r.code, 2) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["samples_used"], 1024);  // one block: the capital crossed 1/alpha at the first check
  EXPECT_LT(j["p_value_family"].get<double>(), 1e-6);
  const std::string reason = j["reason"];
  EXPECT_TRUE(reason.find("bias detected") != std::string::npos) << reason;
  EXPECT_NE(reason.find("anytime-valid"), std::string::npos) << reason;
  EXPECT_EQ(j["exact_certificate"]["certainty"], "certified");  // the graph oracle certifies discrete graphs
  EXPECT_EQ(j["verdict"], "fail");
}

TEST(Cli, TVerdictsSayAsymptoticInEveryReport) {
  const CliResult text = run({"verify", "gaussian-quadratic", "reparam", "--theta", "0.1,0", "--samples", "4000",
                              "--test", "t"});
  EXPECT_NE(text.out.find("verdict: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("asymptotic (CLT)"), std::string::npos) << text.out;
  const CliResult j = run({"verify", "gaussian-quadratic", "reparam", "--theta", "0.1,0", "--samples", "4000",
                           "--test", "t", "--json", "-"});
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["asymptotic"], true);
  EXPECT_NE(doc["reason"].get<std::string>().find("asymptotic (CLT)"), std::string::npos) << doc["reason"];
}

TEST(Cli, SuiteReportsSayAsymptoticNextToAVerdictOfT) {
  // A suite with a t verdict (a planted mutant declares neither a sample range nor a sample form,
  // so it has no exact variance: the t-test): report.json, report.md, report.html and junit.xml
  // all carry the words with the verdict's reason.
  const TempDir dir;
  const std::string suite = dir.write("s.json", R"({"name": "asym", "seed": 1, "checks": [
    {"name": "mutant-toy", "kind": "verify", "problem": "toy",
     "estimator": "mutant/reinforce-sign-flip", "theta": [1], "samples": 20000}]})");
  const CliResult r = run({"suite", suite, "--out", dir.file("out")});
  ASSERT_NE(r.code, 2) << r.err;
  for (const char* name : {"report.json", "report.md", "report.html", "junit.xml"}) {
    std::ifstream in(dir.file("out/") + name);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("asymptotic (CLT)"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace estcheck
