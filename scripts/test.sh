#!/usr/bin/env bash
# Quick start command 2 (and CI): build everything and run every test with ctest, then build the
# unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer and run them.
# The Release build includes MPI (ESTCHECK_WITH_MPI=ON, test mpi_ranks). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DESTCHECK_WITH_MPI=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
if [[ "${ESTCHECK_SKIP_SANITIZE:-0}" != 1 ]]; then
  # -g1 (line tables only) keeps file:line in sanitizer stack traces at 30% less compile time than -g.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESTCHECK_SANITIZE=ON \
        -DESTCHECK_BUILD_BENCH=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
  # Only the unit tests run under the sanitizers, so only they (and what they link) are built.
  units=$(ctest --test-dir build-asan -N -L unit | awk '/Test +#[0-9]+:/ {print $3}')
  # shellcheck disable=SC2086
  cmake --build build-asan -j "$jobs" --target $units
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit
fi
