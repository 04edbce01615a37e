"""examples/python/test_torch_estimators.py — checking PyTorch estimators with estcheck's pytest
assertions (issue 16; run in CI by ctest, label python: tests/CMakeLists.txt).

- A user-defined Bernoulli problem with f written in NumPy (n = 12) has the same exact gradient,
  bit for bit, as the equivalent JSON table problem (both are the certified enumeration).
- REINFORCE written in PyTorch passes on it; the same with a planted bias fails.
- The straight-through Gumbel-softmax estimator (PyTorch, on a 3-variable table) fails, and its
  exact bias is shown: it has the distribution of the built-in straight-through estimator on the
  same table, whose exact mean estcheck.exact computes; the PyTorch run's mean agrees with it.

Statistical budget: every verify below uses a fixed recorded seed; the passes use alpha = 1e-6
(assert_unbiased's default), the agreement check alpha = 1e-6 (Bonferroni over its coordinates),
so this file's false-failure rate is below 4e-6.
"""
import json
import math
import statistics

import numpy as np
import pytest
import torch

import estcheck
from torch_estimators import gumbel_softmax_st, multilinear, reinforce, reinforce_planted_bias

N = 12
W = np.linspace(-1.0, 2.0, N)
THETA = np.linspace(-1.5, 1.5, N)


def f_numpy(x):
    """The user's f, vectorized: rows of x are b in {0,1}^12."""
    return np.sin(x @ W) + 0.25 * (x.sum(axis=1) - 5.0) ** 2


def f_torch(b):
    return torch.from_numpy(f_numpy(b.numpy()))


@pytest.fixture(scope="module")
def problem():
    return estcheck.bernoulli(N, f_numpy, name="numpy-f:n=12")


def test_numpy_f_matches_json_table(problem, tmp_path):
    table = estcheck.tabulate("bernoulli", N, f_numpy)
    path = tmp_path / "table.json"
    path.write_text(json.dumps({"distribution": "bernoulli", "n": N, "table": table}))
    ours = estcheck.exact(problem, THETA)
    theirs = estcheck.exact(str(path), THETA)
    assert ours["certificate"] == theirs["certificate"]
    assert ours["certificate"]["certainty"] == "certified", ours.text
    for key in ("gradient", "gradient_error_bound", "objective", "objective_error_bound"):
        assert ours[key] == theirs[key], key  # bit for bit (the JSON round trip of a double is exact)


def test_torch_reinforce_passes(problem):
    # Catoni's test with the exact variance of REINFORCE (the PyTorch estimator has the built-in
    # reinforce's distribution: one draw, no baseline), so the verdict assumes no normality.
    ex = estcheck.exact(problem, THETA, "reinforce")
    assert ex["estimator_moments_certificate"]["certainty"] == "certified"
    bound = [v + e for v, e in zip(ex["estimator_variance"], ex["estimator_variance_error_bound"])]
    rep = estcheck.assert_unbiased(problem, reinforce(f_torch), THETA, samples=1 << 18, seed=16,
                                   variance_bound=bound)
    assert rep["verdict"] == "pass"


def test_torch_reinforce_planted_bias_fails(problem):
    with pytest.raises(AssertionError, match="verdict fail") as failure:
        estcheck.assert_unbiased(problem, reinforce_planted_bias(f_torch), THETA, samples=1 << 18, seed=16)
    print(failure.value)


def test_gumbel_softmax_st_fails_with_its_exact_bias():
    w3 = np.array([1.0, -2.0, 0.5])
    f3 = lambda x: (x @ w3 - 0.3) ** 2  # noqa: E731
    theta = [0.3, -0.2, 0.8]
    temperature = 0.5
    problem = estcheck.bernoulli(3, f3, name="st-table:n=3")
    ours = gumbel_softmax_st(multilinear(estcheck.tabulate("bernoulli", 3, f3)), temperature)
    with pytest.raises(AssertionError, match="verdict fail") as failure:
        estcheck.assert_unbiased(problem, ours, theta, samples=1 << 18, seed=16)
    # Its exact bias: it has the distribution of the built-in straight-through estimator on the
    # same table, whose exact mean estcheck.exact computes (certified).
    ex = estcheck.exact(problem, theta, f"straight-through:temperature={temperature}")
    print(f"{failure.value}\nexact bias of straight-through Gumbel-softmax (temperature {temperature}): {ex['bias']}"
          f" ({ex['estimator_mean_certificate']['certainty']})")
    assert max(abs(b) for b in ex["bias"]) > 1e-2
    # The PyTorch run's mean agrees with that exact mean.
    rep = estcheck.verify(problem, ours, theta, samples=1 << 18, seed=17)
    z = statistics.NormalDist().inv_cdf(1 - 1e-6 / (2 * len(theta)))
    for mean, se, exact_mean in zip(rep["mean"], rep["std_error"], ex["estimator_mean"]):
        assert abs(mean - exact_mean) <= z * se, rep.text
