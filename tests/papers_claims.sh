#!/usr/bin/env bash
# tests/papers_claims.sh — the claims report (ctest `papers_claims`, label `cli`):
#   ESTCHECK=build/bin/estcheck SOURCE_DIR=. bash tests/papers_claims.sh
# - suites/papers.json (the seed papers' claims, docs/suites.md "Claims") exits 0: every claim
#   holds; report.json lists each claim with its reading "holds", its source and its checks, and
#   validates against reports/schema/suite-report.schema.json; report.md and report.html have the
#   Claims table (23 of 23 hold); junit.xml validates and has no <failure> (its expected fails,
#   the biased estimators, are passes);
# - a planted suite whose claims do not hold ("concrete is unbiased", expect pass; "reinforce is
#   biased", expect fail) exits 1, and every report says "does not hold at these settings" with
#   the figures (max |z|, the bias bound); JUnit has a <failure> for each;
# - `estcheck mutate suites/papers.json` catches all 14 planted mutants (exit 0);
# - bad claim keys exit 2 naming the key.
# Error budget: two statistical assertions share the suites' share budget::kSuites = 5e-6 with
# tests/suite_reports.sh (4e-6 there, 1e-6 here): "the papers suite
# passes" at --alpha 5e-7 and "reinforce passes" in the planted suite at --alpha 5e-7 (each a
# family-wise level over its suite's checks; seed 1, the files'). Every other verdict asserted is
# certain: the biased estimators' |z| are 28 to 135 (p below 1e-60), the mutants' catches are
# p-values far below their thresholds, and exit 2 does not depend on a draw.
# Takes about 25 s of CPU (the papers suite about 15 s, mutate about 3 s).
set -u

# shellcheck source=tests/report_checks.sh
source "$(dirname "$0")/report_checks.sh"
report_checks_init papers_claims

# --- the papers' claims: every one holds.
"$ESTCHECK" suite "$SOURCE_DIR/suites/papers.json" --alpha 5e-7 --threads 2 --out "$work/papers" >"$work/out" 2>"$work/err"
code=$?
expect "papers suite passes: every claim holds (exit $code)" test "$code" -eq 0
r="$work/papers/report.json"
expect "papers report.json validates against its schema" validate_json "$r"
expect "papers junit.xml validates against junit.xsd" validate_xml "$work/papers/junit.xml"
expect "23 claims, every one 'holds'" json_check "$r" "len(r['claims']) == 23 and all(k['reading'] == 'holds' for k in r['claims'])"
expect "every check of papers.json carries a claim and a source" json_check "$r" "all(c.get('claim') and c.get('source') for c in r['checks'])"
for src in "Goodfellow" "Schulman" "Grathwohl et al. 2018, RELAX draft §6.1" "Mohamed" "Yin & Zhou" "Dong, Mnih & Tucker" \
           "Mnih & Rezende" "Gu, Levine" "Mnih & Gregor" "Maddison" "Bengio" "Foerster" "Williams 1992" "eq. 17" "LAX"; do
  expect "a claim from $src" json_check "$r" "any('$src' in k['source'] for k in r['claims'])"
done
expect "the biased estimators are expected fails that passed as claimed" \
  json_check "$r" "sum(1 for c in r['checks'] if c['expect'] == 'fail' and c['verdict'] == 'fail' and c['outcome'] == 'pass') == 7"
expect "the REBAR t = 0.499 claim quotes its exact variance ratios" \
  json_check "$r" "any('t = 0.499 REBAR' in k['claim'] and 'exact' in k['text'] and 'Var(rebar' in k['text'] for k in r['claims'])"
expect "report.md has the Claims table" grep -qF "23 of 23 claims hold" "$work/papers/report.md"
expect "report.md marks expected fails" grep -qF "fail (as claimed)" "$work/papers/report.md"
expect "report.html has the Claims table" grep -qF "data-claims='23' data-claims-held='23'" "$work/papers/report.html"
expect "junit.xml has no failure" test "$(grep -c '<failure' "$work/papers/junit.xml")" -eq 0
expect "the summary counts the claims" grep -qF "claims: 23 of 23 hold" "$work/out"

# --- claims that do not hold: exit 1, said in every report with the figures.
cat >"$work/wrong.json" <<'JSON'
{"name": "wrong-claims", "checks": [
 {"name": "concrete-unbiased", "kind": "verify", "problem": "toy:t=0.45", "estimator": "concrete", "theta": [1],
  "samples": 100000, "claim": "the Concrete relaxation is unbiased", "source": "a planted wrong claim"},
 {"name": "reinforce-biased", "kind": "verify", "problem": "toy:t=0.45", "estimator": "reinforce", "theta": [1],
  "samples": 100000, "claim": "REINFORCE is biased", "source": "a planted wrong claim", "expect": "fail"}]}
JSON
"$ESTCHECK" suite "$work/wrong.json" --alpha 5e-7 --threads 2 --out "$work/wrong" >"$work/out" 2>"$work/err"
code=$?
expect "claims that do not hold fail the suite (exit $code)" test "$code" -eq 1
r="$work/wrong/report.json"
expect "wrong report.json validates" validate_json "$r"
expect "both claims 'does not hold' with figures" \
  json_check "$r" "[k['reading'] for k in r['claims']] == ['does not hold'] * 2 and all('does not hold at these settings' in k['text'] and 'max |z|' in k['text'] and '|bias| <=' in k['text'] for k in r['claims'])"
expect "report.md says it" grep -qF "does not hold at these settings: concrete-unbiased (expected pass, got fail)" "$work/wrong/report.md"
expect "report.md: 0 of 2 claims hold" grep -qF "0 of 2 claims hold" "$work/wrong/report.md"
expect "report.html says it" grep -qF "<td class='verdict'>does not hold at these settings</td>" "$work/wrong/report.html"
expect "report.html gives the figures" grep -qF "<div class='figures fail'>reinforce-biased (expected fail, got pass): reinforce on toy:t=0.45 at theta (1): max |mean - exact|" "$work/wrong/report.html"
expect "junit.xml: a failure per claim" test "$(grep -c '<failure' "$work/wrong/junit.xml")" -eq 2
expect "wrong junit.xml validates" validate_xml "$work/wrong/junit.xml"
expect "the summary names the claim" grep -qF "REINFORCE is biased (a planted wrong claim): does not hold" "$work/out"

# --- --dry-run names each check's claim.
"$ESTCHECK" suite "$SOURCE_DIR/suites/papers.json" --dry-run >"$work/out" 2>"$work/err"
expect "dry run names the claims" grep -qF "maddison-2017-s3.3/concrete-biased-toy (verify, seed" "$work/out"
expect "dry run marks expected fails" grep -qF "claim: the Concrete (Gumbel-softmax) relaxation gives a biased gradient of the discrete objective (expects fail)" "$work/out"

# --- mutate: every planted mutant is caught by the papers' checks.
"$ESTCHECK" mutate "$SOURCE_DIR/suites/papers.json" --threads 2 >"$work/out" 2>"$work/err"
code=$?
expect "mutate papers.json catches every mutant (exit $code)" test "$code" -eq 0
expect "mutation score 17/17" grep -qF "mutation score: 17/17 caught" "$work/out"

# --- bad claim keys: exit 2 naming the key, nothing written.
bad_suite() {  # bad_suite NAME CHECK-EXTRA-JSON EXPECTED-MESSAGE-PART
  printf '{"checks": [{"name": "a", "kind": "%s", "problem": "toy", "estimator": "reinforce", "theta": [1]%s}]}\n' \
    "${4:-verify}" "$2" >"$work/bad.json"
  "$ESTCHECK" suite "$work/bad.json" --out "$work/bad-out" >"$work/out" 2>"$work/err"
  local c=$?
  expect "$1 exits 2 (exit $c)" test "$c" -eq 2
  expect "$1 names the key" grep -qF "$3" "$work/err"
  expect "$1 writes nothing" test ! -e "$work/bad-out"
}
bad_suite "source without claim" ', "source": "x"' '/checks/0/source: expected a check with a "claim"'
bad_suite "expect without claim" ', "expect": "fail"' '/checks/0/expect: expected a check with a "claim"'
bad_suite "expect maybe" ', "claim": "c", "expect": "maybe"' "/checks/0/expect: expected pass or fail"
bad_suite "empty claim" ', "claim": ""' "/checks/0/claim: expected a non-empty sentence"
bad_suite "claim not a string" ', "claim": 3' "/checks/0/claim: expected a string"

report_checks_done
