#!/usr/bin/env bash
# Installs whatever estcheck needs that this Debian 12 machine lacks (idempotent: installs
# nothing and asks no registry when everything is present). Usage: scripts/setup.sh
set -euo pipefail
packages=(cmake ninja-build g++ libboost-dev libeigen3-dev libtbb-dev librandom123-dev
          librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
          chromium libxml2-utils python3-jsonschema python3-numpy python3-torch
          python3-dev pybind11-dev python3-pytest
          libopenmpi-dev openmpi-bin libflint-arb-dev)
# chromium, libxml2-utils (xmllint) and python3-jsonschema serve the report tests (issue 7): the
# browser test renders report.html headless; junit.xml and report.json are checked against schemas.
# python3-numpy and python3-torch run the external-estimator examples (examples/external/, tested)
# and the benchmark's PyTorch peer (bench/). OpenMPI serves the MPI build (ESTCHECK_WITH_MPI, tested).
# libflint-arb-dev (Arb) gives the certified oracles their ball arithmetic and validated integrals.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
