"""tests/python/test_hunt.py — estcheck.hunt from Python (docs/hunt.md, docs/python.md; issue 16 item 2):
a registry mutant and a Python estimator factory make(problem) -> fn are hunted by the same engine as
`estcheck hunt` (verify/hunt.hpp); a correct NumPy REINFORCE runs its whole budget without a failure,
a sign-flipped one is found and shrunk; bad input is ValueError.

Statistical budget: each hunt runs at its own family-wise alpha (1e-3 for the correct estimator: the
false-failure rate of this file is below 1e-3); the planted biases (a flipped sign) are far beyond
the detectable bias at the samples used. Seeds are fixed and recorded in the calls.
"""
import numpy as np
import pytest

import estcheck


def reinforce_factory(sign=1.0):
    """make(problem) -> fn: REINFORCE for the Bernoulli (toy, tables) and categorical problems hunt draws."""

    def make(problem):
        n = problem.sample_dim

        def fn(theta, seed, block, count):
            rng = np.random.default_rng([seed, block])
            if problem.family == "bernoulli":
                p = 1.0 / (1.0 + np.exp(-theta))
                x = (rng.random((count, n)) < p).astype(np.float64)
                score = x - p
            else:
                probs = np.exp(theta - theta.max())
                probs /= probs.sum()
                x = np.eye(n)[rng.choice(n, size=count, p=probs)]
                score = x - probs
            return sign * problem.f(x)[:, None] * score

        return fn

    make.__name__ = "reinforce" if sign > 0 else "reinforce_sign_flip"
    return make


def test_problem_f_evaluates_rows():
    toy = estcheck.problem("toy:t=0.45")
    assert list(toy.f(np.array([[0.0], [1.0]]))) == pytest.approx([0.45**2, 0.55**2], abs=0.0)
    with pytest.raises(ValueError, match="x"):
        toy.f(np.zeros((2, 3)))


def test_registry_mutant_is_found_and_shrunk(tmp_path):
    out = tmp_path / "sf.json"
    rep = estcheck.hunt("mutant/reinforce-sign-flip", budget_checks=10, shrink_checks=30, samples=1 << 16, seed=4,
                        out=out)
    assert rep.found and rep.exit_code == 1
    assert len(rep["minimal"]["theta"]) <= len(rep["first_failure"]["theta"])
    assert "minimal counterexample" in rep.text
    assert out.exists()


def test_python_factory_correct_runs_its_budget():
    rep = estcheck.hunt(reinforce_factory(), budget_checks=12, shrink_checks=0, samples=1 << 16, seed=3, alpha=1e-3)
    assert not rep.found, rep.text
    assert rep.exit_code == 0, rep.text
    assert rep["checks"] == 12
    assert rep["estimator"] == "python:reinforce"


def test_python_factory_planted_bias_is_found():
    rep = estcheck.hunt(reinforce_factory(-1.0), problems=["bernoulli", "categorical"], budget_checks=20,
                        shrink_checks=20, samples=1 << 16, seed=5)
    assert rep.found, rep.text
    assert rep["minimal"]["verdict"] == "fail"
    assert len(rep["minimal"]["theta"]) <= len(rep["first_failure"]["theta"])


@pytest.mark.parametrize("call, message", [
    (lambda: estcheck.hunt(42), "estimator"),
    (lambda: estcheck.hunt("reinforce", problems=["nope"]), "problems"),
    (lambda: estcheck.hunt("reinforce", alpha=2.0), "alpha"),
    (lambda: estcheck.hunt("reinforce", max_variables=9), "max_variables"),
    (lambda: estcheck.hunt("no-such-estimator"), "estimator"),
    (lambda: estcheck.hunt(lambda problem: 3, budget_checks=1, shrink_checks=0, samples=1024), "estimator"),
])
def test_bad_input_is_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
