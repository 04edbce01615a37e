// tests/test_claims.cpp — reports/claims.hpp: a check's outcome against its expectation, the
// grouping of checks into claims and each claim's reading (holds / does not hold / not settled)
// with its figures, the suite's verdict over outcomes, and the Markdown, HTML, JUnit and JSON
// renderings of the claims. Hand-built results, no sampling (the claims of suites/papers.json are
// run by tests/papers_claims.sh).
#include "reports/claims.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"

#include <gtest/gtest.h>

namespace estcheck {
namespace {

/// A verify check with one coordinate: mean - exact = bias, standard error se.
CheckResult verify_check(const std::string& name, Verdict verdict, double bias, double se) {
  CheckResult c;
  c.name = name;
  c.kind = "verify";
  c.verdict = verdict;
  c.reason = "a reason";
  VerifyReport r;
  r.problem = "toy:t=0.45";
  r.estimator.spec = "concrete:temperature=0.5";
  r.theta = {1.0};
  r.exact.gradient = {0.1};
  r.test.bias = {bias};
  r.test.std_error = {se};
  r.test.p_value_family = verdict == Verdict::fail ? 1e-30 : 0.5;
  r.test.bias_bound = std::abs(bias) + 5 * se;
  c.verify = r;
  c.p_value = r.test.p_value_family;
  return c;
}

/// A compare check of reference vs other with the trace ratio [lo, ratio, hi].
CheckResult compare_check(const std::string& name, Verdict verdict, double lo, double ratio, double hi) {
  CheckResult c;
  c.name = name;
  c.kind = "compare";
  c.verdict = verdict;
  CompareReport p;
  p.problem = "toy:t=0.499";
  p.theta = {0.0};
  p.result.estimators = {"rebar", "reinforce"};
  p.result.min_reduction = 1.0;
  Comparison cmp;
  cmp.other = "reinforce";
  cmp.trace = {ratio, lo, hi};
  cmp.exact_trace_ratio = 1.427;
  p.result.comparisons = {cmp};
  c.compare = {p};
  return c;
}

CheckResult with_claim(CheckResult c, const std::string& claim, Verdict expect = Verdict::pass) {
  c.claim = claim;
  c.source = "a paper, §1";
  c.expect = expect;
  return c;
}

TEST(Claims, OutcomeReadsTheVerdictAgainstTheExpectation) {
  for (Verdict v : {Verdict::pass, Verdict::fail, Verdict::inconclusive, Verdict::error}) {
    CheckResult c;
    c.verdict = v;
    EXPECT_EQ(outcome(c), v);  // expect pass: the verdict itself
    c.expect = Verdict::fail;
    const Verdict o = outcome(c);
    EXPECT_EQ(o, v == Verdict::pass ? Verdict::fail : v == Verdict::fail ? Verdict::pass : v);
  }
  CheckResult c;
  c.expect = Verdict::fail;
  c.verdict = Verdict::fail;
  EXPECT_EQ(verdict_text(c), "fail (as claimed)");
  c.verdict = Verdict::pass;
  EXPECT_EQ(verdict_text(c), "pass (the claim expects fail)");
}

SuiteReport three_claims() {
  SuiteReport r;
  r.name = "claims";
  r.checks = {
      with_claim(verify_check("biased", Verdict::fail, 0.03, 1e-4), "concrete is biased", Verdict::fail),
      with_claim(compare_check("not-below", Verdict::pass, 1.41, 1.424, 1.44), "rebar struggles"),
      with_claim(verify_check("unbiased-but-not", Verdict::fail, 0.03, 1e-4), "concrete is unbiased"),
      with_claim(compare_check("unsettled", Verdict::inconclusive, 0.9, 1.01, 1.1), "rebar struggles"),
      verify_check("no-claim", Verdict::pass, 1e-5, 1e-4),
  };
  return r;
}

TEST(Claims, GroupsAndReadings) {
  const SuiteReport r = three_claims();
  const std::vector<ClaimResult> ks = claims(r);
  ASSERT_EQ(ks.size(), 3u);  // in the order of their first check; the check without a claim is in none
  EXPECT_EQ(ks[0].claim, "concrete is biased");
  EXPECT_EQ(ks[0].reading, Reading::holds);
  EXPECT_EQ(ks[0].text.rfind("holds: biased: concrete:temperature=0.5 on toy:t=0.45 at theta (1): ", 0), 0u) << ks[0].text;
  EXPECT_NE(ks[0].text.find("max |z| 300"), std::string::npos) << ks[0].text;
  EXPECT_EQ(ks[1].claim, "rebar struggles");
  EXPECT_EQ(ks[1].checks, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(ks[1].reading, Reading::not_settled);  // one check inconclusive, none against
  EXPECT_NE(ks[1].text.find("not settled: unsettled (expected pass, got inconclusive): Var(rebar)/Var(reinforce) = 1.01 "
                            "[0.9, 1.1], exact 1.427"),
            std::string::npos)
      << ks[1].text;
  EXPECT_NE(ks[1].text.find("consistent with the claim: not-below: Var(rebar)/Var(reinforce) = 1.424"), std::string::npos);
  EXPECT_EQ(ks[2].reading, Reading::does_not_hold);
  EXPECT_EQ(ks[2].text.rfind("does not hold at these settings: unbiased-but-not (expected pass, got fail): ", 0), 0u);
  // The suite's verdict is over the outcomes: the expected fail passes, the wrong claim fails.
  EXPECT_EQ(overall_verdict(r.checks), Verdict::fail);
  SuiteReport holds = r;
  holds.checks = {r.checks[0], r.checks[1], r.checks[4]};
  EXPECT_EQ(overall_verdict(holds.checks), Verdict::pass);
}

TEST(Claims, ThetaGridFiguresQuoteTheEndsAndTheDecidingPoint) {
  CheckResult c = compare_check("grid", Verdict::pass, 1.41, 1.424, 1.44);
  c.sweep_index = 0;
  for (double th : {-1.0, 1.0}) {
    CompareReport p = c.compare.front();
    p.theta = {th};
    p.result.comparisons[0].trace = {th < 0 ? 1.2 : 2.0, th < 0 ? 1.1 : 1.9, th < 0 ? 1.3 : 2.1};
    c.compare.push_back(p);
  }
  const std::string f = claim_figures(c);
  EXPECT_NE(f.find("= 1.424 [1.41, 1.44], exact 1.427 at theta (0); "), std::string::npos) << f;
  EXPECT_NE(f.find("= 2 [1.9, 2.1], exact 1.427 at theta (1)"), std::string::npos) << f;
  EXPECT_EQ(f.find("at theta (-1); "), std::string::npos) << f;  // a middle point: only as the deciding one
  EXPECT_NE(f.find("smallest of the 3 points: 1.2 [1.1, 1.3] (Var(rebar)/Var(reinforce) at theta (-1))"),
            std::string::npos)
      << f;
}

TEST(Claims, Renderings) {
  SuiteReport r = three_claims();
  r.verdict = overall_verdict(r.checks);
  const std::string md = to_markdown(r);
  EXPECT_NE(md.find("## Claims\n\n1 of 3 claims hold."), std::string::npos);
  EXPECT_NE(md.find("| 🟢 holds | concrete is biased | a paper, §1 | `biased` fail (as claimed) |"), std::string::npos);
  EXPECT_NE(md.find("| 🔴 **does not hold** | concrete is unbiased |"), std::string::npos);
  EXPECT_NE(md.find("| 🟡 not settled | rebar struggles |"), std::string::npos);
  EXPECT_NE(md.find("🟢 fail (as claimed) | `biased`"), std::string::npos);  // the check's row
  EXPECT_NE(md.find("2 fail (1 of them as their claims predict)"), std::string::npos);

  const std::string html = to_html(r);
  EXPECT_NE(html.find("data-claims='3' data-claims-held='1'"), std::string::npos);
  EXPECT_NE(html.find("<tr class='fail'><td class='verdict'>does not hold at these settings</td><td>concrete is "
                      "unbiased</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<div class='figures fail'>unbiased-but-not (expected pass, got fail): concrete:temperature=0.5 on "
                      "toy:t=0.45 at theta (1): max |mean - exact| 0.03 (max |z| 300"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class='pass'><td class='verdict'>fail (as claimed)</td>"), std::string::npos);
  EXPECT_NE(html.find("<p class='claim'>Claim: <q>concrete is biased</q>"), std::string::npos);

  const std::string junit = to_junit(r);  // failures by outcome: only the wrong claim's check
  EXPECT_NE(junit.find("failures='1'"), std::string::npos);
  EXPECT_NE(junit.find("claim: concrete is unbiased (a paper, §1); expected verdict pass"), std::string::npos);

  const nlohmann::json j = to_json(r);
  ASSERT_EQ(j["claims"].size(), 3u);
  EXPECT_EQ(j["claims"][2]["reading"], "does not hold");
  EXPECT_EQ(j["claims"][0]["checks"][0]["outcome"], "pass");
  EXPECT_EQ(j["checks"][0]["expect"], "fail");
  EXPECT_EQ(j["checks"][0]["outcome"], "pass");
  EXPECT_FALSE(j["checks"][4].contains("claim"));  // no claim: no claim keys
}

}  // namespace
}  // namespace estcheck
