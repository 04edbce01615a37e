// tests/test_registry.cpp — adding an estimator is one registration: a small score-function
// estimator written here (Williams 1992, eq. 8, with a constant baseline; unbiased) is registered
// with one register_estimator call, and then `list --json` shows it, the docs table rendered from
// the descriptors has its row (so tests/test_docs_table.cpp's check would flag docs/estimators.md),
// and `verify` passes it. Also: specs are parsed against the descriptor (defaults, unknown keys).
#include "estimators/core/error.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/docs_table.hpp"
#include "tools/cli.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace estcheck {
namespace {

/// ĝ = (f(x) - b) ∇θ log p(x), x ~ p_θ: unbiased for every constant b.
class ExampleScore final : public Estimator {
 public:
  explicit ExampleScore(double baseline)
      : baseline_(baseline),
        info_{"example-score:baseline=" + format_double(baseline), true, false, 1, kReference} {}
  static constexpr const char* kReference = "Williams 1992, eq. 8 (the example in tests/test_registry.cpp)";
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override { return m.sample_dim(); }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override {
    const auto x = scratch.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    const double w = m.f(x) - baseline_;
    score(m.dist, x, grad);
    for (double& g : grad) g *= w;
  }

 private:
  double baseline_;
  EstimatorInfo info_;
};

EstimatorDescriptor example_descriptor() {
  return {.name = "example-score",
          .params = {real_param("baseline", 0.25, "constant subtracted from f")},
          .claimed_unbiased = true,
          .requires_ = "any",
          .description = "example: score function with a constant baseline",
          .reference = ExampleScore::kReference,
          .make = [](const ParamValues& v) { return std::make_unique<ExampleScore>(v.real("baseline")); }};
}

/// Registers the example once per process (the catalogue rejects a second registration).
void register_example_once() {
  static const bool registered = [] {
    register_estimator(example_descriptor());  // the one registration line
    return true;
  }();
  (void)registered;
}

TEST(Registry, OneRegistrationShowsTheEstimatorInListJson) {
  register_example_once();
  std::ostringstream out, err;
  ASSERT_EQ(run_cli({"estcheck", "list", "--json"}, out, err), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  const auto& list = j.at("estimators");
  const auto it = std::find_if(list.begin(), list.end(), [](const auto& e) { return e.at("name") == "example-score"; });
  ASSERT_NE(it, list.end()) << out.str();
  EXPECT_EQ(it->at("claimed_unbiased"), true);
  EXPECT_EQ(it->at("reference"), ExampleScore::kReference);
  ASSERT_EQ(it->at("params").size(), 1u);
  EXPECT_EQ(it->at("params")[0].at("key"), "baseline");
  EXPECT_EQ(it->at("params")[0].at("default"), "0.25");
  EXPECT_EQ(it->at("params")[0].at("kind"), "real");
}

TEST(Registry, OneRegistrationPutsTheEstimatorInTheDocsTable) {
  register_example_once();
  const std::string table = estimator_table_markdown();
  EXPECT_NE(table.find("| `example-score:baseline=0.25` | yes | any |"), std::string::npos) << table;
  // docs/estimators.md lists the built-in estimators only, so the docs check now flags it.
  EXPECT_NE(test::documented_estimator_table(), table);
}

TEST(Registry, OneRegistrationIsEnoughToVerify) {
  register_example_once();
  std::ostringstream out, err;
  const int code = run_cli({"estcheck", "verify", "toy:t=0.45", "example-score", "--theta", "0.3", "--samples",
                            "200000", "--seed", "1"},
                           out, err);
  EXPECT_EQ(code, 0) << out.str() << err.str();
}

TEST(Registry, SpecsAreParsedAgainstTheDescriptor) {
  register_example_once();
  EXPECT_EQ(make_estimator("example-score")->info().spec, "example-score:baseline=0.25");
  EXPECT_EQ(make_estimator("example-score:baseline=-1.5")->info().spec, "example-score:baseline=-1.5");
  try {
    make_estimator("example-score:bias=1");
    ADD_FAILURE() << "an unknown key was accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "example-score:bias: expected one of: baseline, got unknown key 'bias'");
  }
  EXPECT_THROW(make_estimator("example-score:baseline=x"), InputError);
}

TEST(Registry, RejectsADuplicateOrNamelessDescriptor) {
  register_example_once();
  EXPECT_THROW(register_estimator(example_descriptor()), std::invalid_argument);
  EstimatorDescriptor nameless = example_descriptor();
  nameless.name = "";
  EXPECT_THROW(register_estimator(nameless), std::invalid_argument);
  EstimatorDescriptor no_factory = example_descriptor();
  no_factory.name = "example-without-factory";
  no_factory.make = nullptr;
  EXPECT_THROW(register_estimator(no_factory), std::invalid_argument);
}

TEST(Registry, EveryBuiltInDescriptorBuildsItsDefaultSpec) {
  for (const auto& d : estimator_catalogue()) {
    const auto e = make_estimator(d.name);
    EXPECT_TRUE(e->info().spec.starts_with(d.name)) << d.name << " built " << e->info().spec;
    EXPECT_EQ(e->info().claimed_unbiased, d.claimed_unbiased) << d.name;
    EXPECT_EQ(e->info().reference, d.reference) << d.name;
  }
}

}  // namespace
}  // namespace estcheck
