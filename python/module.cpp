// python/module.cpp — the compiled half of the `estcheck` Python package (issue 16), `estcheck._estcheck`:
// problems (by spec, or with a Python f: python/callables.hpp), estimators (by spec, or a Python
// callable), and exact / verify / compare through the one pipeline (verify/pipeline.hpp), each
// returning the CLI's JSON document (reports/verify_report.hpp's to_json, converted to Python
// objects) and its text report. python/estcheck/__init__.py wraps these in the public API
// (docs/python.md). The GIL is released around every pipeline call; Python callbacks take it back
// (callables.hpp). InputError becomes ValueError with the message the library gives (fields, not
// CLI flags: "theta: expected ..."); a Python exception raised by a callback propagates unchanged.
#include "python/callables.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "reports/verify_report.hpp"
#include "tools/commands.hpp"
#include "verify/hunt.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/pipeline.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <sstream>

namespace py = pybind11;

namespace estcheck::python {
namespace {

/// nlohmann::json as Python objects (dict, list, str, int, float, bool, None).
py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    case nlohmann::json::value_t::array: {
      py::list l;
      for (const auto& v : j) l.append(to_python(v));
      return l;
    }
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    default: return py::none();
  }
}

/// The JSON document and the text report of `rep`, as the CLI writes them.
template <class Report>
py::tuple document(const Report& rep) {
  std::ostringstream text;
  write_text(text, rep);
  return py::make_tuple(to_python(to_json(rep)), text.str());
}

/// The oracle's time budget for one call (seconds > 0).
void set_budget(double seconds) {
  if (!(std::isfinite(seconds) && seconds > 0.0)) raise_input_error("oracle_seconds", "seconds > 0", format_double(seconds));
  set_oracle_seconds(seconds);
}

py::tuple exact_call(const Problem& problem, const std::vector<double>& theta, Estimator* estimator, int order,
                double oracle_seconds) {
  set_budget(oracle_seconds);
  if (estimator) estimator->check(problem);
  const Model model = make_model(problem, theta, "theta");
  if (order != 1 && order != 2) raise_input_error("order", "1 or 2", std::to_string(order));
  ExactReport rep;
  {
    py::gil_scoped_release release;
    rep = cli::exact_report(problem, model, order, estimator);
  }
  py::tuple doc = document(rep);
  return py::make_tuple(doc[0], doc[1], cli::nonfinite_exact(rep));
}

py::tuple verify_call(const Problem& problem, Estimator& estimator, const std::vector<double>& theta,
                 std::uint64_t samples, std::uint64_t seed, int threads, double alpha, std::optional<double> tolerance,
                 const std::string& test, const std::vector<double>& variance_bound, double oracle_seconds) {
  set_budget(oracle_seconds);
  VerifyRequest q;
  q.problem = &problem;
  q.estimator = &estimator;
  q.theta = theta;
  q.run.samples = samples;
  q.run.seed = seed;
  q.run.threads = threads;
  q.test = {alpha, tolerance};
  validate(q.test);
  q.method = parse_test_method(test, "test");
  for (double v : variance_bound)
    if (!(std::isfinite(v) && v > 0.0)) raise_input_error("variance_bound", "finite numbers > 0", format_double(v));
  if (!variance_bound.empty()) q.variance_bound = {variance_bound, "caller's variance bound"};
  estimator.check(problem);
  make_model(problem, theta, "theta");
  VerifyReport rep;
  {
    py::gil_scoped_release release;
    rep = estcheck::verify(q);
  }
  return document(rep);
}

py::tuple compare_call(const Problem& problem, const std::vector<Estimator*>& estimators, const std::vector<double>& theta,
                  std::uint64_t samples, std::uint64_t seed, int threads, double alpha, double min_reduction,
                  const std::string& interval, double oracle_seconds) {
  set_budget(oracle_seconds);
  if (estimators.size() < 2)
    raise_input_error("estimators", "a reference estimator and at least one other", std::to_string(estimators.size()));
  make_model(problem, theta, "theta");
  for (Estimator* e : estimators) {
    if (!e) raise_input_error("estimators", "estimators", "None");
    if (e->info().order != 1) raise_input_error("estimators", "gradient estimators (order 1)", "'" + e->info().spec + "'");
    e->check(problem);
  }
  CompareRequest q{&problem, estimators, theta, {}};
  q.options.run.samples = samples;
  q.options.run.seed = seed;
  q.options.run.threads = threads;
  q.options.alpha = alpha;
  q.options.min_reduction = min_reduction;
  q.options.method = parse_interval_method(interval, "interval");
  CompareReport rep;
  {
    py::gil_scoped_release release;
    rep = estcheck::compare(q);
  }
  return document(rep);
}

/// estcheck.hunt: `estimator` is a spec string (registry or mutant; keys given stay fixed, the
/// others are drawn) or a Python factory make(problem) -> fn(theta, seed, block, count) (nothing
/// drawn). Returns (JSON document, text report, exit code as the CLI's).
py::tuple hunt_call(py::object estimator, const std::string& name, bool claimed_unbiased,
                    const std::vector<std::string>& problems, std::uint64_t budget_checks, std::uint64_t shrink_checks,
                    std::uint64_t samples, std::uint64_t seed, int threads, double alpha, const std::string& test,
                    int max_variables, double oracle_seconds, const std::string& out) {
  set_budget(oracle_seconds);
  HuntOptions o;
  for (const std::string& k : problems) o.kinds.push_back(parse_hunt_kind(k, "problems"));
  o.budget_checks = budget_checks;
  o.shrink_checks = shrink_checks;
  o.samples = samples;
  o.seed = seed;
  o.threads = threads;
  o.alpha = alpha;
  o.method = parse_test_method(test, "test");
  if (max_variables < 2 || max_variables > 8)
    raise_input_error("max_variables", "an integer in [2, 8]", std::to_string(max_variables));
  o.max_variables = max_variables;
  HuntEstimator e;
  if (py::isinstance<py::str>(estimator)) {
    e = hunt_estimator(estimator.cast<std::string>());
  } else {
    if (!PyCallable_Check(estimator.ptr()))
      raise_input_error("estimator", "a spec string or a callable make(problem) -> fn(theta, seed, block, count)",
                        py::repr(estimator).cast<std::string>());
    e.name = name;
    // Shared so the make callable can be copied without the GIL; the object is released under it.
    auto factory = std::shared_ptr<py::object>(new py::object(estimator), [](py::object* p) {
      py::gil_scoped_acquire gil;
      delete p;
    });
    e.make = [factory, name, claimed_unbiased](const std::string&) -> std::unique_ptr<Estimator> {
      py::gil_scoped_acquire gil;
      return std::make_unique<PyEstimator>(*factory, name, claimed_unbiased, true);
    };
  }
  HuntResult r;
  {
    py::gil_scoped_release release;
    r = hunt(e, o);
    e.make = nullptr;  // drops the factory's reference while the GIL can still be taken
  }
  const std::string suite_file = out.empty() ? "" : cli::write_hunt_suite(r, out);
  std::ostringstream text;
  cli::write_hunt_text(text, r, e, suite_file);
  return py::make_tuple(to_python(cli::hunt_json(r, suite_file)), text.str(), cli::hunt_exit_code(r));
}

}  // namespace
}  // namespace estcheck::python

PYBIND11_MODULE(_estcheck, m) {
  using namespace estcheck;
  using namespace estcheck::python;
  m.doc() = "estcheck's compiled core; use the estcheck package (docs/python.md)";

  py::class_<Problem>(m, "Problem", "A problem: p_θ and f (estcheck.problem, bernoulli, categorical, gaussian)")
      .def_property_readonly("spec", &Problem::spec)
      .def_property_readonly("family", [](const Problem& p) { return std::string(to_string(p.family())); })
      .def_property_readonly("theta_dim", &Problem::theta_dim)
      .def_property_readonly("sample_dim", &Problem::sample_dim)
      .def_property_readonly("theta_meaning", &Problem::theta_meaning)
      .def("f",
           [](const Problem& p, F64Array x) {
             const std::size_t n = p.sample_dim();
             const bool ok = (x.ndim() == 2 && x.shape(1) == static_cast<py::ssize_t>(n)) || (x.ndim() == 1 && n == 1);
             if (!ok)
               raise_input_error("x", "an array of shape (m, " + std::to_string(n) + ")",
                                 "an array of " + std::to_string(x.ndim()) + " dimensions");
             const std::size_t m = static_cast<std::size_t>(x.shape(0));
             F64Array values({static_cast<py::ssize_t>(m)});
             p.f_batch({x.data(), m * n}, m, {values.mutable_data(), m});
             return values;
           },
           py::arg("x"), "f at the rows of x (m × sample_dim): m values")
      .def("__repr__", [](const Problem& p) { return "<estcheck.Problem " + p.spec() + ">"; });

  py::class_<Estimator>(m, "Estimator", "An estimator (estcheck.estimator: a spec or a Python callable)")
      .def_property_readonly("spec", [](const Estimator& e) { return e.info().spec; })
      .def_property_readonly("claimed_unbiased", [](const Estimator& e) { return e.info().claimed_unbiased; })
      .def("__repr__", [](const Estimator& e) { return "<estcheck.Estimator " + e.info().spec + ">"; });

  m.def("problem_from_spec", [](const std::string& spec) { return make_problem(spec, "problem"); }, py::arg("spec"));
  m.def("table_problem",
        [](const std::string& family, std::size_t n, py::object f, const std::string& name, std::size_t batch) {
          return table_problem(family == "bernoulli" ? Family::bernoulli : Family::categorical, n, f, name, batch);
        },
        py::arg("family"), py::arg("n"), py::arg("f"), py::arg("name"), py::arg("batch") = kTabulateBatch);
  m.def("tabulate",
        [](const std::string& family, std::size_t n, py::object f, std::size_t batch) {
          return tabulate(family == "bernoulli" ? Family::bernoulli : Family::categorical, n, f, batch);
        },
        py::arg("family"), py::arg("n"), py::arg("f"), py::arg("batch") = kTabulateBatch);
  m.def("gaussian_problem",
        [](std::size_t d, py::object f, py::object closed_form, py::object grad, bool quadrature,
           std::vector<double> breakpoints, const std::string& name) {
          return gaussian_problem(d, {f, closed_form, grad, quadrature, std::move(breakpoints)}, name);
        },
        py::arg("d"), py::arg("f"), py::arg("closed_form"), py::arg("grad"), py::arg("quadrature"),
        py::arg("breakpoints"), py::arg("name"));
  m.def("estimator_from_spec", [](const std::string& spec) { return make_estimator(spec, "estimator"); }, py::arg("spec"));
  m.def("python_estimator",
        [](py::object fn, const std::string& name, bool unbiased) -> std::unique_ptr<Estimator> {
          return std::make_unique<PyEstimator>(std::move(fn), name, unbiased);
        },
        py::arg("fn"), py::arg("name"), py::arg("claimed_unbiased"));
  m.def("exact", &exact_call, py::arg("problem"), py::arg("theta"), py::arg("estimator"), py::arg("order"),
        py::arg("oracle_seconds"));
  m.def("verify", &verify_call, py::arg("problem"), py::arg("estimator"), py::arg("theta"), py::arg("samples"),
        py::arg("seed"), py::arg("threads"), py::arg("alpha"), py::arg("tolerance"), py::arg("test"),
        py::arg("variance_bound"), py::arg("oracle_seconds"));
  m.def("compare", &compare_call, py::arg("problem"), py::arg("estimators"), py::arg("theta"), py::arg("samples"),
        py::arg("seed"), py::arg("threads"), py::arg("alpha"), py::arg("min_reduction"), py::arg("interval"),
        py::arg("oracle_seconds"));
  m.def("hunt", &hunt_call, py::arg("estimator"), py::arg("name"), py::arg("claimed_unbiased"), py::arg("problems"),
        py::arg("budget_checks"), py::arg("shrink_checks"), py::arg("samples"), py::arg("seed"), py::arg("threads"),
        py::arg("alpha"), py::arg("test"), py::arg("max_variables"), py::arg("oracle_seconds"), py::arg("out"));
  m.attr("default_oracle_seconds") = kDefaultOracleSeconds;
  m.attr("block_size") = kBlockSize;
}
