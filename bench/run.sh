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
#   bench/results/torch.jsonl         torch_peer.py, default batch (2^14 rows), 1 and 2 threads
#   bench/results/torch_b20.jsonl     torch_peer.py, batch 2^20 rows (the large-batch reference)
#   bench/results/summary.txt         the table printed at the end
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-bench/build}"
PYTHON="${PYTHON:-/usr/bin/python3}"
SAMPLES=$((1 << 21))   # the same as kSamples in bench_harness.cpp
OUT=bench/results
mkdir -p "$OUT"

# Tests are off in the default bench/build tree: only the libraries and bench_harness are needed.
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DESTCHECK_BUILD_TESTS=OFF
fi
cmake --build "$BUILD_DIR" --target bench_harness

echo "== Google Benchmark: $BUILD_DIR/bin/bench_harness"
"$BUILD_DIR/bin/bench_harness" --benchmark_repetitions=3 --benchmark_display_aggregates_only=true \
  --benchmark_out="$OUT/bench_harness.json" --benchmark_out_format=json

echo "== PyTorch peer: $PYTHON bench/torch_peer.py"
"$PYTHON" bench/torch_peer.py --samples "$SAMPLES" --threads 1 2 --repeats 5 | tee "$OUT/torch.jsonl"
"$PYTHON" bench/torch_peer.py --samples "$SAMPLES" --threads 1 2 --repeats 3 --batch $((1 << 20)) \
  | tee "$OUT/torch_b20.jsonl"

"$PYTHON" bench/summarize.py "$OUT" | tee "$OUT/summary.txt"
