"""examples/python/torch_estimators.py — gradient estimators written in PyTorch, in the form the
estcheck Python module runs: fn(theta, seed, block, count) -> (count x d) array (docs/python.md).

- reinforce(f): the score-function estimator (Williams 1992, eq. 11 with no baseline) for
  b ~ Bernoulli(sigmoid(theta)): g = f(b) * grad_theta log p(b | theta), by autograd.
- reinforce_planted_bias(f): the same with a planted bug — the score is taken at 0.9 * theta
  (a stale or mis-scaled logit), so E[g] != grad L.
- gumbel_softmax_st(f_relaxed, temperature): the straight-through Gumbel-softmax estimator (Jang, Gu
  & Poole 2017, section 2.2) for b ~ Bernoulli(sigmoid(theta)), each b_i a 2-class Gumbel-softmax:
  forward at the hard sample, backward through the relaxed sample with f relaxed by f_relaxed
  (multilinear(table): the table's multilinear extension). Biased for every temperature.

Each draws its noise from a torch.Generator seeded by (seed, block) only, so sample i of block b
depends only on (seed, b, i) and the figures do not depend on the thread count.
"""
import numpy as np
import torch


def generator(seed, block):
    """A torch.Generator whose stream depends only on (seed, block)."""
    state = np.random.SeedSequence([seed, block]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def reinforce(f, logit_scale=1.0):
    """REINFORCE for f: torch (m x n) -> m values. logit_scale != 1 plants a bias."""

    def fn(theta, seed, block, count):
        gen = generator(seed, block)
        logits = torch.as_tensor(theta, dtype=torch.float64).expand(count, -1).clone().requires_grad_(True)
        with torch.no_grad():
            b = torch.bernoulli(torch.sigmoid(logits), generator=gen)
            fb = f(b)
        log_prob = torch.distributions.Bernoulli(logits=logit_scale * logits).log_prob(b).sum(dim=1)
        (fb * log_prob).sum().backward()
        # With logit_scale = 1 the row gradient is f(b) (b - sigmoid(theta)); otherwise the chain rule
        # adds the factor logit_scale and the score is taken at the wrong logits.
        return logits.grad / logit_scale

    fn.__name__ = "torch-reinforce" if logit_scale == 1.0 else "torch-reinforce-planted-bias"
    return fn


def reinforce_planted_bias(f):
    return reinforce(f, logit_scale=0.9)


def multilinear(table):
    """The multilinear extension of a Bernoulli table (index sum b_i 2^i) in torch: f(z) =
    sum_k table[k] prod_i z_i^{k_i} (1 - z_i)^{1 - k_i}, for z of shape (m, n) in [0, 1]^n — the
    relaxation estcheck's table problems use."""
    values = torch.as_tensor(np.asarray(table, dtype=np.float64))
    n = int(len(table)).bit_length() - 1
    bits = torch.tensor([[(k >> i) & 1 for i in range(n)] for k in range(len(table))], dtype=torch.float64)

    def f(z):
        weights = torch.prod(z[:, None, :] * bits + (1 - z[:, None, :]) * (1 - bits), dim=2)  # (m, 2^n)
        return weights @ values

    return f


def gumbel_softmax_st(f_relaxed, temperature):
    """Straight-through Gumbel-softmax for b ~ Bernoulli(sigmoid(theta)): each b_i is a 2-class
    categorical with logits (theta_i, 0); forward at the hard one-hot sample, backward through
    softmax((logits + G) / temperature), f relaxed by f_relaxed (torch, (m, n) -> m)."""

    def fn(theta, seed, block, count):
        gen = generator(seed, block)
        logits = torch.as_tensor(theta, dtype=torch.float64).expand(count, -1).clone().requires_grad_(True)
        two = torch.stack([logits, torch.zeros_like(logits)], dim=2)  # (count, n, 2)
        u = torch.rand(two.shape, dtype=torch.float64, generator=gen)
        gumbel = -torch.log(-torch.log(u))
        soft = torch.softmax((two + gumbel) / temperature, dim=2)
        hard = torch.nn.functional.one_hot(torch.argmax(two.detach() + gumbel, dim=2), 2).to(soft)
        y = hard - soft.detach() + soft  # forward: hard; backward: through soft
        f_relaxed(y[:, :, 0]).sum().backward()
        return logits.grad

    fn.__name__ = f"torch-gumbel-softmax-st:temperature={temperature}"
    return fn
