#!/usr/bin/env bash
# Quick start command 1: install what is missing, build, and run a real verification
# (REINFORCE on the REBAR/RELAX toy problem, one million samples, fixed seed), then the short
# default suite, which writes report.json, report.md, report.html and junit.xml to estcheck-report/.
# Also builds the Python module (PYTHONPATH=build/python python3 -c "import estcheck").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target estcheck
# The Python module (docs/python.md), when pybind11 and python3-dev were found: build/python/estcheck.
if grep -q '^ESTCHECK_WITH_PYTHON:BOOL=ON' build/CMakeCache.txt; then
  cmake --build build --target estcheck_python
  python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' build/CMakeCache.txt)
  PYTHONPATH=build/python "$python" -c 'import estcheck; print("import estcheck:", estcheck.__file__)'
fi
build/bin/estcheck verify toy:t=0.45 reinforce --theta 0.3 --samples 1000000 --seed 1
build/bin/estcheck suite suites/default.json --out estcheck-report
