// bench/coverage_by_method.cpp — a measurement, not a test: the coverage of compare's trace-ratio
// interval by method (delta, bootstrap-t, their union) on the heavy-tailed pair (Gaussian score
// function against the pathwise estimator on gaussian-quadratic:d=1,c=0.5 at θ = (0.2, 0.3)), at
// nominal 90% and 99%, over seeds 1..R. It produced the coverage table of docs/statistics.md and
// tests/test_compare.cpp's header; the CI test (tests/test_compare.cpp) asserts the default
// interval's coverage on three pairs. Environment: PROBLEM (default above), R (default 400), NS
// (sample sizes, default "20000 200000"). Usage: build/bin/coverage_by_method (bench/README.md).
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/stats/compare.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

int main() {
  using namespace estcheck;

  auto p = make_problem(std::getenv("PROBLEM") ? std::getenv("PROBLEM") : "gaussian-quadratic:d=1,c=0.5");
  const Model m = make_model(*p, std::vector<double>{0.2, 0.3});
  auto a = make_estimator("reinforce"), b = make_estimator("reparam");
  const int R = std::getenv("R") ? std::atoi(std::getenv("R")) : 400;
  std::vector<std::uint64_t> ns;
  {
    std::istringstream in(std::getenv("NS") ? std::getenv("NS") : "20000 200000");
    for (std::uint64_t n; in >> n;) ns.push_back(n);
  }
  for (std::uint64_t n : ns) {
    CompareOptions o;
    o.run.samples = n;
    o.run.threads = 0;
    o.alpha = 0.01;  // 4000 bootstrap replicates
    int cov[2][3] = {}, below[2][3] = {};
    double width[2][3] = {};
    for (int rep = 1; rep <= R; ++rep) {
      o.run.seed = static_cast<std::uint64_t>(rep);
      CompareResult r = compare_estimators({a.get(), b.get()}, m, o);
      const double ex = *r.comparisons[0].exact_trace_ratio;
      for (int li = 0; li < 2; ++li)
        for (int mi = 0; mi < 3; ++mi) {
          r.method = std::array{RatioIntervalMethod::delta, RatioIntervalMethod::bootstrap_t, RatioIntervalMethod::both}[mi];
          decide(r, li == 0 ? 0.1 : 0.01);
          const auto& t = r.comparisons[0].trace;
          cov[li][mi] += t.lower <= ex && ex <= t.upper;
          below[li][mi] += t.upper < ex;
          width[li][mi] += std::log(t.upper / t.lower) / R;
        }
    }
    for (int li = 0; li < 2; ++li)
      std::printf("n=%llu level %s: coverage delta %.4f bootstrap-t %.4f both %.4f | interval below the ratio %d %d %d | "
                  "mean log-width %.3f %.3f %.3f\n",
                  (unsigned long long)n, li == 0 ? "90%" : "99%", cov[li][0] / double(R), cov[li][1] / double(R),
                  cov[li][2] / double(R), below[li][0], below[li][1], below[li][2], width[li][0], width[li][1],
                  width[li][2]);
  }
  return 0;
}
