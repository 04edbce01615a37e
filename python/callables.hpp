// python/callables.hpp — the Python side of estcheck's Python module (issue 16): problems whose f is a
// vectorized Python callable, and an estimator that is a Python callable, both behind the C++
// interfaces (Problem, estimators/problems/problem.hpp; Estimator, estimators/estimator.hpp), so the
// same pipeline (verify/pipeline.hpp) and oracles judge them.
//
// - Bernoulli and categorical problems: f is tabulated on the whole support once, by calling it on
//   batches of support points (one call per batch, NumPy array in, array out), and the table becomes
//   the built-in table problem (make_table_problem, estimators/problems/catalogue.hpp). The exact
//   gradient is then the certified enumeration of the table (verify/oracles/certified/discrete.hpp):
//   the same route, and the same bits, as the equivalent JSON table file.
// - Diagonal-Gaussian problems: f is called from C++ (per point or per batch) and L, ∇L come from a
//   user-supplied closed form, or from Gauss–Kronrod quadrature of f for d = 1 (the separable form
//   f(x) = g(x_1)). Neither is proven, so their certificate is estimated (verdicts "would pass").
// - PyEstimator: fn(theta, seed, block, count) -> array (count × d) answers a whole block of the
//   harness (Estimator::sample_block), like the --external protocol (verify/harness/external.hpp)
//   without a process or a pipe. Each call takes the GIL (pybind11::gil_scoped_acquire); the module
//   releases it around the pipeline, so the harness's threads take turns. Sample i of block b must
//   depend only on (seed, b, i), so the figures do not depend on the thread count.
// Faults: a Python exception raised by f or fn propagates to the caller unchanged; a result of the
// wrong shape or with non-finite values (f) is an InputError (ValueError in Python) naming "f" or
// "estimator".
#pragma once

#include "estimators/estimator.hpp"
#include "estimators/problems/problem.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace estcheck::python {

namespace py = pybind11;

using F64Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// `result` (a NumPy array, a PyTorch tensor, a list, a scalar) as a C-contiguous float64 array; a
/// tensor goes through .detach().cpu().numpy(). The GIL must be held. Throws InputError (`field`)
/// when it is not numeric.
F64Array as_float64(py::handle result, const std::string& field);

/// The most support points f is called on at once (a batch of 2^16 points of up to 24 values).
inline constexpr std::size_t kTabulateBatch = std::size_t{1} << 16;

/// f on every support point: Bernoulli (n variables, n <= 24: the 2^n vectors b in index order
/// Σ b_i 2^i) or categorical (K one-hot rows e_k), at most `batch` rows per call; each call gets a
/// (rows × n) or (rows × K) float64 array and must return `rows` finite values. Throws InputError
/// ("n", "k", "batch", "f") on bad sizes or results. The GIL must be held.
std::vector<double> tabulate(Family family, std::size_t n, const py::object& f, std::size_t batch = kTabulateBatch);

/// A Bernoulli or categorical problem whose f is the Python callable `f`: tabulate, then
/// make_table_problem under the spec `name`.
std::unique_ptr<Problem> table_problem(Family family, std::size_t n, const py::object& f, const std::string& name,
                                       std::size_t batch = kTabulateBatch);

/// What a diagonal-Gaussian problem with a Python f knows besides f.
struct GaussianCallables {
  py::object f;            ///< (m × d) -> m values
  py::object closed_form;  ///< None, or theta (2d) -> (L, ∇L (2d values))
  py::object grad;         ///< None, or (m × d) -> (m × d) values of ∇x f
  bool quadrature = false; ///< d = 1 only: L and ∇L by quadrature of f
  std::vector<double> breakpoints;  ///< where f is not smooth (quadrature splits there)
};

/// x ~ N(μ, diag σ²), θ = (μ, log σ), f a Python callable. Throws InputError ("d", "closed_form",
/// "quadrature") when d is 0, quadrature is asked for d > 1, or neither route to L is given.
std::unique_ptr<Problem> gaussian_problem(std::size_t d, GaussianCallables callables, const std::string& name);

/// An estimator that is a Python callable fn(theta, seed, block, count) -> (count × d) array; or,
/// built with `factory` true, a callable make(problem) -> fn called once per problem in prepare()
/// (estcheck.hunt draws the problems, so the estimator must be told which f it runs on).
class PyEstimator final : public Estimator {
 public:
  PyEstimator(py::object fn, const std::string& name, bool claimed_unbiased, bool factory = false);
  /// Takes the GIL to drop its references: estcheck.hunt builds and destroys estimators inside the
  /// pipeline, where the GIL is released.
  ~PyEstimator() override;
  const EstimatorInfo& info() const override { return info_; }
  /// With a factory: fn = make(problem) for the model's problem (an estcheck.Problem that lives as
  /// long as the verification). Throws InputError ("estimator") unless make returns a callable.
  void prepare(const Model& model) override;
  std::size_t scratch_size(const Model&) const override { return 0; }
  /// Not a per-noise kernel: throws std::logic_error (the harness asks for whole blocks).
  void sample(const Model&, Noise&, std::span<double>, std::span<double>) const override;
  /// One call of fn under the GIL: (count × theta_dim) values, checked, into `out`.
  void sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                    std::vector<double>& work, std::span<double> out) const override;

 private:
  py::object fn_;
  py::object factory_;  ///< None unless built with factory = true
  EstimatorInfo info_;
};

}  // namespace estcheck::python
