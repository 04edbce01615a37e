#!/usr/bin/env bash
# tests/external_test.sh — external estimators (verify/harness/external.hpp, docs/external.md) through the
# built CLI: the NumPy and PyTorch examples pass, their planted-bias variants fail, the figures do
# not depend on --threads, and every protocol fault (tests/external_faults.py) gives exit 2 with a
# message and leaves no process behind; the command runs without a shell.
# Run by ctest (label `cli`) with ESTCHECK and SOURCE_DIR set. Needs /usr/bin/python3 with NumPy
# and PyTorch (scripts/setup.sh installs python3-numpy and python3-torch).
# Budget: the two unbiased runs assert pass at α = budget::kExternal / 2 = 5e-7 each (t-test, CLT:
# REINFORCE on the toy takes two values, light-tailed); the planted bias 0.01 is ~30 detectable
# biases at 200000 samples.
set -u
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/estcheck_external.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
run() {  # run ARGS... ; sets code
  code=0
  "$ESTCHECK" "$@" >"$work/out" 2>"$work/err" || code=$?
}
ex="$SOURCE_DIR/examples/external"
alpha=5e-7   # budget::kExternal / 2 (tests/budget.hpp)

for impl in numpy torch; do
  run verify toy:t=0.45 --theta 0.3 --samples 200000 --alpha $alpha --external "$py $ex/${impl}_reinforce.py"
  [[ $code -eq 0 ]] && ok "$impl example passes" || { bad "$impl example passes (exit $code)"; cat "$work/err"; }
  run verify toy:t=0.45 --theta 0.3 --samples 200000 --external "$py $ex/${impl}_reinforce.py --planted-bias 0.01"
  [[ $code -eq 1 ]] && ok "$impl example with a planted bias fails" || bad "$impl planted bias fails (exit $code)"
done

run verify toy:t=0.45 --theta 0.3 --samples 50000 --threads 1 --json "$work/t1.json" --external "$py $ex/numpy_reinforce.py"
run verify toy:t=0.45 --theta 0.3 --samples 50000 --threads 2 --json "$work/t2.json" --external "$py $ex/numpy_reinforce.py"
same=$("$py" -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); print(all(a[k]==b[k] for k in ("mean","variance","p_value","bias_bound")))' "$work/t1.json" "$work/t2.json")
[[ $same == True ]] && ok "figures identical for --threads 1 and 2" || bad "figures identical for --threads 1 and 2"

marker="estcheck-external-test-$$"
for mode in exit-at-once crash hang text bad-version wrong-count short-body killed; do
  start=$(date +%s)
  run verify toy --theta 0.3 --samples 5000 --timeout 2 --external "$py $SOURCE_DIR/tests/external_faults.py $mode $marker"
  took=$(( $(date +%s) - start ))
  leftover=$(pgrep -f "$marker" || true)
  if [[ $code -eq 2 ]] && grep -q -- "--external" "$work/err" && [[ -z $leftover ]] && [[ $took -le 10 ]]; then
    ok "fault $mode: exit 2, message, no process left ($(head -c 150 "$work/err" | tr '\n' ' '))"
  else
    bad "fault $mode: exit $code, ${took}s, leftover '$leftover', stderr: $(cat "$work/err")"
    [[ -n $leftover ]] && kill -9 $leftover
  fi
done

run verify toy --theta 0.3 --samples 5000 --external "/no/such/program"
[[ $code -eq 2 ]] && ok "missing program: exit 2" || bad "missing program: exit $code"
run verify toy --theta 0.3 --samples 5000 --external "$py $ex/numpy_reinforce.py; touch $work/injected"
[[ $code -eq 2 && ! -e $work/injected ]] && ok "no shell: ';' is an argument, nothing injected" || bad "shell injection check (exit $code)"
run verify toy --theta 0.3 --external "'unclosed"
[[ $code -eq 2 ]] && ok "unclosed quote: exit 2" || bad "unclosed quote: exit $code"
run verify toy reinforce --theta 0.3 --external "$py $ex/numpy_reinforce.py"
[[ $code -eq 2 ]] && ok "an estimator spec with --external: exit 2" || bad "spec with --external: exit $code"

echo "external_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
