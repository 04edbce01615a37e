#!/usr/bin/env bash
# bench/run.sh — builds and runs the harness benchmark and its PyTorch peer, writes the raw results
# to bench/results/ and prints the summary table that bench/README.md records. About a minute.
#
#   bench/run.sh                      # from anywhere
#   BUILD_DIR=build bench/run.sh      # reuse the main build tree instead of bench/build
#   PYTHON=/usr/bin/python3           # the interpreter with Debian's python3-torch (the default)
#
# Outputs:
#   bench/results/bench_harness.json  Google Benchmark JSON (3 repetitions of each benchmark)
#   bench/results/torch.jsonl         torch_peer.py, default batch (2^14 rows), 1 and 2 threads, 3 processes each
#   bench/results/torch_b20.jsonl     torch_peer.py, batch 2^20 rows (the large-batch reference)
#   bench/results/interference.jsonl CPU time other processes used during each program (bench/measure.py)
#   bench/results/machine.txt         date, nproc, CPU model, compiler, torch version
#   bench/results/summary.txt         the table printed at the end
# Before each program it waits (up to QUIET_WAIT_S=300 s) for the machine to be idle, since other
# jobs on the same 2 cores distort the 2-thread figures badly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-bench/build}"
PYTHON="${PYTHON:-/usr/bin/python3}"
SAMPLES=$((1 << 21))   # the same as kSamples in bench_harness.cpp
OUT=bench/results
mkdir -p "$OUT"
rm -f "$OUT/interference.jsonl"

# Busy fraction of all cores over one second (from /proc/stat): other people's jobs on these
# 2 cores wreck the 2-thread figures (an OpenMP team that must share a core slows torch 50x).
busy() {
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_quiet() {  # up to QUIET_WAIT_S seconds (default 300) for the machine to be idle (< 10% busy)
  local waited=0 limit="${QUIET_WAIT_S:-300}" b
  while b=$(busy); (( b >= 10 )); do
    if (( waited >= limit )); then
      echo "run.sh: WARNING: machine still ${b}% busy with other work; figures are not clean" >&2
      return 0
    fi
    (( waited == 0 )) && echo "run.sh: machine ${b}% busy with other work; waiting for it to go idle" >&2
    sleep 4; waited=$(( waited + 5 ))
  done
}

# Tests are off in the default bench/build tree: only the libraries and bench_harness are needed.
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DESTCHECK_BUILD_TESTS=OFF
fi
cmake --build "$BUILD_DIR" --target bench_harness

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "compiler: $(c++ --version | head -1)"
  echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)')"
} > "$OUT/machine.txt"

wait_quiet
echo "== Google Benchmark: $BUILD_DIR/bin/bench_harness"
"$PYTHON" bench/measure.py "$OUT/interference.jsonl" bench_harness -- \
  "$BUILD_DIR/bin/bench_harness" --benchmark_repetitions=3 --benchmark_display_aggregates_only=true \
  --benchmark_out="$OUT/bench_harness.json" --benchmark_out_format=json

wait_quiet
echo "== PyTorch peer: $PYTHON bench/torch_peer.py"
# One process per thread count (a process that first runs at 1 thread and then switches to 2 with
# torch.set_num_threads ran its 2-thread batches at ~6 M/s instead of ~12 M/s), three processes
# each: at 2 threads torch is also bimodal per process now and then, so the summary pools the runs.
rm -f "$OUT/torch.jsonl" "$OUT/torch_b20.jsonl"
for proc in 1 2 3; do
  for t in 1 2; do
    "$PYTHON" bench/measure.py "$OUT/interference.jsonl" "torch_peer#$proc/t$t" -- \
      "$PYTHON" bench/torch_peer.py --samples "$SAMPLES" --threads $t --repeats 5 \
      | tee -a "$OUT/torch.jsonl"
  done
done
for t in 1 2; do
  "$PYTHON" bench/measure.py "$OUT/interference.jsonl" "torch_peer_b20/t$t" -- \
    "$PYTHON" bench/torch_peer.py --samples "$SAMPLES" --threads $t --repeats 3 --batch $((1 << 20)) \
    | tee -a "$OUT/torch_b20.jsonl"
done

"$PYTHON" bench/summarize.py "$OUT" | tee "$OUT/summary.txt"
