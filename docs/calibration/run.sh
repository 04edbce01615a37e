#!/usr/bin/env bash
# docs/calibration/run.sh — regenerates the issue-18 calibration figures of docs/statistics.md
# ("Measured calibration of every test kind"): `estcheck calibrate` with every test kind that
# applies (t, Catoni with a certified exact variance, the betting test with the declared sample
# range), fixed-n (R = 10^4 runs of 1000 samples; Catoni on the MDP 2000) and sequential (R = 1000 runs; 300 on the MDP), on a graph
# estimator on an MDP, VIMCO on the toy, ARM on a 10-variable table, REBAR on a categorical
# table and REINFORCE at logit 8; then the sequential betting test on gross biases (mutants).
# Text reports go to docs/calibration/i18/*.txt, the JSON (with every run's detectable bias) to
# $JSON_DIR (default build/calibration; not committed); summary.py derives the betting ÷ t ratios
# on the same runs (same seed, so the same samples) into docs/calibration/i18/summary.txt.
# Cost: about 30 min of CPU in all (the betting test on the MDP about 5 min). Usage:
#   docs/calibration/run.sh [BUILD_DIR]    # nice'd; THREADS (default 2), R (10^4), RS (1000);
#   SKIP_EXISTING=1 keeps the text reports already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}/bin/estcheck
OUT=docs/calibration/i18
JSON_DIR=${JSON_DIR:-${1:-build}/calibration}
mkdir -p "$OUT" "$JSON_DIR"
SEED=18
THREADS=${THREADS:-2}
R=${R:-10000}
RS=${RS:-1000}
MDP="mdp:states=4,horizon=4,slip=0.1"
MDP_THETA=2,-2,2,-2,2,-2,2,-2
B10=docs/calibration/tables/bernoulli10.json
B10_THETA=0.5,-0.5,1,-1,2,-2,0,0.3,-0.3,1.5
CAT=suites/tables/categorical4.json
CAT_THETA=0.5,-0.5,1,0

cal() {  # NAME ARGS... : one calibrate run, text to $OUT/NAME.txt, JSON to $JSON_DIR/NAME.json
  local name=$1; shift
  if [ "${SKIP_EXISTING:-0}" = 1 ] && [ -s "$OUT/$name.txt" ]; then return; fi
  echo "== $name: estcheck calibrate $*" >&2
  { echo "\$ estcheck calibrate $* --seed $SEED --threads $THREADS"
    nice -n 10 "$B" calibrate "$@" --seed "$SEED" --threads "$THREADS" --json "$JSON_DIR/$name.json"
  } > "$OUT/$name.txt" 2>&1 || echo "(exit $?)" >> "$OUT/$name.txt"
}

fixed() {  # NAME TEST ARGS...
  local name=$1 test=$2; shift 2
  cal "$name-$test" "$@" --samples 1000 --repetitions "$R" --alphas 0.01,0.001 --test "$test"
}

# Fixed n = 1000 samples, R = 10^4 runs, alpha in {1e-2, 1e-3}.
for t in t catoni betting; do fixed reinforce-toy-logit8 $t toy reinforce --theta 8; done
for t in t catoni betting; do fixed vimco-toy-theta1 $t toy vimco --theta 1; fixed vimco-toy-logit8 $t toy vimco --theta 8; done
for t in t catoni betting; do fixed arm-bernoulli10 $t "$B10" arm --theta "$B10_THETA"; done
# REBAR on categorical tables has no exact variance (no Catoni row): see doc_tables.py.
for t in t betting; do fixed rebar-categorical4 $t "$CAT" rebar --theta "$CAT_THETA"; done
for t in t betting; do fixed scg-mdp $t "$MDP" scg --theta "$MDP_THETA"; done

# Sequential, R = 1000 runs (300 on the MDP): anytime-valid betting (checked after every block of 1024), and the
# doubling rounds of the t-test for comparison.
seq() {  # NAME ARGS...
  local name=$1; shift
  cal "seq-$name" "$@" --sequential --repetitions "$RS" --alphas 0.01,0.001
}
seq reinforce-toy-logit8-betting toy reinforce --theta 8 --test betting --max-samples 16384
seq reinforce-toy-logit8-betting-tol toy reinforce --theta 8 --test betting --max-samples 65536 --tolerance 0.01
seq reinforce-toy-theta1-t toy reinforce --theta 1 --test t --first-samples 1024 --max-samples 16384
seq reinforce-toy-theta1-betting toy reinforce --theta 1 --test betting --max-samples 16384
seq vimco-toy-theta1-betting toy vimco --theta 1 --test betting --max-samples 16384
RS=300 seq scg-mdp-betting "$MDP" scg --theta "$MDP_THETA" --test betting --max-samples 4096

# Gross biases: the sequential betting test stops after a few blocks (seeds 1-5; the reinforce,
# arm and rebar mutants declare no sample range, so the graph mutants stand for them).
if [ "${SKIP_EXISTING:-0}" != 1 ] || [ ! -s "$OUT/gross-bias.txt" ]; then
{
  for s in 1 2 3 4 5; do
    for args in "$MDP mutant/scg-last-credit --theta $MDP_THETA" "scg-fig1c mutant/scg-baseline-uses-sample --theta 0.3"; do
      echo "\$ estcheck verify $args --sequential --max-samples 1000000 --test betting --seed $s --max-run-seconds 0"
      nice -n 10 "$B" verify $args --sequential --max-samples 1000000 --test betting --seed "$s" --threads "$THREADS" --max-run-seconds 0 --quiet \
        --json - | python3 -c 'import json,sys; j=json.load(sys.stdin); print("  verdict", j["verdict"], "samples used", j["sequential"]["rounds"][-1]["samples"], "p", j["p_value_family"])' || true
    done
  done
} > "$OUT/gross-bias.txt" 2>&1
fi

# The betting test's power at a fixed planted bias (its power at each run's own detectable bias is
# 1 by construction): the median detectable bias of the runs above at that alpha, on fresh seeds.
median() {  # JSON ALPHA_INDEX
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["levels"][int(sys.argv[2])]["median_detectable_bias"])' "$@"
}
planted() {  # NAME R ARGS...
  local name=$1 reps=$2; shift 2
  for i in 0 1; do
    local a; a=$([ $i = 0 ] && echo 0.01 || echo 0.001)
    SEED=$((SEED + 1)) cal "planted-$name-$a" "$@" --samples 1000 --repetitions "$reps" --alphas "$a" --test betting \
      --planted-bias "$(median "$JSON_DIR/$name-betting.json" $i)"
  done
}
planted reinforce-toy-logit8 "$R" toy reinforce --theta 8
planted vimco-toy-theta1 "$R" toy vimco --theta 1
planted arm-bernoulli10 2000 "$B10" arm --theta "$B10_THETA"
planted rebar-categorical4 "$R" "$CAT" rebar --theta "$CAT_THETA"
# Catoni (exact variance by enumeration of the graph) on the MDP, R = 2000 (about 2 min of CPU).
R=2000 fixed scg-mdp catoni "$MDP" scg --theta "$MDP_THETA"
planted scg-mdp 2000 "$MDP" scg --theta "$MDP_THETA"

python3 docs/calibration/summary.py "$JSON_DIR" > "$OUT/summary.txt"

python3 docs/calibration/doc_tables.py "$JSON_DIR" > "$OUT/tables.md"
