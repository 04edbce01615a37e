#!/usr/bin/env bash
# tests/mpi_test.sh — `mpirun -np P estcheck verify` (built with -DESTCHECK_WITH_MPI=ON) gives the
# single-process figures bit for bit, for P = 1, 2, 3 and 1 or 2 threads per rank, on a discrete
# problem with REINFORCE (Catoni test: its extra passes too) and a Gaussian one with the t-test.
# Also a whole suite on 3 ranks. Run by ctest (label `mpi`) with ESTCHECK, MPIEXEC and SOURCE_DIR set. Deterministic: fixed seeds; only the
# figures' equality is asserted.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d "${TMPDIR:-/tmp}/estcheck_mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
same() {  # same A.json B.json: every figure but timing, threads and ranks equal
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
diff = [k for k in a if k not in ("elapsed_s", "threads", "ranks") and a[k] != b.get(k)]
print("differs:", diff) if diff else None
sys.exit(bool(diff))
PY
}
cases=("toy:t=0.45 reinforce --theta 0.3 --samples 300000"
       "gaussian-quadratic:d=2,c=0.5 reinforce --theta 0.1,-0.4,0.2,0 --samples 200000 --test t")
for k in "${!cases[@]}"; do
  # shellcheck disable=SC2086
  "$ESTCHECK" verify ${cases[$k]} --seed 9 --threads 1 --json "$work/single$k.json" >/dev/null
  for P in 1 2 3; do
    for T in 1 2; do
      # shellcheck disable=SC2086
      "$MPIEXEC" -np $P "$ESTCHECK" verify ${cases[$k]} --seed 9 --threads $T --json "$work/mpi$k-$P-$T.json" \
        >"$work/out" 2>"$work/err"
      code=$?
      ranks=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ranks"])' "$work/mpi$k-$P-$T.json" 2>/dev/null)
      if [[ $code -eq 0 && $ranks == "$P" ]] && same "$work/single$k.json" "$work/mpi$k-$P-$T.json"; then
        echo "ok   case $k, $P ranks x $T threads: bit-identical to one process"
        passed=$((passed + 1))
      else
        echo "FAIL case $k, $P ranks x $T threads: exit $code, ranks '$ranks'"; cat "$work/err"
        failed=$((failed + 1))
      fi
    done
  done
done
# A whole suite (verify, compare, bias-curve and calibrate checks): report.json identical for 1 and
# 3 ranks, all but timing, thread and path fields.
"$ESTCHECK" suite "$SOURCE_DIR/suites/default.json" --threads 1 --quiet --out "$work/suite1" >/dev/null 2>&1
"$MPIEXEC" -np 3 "$ESTCHECK" suite "$SOURCE_DIR/suites/default.json" --threads 1 --quiet --out "$work/suite3" \
  >/dev/null 2>"$work/err"
if /usr/bin/python3 - "$work/suite1/report.json" "$work/suite3/report.json" <<'PY'
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("elapsed_s", "threads", "ranks")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
a, b = (strip(json.load(open(f))) for f in sys.argv[1:])
sys.exit(a != b)
PY
then
  echo "ok   suite default.json on 3 ranks: report.json identical to one process"
  passed=$((passed + 1))
else
  echo "FAIL suite default.json on 3 ranks"; cat "$work/err"
  failed=$((failed + 1))
fi
echo "mpi_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
