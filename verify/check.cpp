// verify/check.cpp — see check.hpp.
#include "verify/check.hpp"

namespace estcheck {

BiasCheck check_unbiased(Estimator& est, const Problem& problem, std::span<const double> theta,
                         const CheckOptions& o) {
  VerifyRequest q;
  q.problem = &problem;
  q.estimator = &est;
  q.theta.assign(theta.begin(), theta.end());
  q.run.samples = o.samples;
  q.run.seed = o.seed;
  q.run.threads = o.threads;
  q.test = {o.alpha, o.tolerance};
  q.method = o.method;
  q.variance_bound = {o.variance_bound, "caller's variance bound"};
  BiasCheck c;
  static_cast<VerifyReport&>(c) = verify(q);
  return c;
}

}  // namespace estcheck
