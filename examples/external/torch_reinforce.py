#!/usr/bin/env python3
"""examples/external/torch_reinforce.py - REINFORCE on estcheck's toy problem, in PyTorch, with
the score from autograd, as an external estimator:

    estcheck verify toy:t=0.45 --theta 0.3 --external '/usr/bin/python3 examples/external/torch_reinforce.py'

The score of each sample is d/dtheta log p(b | theta), taken by autograd through
torch.distributions.Bernoulli(logits=...) with theta repeated once per sample (so the gradient of
the summed surrogate gives every sample's own score). --planted-bias X adds X to every sample.
Block b's draws come from a torch.Generator seeded with (seed, b), in order.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from estcheck_protocol import parse_toy, requests, respond  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--planted-bias", type=float, default=0.0)
args = parser.parse_args()
torch.set_num_threads(1)

for req in requests():
    t = parse_toy(req.problem)
    gen = torch.Generator().manual_seed((req.seed * 1000003 + req.block) % (1 << 63))
    theta = torch.full((req.count,), req.theta[0], dtype=torch.float64, requires_grad=True)
    dist = torch.distributions.Bernoulli(logits=theta)
    u = torch.rand(req.count, generator=gen, dtype=torch.float64)
    b = (u < torch.sigmoid(theta.detach())).to(torch.float64)
    f = (b - t) ** 2
    (dist.log_prob(b) * f).sum().backward()
    g = theta.grad + args.planted_bias
    respond(g.reshape(-1, 1).numpy())
