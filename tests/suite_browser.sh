#!/usr/bin/env bash
# tests/suite_browser.sh — report.html in a real browser (ctest `suite_browser`, label `browser`):
#   ESTCHECK=build/bin/estcheck SOURCE_DIR=. ARTIFACT_DIR=build/artifacts bash tests/suite_browser.sh
# Runs tests/suites/browser.json (every kind of chart and a planted bug, so exit 1), then loads
# report.html in headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) with every
# network request refused, and checks:
# - the page's own script ran (it stamps data-charts-rendered on <body> in the DOM Chromium dumps)
#   and counted every chart, at least one of each kind, and saw the failing row;
# - the browser logged no script error (Chromium's --enable-logging=stderr console output);
# - the page names no network resource (only the SVG namespace URI);
# - a screenshot is written: ARTIFACT_DIR/suite_report.png (kept as the test artifact).
# No statistical assertion: the only verdict asserted is the planted bug's (|z| > 200).
# Takes about 5 s.
set -u

for v in ESTCHECK SOURCE_DIR ARTIFACT_DIR; do
  if [[ -z "${!v:-}" ]]; then
    echo "suite_browser: set $v" >&2
    exit 2
  fi
done
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "suite_browser: needs Chromium (Debian package chromium): run scripts/setup.sh" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/estcheck_suite_browser.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$ARTIFACT_DIR"
passed=0
failed=0
expect() {  # expect NAME COMMAND...
  local name=$1
  shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

"$ESTCHECK" suite "$SOURCE_DIR/tests/suites/browser.json" --threads 2 --quiet --out "$work/report" >"$work/out" 2>&1
code=$?
expect "browser suite fails on its planted bug (exit $code)" test "$code" -eq 1
page="$work/report/report.html"
expect "report.html written" test -s "$page"

# Chromium as root needs --no-sandbox; a private profile; every host unresolvable (no network).
# --disable-dev-shm-usage: containers often have a tiny /dev/shm. Caches go under $work.
export XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --no-first-run --disable-extensions
       --user-data-dir="$work/profile" --host-resolver-rules="MAP * ~NOTFOUND" --window-size=1280,2200)
timeout 90 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$page" >"$work/dom.html" 2>"$work/dom.err"
expect "chromium dumped the DOM" test -s "$work/dom.html"
charts=$(grep -o "<svg" "$page" | wc -l)
expect "the page's script ran and counted $charts charts" grep -qF "data-charts-rendered=\"$charts\"" "$work/dom.html"
expect "the script saw the failing row" grep -qF 'data-failing-rows="1"' "$work/dom.html"
# browser.json: 2 running means + 1 bound (reinforce) + 2 + 1 (mutant) + 1 bar chart + (1 variance
# against θ + 2 bar charts) + 1 bias curve + 2 (calibrate: p-value histogram, rate against α) = 13.
expect "13 charts ($charts)" test "$charts" -eq 13
for what in "running mean of gradient coordinate" "bound on max |bias| against samples" \
            "trace variance against θ" "/ Var(estimator) at θ" "exact bias of concrete against temperature" \
            "p-values of the 500 null runs" "false-rejection rate against nominal α"; do
  expect "a chart titled '... $what ...'" grep -qF -- "$what" "$work/dom.html"
done
expect "every chart has a legend" test "$(grep -o "class=\"legend\"" "$work/dom.html" | wc -l)" -eq "$charts"

timeout 90 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --screenshot="$ARTIFACT_DIR/suite_report.png" \
  "file://$page" >"$work/shot.out" 2>"$work/shot.err"
expect "screenshot written to $ARTIFACT_DIR/suite_report.png" \
  bash -c "[[ \$(head -c 8 '$ARTIFACT_DIR/suite_report.png' | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]"
# Chromium logs a page's uncaught exceptions and console errors as "INFO:CONSOLE:<line>] "Uncaught ...".
if grep -E "Uncaught|CONSOLE[:(].*[Ee]rror" "$work/shot.err" "$work/dom.err"; then
  expect "no script errors in the browser log" false
else
  expect "no script errors in the browser log" true
fi
expect "no network resource named in the page" \
  bash -c "! grep -oE '(src|href)=.(https?:|//)' '$page' && [[ \$(grep -oE 'https?://[^\"'\'' ]+' '$page' | sort -u) == 'http://www.w3.org/2000/svg' ]]"

echo "suite_browser: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
