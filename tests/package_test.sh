#!/usr/bin/env bash
# tests/package_test.sh — installs the build into a temporary prefix, builds the out-of-tree example
# (examples/package/) against it with find_package(estcheck), and runs the example's GoogleTest
# suite and the installed CLI. Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/lib/cmake/estcheck/estcheckConfig.cmake"
test -f "$work/prefix/include/estcheck/estcheck.hpp"
cmake -S "$src/examples/package" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/antithetic_test"
"$work/prefix/bin/estcheck" list > /dev/null
echo "package_test: installed package found, example built and passed"
