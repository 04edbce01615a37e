// python/callables.cpp — see callables.hpp.
#include "python/callables.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace estcheck::python {

namespace {

std::string shape_text(const F64Array& a) {
  std::string s = "shape (";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

/// `rows` values from f's result: shape (rows,) or (rows, 1), finite.
void read_values(const F64Array& a, std::size_t rows, const std::string& field, double* out) {
  const bool ok = (a.ndim() == 1 && a.shape(0) == static_cast<py::ssize_t>(rows)) ||
                  (a.ndim() == 2 && a.shape(0) == static_cast<py::ssize_t>(rows) && a.shape(1) == 1);
  if (!ok) raise_input_error(field, "an array of " + std::to_string(rows) + " values (one per row of x)", shape_text(a));
  const double* v = a.data();
  for (std::size_t r = 0; r < rows; ++r) {
    if (!std::isfinite(v[r])) raise_input_error(field, "finite values", format_double(v[r]) + " at row " + std::to_string(r));
    out[r] = v[r];
  }
}

/// Rows of x as a fresh (rows × cols) float64 array.
F64Array rows_array(std::size_t rows, std::size_t cols) {
  return F64Array({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
}

/// Diagonal Gaussian with a Python f: f, ∇x f, the closed form or the separable form call Python
/// under the GIL (the pipeline runs with it released).
class PyGaussianProblem final : public Problem {
 public:
  PyGaussianProblem(std::size_t d, GaussianCallables c, std::string name)
      : d_(d), c_(std::move(c)), name_(std::move(name)) {}
  ~PyGaussianProblem() override {
    py::gil_scoped_acquire gil;
    c_ = GaussianCallables{};
  }

  std::string spec() const override { return name_; }
  Family family() const override { return Family::gaussian; }
  std::size_t sample_dim() const override { return d_; }
  std::size_t theta_dim() const override { return 2 * d_; }
  std::string theta_meaning() const override {
    return "θ = (μ, log σ): " + std::to_string(d_) + " means, then " + std::to_string(d_) + " log standard deviations";
  }

  double f(std::span<const double> x) const override {
    double y = 0.0;
    f_batch(x, 1, {&y, 1});
    return y;
  }
  void f_batch(std::span<const double> xs, std::size_t count, std::span<double> out) const override {
    py::gil_scoped_acquire gil;
    F64Array x = rows_array(count, d_);
    std::copy(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(count * d_), x.mutable_data());
    // NaN and ±∞ from f are passed on like any problem's (the harness counts non-finite samples).
    const F64Array a = as_float64(c_.f(x), "f");
    const bool ok = (a.ndim() == 1 && a.shape(0) == static_cast<py::ssize_t>(count)) ||
                    (a.ndim() == 2 && a.shape(0) == static_cast<py::ssize_t>(count) && a.shape(1) == 1);
    if (!ok) raise_input_error("f", "an array of " + std::to_string(count) + " values (one per row of x)", shape_text(a));
    std::copy(a.data(), a.data() + count, out.begin());
  }

  bool has_gradient() const override { return !c_.grad.is_none(); }
  void gradient(std::span<const double> x, std::span<double> out) const override {
    py::gil_scoped_acquire gil;
    F64Array xa = rows_array(1, d_);
    std::copy(x.begin(), x.end(), xa.mutable_data());
    const F64Array a = as_float64(c_.grad(xa), "grad");
    if (a.size() != static_cast<py::ssize_t>(d_))
      raise_input_error("grad", "an array of shape (1, " + std::to_string(d_) + ")", shape_text(a));
    std::copy(a.data(), a.data() + d_, out.begin());
  }

  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override {
    py::gil_scoped_acquire gil;
    if (c_.closed_form.is_none()) return std::nullopt;
    F64Array t({static_cast<py::ssize_t>(theta.size())});
    std::copy(theta.begin(), theta.end(), t.mutable_data());
    const py::object r = c_.closed_form(t);
    if (!py::isinstance<py::sequence>(r) || py::len(r) != 2)
      raise_input_error("closed_form", "a pair (L, gradient of L)", py::repr(r).cast<std::string>());
    const auto seq = r.cast<py::sequence>();
    ClosedForm cf{seq[0].cast<double>(), {}};
    const F64Array g = as_float64(seq[1], "closed_form");
    if (g.size() != static_cast<py::ssize_t>(theta.size()))
      raise_input_error("closed_form", "a gradient of " + std::to_string(theta.size()) + " values", shape_text(g));
    cf.gradient.assign(g.data(), g.data() + g.size());
    return cf;
  }

  std::optional<Separable> separable() const override {
    if (!c_.quadrature) return std::nullopt;
    return Separable{[this](double x) { return f({&x, 1}); }, c_.breakpoints};
  }

 private:
  std::size_t d_;
  GaussianCallables c_;
  std::string name_;
};

}  // namespace

F64Array as_float64(py::handle result, const std::string& field) {
  py::object r = py::reinterpret_borrow<py::object>(result);
  if (py::hasattr(r, "detach") && py::hasattr(r, "numpy")) r = r.attr("detach")().attr("cpu")().attr("numpy")();
  // None, text and objects NumPy cannot make numbers of are errors (NumPy would make NaN or raise).
  if (!r.is_none() && !py::isinstance<py::str>(r) && !py::isinstance<py::bytes>(r)) {
    if (F64Array a = F64Array::ensure(r)) return a;
    PyErr_Clear();
  }
  raise_input_error(field, "a numeric array (NumPy array, PyTorch tensor or list of numbers)",
                    py::repr(py::type::of(r)).cast<std::string>());
}

std::vector<double> tabulate(Family family, std::size_t n, const py::object& f, std::size_t batch) {
  if (family == Family::bernoulli && !(n >= 1 && n <= 24)) raise_input_error("n", "1 <= n <= 24", std::to_string(n));
  if (family == Family::categorical && !(n >= 2 && n <= (std::size_t{1} << 24)))
    raise_input_error("k", "2 <= k <= 2^24", std::to_string(n));
  if (family != Family::bernoulli && family != Family::categorical)
    throw std::logic_error("tabulate: bernoulli or categorical only");
  if (batch == 0) raise_input_error("batch", "a batch size >= 1", "0");
  if (!PyCallable_Check(f.ptr())) raise_input_error("f", "a callable f(x) -> values", py::repr(f).cast<std::string>());
  const std::size_t points = family == Family::bernoulli ? std::size_t{1} << n : n;
  std::vector<double> table(points);
  for (std::size_t first = 0; first < points; first += batch) {
    const std::size_t rows = std::min(batch, points - first);
    F64Array x = rows_array(rows, n);
    double* p = x.mutable_data();
    std::fill(p, p + rows * n, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t index = first + r;
      if (family == Family::bernoulli)
        for (std::size_t i = 0; i < n; ++i) p[r * n + i] = static_cast<double>((index >> i) & 1u);
      else
        p[r * n + index] = 1.0;
    }
    read_values(as_float64(f(x), "f"), rows, "f", table.data() + first);
  }
  return table;
}

std::unique_ptr<Problem> table_problem(Family family, std::size_t n, const py::object& f, const std::string& name,
                                       std::size_t batch) {
  return make_table_problem(family, tabulate(family, n, f, batch), name);
}

std::unique_ptr<Problem> gaussian_problem(std::size_t d, GaussianCallables c, const std::string& name) {
  if (d == 0) raise_input_error("d", "d >= 1", "0");
  if (!PyCallable_Check(c.f.ptr())) raise_input_error("f", "a callable f(x) -> values", py::repr(c.f).cast<std::string>());
  if (c.quadrature && d != 1) raise_input_error("quadrature", "d = 1 for quadrature (give closed_form otherwise)", "d = " + std::to_string(d));
  if (!c.quadrature && c.closed_form.is_none())
    raise_input_error("closed_form", "a closed form theta -> (L, grad L), or quadrature=True with d = 1", "neither");
  return std::make_unique<PyGaussianProblem>(d, std::move(c), name);
}

PyEstimator::PyEstimator(py::object fn, const std::string& name, bool claimed_unbiased, bool factory)
    : info_{name, claimed_unbiased, false, 1, "a Python callable fn(theta, seed, block, count) (python/, docs/python.md)"} {
  if (!PyCallable_Check(fn.ptr()))
    raise_input_error("estimator",
                      factory ? "a callable make(problem) -> fn(theta, seed, block, count)"
                              : "a callable fn(theta, seed, block, count) -> array (count × d)",
                      py::repr(fn).cast<std::string>());
  (factory ? factory_ : fn_) = std::move(fn);
}

PyEstimator::~PyEstimator() {
  py::gil_scoped_acquire gil;
  fn_ = py::object();
  factory_ = py::object();
}

void PyEstimator::prepare(const Model& model) {
  if (!factory_) return;
  py::gil_scoped_acquire gil;
  py::object fn = factory_(py::cast(model.problem, py::return_value_policy::reference));
  // Not an InputError: a hunt discards cases whose InputError says the drawn values are rejected;
  // a factory that returns no estimator is the caller's mistake, reported as ValueError at once.
  if (!PyCallable_Check(fn.ptr()))
    throw py::value_error("estimator: expected make(problem) to return a callable fn(theta, seed, block, count), got " +
                          py::repr(fn).cast<std::string>());
  fn_ = std::move(fn);
}

void PyEstimator::sample(const Model&, Noise&, std::span<double>, std::span<double>) const {
  throw std::logic_error("PyEstimator::sample: a Python estimator answers whole blocks (sample_block)");
}

void PyEstimator::sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                               std::vector<double>&, std::span<double> out) const {
  const std::size_t d = model.theta_dim();
  py::gil_scoped_acquire gil;
  if (!fn_) throw std::logic_error("PyEstimator::sample_block: a factory estimator before prepare()");
  F64Array theta({static_cast<py::ssize_t>(d)});
  std::copy(model.theta.begin(), model.theta.end(), theta.mutable_data());
  const F64Array a = as_float64(fn_(theta, seed, block, count), "estimator");
  const bool ok = (a.ndim() == 2 && a.shape(0) == static_cast<py::ssize_t>(count) &&
                   a.shape(1) == static_cast<py::ssize_t>(d)) ||
                  (d == 1 && a.ndim() == 1 && a.shape(0) == static_cast<py::ssize_t>(count));
  if (!ok)
    raise_input_error("estimator", "an array of shape (" + std::to_string(count) + ", " + std::to_string(d) +
                                       ") from fn(theta, seed, block=" + std::to_string(block) + ", count)",
                      shape_text(a));
  std::copy(a.data(), a.data() + count * d, out.begin());
}

}  // namespace estcheck::python
