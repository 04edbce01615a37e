#!/usr/bin/env python3
"""bench/python_cost.py — cost per sample of an estimator written in Python and run by the estcheck
Python module (python/, docs/python.md), against the same NumPy REINFORCE through the --external
protocol (docs/external.md) and the built-in C++ `reinforce`, on the toy problem (toy:t=0.45,
theta = 0.3, 2^22 samples, seed 1, 1 thread; best of 3, from each report's elapsed_s: sampling
time only, the oracle excluded), with a no-op callable for the module's own cost per block; and a PyTorch REINFORCE (examples/python/) on a 12-variable table
at 1 and 2 threads (the GIL serializes the callbacks). Usage (from the repository root, after a build):
    PYTHONPATH=build/python /usr/bin/python3 bench/python_cost.py [BUILD_DIR]
Writes bench/results/python_cost.txt. Run on a quiet machine (figures are wall-clock).
"""
import json
import pathlib
import subprocess
import sys

import numpy as np

import estcheck

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build")
sys.path.insert(0, str(ROOT / "examples" / "python"))
N = 1 << 22


def toy_reinforce(theta, seed, block, count):
    """examples/external/numpy_reinforce.py's kernel, as a module callable."""
    p = 1.0 / (1.0 + np.exp(-theta[0]))
    rng = np.random.Generator(np.random.Philox(key=seed + (block << 64)))
    b = (rng.random(count) < p).astype(np.float64)
    return ((b - 0.45) ** 2 * (b - p)).reshape(-1, 1)


ZEROS = np.zeros((1024, 1))


def no_op(theta, seed, block, count):
    """The module's own cost per block: a callable that returns a ready array."""
    return ZEROS[:count]


def best_rate(run):
    return max(run() for _ in range(3))


def module_rate(problem, est, theta, samples=N, threads=1):
    def run():
        rep = estcheck.verify(problem, est, theta, samples=samples, seed=1, threads=threads)
        return rep["samples"] / rep["elapsed_s"]
    return best_rate(run)


def external_rate():
    cmd = [str(BUILD / "bin" / "estcheck"), "verify", "toy:t=0.45", "--theta", "0.3", "--samples", str(N),
           "--seed", "1", "--threads", "1", "--json", "-", "--external",
           f"/usr/bin/python3 {ROOT / 'examples/external/numpy_reinforce.py'}"]

    def run():
        out = subprocess.run(cmd, capture_output=True, text=True)
        j = json.loads(out.stdout)
        return j["samples"] / j["elapsed_s"]
    return best_rate(run)


def main():
    import torch
    from torch_estimators import reinforce

    torch.set_num_threads(1)
    rows = []
    rows.append(("built-in reinforce (C++), 1 thread", module_rate("toy:t=0.45", "reinforce", [0.3])))
    rows.append(("no-op Python callable (call overhead), 1 thread", module_rate("toy:t=0.45", no_op, [0.3])))
    rows.append(("NumPy REINFORCE, Python module, 1 thread", module_rate("toy:t=0.45", toy_reinforce, [0.3])))
    rows.append(("NumPy REINFORCE, --external protocol, 1 thread", external_rate()))
    w = np.linspace(-1.0, 2.0, 12)
    f = lambda x: np.sin(x @ w) + 0.25 * (x.sum(axis=1) - 5.0) ** 2  # noqa: E731
    prob = estcheck.bernoulli(12, f)
    theta = np.linspace(-1.5, 1.5, 12)
    est = reinforce(lambda b: torch.from_numpy(f(b.numpy())))
    rows.append(("built-in reinforce on n=12 table, 1 thread", module_rate(prob, "reinforce", theta)))
    for threads in (1, 2):
        rows.append((f"PyTorch REINFORCE on n=12 table, {threads} thread(s)",
                     module_rate(prob, est, theta, samples=1 << 18, threads=threads)))
    lines = [f"{label:<50} {rate / 1e6:9.3f} M samples/s  {1e9 / rate:9.1f} ns/sample" for label, rate in rows]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "python_cost.txt").write_text(text)


if __name__ == "__main__":
    main()
