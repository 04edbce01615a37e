// tests/test_spec.cpp — estimators/core/spec.hpp: `name:key=value,...` parsing and its error messages.
#include "estimators/core/error.hpp"
#include "estimators/core/param.hpp"
#include "estimators/core/spec.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

std::string message_of(auto fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Spec, ParsesNameAndParameters) {
  Spec s = Spec::parse("rloo:k=4,x=0.5", "ESTIMATOR");
  EXPECT_EQ(s.name(), "rloo");
  EXPECT_EQ(s.get_int("k", 2, 2, 100), 4);
  EXPECT_EQ(s.get_double("x", 0.0), 0.5);
  EXPECT_EQ(s.get_double("missing", 1.25), 1.25);
  EXPECT_NO_THROW(s.finish());
}

TEST(Spec, NameOnly) {
  Spec s = Spec::parse("reinforce", "ESTIMATOR");
  EXPECT_EQ(s.name(), "reinforce");
  EXPECT_NO_THROW(s.finish());
}

TEST(Spec, ErrorsNameTheKey) {
  EXPECT_EQ(message_of([] { Spec::parse("rloo:k", "ESTIMATOR"); }),
            "ESTIMATOR: expected key=value pairs after ':' in 'rloo:k', got 'k'");
  EXPECT_EQ(message_of([] { Spec::parse(":k=1", "PROBLEM"); }),
            "PROBLEM: expected a name such as 'toy' or 'toy:t=0.45', got ':k=1'");
  EXPECT_EQ(message_of([] { Spec::parse("a:k=1,k=2", "PROBLEM"); }),
            "PROBLEM: expected each key once in 'a:k=1,k=2', got 'k' twice");
  EXPECT_EQ(message_of([] {
              Spec s = Spec::parse("rloo:k=1", "ESTIMATOR");
              s.get_int("k", 2, 2, 10);
            }),
            "rloo:k: expected an integer in [2, 10], got '1'");
  EXPECT_EQ(message_of([] {
              Spec s = Spec::parse("toy:t=abc", "PROBLEM");
              s.get_double("t", 0.5);
            }),
            "toy:t: expected a finite number, got 'abc'");
  EXPECT_EQ(message_of([] {
              Spec s = Spec::parse("toy:t=nan", "PROBLEM");
              s.get_double("t", 0.5);
            }),
            "toy:t: expected a finite number, got 'nan'");
  EXPECT_EQ(message_of([] {
              Spec s = Spec::parse("toy:u=1", "PROBLEM");
              s.get_double("t", 0.5);
              s.finish();
            }),
            "toy:u: expected one of: t, got unknown key 'u'");
}

// parse_params: a spec read against typed parameters (estimators/core/param.hpp), as the
// registry reads every estimator spec against its descriptor.
const std::vector<ParamInfo>& example_params() {
  static const std::vector<ParamInfo> params = {
      real_param("temperature", 0.5, "λ"), integer_param("k", 2, 2, 64, "samples"),
      choice_param("credit", {"downstream", "all"}, "credit"),
      choice_param("baseline", {"none", "conditional"}, "baseline", true)};
  return params;
}

TEST(ParamSpec, DefaultsAreTypedAndShownAsText) {
  const auto& p = example_params();
  EXPECT_EQ(p[0].fallback, "0.5");
  EXPECT_EQ(p[1].fallback, "2");
  EXPECT_EQ(p[2].fallback, "downstream");
  Spec s = Spec::parse("est", "ESTIMATOR");
  const ParamValues v = parse_params(s, p, "ESTIMATOR");
  EXPECT_EQ(v.real("temperature"), 0.5);
  EXPECT_EQ(v.integer("k"), 2);
  EXPECT_EQ(v.text("credit"), "downstream");
  EXPECT_EQ(v.text("baseline"), "none");
}

TEST(ParamSpec, GivenValuesAreParsedAndChecked) {
  Spec s = Spec::parse("est:k=5,temperature=0.25,credit=all,baseline=-1.5", "ESTIMATOR");
  const ParamValues v = parse_params(s, example_params(), "ESTIMATOR");
  EXPECT_EQ(v.real("temperature"), 0.25);
  EXPECT_EQ(v.integer("k"), 5);
  EXPECT_EQ(v.text("credit"), "all");
  EXPECT_EQ(v.real("baseline"), -1.5);
  auto parse = [](const char* text) {
    Spec spec = Spec::parse(text, "ESTIMATOR");
    parse_params(spec, example_params(), "ESTIMATOR");
  };
  EXPECT_EQ(message_of([&] { parse("est:k=65"); }), "est:k: expected an integer in [2, 64], got '65'");
  EXPECT_EQ(message_of([&] { parse("est:credit=some"); }),
            "ESTIMATOR est:credit: expected downstream or all, got 'some'");
  EXPECT_EQ(message_of([&] { parse("est:baseline=x"); }), "est:baseline: expected a finite number, got 'x'");
  EXPECT_EQ(message_of([&] { parse("est:eta=1"); }),
            "est:eta: expected one of: baseline, credit, k, temperature, got unknown key 'eta'");
}

TEST(InputError, KeepsFieldExpectedAndGotApart) {
  const InputError e({"estimator", "scg:credit"}, "downstream or all", "'x'");
  EXPECT_STREQ(e.what(), "estimator scg:credit: expected downstream or all, got 'x'");
  EXPECT_EQ(e.field(), "estimator");
  EXPECT_EQ(e.key(), "scg:credit");
  EXPECT_EQ(e.expected(), "downstream or all");
  EXPECT_EQ(e.got(), "'x'");
  EXPECT_STREQ(e.relabeled("ESTIMATOR").what(), "ESTIMATOR scg:credit: expected downstream or all, got 'x'");
  EXPECT_STREQ(e.located("s.json: /checks/0/estimator").what(),
               "s.json: /checks/0/estimator: expected downstream or all, got 'x'");
  EXPECT_EQ(message_of([] { raise_input_error("alpha", "a number in (0, 1)", "2"); }),
               "alpha: expected a number in (0, 1), got 2");
}

}  // namespace
}  // namespace estcheck
