#!/usr/bin/env bash
# tests/suite_reports.sh — `estcheck suite` as a CI job runs it (ctest `suite_reports`, label `cli`):
#   ESTCHECK=build/bin/estcheck SOURCE_DIR=. bash tests/suite_reports.sh
# - suites/default.json passes (exit 0) and writes all four reports, and the --junit / --markdown
#   copies; junit.xml validates against reports/schema/junit.xsd (xmllint, Debian libxml2-utils)
#   and report.json against reports/schema/suite-report.schema.json (Debian python3-jsonschema,
#   run with /usr/bin/python3); both schemas reject a broken document;
# - suites/planted.json fails (exit 1) with a JUnit <failure> naming the mutant check and its
#   figures, a FAIL row in report.md and a red row in report.html; its calibrate check (Student's
#   t on gaussian-exp, about 20 x too many false rejections at alpha = 1e-3) fails too, with its
#   per-alpha figures in JUnit and its claims in report.json;
# - calibrate checks: too few repetitions exit 3, non-finite samples exit 4, bad keys exit 2;
# - report.json is identical for --threads 1 and 2 apart from elapsed_s and threads;
# - malformed suites and bad output paths exit 2 with a message naming the file and key, and
#   write nothing; suites/full.json is a valid suite (--dry-run) that names every estimator and
#   problem of `estcheck list --json`.
# Error budget: the one statistical assertion is "the default suite passes", run at
# --alpha 4e-6 of budget::kSuites = 5e-6 (tests/budget.hpp: the suites' share; the other 1e-6 is
# tests/papers_claims.sh's), seed 1 (the file's). Every other verdict asserted is a planted bug
# with |z| in the hundreds (certain), the miscalibrated t test (fail p-value near 1e-35 against a threshold of 5e-5), or a verdict that
# does not depend on the draw (exit 3 and 4 below).
# Takes about 5 s on 2 cores.
set -u

# shellcheck source=tests/report_checks.sh
source "$(dirname "$0")/report_checks.sh"
report_checks_init suite_reports
rejects_json() { ! validate_json "$1" 2>/dev/null; }
rejects_xml() { ! validate_xml "$1"; }

# --- the default suite: pass, four reports and two copies, valid against both schemas.
mkdir -p "$work/copy"
"$ESTCHECK" suite "$SOURCE_DIR/suites/default.json" --alpha 4e-6 --threads 2 --out "$work/default" \
  --junit "$work/copy/junit.xml" --markdown "$work/copy/report.md" >"$work/out" 2>"$work/err"
code=$?
expect "default suite passes (exit $code)" test "$code" -eq 0
for f in report.json report.md report.html junit.xml; do expect "default writes $f" test -s "$work/default/$f"; done
expect "--junit copy equals junit.xml" cmp -s "$work/copy/junit.xml" "$work/default/junit.xml"
expect "--markdown copy equals report.md" cmp -s "$work/copy/report.md" "$work/default/report.md"
expect "no temporary files left" test -z "$(ls "$work/default" | grep -v -E '^(report\.(json|md|html)|junit\.xml)$')"
expect "stderr is empty when not a terminal" test ! -s "$work/err"
expect "the budget arithmetic is printed" grep -qF "split over m = 14 checks by Holm" "$work/out"
expect "default junit.xml validates against junit.xsd" validate_xml "$work/default/junit.xml"
expect "default report.json validates against its schema" validate_json "$work/default/report.json"
expect "default report.json: dice-hessian-fig1c (dice:order=2) reports order 2" "$PY" -c "
import json,sys; d=json.load(open('$work/default/report.json'))
c=[c for c in d['checks'] if c['name'] == 'dice-hessian-fig1c'][0]
sys.exit(not (c['result']['estimator'] == 'dice:order=2' and c['result']['order'] == 2))"

# The schemas have teeth: a broken report and a broken JUnit file are rejected.
sed 's/"verdict": "pass"/"verdict": "maybe"/' "$work/default/report.json" >"$work/broken.json"
expect "schema rejects verdict 'maybe'" rejects_json "$work/broken.json"
sed "s/ tests='[0-9]*'//g" "$work/default/junit.xml" >"$work/broken.xml"
expect "xsd rejects a testsuite without tests=" rejects_xml "$work/broken.xml"

# --- the planted bugs: exit 1, JUnit failure with figures, FAIL rows.
"$ESTCHECK" suite "$SOURCE_DIR/suites/planted.json" --threads 2 --out "$work/planted" >"$work/out" 2>"$work/err"
code=$?
expect "planted suite fails (exit $code)" test "$code" -eq 1
expect "planted junit.xml validates" validate_xml "$work/planted/junit.xml"
expect "planted report.json validates" validate_json "$work/planted/report.json"
expect "JUnit failure names the mutant check and its figures" \
  grep -qE "<failure type='fail' message='check mutant-score-no-normalizer fail: estimator mutant/score-no-normalizer, problem toy:t=0.45, theta \(1\), samples 200000, max \|z\| [0-9.e+]+, bias bound [0-9.e+-]+, p-value [0-9.e+-]+, threshold [0-9.e+-]+'" \
  "$work/planted/junit.xml"
expect "Markdown has a FAIL row for the mutant" grep -qF "| 🔴 **FAIL** | \`mutant-score-no-normalizer\` |" "$work/planted/report.md"
expect "HTML has a red FAIL row for the mutant" \
  grep -qF "<tr class='fail'><td class='verdict'>FAIL</td><td><a href='#check-mutant-score-no-normalizer'>" "$work/planted/report.html"
expect "JUnit failure names the miscalibrated t test with its per-alpha figures" \
  grep -qE "<failure type='fail' message='check t-test-calibration-gaussian-exp fail: estimator reinforce, problem gaussian-exp:d=1, theta \(0, 0\), test Student t[^']*, 2000 repetitions x 1000 samples, claims rate &lt;= 1.5 x alpha and power &gt;= 0.85; bounds at level [0-9.e+-]+; alpha 0.001: false rejections [0-9]+/2000, rate [0-9.e+-]+ \[[0-9.e+-]+, [0-9.e+-]+\], ratio [0-9.e+-]+, power [0-9.e+-]+ \[[0-9.e+-]+, [0-9.e+-]+\], p-value [0-9.e+-]+, threshold [0-9.e+-]+'" \
  "$work/planted/junit.xml"
expect "Markdown has a FAIL row for the calibration" \
  grep -qF "| 🔴 **FAIL** | \`t-test-calibration-gaussian-exp\` | calibrate |" "$work/planted/report.md"
expect "report.json: the calibrate check is the calibrate document plus its claims" "$PY" -c "
import json,sys; d=json.load(open('$work/planted/report.json'))
c=[x for x in d['checks'] if x['name']=='t-test-calibration-gaussian-exp'][0]
l=c['claims']['levels'][0]
sys.exit(not (c['verdict']=='fail' and c['result']['command']=='calibrate' and c['result']['seed']==c['seed']
              and c['p_value']<=c['threshold'] and l['false_rejection_bounds'][0]>l['max_rate']==1.5e-3))"
expect "report.json says fail, exit code 1" "$PY" -c "
import json,sys; d=json.load(open('$work/planted/report.json'))
c={x['name']:x for x in d['checks']}
sys.exit(not (d['verdict']=='fail' and d['exit_code']==1 and c['mutant-score-no-normalizer']['verdict']=='fail'
              and d['seed']==1 and all(isinstance(x['seed'],int) for x in d['checks'])))"

# --- bit-identical figures across thread counts (all but elapsed_s and threads).
"$ESTCHECK" suite "$SOURCE_DIR/suites/planted.json" --threads 1 --quiet --out "$work/planted1" >/dev/null 2>&1
expect "report.json identical for 1 and 2 threads" "$PY" -c "
import json,sys
def strip(x):
    if isinstance(x, dict): return {k: strip(v) for k, v in x.items() if k not in ('elapsed_s', 'threads')}
    if isinstance(x, list): return [strip(v) for v in x]
    return x
a=json.load(open('$work/planted/report.json')); b=json.load(open('$work/planted1/report.json'))
a.pop('budget', None); b.pop('budget', None)
sys.exit(strip(a) != strip(b))"
"$ESTCHECK" suite "$SOURCE_DIR/suites/planted.json" --seed 7 --quiet --out "$work/seed7" >/dev/null 2>&1
expect "--seed changes the check seeds and is recorded" "$PY" -c "
import json,sys; a=json.load(open('$work/planted/report.json')); b=json.load(open('$work/seed7/report.json'))
sys.exit(not (b['seed']==7 and a['checks'][0]['seed']!=b['checks'][0]['seed']))"

# --- exit 4 (a check errs: f overflows in every sample) beats a pass; exit 3 (inconclusive: 5000
# samples cannot bound the bias below 1e-6). Neither verdict is borderline (see cli_exit_codes.sh).
printf '%s\n' '{"checks": [
  {"name": "overflow", "kind": "verify", "problem": "gaussian-quadratic", "estimator": "reinforce", "theta": [1e200, 0], "samples": 5000},
  {"name": "tight", "kind": "verify", "problem": "gaussian-quadratic:d=1,c=0.5", "estimator": "reinforce", "theta": [0.5, 0], "samples": 5000, "tolerance": 1e-6}]}' >"$work/error.json"
"$ESTCHECK" suite "$work/error.json" --quiet --out "$work/error" >"$work/out" 2>&1
code=$?
expect "a check with non-finite samples: exit 4 (exit $code)" test "$code" -eq 4
expect "errored report.json validates" validate_json "$work/error/report.json"
expect "errored junit.xml validates and has an <error>" bash -c "xmllint --noout --schema '$schema_xsd' '$work/error/junit.xml' 2>/dev/null && grep -qF \"<error type='error' message='check overflow error:\" '$work/error/junit.xml'"
"$PY" -c "import json; d=json.load(open('$work/error.json')); d['checks']=d['checks'][1:]; json.dump(d, open('$work/inconclusive.json','w'))"
"$ESTCHECK" suite "$work/inconclusive.json" --quiet --out "$work/inconclusive" >"$work/out" 2>&1
code=$?
expect "an unsettled tolerance claim: exit 3 (exit $code)" test "$code" -eq 3

# --- calibrate checks: 50 repetitions cannot confirm a false-rejection rate <= 1.5e-3 (the upper
# bound for 0 of 50 is 0.18), and this seed's 0 false rejections and 50/50 detections are far from
# a fail (which needs >= 4 false rejections or <= 30 detections): exit 3. f overflows in every
# repetition: exit 4.
printf '%s\n' '{"checks": [{"name": "few", "kind": "calibrate", "problem": "toy", "estimator": "reinforce", "theta": [8], "samples": 1000, "repetitions": 50, "alphas": [0.001]}]}' >"$work/cal_few.json"
"$ESTCHECK" suite "$work/cal_few.json" --quiet --out "$work/cal_few" >"$work/out" 2>&1
code=$?
expect "a calibrate check with too few repetitions: exit 3 (exit $code)" test "$code" -eq 3
expect "inconclusive calibrate report.json validates" validate_json "$work/cal_few/report.json"
expect "inconclusive calibrate junit.xml validates and has a <skipped>" bash -c "xmllint --noout --schema '$schema_xsd' '$work/cal_few/junit.xml' 2>/dev/null && grep -qF \"<skipped type='inconclusive' message='inconclusive: too few repetitions\" '$work/cal_few/junit.xml'"
printf '%s\n' '{"checks": [{"name": "overflow", "kind": "calibrate", "problem": "gaussian-quadratic", "estimator": "reinforce", "theta": [1e200, 0], "samples": 100, "repetitions": 20, "test": "t"}]}' >"$work/cal_error.json"
"$ESTCHECK" suite "$work/cal_error.json" --quiet --out "$work/cal_error" >"$work/out" 2>&1
code=$?
expect "a calibrate check with non-finite samples: exit 4 (exit $code)" test "$code" -eq 4
expect "errored calibrate report.json validates" validate_json "$work/cal_error/report.json"
sed 's/"max_ratio": 1.5/"max_ratio": -1/' "$work/cal_few/report.json" >"$work/broken_cal.json"
expect "schema rejects a calibrate check claiming max_ratio -1" rejects_json "$work/broken_cal.json"

# --- bad suites and paths: exit 2, the file and key named, nothing written.
ok_check='{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0], "samples": 2048}'
bad_suite() {  # bad_suite NAME NEEDLE JSON-TEXT
  local name=$1 needle=$2
  printf '%s\n' "$3" >"$work/$name.json"
  rm -rf "$work/out_$name"
  "$ESTCHECK" suite "$work/$name.json" --out "$work/out_$name" >"$work/out" 2>"$work/err"
  local code=$?
  if [[ $code -eq 2 ]] && grep -qF -- "$work/$name.json" "$work/err" && grep -qF -- "$needle" "$work/err" &&
     [[ ! -e "$work/out_$name" ]]; then
    ok "bad suite $name (exit 2: $(head -c 160 "$work/err"))"
  else
    bad "bad suite $name: exit $code, stderr: $(cat "$work/err")"
  fi
}
bad_suite unknown_key "/checks/0/sample" '{"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0], "sample": 10}]}'
bad_suite unknown_top_key "/alpah" '{"alpah": 0.01, "checks": ['"$ok_check"']}'
bad_suite wrong_type "/checks/0/samples" '{"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "reinforce", "theta": [0], "samples": "many"}]}'
bad_suite duplicate_name "/checks/1/name" '{"checks": ['"$ok_check"', '"$ok_check"']}'
bad_suite unknown_problem "/checks/0/problem" '{"checks": [{"name": "a", "kind": "verify", "problem": "nosuch", "estimator": "reinforce", "theta": [0]}]}'
bad_suite unknown_estimator "/checks/0/estimator" '{"checks": [{"name": "a", "kind": "verify", "problem": "toy", "estimator": "nosuch", "theta": [0]}]}'
bad_suite unknown_kind "verify, compare, bias-curve or calibrate" '{"checks": [{"name": "a", "kind": "calibration", "problem": "toy", "theta": [0]}]}'
bad_suite calibrate_unknown_key "/checks/0/repetition" '{"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "estimator": "reinforce", "theta": [0], "repetition": 10}]}'
bad_suite calibrate_wrong_type "/checks/0/alphas/0" '{"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "estimator": "reinforce", "theta": [0], "alphas": ["0.01"]}]}'
bad_suite calibrate_test "/checks/0/test" '{"checks": [{"name": "a", "kind": "calibrate", "problem": "toy", "estimator": "reinforce", "theta": [0], "test": "z"}]}'
bad_suite syntax "line 2" '{"checks": [
  {"name": "a",, }]}'
"$ESTCHECK" suite "$work/no_such_suite.json" --out "$work/out_missing" >"$work/out" 2>"$work/err"
code=$?
expect "missing suite file: exit 2 naming it (exit $code)" \
  bash -c "[[ $code -eq 2 ]] && grep -qF 'no_such_suite.json' '$work/err' && grep -qF 'no such file' '$work/err' && [[ ! -e '$work/out_missing' ]]"
printf '%s\n' '{"checks": ['"$ok_check"']}' >"$work/small.json"
touch "$work/a_file"
"$ESTCHECK" suite "$work/small.json" --out "$work/a_file" >"$work/out" 2>"$work/err"
code=$?
expect "--out naming a file: exit 2 (exit $code)" bash -c "[[ $code -eq 2 ]] && grep -qF -- '--out' '$work/err'"
"$ESTCHECK" suite "$work/small.json" --out "$work/small_out" --junit "$work/no/such/dir/j.xml" >"$work/out" 2>"$work/err"
code=$?
expect "--junit into a missing folder: exit 2 before running (exit $code)" \
  bash -c "[[ $code -eq 2 ]] && grep -qF -- '--junit' '$work/err' && ! grep -qF 'ran in' '$work/out'"
"$ESTCHECK" suite "$SOURCE_DIR/suites/full.json" --dry-run >"$work/out" 2>"$work/err"
code=$?
expect "full.json is a valid suite (--dry-run exit $code)" bash -c "[[ $code -eq 0 ]] && grep -qF 'split over m =' '$work/out'"

"$ESTCHECK" list --json >"$work/list.json"
covers_catalogue() {
  "$PY" - "$work/list.json" "$SOURCE_DIR/suites/full.json" <<'EOF'
import json, os, sys
catalogue = json.load(open(sys.argv[1]))
suite = json.load(open(sys.argv[2]))
used_est, used_prob = set(), set()
for c in suite["checks"]:
    for e in c.get("estimators", []) + ([c["estimator"]] if "estimator" in c else []):
        used_est.add(e.split(":")[0])
    p = c["problem"]
    if p.endswith(".json"):  # a table file, or a graph file (a "nodes" key)
        graph = "nodes" in json.load(open(os.path.join(os.path.dirname(sys.argv[2]), p)))
        used_prob.add("FILE.json (nodes)" if graph else "FILE.json")
    else:
        used_prob.add(p.split(":")[0])
missing = [e["name"] for e in catalogue["estimators"] if e["name"] not in used_est]
missing += [p["name"] for p in catalogue["problems"] if p["name"] not in used_prob]
if missing:
    print("not in full.json:", missing)
sys.exit(bool(missing))
EOF
}
expect "full.json names every built-in estimator and problem (estcheck list --json)" covers_catalogue

# --- mutate: the built-in suites catch every planted bug (exit 0, JSON score 1); a suite without
# checks of a mutant's base reports it as not exercised (exit 1).
for suite in default full; do
  code=0
  "$ESTCHECK" mutate "$SOURCE_DIR/suites/$suite.json" --json "$work/mutate-$suite.json" >"$work/out" 2>"$work/err" || code=$?
  expect "mutate $suite.json catches every mutant (exit $code)" bash -c \
    "[[ $code -eq 0 ]] && grep -q 'mutation score: 17/17' '$work/out' && \"$PY\" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(j[\"mutation_score\"] != 1.0)' '$work/mutate-$suite.json'"
done
printf '{"name": "thin", "checks": [%s]}' "$ok_check" >"$work/thin.json"
code=0
"$ESTCHECK" mutate "$work/thin.json" >"$work/out" 2>"$work/err" || code=$?
expect "mutate on a thin suite reports unexercised mutants (exit $code)" bash -c \
  "[[ $code -eq 1 ]] && grep -q 'not exercised' '$work/out'"
code=0
"$ESTCHECK" mutate "$work/missing.json" >"$work/out" 2>"$work/err" || code=$?
expect "mutate on a missing suite file is exit 2 (got $code)" bash -c "[[ $code -eq 2 ]]"

report_checks_done
