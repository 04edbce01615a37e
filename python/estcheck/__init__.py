"""estcheck — check stochastic gradient estimators against exact oracles, from Python (issue 16).

The public half of the package; the compiled half is estcheck._estcheck (python/module.cpp), built
from the same C++ libraries and the same pipeline as the `estcheck` command line. See docs/python.md.

    import estcheck, numpy as np
    prob = estcheck.bernoulli(12, lambda x: (x.sum(axis=1) - 6.0) ** 2)
    rep = estcheck.verify(prob, my_estimator, theta=np.zeros(12), samples=200_000)
    rep["verdict"]            # the CLI's JSON fields; print(rep) shows its text report
    estcheck.assert_unbiased(prob, my_estimator, theta=np.zeros(12))   # pytest

Problems: a spec string ("toy:t=0.45", a JSON table path) or estcheck.problem / bernoulli /
categorical / gaussian. Estimators: a spec string ("reinforce", "rloo:k=4"), a Python callable
fn(theta, seed, block, count) -> array (count x d), or estcheck.estimator(...). Bad input raises
ValueError with the library's message ("theta: expected 12 values ..."); an exception raised by
your f or estimator propagates unchanged.
"""
from . import _estcheck
from ._estcheck import Estimator, Problem

__all__ = ["Problem", "Estimator", "Report", "problem", "bernoulli", "categorical", "gaussian", "estimator",
           "tabulate", "exact", "verify", "compare", "assert_unbiased", "assert_variance_reduction",
           "hunt", "HuntReport", "block_size"]

#: Samples per block: fn(theta, seed, block, count) is called with count == block_size except for the last block.
block_size = _estcheck.block_size


class Report(dict):
    """The CLI's JSON document (docs/json.md) as a dict; .text (and str()) is the CLI's text report."""

    def __init__(self, doc, text):
        super().__init__(doc)
        self.text = text

    @property
    def verdict(self):
        """verify and compare: the verdict (pass, fail, inconclusive, error); exact: None."""
        return self.get("verdict")

    def __str__(self):
        return self.text


def _vector(values, name):
    """A list of floats from a sequence, NumPy array or PyTorch tensor (flattened)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu()
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (int, float)):
        values = [values]
    out = []

    def flat(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                flat(item)
        else:
            try:
                out.append(float(v))
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected numbers, got {v!r}") from None

    flat(values)
    return out


def problem(spec):
    """A built-in problem ("toy:t=0.45", "gaussian-exp:d=2", ...) or a JSON table file, by its spec."""
    if isinstance(spec, Problem):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"problem: expected a spec string or an estcheck.Problem, got {type(spec).__name__}")
    return _estcheck.problem_from_spec(spec)


def bernoulli(n, f, name=None, batch=None):
    """x = b ~ Bernoulli(sigmoid(theta)) on {0,1}^n (n <= 24), theta = n logits, with f a vectorized
    callable: f(x) gets a float64 array of shape (m, n) (rows are support points, in index order
    sum b_i 2^i) and returns m values (NumPy array, PyTorch tensor or list). f is called on the whole
    support once, in batches of at most `batch` rows (default 65536), and the table becomes the
    built-in table problem: the exact gradient is the certified enumeration of that table."""
    name = name or f"python-bernoulli:n={n}"
    return _estcheck.table_problem("bernoulli", _count(n, "n"), f, name, _batch(batch))


def categorical(k, f, name=None, batch=None):
    """x = e_j, j ~ Categorical(softmax(theta)), theta = k logits; f gets one-hot rows (m, k)."""
    name = name or f"python-categorical:k={k}"
    return _estcheck.table_problem("categorical", _count(k, "k"), f, name, _batch(batch))


def tabulate(family, n, f, batch=None):
    """f's values on the support of a Bernoulli ("bernoulli", n) or categorical ("categorical", k) family."""
    if family not in ("bernoulli", "categorical"):
        raise ValueError(f"family: expected 'bernoulli' or 'categorical', got {family!r}")
    return _estcheck.tabulate(family, _count(n, "n"), f, _batch(batch))


def gaussian(d, f, closed_form=None, quadrature=False, grad=None, breakpoints=(), name=None):
    """x ~ N(mu, diag sigma^2), theta = (mu, log sigma) (2d values), f vectorized: (m, d) -> m values.
    The exact L and grad L come from closed_form(theta) -> (L, grad L) or, for d = 1 only, from
    adaptive Gauss-Kronrod quadrature of f (quadrature=True; split at `breakpoints`). Neither is
    proven, so the certificate is estimated and a verify can say at best "would pass". grad(x) ->
    (m, d) values of grad_x f lets the pathwise estimator ("reparam") run."""
    name = name or f"python-gaussian:d={d}"
    return _estcheck.gaussian_problem(_count(d, "d"), f, closed_form, grad, bool(quadrature),
                                      _vector(list(breakpoints), "breakpoints"), name)


def estimator(fn_or_spec, name=None, claimed_unbiased=True):
    """An estimator: a spec string ("reinforce", "rloo:k=4", "mutant/...") or a Python callable
    fn(theta, seed, block, count) -> array (count x d). fn must make sample i of block b depend only
    on (seed, b, i) (e.g. numpy.random.default_rng([seed, block]) or a torch.Generator seeded from
    them), so the figures do not depend on the thread count."""
    if isinstance(fn_or_spec, Estimator):
        return fn_or_spec
    if isinstance(fn_or_spec, str):
        return _estcheck.estimator_from_spec(fn_or_spec)
    if callable(fn_or_spec):
        label = name or getattr(fn_or_spec, "__name__", "estimator")
        return _estcheck.python_estimator(fn_or_spec, f"python:{label}", bool(claimed_unbiased))
    raise ValueError(f"estimator: expected a spec string or a callable fn(theta, seed, block, count), "
                     f"got {type(fn_or_spec).__name__}")


def exact(problem_, theta, estimator_=None, order=1, oracle_seconds=None):
    """`estcheck exact`: L, grad L with error bounds and certificate (and, with an estimator that has
    an exact oracle, its exact mean and variance). Returns a Report with the CLI's JSON fields.
    Raises ValueError when no exact figure can be trusted (the CLI's exit 4)."""
    est = None if estimator_ is None else estimator(estimator_)
    doc, text, why = _estcheck.exact(problem(problem_), _vector(theta, "theta"), est, int(order), _oracle(oracle_seconds))
    if why:
        raise ValueError(why)
    return Report(doc, text)


def verify(problem_, estimator_, theta, samples=1_000_000, seed=1, threads=0, alpha=1e-3, tolerance=None,
           test="auto", variance_bound=None, oracle_seconds=None):
    """`estcheck verify`: the exact target, `samples` Monte Carlo samples of the estimator (blocks of
    block_size keyed by (seed, block)), and the bias test at family-wise level alpha. Returns a
    Report (the CLI's --json document; report["verdict"] is pass, fail or inconclusive)."""
    est = estimator(estimator_)
    vb = [] if variance_bound is None else _vector(variance_bound, "variance_bound")
    doc, text = _estcheck.verify(problem(problem_), est, _vector(theta, "theta"), _count(samples, "samples"),
                                 _count(seed, "seed"), _count(threads, "threads"), float(alpha),
                                 None if tolerance is None else float(tolerance), str(test), vb, _oracle(oracle_seconds))
    return Report(doc, text)


def compare(problem_, estimators, theta, samples=1_000_000, seed=1, threads=0, alpha=1e-3, min_reduction=1.0,
            interval="both", oracle_seconds=None):
    """`estcheck compare`: variance (trace) ratios of each estimator against the first, on common
    seeds. Returns a Report with the CLI's JSON fields (report["verdict"])."""
    ests = [estimator(e) for e in estimators]
    doc, text = _estcheck.compare(problem(problem_), ests, _vector(theta, "theta"), _count(samples, "samples"),
                                  _count(seed, "seed"), _count(threads, "threads"), float(alpha),
                                  float(min_reduction), str(interval), _oracle(oracle_seconds))
    return Report(doc, text)


def assert_unbiased(problem_, estimator_, theta, samples=1_000_000, seed=1, threads=0, alpha=1e-6, **kwargs):
    """verify(...) and raise AssertionError unless the verdict is pass; the message is the verdict's
    text report (exact gradient, estimate, standard error, p-values, bias bound, reason). Returns
    the Report on pass. The default alpha (1e-6) is small so a unit test does not flake."""
    rep = verify(problem_, estimator_, theta, samples=samples, seed=seed, threads=threads, alpha=alpha, **kwargs)
    if rep.verdict != "pass":
        raise AssertionError(f"estimator is not shown unbiased (verdict {rep.verdict}):\n{rep.text}")
    return rep


def assert_variance_reduction(problem_, reference, candidate, theta, min_reduction=1.0, samples=1_000_000, seed=1,
                              threads=0, alpha=1e-3, **kwargs):
    """compare(problem, [reference, candidate]) and raise AssertionError unless the candidate's
    variance is shown smaller than the reference's by at least min_reduction (verdict pass); the
    message is the comparison's text report. Returns the Report on pass."""
    rep = compare(problem_, [reference, candidate], theta, samples=samples, seed=seed, threads=threads, alpha=alpha,
                  min_reduction=min_reduction, **kwargs)
    if rep.verdict != "pass":
        raise AssertionError(f"variance reduction not shown (verdict {rep.verdict}):\n{rep.text}")
    return rep


class HuntReport(Report):
    """`estcheck hunt`'s JSON document (docs/json.md) as a dict; .text is its text report, .found
    whether a bias was found, .exit_code the CLI's exit code (1 found, 0 none, 3 no verdict, 4
    non-finite samples)."""

    def __init__(self, doc, text, exit_code):
        super().__init__(doc, text)
        self.exit_code = exit_code

    @property
    def found(self):
        return bool(self.get("found"))


def hunt(estimator_, problems=None, budget_checks=100, shrink_checks=100, samples=100_000, seed=1, threads=0,
         alpha=0.01, test="auto", max_variables=8, out=None, name=None, claimed_unbiased=True, oracle_seconds=None):
    """`estcheck hunt` (docs/hunt.md): verify randomly drawn problems (the toy, Bernoulli and
    categorical tables of up to max_variables variables, logits up to +-30) under one family-wise
    alpha, and shrink the first failure to the simplest failing case. `estimator_` is a spec string
    (its unset parameters are drawn over their ranges) or a factory make(problem) -> fn(theta, seed,
    block, count): hunt draws the problems, so your estimator is built for each one
    (problem.f(x) evaluates f on rows x; problem.family, problem.sample_dim). `out`: write the
    suite file that reproduces the minimal case. Returns a HuntReport (report.found, report["minimal"])."""
    if not isinstance(estimator_, str) and not callable(estimator_):
        raise ValueError(f"estimator: expected a spec string or a callable make(problem) -> fn, "
                         f"got {type(estimator_).__name__}")
    label = name or getattr(estimator_, "__name__", "estimator")
    kinds = [] if problems is None else ([problems] if isinstance(problems, str) else [str(k) for k in problems])
    doc, text, code = _estcheck.hunt(estimator_, f"python:{label}", bool(claimed_unbiased), kinds,
                                     _count(budget_checks, "budget_checks"), _count(shrink_checks, "shrink_checks"),
                                     _count(samples, "samples"), _count(seed, "seed"), _count(threads, "threads"),
                                     float(alpha), str(test), _count(max_variables, "max_variables"),
                                     _oracle(oracle_seconds), "" if out is None else str(out))
    return HuntReport(doc, text, code)


def _count(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            as_int = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}") from None
        if as_int != value:
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
        value = as_int
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    return value


def _batch(batch):
    return 65536 if batch is None else _count(batch, "batch")


def _oracle(seconds):
    return _estcheck.default_oracle_seconds if seconds is None else float(seconds)
