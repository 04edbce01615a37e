#!/usr/bin/env python3
"""bench/torch_peer.py: the PyTorch (CPU) peer of bench/bench_harness.cpp's BM_Harness.

The same work as one run_estimator call of `reinforce` on the 16-variable Bernoulli table:
  table[k] = sin(k) + cos(0.3 k), k = 0 .. 2^16 - 1, f(b) = table[sum_i b_i 2^i]
  theta_i = -2 + 4 i / 15 (16 logits), p = sigmoid(theta)
  N samples of b ~ Bernoulli(p), each giving the REINFORCE gradient sample g = f(b) (b - p),
  reduced to the per-coordinate mean, M2 = sum (g - mean)^2 and mean |g| (what the harness keeps).
Written the way a competent PyTorch user would: float64, batches of --batch rows (default 2^14,
the fastest of the sizes tried; bench/README.md records them), every step a vectorized tensor op into
preallocated buffers, per-batch two-pass moments merged across batches with Chan, Golub & LeVeque's
formula (as verify/harness/moments.cpp does). Randomness: one torch.Generator seeded with --seed.

For each thread count T in --threads it sets torch.set_num_threads(T), runs one untimed warm-up
batch, times --repeats runs of N samples and prints one JSON line:
  {"impl": "torch", "threads": T, "samples": N, "batch": B, "seconds": median s,
   "seconds_all": [every run], "samples_per_second": N / median s, "max_abs_z": z, "torch": version}
max_abs_z is the sanity check: max_i |mean_i - exact_i| / (standard error of mean_i), against the
exact gradient by enumeration of all 2^16 points (computed here in float64); expect it below ~4.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch

N_VARS = 16


def make_problem():
    # math.sin / math.cos call the same libm as the C++ benchmark: the table is bit-identical.
    table = torch.tensor([math.sin(float(k)) + math.cos(0.3 * float(k)) for k in range(1 << N_VARS)],
                         dtype=torch.float64)
    theta = torch.tensor([-2.0 + 4.0 * i / (N_VARS - 1) for i in range(N_VARS)], dtype=torch.float64)
    return table, theta


def exact_gradient(table, theta):
    """sum_x p(x) f(x) (x - p) over all 2^16 points."""
    p = torch.sigmoid(theta)
    k = torch.arange(1 << N_VARS, dtype=torch.int64)
    bits = ((k[:, None] >> torch.arange(N_VARS)) & 1).to(torch.float64)
    logp = (bits * torch.log(p) + (1 - bits) * torch.log1p(-p)).sum(1)
    w = torch.exp(logp) * table
    return (w[:, None] * (bits - p)).sum(0)


class Peer:
    def __init__(self, table, theta, batch, seed):
        self.table, self.batch = table, batch
        self.p = torch.sigmoid(theta)
        self.powers = (2 ** torch.arange(N_VARS, dtype=torch.int64))
        self.gen = torch.Generator().manual_seed(seed)
        # Preallocated buffers, reused every batch.
        self.u = torch.empty(batch, N_VARS, dtype=torch.float64)
        self.b = torch.empty(batch, N_VARS, dtype=torch.float64)
        self.g = torch.empty(batch, N_VARS, dtype=torch.float64)

    def run(self, n):
        """Mean, M2 and mean |g| of n REINFORCE samples (Chan et al. merge over batches)."""
        count, mean = 0, torch.zeros(N_VARS, dtype=torch.float64)
        m2 = torch.zeros(N_VARS, dtype=torch.float64)
        mean_abs = torch.zeros(N_VARS, dtype=torch.float64)
        done = 0
        while done < n:
            rows = min(self.batch, n - done)
            u, b, g = self.u[:rows], self.b[:rows], self.g[:rows]
            torch.rand(rows, N_VARS, generator=self.gen, dtype=torch.float64, out=u)
            mask = torch.lt(u, self.p)                            # b ~ Bernoulli(p)
            idx = mask.to(torch.int64) @ self.powers              # sum_i b_i 2^i
            f = self.table[idx]                                   # f(b): table gather
            b.copy_(mask)                                         # b as 0.0 / 1.0
            torch.sub(b, self.p, out=g)                           # b - p (the score)
            g.mul_(f[:, None])                                    # f(b) (b - p)
            bmean = g.mean(0)
            bm2 = (g - bmean).square_().sum(0)
            babs = g.abs().mean(0)
            # Chan, Golub & LeVeque 1979, eq. 2.1.
            tot = count + rows
            delta = bmean - mean
            mean = mean + delta * (rows / tot)
            m2 = m2 + bm2 + delta.square() * (count * rows / tot)
            mean_abs = mean_abs + (babs - mean_abs) * (rows / tot)
            count = tot
            done += rows
        return count, mean, m2, mean_abs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=1 << 21, help="samples per timed run (2^21)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (1 2)")
    ap.add_argument("--batch", type=int, default=1 << 14, help="rows per batch (2^14)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per config (all recorded)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    table, theta = make_problem()
    exact = exact_gradient(table, theta)
    for t in args.threads:
        torch.set_num_threads(t)
        peer = Peer(table, theta, args.batch, args.seed)
        peer.run(min(args.batch, args.samples))  # warm-up (untimed)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            count, mean, m2, _ = peer.run(args.samples)
            times.append(time.perf_counter() - start)
        se = torch.sqrt(m2 / (count - 1) / count)
        max_z = float(((mean - exact).abs() / se).max())
        med = statistics.median(times)
        print(json.dumps({"impl": "torch", "threads": t, "samples": args.samples, "batch": args.batch,
                          "seconds": med, "seconds_all": times,
                          "samples_per_second": args.samples / med, "max_abs_z": max_z,
                          "torch": torch.__version__}), flush=True)
        if not max_z < 6.0:
            print(f"torch_peer: mean is {max_z:.1f} standard errors from the exact gradient",
                  file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
