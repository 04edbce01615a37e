#!/usr/bin/env bash
# tests/cli_exit_codes.sh — the exit codes of the built estcheck binary, as a user or a CI job
# sees them (tools/cli.hpp: 0 pass, 1 fail, 2 usage or input error, 3 inconclusive, 4 error).
# Run by ctest (test `cli_exit_codes`, label `cli`) with ESTCHECK set to the binary:
#   ESTCHECK=build/bin/estcheck bash tests/cli_exit_codes.sh
# Prints one line per case and a summary line; exits 1 if any case got the wrong exit code.
# The Monte Carlo cases use a fixed seed and 20000 samples or fewer, and verdicts that are not
# borderline (see each case), so the script takes well under a second.
set -u

if [[ -z "${ESTCHECK:-}" || ! -x "${ESTCHECK}" ]]; then
  echo "cli_exit_codes: set ESTCHECK to the estcheck binary (got '${ESTCHECK:-}')" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/estcheck_cli_exit_codes.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

# check NAME EXPECTED_CODE [STDERR_MUST_CONTAIN] -- ARGS...
check() {
  local name=$1 want=$2 needle=""
  shift 2
  if [[ $1 != "--" ]]; then
    needle=$1
    shift
  fi
  shift  # the --
  "$ESTCHECK" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  local problem=""
  if [[ $got -ne $want ]]; then
    problem="exit $got, expected $want"
  elif [[ -n $needle ]] && ! grep -qF -- "$needle" "$work/err"; then
    problem="stderr does not mention '$needle'"
  elif [[ $want -eq 2 ]] && grep -qF '{' "$work/out"; then
    problem="JSON on stdout for a usage error"
  fi
  if [[ -z $problem ]]; then
    echo "ok   $name (exit $got)"
    passed=$((passed + 1))
  else
    echo "FAIL $name: $problem"
    echo "     command: $ESTCHECK $*"
    sed 's/^/     stderr: /' "$work/err"
    failed=$((failed + 1))
  fi
}

# 0: REINFORCE is unbiased on the toy problem; seed 1 is nowhere near the α = 1e-3 threshold.
check pass 0 -- verify toy reinforce --theta 0 --samples 20000 --seed 1
# 1: reparam gives exactly 0 on a step function while ∇L ≠ 0: standard error 0, certain fail.
check fail 1 -- verify gaussian-step reparam --theta 0.2,-0.3 --samples 20000
# 3: no bias detected, but 5000 samples cannot bound it below 1e-6.
check inconclusive 3 -- verify gaussian-quadratic reinforce --theta 0.5,0 --samples 5000 --tolerance 1e-6
# 4: f overflows to inf in every sample: no verdict.
check nonfinite 4 -- verify gaussian-quadratic reinforce --theta 1e200,0 --samples 5000
# 2: bad input, named on stderr.
check unknown_problem 2 PROBLEM -- verify nosuch reinforce --theta 0
check nan_theta 2 --theta -- verify toy reinforce --theta nan
check bad_samples 2 --samples -- verify toy reinforce --theta 0 --samples 0
check missing_file 2 PROBLEM -- exact "$work/missing.json" --theta 0
check json_into_missing_folder 2 --json -- exact toy --theta 0 --json "$work/no/such/folder/x.json"
# Graph problems (docs/graphs.md): estimators that do not fit are input errors; a graph mutant whose
# every sample is 0 against a gradient of -0.33 fails deterministically; exact Hessians and JSON graphs.
check graph_reinforce 2 ESTIMATOR -- verify scg-fig1a reinforce --theta 0
check scg_on_toy 2 ESTIMATOR -- verify toy scg --theta 0
check order2_without_form 2 --order -- verify scg-fig1a scg --order 2 --theta 0
check graph_mutant_fails 1 -- verify scg-fig1c mutant/scg-last-credit --theta 0.5 --samples 20000
check exact_hessian 0 -- exact scg-fig1e --order 2 --theta 0.3,-0.5
# Cart-Pole (docs/cartpole.md): a bad start or horizon names its key; the exact gradient at H = 6.
check cartpole_start 2 cartpole:start -- exact cartpole:start=sideways --theta 0,0,0,0,0
check cartpole_horizon 2 horizon -- exact cartpole:horizon=17 --theta 0,0,0,0,0
check cartpole_exact 0 -- exact cartpole:horizon=6,start=falling --theta 0.3,-0.2,1.5,0.8,-0.1
check exact_json_graph 0 -- exact "$(dirname "$0")/../examples/chain2.json" --theta 0.2,-0.4,0.3
# 0: help, and a JSON report to a file.
check help 0 -- --help
check verify_help 0 -- verify --help
check exact_json 0 -- exact toy --theta 0.3 --json "$work/exact.json"
if [[ -s "$work/exact.json" ]] && grep -qF '"gradient"' "$work/exact.json"; then
  echo "ok   exact_json_file_written"
  passed=$((passed + 1))
else
  echo "FAIL exact_json_file_written: $work/exact.json missing or without \"gradient\""
  failed=$((failed + 1))
fi

# test-samples: samples from a file. The stratified file holds REINFORCE's two values on
# toy:t=0.45 at θ = 0.3 in exact proportion (a mean equal to the gradient up to rounding: pass
# is certain); the halved file is biased by half the gradient, 0.012, against a detectable
# bias near 0.0003 at 20000 rows (fail is certain).
awk 'BEGIN { p = 1 / (1 + exp(-0.3)); n = 20000; k = int(n * p + 0.5);
             for (i = 0; i < n; i++) { b = (i < k); g = (b ? 0.55 * 0.55 : 0.45 * 0.45) * (b - p); printf "%.17g\n", g } }' \
  >"$work/samples.csv"
awk '{ printf "%.17g\n", $1 / 2 }' "$work/samples.csv" >"$work/halved.csv"
printf '0.1\n0.2,0.3\n' >"$work/ragged.csv"
printf '0.1\nabc\n' >"$work/text.csv"
head -c 12 /dev/zero >"$work/odd.f64"
check samples_pass 0 -- test-samples toy:t=0.45 --theta 0.3 --samples-file "$work/samples.csv" --alpha 0.001
check samples_biased_fail 1 -- test-samples toy:t=0.45 --theta 0.3 --samples-file "$work/halved.csv"
check samples_missing_file 2 --samples-file -- test-samples toy --theta 0.3 --samples-file "$work/none.csv"
check samples_ragged_row 2 "line 2" -- test-samples toy --theta 0.3 --samples-file "$work/ragged.csv"
check samples_not_a_number 2 "line 2" -- test-samples toy --theta 0.3 --samples-file "$work/text.csv"
check samples_partial_f64_row 2 "multiple of 8" -- test-samples toy --theta 0.3 --samples-file "$work/odd.f64" --format f64
check samples_bad_format 2 --format -- test-samples toy --theta 0.3 --samples-file "$work/samples.csv" --format xml
check samples_catoni_needs_bound 2 --test -- test-samples toy --theta 0.3 --samples-file "$work/samples.csv" --test catoni
# The betting test on recorded samples (issue 18): REINFORCE's values there lie in [-0.12, 0.13].
# It reads the rows in order (a sequential test: the sorted file above, all b = 1 rows first, is
# rejected as it should be); the mixed file has the same counts in a low-discrepancy order
# (b_i = floor((i + 1) p) - floor(i p)), so its running mean stays at the gradient: pass is certain.
awk 'BEGIN { p = 1 / (1 + exp(-0.3)); n = 20000;
             for (i = 0; i < n; i++) { b = int((i + 1) * p) - int(i * p); g = (b ? 0.55 * 0.55 : 0.45 * 0.45) * (b - p); printf "%.17g\n", g } }' \
  >"$work/mixed.csv"
check samples_betting_pass 0 -- test-samples toy:t=0.45 --theta 0.3 --samples-file "$work/mixed.csv" --sample-range -0.2:0.2
check samples_betting_biased_fail 1 -- test-samples toy:t=0.45 --theta 0.3 --samples-file "$work/halved.csv" --test betting --sample-range -0.2:0.2
check samples_outside_range 4 -- test-samples toy:t=0.45 --theta 0.3 --samples-file "$work/mixed.csv" --sample-range -0.1:0.1
check samples_betting_needs_range 2 --sample-range -- test-samples toy --theta 0.3 --samples-file "$work/samples.csv" --test betting
check samples_bad_range 2 --sample-range -- test-samples toy --theta 0.3 --samples-file "$work/samples.csv" --sample-range 1:0

# calibrate with every test kind (issue 18); small runs, exit 0 whatever the counts.
check calibrate_betting 0 -- calibrate toy --theta 1 reinforce --test betting --samples 1000 --repetitions 20 --threads 1
check calibrate_sequential 0 -- calibrate toy --theta 1 reinforce --test betting --sequential --max-samples 4096 --repetitions 10 --tolerance 0.05 --threads 1
check calibrate_tolerance_needs_sequential 2 --tolerance -- calibrate toy --theta 1 reinforce --tolerance 0.05 --repetitions 2
check calibrate_betting_needs_range 2 --test -- calibrate gaussian-quadratic:d=1 --theta 0.5,0.1 reinforce --test betting --repetitions 2
check calibrate_bad_planted_bias 2 --planted-bias -- calibrate toy --theta 1 reinforce --planted-bias 0 --repetitions 2

echo "cli_exit_codes: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
