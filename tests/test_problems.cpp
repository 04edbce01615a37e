// tests/test_problems.cpp — estimators/problems/catalogue.hpp: the built-in problems' f, ∇x f and specs,
// JSON table files (valid and malformed), and make_model's checks of θ.
#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace estcheck {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "estcheck_test_problems";
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

std::string error_of(const std::string& spec) {
  try {
    make_problem(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Problems, Toy) {
  auto p = make_problem("toy");
  EXPECT_EQ(p->spec(), "toy:t=0.499");
  EXPECT_EQ(p->family(), Family::bernoulli);
  EXPECT_EQ(p->theta_dim(), 1u);
  const std::vector<double> one{1.0}, zero{0.0};
  EXPECT_EQ(p->f(one), (1 - 0.499) * (1 - 0.499));
  EXPECT_EQ(p->f(zero), 0.499 * 0.499);
  EXPECT_EQ(make_problem("toy:t=0.45")->spec(), "toy:t=0.45");
}

TEST(Problems, GaussianProblems) {
  auto q = make_problem("gaussian-quadratic:d=2,c=0.5");
  EXPECT_EQ(q->spec(), "gaussian-quadratic:d=2,c=0.5");
  EXPECT_EQ(q->theta_dim(), 4u);
  const std::vector<double> x{1.0, -1.0};
  EXPECT_EQ(q->f(x), 0.25 + 2.25);
  std::vector<double> g(2);
  q->gradient(x, g);
  EXPECT_EQ(g[0], 1.0);
  EXPECT_EQ(g[1], -3.0);
  auto s = make_problem("gaussian-step:d=3");
  EXPECT_EQ(s->f(std::vector<double>{0.1, -0.1, 0.0}), 1.0);
  EXPECT_TRUE(s->has_gradient());
}

TEST(Problems, BernoulliTableIndexIsSumOfBits) {
  auto p = make_table_problem(Family::bernoulli, {10, 11, 12, 13, 14, 15, 16, 17});
  EXPECT_EQ(p->theta_dim(), 3u);
  EXPECT_EQ(p->f(std::vector<double>{1, 0, 0}), 11);
  EXPECT_EQ(p->f(std::vector<double>{0, 1, 0}), 12);
  EXPECT_EQ(p->f(std::vector<double>{1, 0, 1}), 15);
}

TEST(Problems, JsonTables) {
  auto b = make_problem(write_temp("b.json", R"({"distribution": "bernoulli", "n": 2, "table": [1, 2, 3, 4]})"));
  EXPECT_EQ(b->family(), Family::bernoulli);
  EXPECT_EQ(b->f(std::vector<double>{0, 1}), 3);
  auto c = make_problem(write_temp("c.json", R"({"distribution": "categorical", "k": 3, "table": [5, 6, 7], "description": "x"})"));
  EXPECT_EQ(c->family(), Family::categorical);
  EXPECT_EQ(c->f(std::vector<double>{0, 0, 1}), 7);
}

TEST(Problems, MalformedJsonTablesAreInputErrors) {
  const auto expect = [](const std::string& name, const std::string& text, const std::string& part) {
    const std::string msg = error_of(write_temp(name, text));
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
  };
  expect("m1.json", "{not json", "valid JSON");
  expect("m2.json", R"({"distribution": "bernoulli", "n": 2, "table": [1, 2, 3]})", "table: expected 4 values");
  expect("m3.json", R"({"distribution": "bernoulli", "n": 0, "table": []})", "n: expected an integer in [1, 26]");
  expect("m4.json", R"({"distribution": "poisson", "n": 1, "table": [1, 2]})", "distribution");
  expect("m5.json", R"({"distribution": "bernoulli", "n": 1, "table": [1, "a"]})", "table[1]: expected a finite number");
  expect("m6.json", R"({"distribution": "categorical", "k": 1, "table": [1]})", "k: expected an integer in [2,");
  expect("m7.json", R"({"distribution": "bernoulli", "n": 1, "table": [1, 2], "tabel": 3})", "tabel");
  expect("m8.json", R"([1, 2])", "a JSON object");
  expect("m9.json", R"({"distribution": "bernoulli", "n": 1.5, "table": [1, 2]})", "n: expected an integer");
  EXPECT_NE(error_of("/no/such/file.json").find("no such file"), std::string::npos);
}

TEST(Problems, UnknownNamesAndKeys) {
  EXPECT_NE(error_of("toyy").find("problem: expected one of toy"), std::string::npos);
  EXPECT_NE(error_of("toy:x=1").find("toy:x"), std::string::npos);
  EXPECT_NE(error_of("gaussian-quadratic:d=0").find("gaussian-quadratic:d"), std::string::npos);
}

TEST(Problems, MakeModelChecksTheta) {
  auto p = make_problem("gaussian-quadratic:d=2");
  const auto msg = [&](std::vector<double> theta) {
    try {
      make_model(*p, theta, "--theta");
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "--theta");
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(msg({1, 2, 3}).find("expected 4 values"), std::string::npos);
  EXPECT_NE(msg({1, 2, 3, NAN}).find("finite"), std::string::npos);
  EXPECT_NE(msg({1, 2, 3, 900}).find("--theta: expected log σ"), std::string::npos);
  EXPECT_EQ(msg({1, 2, 0, 0}), "(no error)");
}

}  // namespace
}  // namespace estcheck
