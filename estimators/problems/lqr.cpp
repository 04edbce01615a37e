// estimators/problems/lqr.cpp — see lqr.hpp.
#include "estimators/problems/lqr.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/spec.hpp"

#include <cmath>

namespace estcheck {

LqrSystem double_integrator(std::size_t horizon) {
  LqrSystem s;
  s.n = 2;
  s.m = 1;
  s.horizon = horizon;
  s.A = {1.0, 0.1, 0.0, 1.0};
  s.B = {0.005, 0.1};
  s.Q = {1.0, 0.0, 0.0, 1.0};
  s.R = {0.1};
  s.Qf = s.Q;
  s.s0 = {1.0, 0.0};
  return s;
}

namespace {

/// xᵀ W x for a k × k matrix W.
double quadratic_form(std::span<const double> W, std::span<const double> x) {
  double acc = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double row = 0.0;
    for (std::size_t j = 0; j < x.size(); ++j) row += W[i * x.size() + j] * x[j];
    acc += x[i] * row;
  }
  return acc;
}

/// s' = A s + B a.
void step(const LqrSystem& sys, std::span<const double> s, std::span<const double> a, std::span<double> next) {
  for (std::size_t i = 0; i < sys.n; ++i) {
    double v = 0.0;
    for (std::size_t j = 0; j < sys.n; ++j) v += sys.A[i * sys.n + j] * s[j];
    for (std::size_t l = 0; l < sys.m; ++l) v += sys.B[i * sys.m + l] * a[l];
    next[i] = v;
  }
}

}  // namespace

double lqr_cost(const LqrSystem& sys, std::span<const double> actions) {
  const std::size_t n = sys.n, m = sys.m;
  std::vector<double> s(sys.s0), next(n);
  double total = 0.0;
  for (std::size_t t = 0; t < sys.horizon; ++t) {
    const auto a = actions.subspan(t * m, m);
    total += quadratic_form(sys.Q, s) + quadratic_form(sys.R, a);
    step(sys, s, a, next);
    s.swap(next);
  }
  return total + quadratic_form(sys.Qf, s);
}

void lqr_rollout(const LqrSystem& sys, std::span<const double> theta, std::span<const double> eps,
                 LqrPath& path, bool derivatives) {
  const std::size_t n = sys.n, m = sys.m, T = sys.horizon, p = sys.theta_dim();
  const double sigma = std::exp(theta[p - 1]);
  const auto K = theta.first(m * n);
  path.states.resize((T + 1) * n);
  path.actions.resize(T * m);
  path.costs.resize(T + 1);
  if (derivatives) {
    path.score.assign(T * p, 0.0);
    path.d_actions.assign(T * m * p, 0.0);
    path.d_cost.assign(p, 0.0);
  } else {
    path.score.clear();
    path.d_actions.clear();
    path.d_cost.clear();
  }
  std::vector<double> ds(derivatives ? n * p : 0, 0.0), ds_next(ds.size());
  std::copy(sys.s0.begin(), sys.s0.end(), path.states.begin());
  // d(xᵀWx) = 2 (W x)·dx for symmetric W, accumulated into d_cost.
  auto add_cost_derivative = [&](std::span<const double> W, std::span<const double> x, const double* dx) {
    const std::size_t k = x.size();
    for (std::size_t i = 0; i < k; ++i) {
      double wx = 0.0;
      for (std::size_t j = 0; j < k; ++j) wx += W[i * k + j] * x[j];
      for (std::size_t c = 0; c < p; ++c) path.d_cost[c] += 2.0 * wx * dx[i * p + c];
    }
  };
  for (std::size_t t = 0; t < T; ++t) {
    const auto s = std::span<const double>(path.states).subspan(t * n, n);
    const auto a = std::span(path.actions).subspan(t * m, m);
    const auto e = eps.subspan(t * m, m);
    for (std::size_t l = 0; l < m; ++l) {
      double v = 0.0;
      for (std::size_t j = 0; j < n; ++j) v += K[l * n + j] * s[j];
      a[l] = v + sigma * e[l];
    }
    path.costs[t] = quadratic_form(sys.Q, s) + quadratic_form(sys.R, a);
    if (derivatives) {
      // Score of N(a_t; K s_t, σ² I) at fixed a: ∂/∂K_lj = ε_l s_j / σ, ∂/∂log σ = Σ_l (ε_l² - 1).
      double* score = path.score.data() + t * p;
      for (std::size_t l = 0; l < m; ++l) {
        for (std::size_t j = 0; j < n; ++j) score[l * n + j] = e[l] * s[j] / sigma;
        score[p - 1] += e[l] * e[l] - 1.0;
      }
      // ∂a_l/∂θ = [∂K/∂θ] s + K ∂s/∂θ + σ ε_l e_{log σ}.
      double* da = path.d_actions.data() + t * m * p;
      for (std::size_t l = 0; l < m; ++l) {
        for (std::size_t j = 0; j < n; ++j) da[l * p + l * n + j] += s[j];
        for (std::size_t c = 0; c < p; ++c)
          for (std::size_t j = 0; j < n; ++j) da[l * p + c] += K[l * n + j] * ds[j * p + c];
        da[l * p + p - 1] += sigma * e[l];
      }
      add_cost_derivative(sys.Q, s, ds.data());
      add_cost_derivative(sys.R, a, da);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < p; ++c) {
          double v = 0.0;
          for (std::size_t j = 0; j < n; ++j) v += sys.A[i * n + j] * ds[j * p + c];
          for (std::size_t l = 0; l < m; ++l) v += sys.B[i * m + l] * da[l * p + c];
          ds_next[i * p + c] = v;
        }
      ds.swap(ds_next);
    }
    step(sys, s, a, std::span(path.states).subspan((t + 1) * n, n));
  }
  const auto last = std::span<const double>(path.states).subspan(T * n, n);
  path.costs[T] = quadratic_form(sys.Qf, last);
  if (derivatives) add_cost_derivative(sys.Qf, last, ds.data());
}

LqrProblem::LqrProblem(LqrSystem sys) : sys_(std::move(sys)) {}

std::string LqrProblem::spec() const { return "lqr:horizon=" + std::to_string(sys_.horizon); }

std::string LqrProblem::theta_meaning() const {
  return "θ = (K, log σ): the policy gain K (" + std::to_string(sys_.m) + " × " + std::to_string(sys_.n) +
         ", row-major) and the log of the action noise σ";
}

std::optional<ClosedForm> LqrProblem::closed_form(std::span<const double> theta) const {
  const std::size_t p = sys_.theta_dim();
  const auto r = lqr_objective<double>(sys_, theta.first(p - 1), std::exp(theta[p - 1]));
  // No error bound is claimed for the double route (16ε per value by default, estimated); the
  // exact oracle takes the certified route (verify/oracles/certified/lqr.hpp) instead.
  return ClosedForm{r.objective, r.gradient};
}

const LqrSystem* lqr_system_of(const Problem& p) { return p.control_system(); }

std::vector<ProblemInfo> lqr_problem_entries() {
  return {{"lqr", "control",
           "linear-quadratic control (double integrator, s0 = (1, 0), Q = I, R = 0.1), policy a = K s + σ ε; "
           "x = the T actions, f = total cost; θ = (K1, K2, log σ) (docs/lqr.md)",
           {{"horizon", "8", "number of steps T, 1..16"}}}};
}

std::unique_ptr<Problem> make_lqr_problem(std::string_view text, const std::string& argument) {
  Spec s = Spec::parse(text, argument);
  if (s.name() != "lqr") return nullptr;
  const auto horizon = s.get_int("horizon", 8, 1, 16);
  s.finish();
  return std::make_unique<LqrProblem>(double_integrator(static_cast<std::size_t>(horizon)));
}

}  // namespace estcheck
