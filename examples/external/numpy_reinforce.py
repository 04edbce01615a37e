#!/usr/bin/env python3
"""examples/external/numpy_reinforce.py - REINFORCE on estcheck's toy problem, in NumPy, as an
external estimator:

    estcheck verify toy:t=0.45 --theta 0.3 --external '/usr/bin/python3 examples/external/numpy_reinforce.py'

b ~ Bernoulli(sigmoid(theta)), f(b) = (b - t)^2, gradient sample f(b) (b - sigmoid(theta)).
--planted-bias X adds X to every sample (a bug estcheck must catch).
Block b's draws come from NumPy's Philox keyed by seed + 2^64 b, in order, so sample i of block b
depends on nothing but (seed, b, i).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from estcheck_protocol import parse_toy, requests, respond  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--planted-bias", type=float, default=0.0)
args = parser.parse_args()

for req in requests():
    t = parse_toy(req.problem)
    theta = req.theta[0]
    p = 1.0 / (1.0 + np.exp(-theta))
    rng = np.random.Generator(np.random.Philox(key=req.seed + (req.block << 64)))
    b = (rng.random(req.count) < p).astype(np.float64)
    g = (b - t) ** 2 * (b - p) + args.planted_bias
    respond(g.reshape(-1, 1))
