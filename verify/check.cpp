// verify/check.cpp — see check.hpp.
#include "verify/check.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/graph_exact.hpp"

namespace estcheck {

BiasCheck check_unbiased(Estimator& est, const Problem& problem, std::span<const double> theta,
                         const CheckOptions& o) {
  est.check(problem);
  const Model model = make_model(problem, theta, "theta");
  est.prepare(model);
  BiasCheck r;
  r.estimator = est.info().spec;
  r.problem = problem.spec();
  r.theta.assign(theta.begin(), theta.end());
  r.seed = o.seed;
  r.exact = exact_target(est, model, o.threads);  // ∇L, ∇L_K (VIMCO) or the Hessian (order 2)
  r.variance_bound = o.variance_bound;
  if (!r.variance_bound.empty()) {
    const std::size_t dim = output_dim(est.info(), model.theta_dim());
    if (r.variance_bound.size() == 1) r.variance_bound.assign(dim, r.variance_bound[0]);
    if (r.variance_bound.size() != dim)
      raise_input_error("variance_bound", "1 or " + std::to_string(dim) + " values",
                        std::to_string(o.variance_bound.size()) + " values");
    r.variance_source = "caller's variance bound";
  } else if (o.method != TestMethod::t && est.info().objective_samples == 0 && est.info().order == 1) {
    if (const auto mo = exact_estimator_moments(est, model)) {
      r.variance_bound = variance_upper_bound(*mo);
      r.variance_source = variance_bound_source(*mo);
    }
  }
  RunOptions ro;
  ro.samples = o.samples;
  ro.seed = o.seed;
  ro.threads = o.threads;
  r.run = run_estimator(est, model, ro);
  BiasTestOptions bo;
  bo.alpha = o.alpha;
  bo.tolerance = o.tolerance;
  r.test = verify_bias(est, model, ro, r.run, r.exact, bo, o.method, r.variance_bound, r.variance_source);
  return r;
}

}  // namespace estcheck
