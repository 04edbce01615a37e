#!/usr/bin/env bash
# bench/scale.sh — speed at scale (issue 8): the same 16-variable REINFORCE run as bench_harness
# (table sin(k) + cos(0.3 k), θ_i = -2 + 4i/15, 2^23 samples, seed 1) through the CLI, on 1 and 2
# threads of one process and on 1 and 2 MPI ranks of 1 thread each; and the cost per sample of the
# external-estimator protocol against the in-process estimator (toy problem, 2^22 samples, 1 thread).
# Needs a build with -DESTCHECK_WITH_MPI=ON (BUILD_DIR, default build) and /usr/bin/python3 with
# NumPy. Writes bench/results/scale.txt. Run on a quiet machine (figures are wall-clock).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
E="${BUILD_DIR:-build}/bin/estcheck"
OUT=bench/results
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
table="$OUT/bench16.json"
/usr/bin/python3 - "$table" <<'PY'
import json, math, sys
json.dump({"distribution": "bernoulli", "n": 16,
           "table": [math.sin(k) + math.cos(0.3 * k) for k in range(1 << 16)]}, open(sys.argv[1], "w"))
PY
theta=$(/usr/bin/python3 -c 'print(",".join(repr(-2 + 4 * i / 15) for i in range(16)))')
N=$((1 << 23))
rate() {  # rate LABEL CMD...: best of 3 samples/s from the JSON's elapsed_s (sampling time only)
  local label=$1 best=0 s
  shift
  for _ in 1 2 3; do
    s=$("$@" --json - | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["samples"] / j["elapsed_s"])')
    best=$(/usr/bin/python3 -c "print(max($best, $s))")
  done
  printf '%-44s %8.2f M samples/s\n' "$label" "$(/usr/bin/python3 -c "print($best / 1e6)")"
}
{
  echo "bench/scale.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
  rate "1 process, 1 thread" "$E" verify "$table" reinforce --theta "$theta" --samples $N --threads 1 --test t
  rate "1 process, 2 threads" "$E" verify "$table" reinforce --theta "$theta" --samples $N --threads 2 --test t
  rate "mpirun -np 1, 1 thread" mpirun -np 1 "$E" verify "$table" reinforce --theta "$theta" --samples $N --threads 1 --test t
  rate "mpirun -np 2, 1 thread each" mpirun -np 2 "$E" verify "$table" reinforce --theta "$theta" --samples $N --threads 1 --test t
  rate "toy: in-process reinforce, 1 thread" "$E" verify toy:t=0.45 reinforce --theta 0.3 --samples $((1 << 22)) --threads 1 --test t
  rate "toy: --external numpy_reinforce.py, 1 thread" "$E" verify toy:t=0.45 --theta 0.3 --samples $((1 << 22)) --threads 1 --test t \
    --external "/usr/bin/python3 examples/external/numpy_reinforce.py"
} | tee "$OUT/scale.txt"
