// tests/test_spec.cpp — estimators/core/spec.hpp: `name:key=value,...` parsing and its error messages.
#include "estimators/core/error.hpp"
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
