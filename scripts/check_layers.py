#!/usr/bin/env python3
"""scripts/check_layers.py — keeps the folders' layering honest (docs/architecture.md).

Every library file belongs to a layer, found by the longest folder prefix in LAYERS below. A file
may include files of its own layer or of a lower one; an #include "..." that reaches a higher
layer is an error. Tests, property suites, benchmarks and examples sit above everything and are
not checked. Usage: scripts/check_layers.py [ROOT]; exit 1 and one line per violation on failure.
"""
import pathlib
import re
import sys

# (folder prefix, layer): lower numbers are lower layers.
LAYERS = [
    ("estimators/core/", 0),           # errors, specs, parameters, noise, maths
    ("estimators/distributions/", 1),  # Bernoulli, categorical, Gaussian: log_prob, score, sample
    ("estimators/problems/", 2),       # Problem/Model, built-in problems, graphs as problems
    ("estimators/", 3),                # the Estimator interface and one file per estimator
    ("estimators/graphs/", 4),         # estimators on stochastic computation graphs
    ("estimators/mutants/", 5),        # planted-bug estimators (edits of layers 3-4)
    ("estimators/registry/", 6),       # specs to objects: every estimator registered once
    ("verify/oracles/", 7),            # exact values: enumeration, quadrature, closed forms
    ("verify/harness/", 8),            # the parallel Monte Carlo harness and sample sources
    ("verify/stats/", 9),              # tests, verdicts, comparisons, calibration
    ("verify/", 10),                   # the verification pipeline (one request in, one report out)
    ("reports/", 11),                  # JSON, text, Markdown, HTML, JUnit
    ("tools/", 12),                    # the command line, suites, mutate
    ("include/estcheck/", 13),         # the umbrella header
    ("python/", 13),                   # the Python module (pybind11): on top of tools/ and reports/
]


def layer(path: str):
    best = None
    for prefix, rank in LAYERS:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank)
    return best


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    errors, checked = [], 0
    for f in sorted(root.rglob("*")):
        if f.suffix not in (".hpp", ".cpp", ".h") or not f.is_file():
            continue
        rel = f.relative_to(root).as_posix()
        own = layer(rel)
        if own is None or rel.startswith(("build", ".git")):
            continue
        checked += 1
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            m = include.match(line)
            if not m:
                continue
            target = layer(m.group(1))
            if target is None:
                continue
            if target[1] > own[1]:
                errors.append(f"{rel}:{n}: includes {m.group(1)} (layer {target[1]}, {target[0]}) "
                              f"from layer {own[1]} ({own[0]}): an include may not run up a layer")
    for e in errors:
        print(e)
    print(f"check_layers: {checked} files, {len(errors)} upward includes")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
