// verify/oracles/graph_exact.cpp — see graph_exact.hpp.
#include "verify/oracles/graph_exact.hpp"
#include "verify/oracles/budget.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/graph.hpp"
#include "verify/oracles/certified/graph.hpp"
#include "verify/oracles/compensated_sum.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr std::uint64_t kChunk = 256;  ///< assignments per leaf of the reduction

/// Per output coordinate: Σ term and Σ |term| (for the rounding bound); index 0 is L.
struct Sums {
  std::vector<CompensatedSum> value, magnitude;
};

Sums join(Sums a, const Sums& b) {
  for (std::size_t i = 0; i < a.value.size(); ++i) {
    a.value[i].add(b.value[i].value());
    a.magnitude[i].add(b.magnitude[i].value());
  }
  return a;
}

const Graph& checked_graph(const Model& m, std::uint64_t& count) {
  const Graph* g = graph_of(*m.problem);
  if (g == nullptr)
    raise_input_error("problem", "a graph problem for the graph oracle", "'" + m.problem->spec() + "'");
  if (g->gaussian.size() > 1)
    raise_input_error("problem", "at most one gaussian node for the exact oracle (it integrates over it)",
                      std::to_string(g->gaussian.size()) + " in '" + m.problem->spec() + "'");
  count = assignment_count(*g);
  if (count > kMaxGraphAssignments)
    raise_input_error("problem", "a graph with at most 2^24 joint assignments of its stochastic nodes",
                      format_double(static_cast<double>(count)) + " in '" + m.problem->spec() + "'");
  return *g;
}

/// Σ over assignments of `terms(choice, value, magnitude)`, which adds each coordinate's term and
/// its magnitude (dim coordinates), in a fixed tree.
/// With one gaussian node x (mean μ_a, standard deviation σ_a at each assignment a of the
/// discrete nodes): Σ_a ∫ terms(a, x) dx, each coordinate by Boost.Math's adaptive Gauss–Kronrod
/// (61 points) over ε ∈ R with x = μ_a + σ_a ε (only a change of variable: the integrand is the
/// joint density in x times the cost, so its θ-derivatives are taken at fixed x). Each
/// coordinate's error: 2 × Boost's |K − G| estimate (the factor 2 of its infinite-interval
/// transform, as in verify/oracles/exact.cpp) + (γ + 4ε) ∫|magnitude|, the rounding of the integrand.
struct Integrated {
  std::vector<double> value, error;
};

template <class Terms>
Integrated integrate_gaussian(const Graph& g, std::span<const double> theta, std::uint64_t count, std::size_t dim,
                              double gm, const Terms& terms) {
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const std::size_t x = g.gaussian[0];
  Integrated r{std::vector<double>(dim, 0.0), std::vector<double>(dim, 0.0)};
  std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size()), value(dim), magnitude(dim);
  for (std::uint64_t a = 0; a < count; ++a) {
    oracle_checkpoint();
    assignment(g, a, choice);
    choice[x] = 0.0;
    evaluate_values(g, theta, choice, values);  // x's parents come before x: μ_a and log σ_a
    const double mu = values[g.nodes[x].parents[0]], sigma = std::exp(values[g.nodes[x].parents[1]]);
    for (std::size_t c = 0; c < dim; ++c) {
      double e = 0.0, l1 = 0.0, e2 = 0.0, l2 = 0.0;
      const auto at = [&](double eps, bool mag) {
        oracle_checkpoint();  // Gauss–Kronrod may subdivide deeply: stop within the budget
        choice[x] = mu + sigma * eps;
        terms(std::span<const double>(choice), value, magnitude);
        return sigma * (mag ? magnitude[c] : value[c]);
      };
      const double inf = std::numeric_limits<double>::infinity();
      r.value[c] += GK::integrate([&](double eps) { return at(eps, false); }, -inf, inf, 15, 1e-12, &e, &l1);
      const double mag = GK::integrate([&](double eps) { return at(eps, true); }, -inf, inf, 15, 1e-6, &e2, &l2);
      r.error[c] += 2.0 * e + (gm + 4.0 * kEps) * (mag + 2.0 * e2);
    }
  }
  return r;
}

template <class Terms>
Sums reduce(const Graph& g, std::uint64_t count, std::size_t dim, int threads, const Terms& terms) {
  Sums identity;
  identity.value.resize(dim);
  identity.magnitude.resize(dim);
  const std::uint64_t chunks = (count + kChunk - 1) / kChunk;
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, Sums acc) {
    std::vector<double> choice(g.nodes.size(), 0);
    std::vector<double> value(dim), magnitude(dim);
    for (std::uint64_t c = r.begin(); c != r.end(); ++c)
      for (std::uint64_t a = c * kChunk; a < std::min(count, (c + 1) * kChunk); ++a) {
        oracle_checkpoint();
        assignment(g, a, choice);
        terms(choice, value, magnitude);
        for (std::size_t i = 0; i < dim; ++i) {
          acc.value[i].add(value[i]);
          acc.magnitude[i].add(magnitude[i]);
        }
      }
    return acc;
  };
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  return arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, chunks, 1), identity, leaf,
                                              join, tbb::simple_partitioner());
  });
}

/// Rounding model: every node's value and derivatives carry a relative error of at most 4ε per
/// node on the path (one elementary function or product and the chain-rule multiply-add), so a
/// term p_a·(...) is within (4 N + 8)ε of its value relative to its magnitude; Neumaier sums add
/// 3ε and each level of the join tree 3ε, relative to Σ|term|. The bound assumes no node
/// amplifies an earlier rounding error by more than its own 4ε (true of the built-in graphs'
/// affine, table, softplus and logistic nodes at moderate θ); tests cross-check the oracle
/// against hand-derived values and central finite differences.
double gamma(const Graph& g, std::uint64_t count) {
  const std::uint64_t chunks = (count + kChunk - 1) / kChunk;
  const double levels = chunks > 1 ? std::ceil(std::log2(static_cast<double>(chunks))) : 0.0;
  return (4.0 * static_cast<double>(g.nodes.size()) + 8.0 + 3.0 + 3.0 * levels) * kEps;
}

constexpr const char* kRoundingModel = "first-order rounding model of the graph's double-precision code";

/// Double figures x_k with bounds e_k (pointers), made certified against their enclosures b_k:
/// e_k becomes max(e_k, a proven bound on |x_k - b_k|); a non-finite x_k (the double code
/// overflowed) is replaced by b_k's midpoint and e_k by its radius, and `replaced` is set. Returns
/// why it cannot (an enclosure that is not finite, or a replacement beyond double range), with
/// nothing changed; "" when done.
std::string settle(const std::vector<double*>& x, const std::vector<double*>& e, const std::vector<certified::Ball>& b,
                   bool& replaced) {
  std::vector<double> nx(x.size()), ne(x.size());
  replaced = false;
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (!b[k].finite()) return "the ball enclosure is not finite";
    if (std::isfinite(*x[k])) {
      nx[k] = *x[k];
      ne[k] = std::max(std::isfinite(*e[k]) ? *e[k] : 0.0, certified::distance_bound(*x[k], b[k]));
      continue;
    }
    const certified::Ball::Enclosure en = b[k].to_enclosure();
    if (!std::isfinite(en.mid) || !std::isfinite(en.rad)) return "the exact figure is beyond double range";
    nx[k] = en.mid;
    ne[k] = en.rad;
    replaced = true;
  }
  for (std::size_t k = 0; k < x.size(); ++k) {
    *x[k] = nx[k];
    *e[k] = ne[k];
  }
  return "";
}

constexpr const char* kReplaced = "; non-finite double figures replaced by the enclosure's midpoint and radius";

/// The certified route of a discrete graph's L and ∇L (order 1) or ∇²L (order 2): the ball
/// enclosures of certified/graph.hpp; the double route's values `r` are kept and each error
/// becomes a proven bound on |value - exact|: the larger of the distance to the enclosure (proven)
/// and the rounding model's bound (kept so that comparisons of figures from different routes,
/// e.g. an estimator's exact mean against this target, keep the slack they were written with;
/// any number above a proven bound is one too). When the enclosure is
/// predicted to outlast the oracle's budget (or does), `r` keeps the rounding model's bounds,
/// estimated, with the reason: the double figure is still worth reporting, never a verdict.
void certify_derivatives(const Graph& g, const Model& m, int order, int threads, ExactGradient& r) {
  std::vector<certified::Ball> b;
  try {
    b = certified::graph_derivative_sums(g, m.theta, order, threads);
  } catch (const OracleBudgetExceeded& e) {
    r.certificate = estimated(std::string(kRoundingModel) + "; no certified enclosure: " + e.what());
    return;
  } catch (const certified::UndecidedBranch& e) {
    r.certificate = estimated(std::string(kRoundingModel) + "; no certified enclosure: " + e.what());
    return;
  }
  std::vector<double*> x = {&r.objective}, e = {&r.objective_error};
  for (std::size_t i = 0; i < r.gradient.size(); ++i) {
    x.push_back(&r.gradient[i]);
    e.push_back(&r.error[i]);
  }
  bool replaced = false;
  if (const std::string why = settle(x, e, b, replaced); !why.empty()) {
    r.certificate = estimated(std::string(kRoundingModel) + "; " + why);
    return;
  }
  r.certificate = proven(std::string("enclosed by ball arithmetic (Arb, 128 bits): forward-mode jets of the graph's "
                                     "forward pass over every joint assignment; error >= distance of the double figure "
                                     "to the enclosure") +
                         (replaced ? kReplaced : ""));
}

}  // namespace

ExactGradient exact_graph_gradient(const Model& m, int threads) {
  std::uint64_t count = 0;
  const Graph& g = checked_graph(m, count);
  const std::size_t d = m.theta_dim();
  const auto terms = [&](std::span<const double> choice, std::vector<double>& v, std::vector<double>& mag) {
    const PointGradient pg = point_gradient(g, m.theta, choice);
    const double p = std::exp(pg.log_prob);
    v[0] = p * pg.cost;
    mag[0] = std::abs(v[0]);
    for (std::size_t i = 0; i < d; ++i) {
      v[i + 1] = p * (pg.cost * pg.d_log_prob[i] + pg.d_cost[i]);
      mag[i + 1] = p * (std::abs(pg.cost * pg.d_log_prob[i]) + std::abs(pg.d_cost[i]));
    }
  };
  const double gm = gamma(g, count);
  ExactGradient r;
  if (!g.gaussian.empty()) {
    const Integrated q = integrate_gaussian(g, m.theta, count, d + 1, gm, terms);
    r.method = ExactMethod::quadrature;
    r.certificate = estimated("Gauss-Kronrod error estimate over the gaussian node");
    r.support_points = count;
    r.objective = q.value[0];
    r.objective_error = q.error[0];
    r.gradient.assign(q.value.begin() + 1, q.value.end());
    r.error.assign(q.error.begin() + 1, q.error.end());
    return r;
  }
  const Sums s = reduce(g, count, d + 1, threads, terms);
  r.method = ExactMethod::enumeration;
  r.certificate = estimated(kRoundingModel);
  r.support_points = count;
  r.objective = s.value[0].value();
  r.objective_error = gm * s.magnitude[0].value();
  for (std::size_t i = 0; i < d; ++i) {
    r.gradient.push_back(s.value[i + 1].value());
    r.error.push_back(gm * s.magnitude[i + 1].value());
  }
  certify_derivatives(g, m, 1, threads, r);
  return r;
}

namespace {
ExactGradient compute_graph_hessian(const Model& m, int threads);
}  // namespace

ExactGradient exact_graph_hessian(const Model& m, int threads) {
  OracleClock clock("the exact Hessian on " + m.problem->spec());
  try {
    return compute_graph_hessian(m, threads);
  } catch (const OracleBudgetExceeded& e) {
    const std::size_t d = m.theta_dim();
    return unknown_gradient(d * (d + 1) / 2, ExactMethod::enumeration, e.what());
  }
}

namespace {
ExactGradient compute_graph_hessian(const Model& m, int threads) {
  std::uint64_t count = 0;
  const Graph& g = checked_graph(m, count);
  const std::size_t d = m.theta_dim(), t = d * (d + 1) / 2;
  // Coordinate 0: L; coordinate 1 + upper_index(i, j): Σ_a D²_u (p f) along u = e_i (i = j) or
  // e_i + e_j (i < j); polarized after the sum.
  const auto terms = [&](std::span<const double> choice, std::vector<double>& v, std::vector<double>& mag) {
    std::vector<double> u(d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = i; j < d; ++j) {
        u[i] = 1.0;
        u[j] = 1.0;
        const PointDirectional pd = point_directional(g, m.theta, choice, u);
        u[i] = u[j] = 0.0;
        const double p = std::exp(pd.log_prob);
        // (p f)'' = p (f (l'' + l'²) + 2 l' f' + f'')
        const double a = pd.cost * pd.d2_log_prob, b = pd.cost * pd.d_log_prob * pd.d_log_prob,
                     c = 2.0 * pd.d_log_prob * pd.d_cost, e = pd.d2_cost;
        v[1 + upper_index(i, j, d)] = p * (a + b + c + e);
        mag[1 + upper_index(i, j, d)] = p * (std::abs(a) + std::abs(b) + std::abs(c) + std::abs(e));
        if (i == 0 && j == 0) {
          v[0] = p * pd.cost;
          mag[0] = std::abs(v[0]);
        }
      }
  };
  const double gm = gamma(g, count);
  // Per coordinate 0..t: the sum (or integral) and its error bound.
  std::vector<double> value(t + 1), err(t + 1);
  ExactGradient r;
  r.support_points = count;
  if (!g.gaussian.empty()) {
    const Integrated q = integrate_gaussian(g, m.theta, count, t + 1, gm, terms);
    r.method = ExactMethod::quadrature;
    r.certificate = estimated("Gauss-Kronrod error estimate over the gaussian node");
    value = q.value;
    err = q.error;
  } else {
    const Sums s = reduce(g, count, t + 1, threads, terms);
    r.method = ExactMethod::enumeration;
    r.certificate = estimated(kRoundingModel);
    for (std::size_t c = 0; c <= t; ++c) {
      value[c] = s.value[c].value();
      err[c] = gm * s.magnitude[c].value();
    }
  }
  r.objective = value[0];
  r.objective_error = err[0];
  r.gradient.assign(t, 0.0);
  r.error.assign(t, 0.0);
  const auto at = [&](std::size_t i, std::size_t j) { return 1 + upper_index(i, j, d); };
  for (std::size_t i = 0; i < d; ++i) {
    r.gradient[upper_index(i, i, d)] = value[at(i, i)];
    r.error[upper_index(i, i, d)] = err[at(i, i)];
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) {
      const std::size_t k = upper_index(i, j, d);
      const double hii = value[at(i, i)], hjj = value[at(j, j)], both = value[at(i, j)];
      r.gradient[k] = 0.5 * (both - hii - hjj);
      // The polarization's own two subtractions and halving add 2ε relative to the values.
      r.error[k] = 0.5 * (err[at(i, j)] + err[at(i, i)] + err[at(j, j)]) +
                   kEps * (std::abs(both) + std::abs(hii) + std::abs(hjj));
    }
  if (g.gaussian.empty()) certify_derivatives(g, m, 2, threads, r);
  return r;
}
}  // namespace

// Exact moments of an estimator whose only noise is the graph's draws. With ĝ_a the sample at
// assignment a (value_at_assignment: the bits sample() gives there, taken as exact, so these are
// the moments of the samples the harness averages) and p_a = exp(ℓ_a), ℓ_a = Σ_w ℓ_w,
// ℓ_w = log p(w | DEPS_w):
//   E ĝ_i = S1_i = Σ_a p_a ĝ_a,i,   Var ĝ_i = S2_i - S1_i²,   S2_i = Σ_a p_a ĝ_a,i².
// Rounding, under the rounding model of gamma() above (each node within 4ε relative per node on
// its path, N nodes): every ℓ_w ≤ 0, so Σ_w |ℓ_w| = |ℓ_a| and the computed ℓ_a is within
// δ_a = (4N + 1)ε |ℓ_a| (absolute) of the exact one; exp adds ε relative, so the computed p_a is
// within e^{δ_a} - 1 + ε ≤ 1.01 δ_a + ε of p_a relative (δ_a ≤ (4N + 1)ε · 745 < 0.01 for any
// p_a that does not underflow; one that does is below 2^-1074 = denorm_min, an absolute error of
// at most denorm_min |ĝ_a| per term, and of denorm_min ĝ_a² in S2). The products p_a ĝ and
// (p_a ĝ) ĝ add ε and 2ε: each term t carries at most ρ_a = 1.01 δ_a + 4ε relative. The reduction
// (Neumaier leaves, compensated joins, as in gamma()) adds σ = (3 + 3 levels)ε of Σ|t|, and the
// bound's own sums (in the same tree) at most another σ of it (second order, counted as σ Σ|t|):
//   E1_i = Σ_a (ρ_a |t1_a,i| + denorm_min |ĝ_a,i|) + 2σ Σ_a |t1_a,i|, and E2_i likewise on t2.
// The variance's square and subtraction: |ΔVar| ≤ E2 + (2|S1| + E1) E1 + 2ε (S2 + S1²).
std::optional<EstimatorMoments> exact_graph_estimator_moments(const Estimator& est, const Model& m, int threads) {
  if (!est.samples_graph_assignment()) return std::nullopt;
  const Graph* gp = graph_of(*m.problem);
  if (gp == nullptr || !gp->gaussian.empty()) return std::nullopt;
  const Graph& g = *gp;
  const std::uint64_t count = assignment_count(g);
  if (count > kMaxGraphAssignments) return std::nullopt;
  const std::size_t out = output_dim(est.info(), m.theta_dim());
  const double nodes = static_cast<double>(g.nodes.size());
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::size_t scratch_size = est.scratch_size(m);
  // Coordinates: [0, out) t1 = p ĝ; [out, 2 out) t2 = p ĝ²; then their error terms ρ|t1| + tiny|ĝ|
  // and ρ t2 + tiny ĝ² (block 2 and 3).
  const auto terms = [&](std::span<const double> choice, std::vector<double>& v, std::vector<double>& mag) {
    thread_local std::vector<double> values, scratch, sample;
    values.resize(g.nodes.size());
    scratch.resize(scratch_size);
    sample.resize(out);
    const double log_p = evaluate_values(g, m.theta, choice, values);
    const double p = std::exp(log_p);
    const double rho = 1.01 * (4.0 * nodes + 1.0) * kEps * std::abs(log_p) + 4.0 * kEps;
    est.value_at_assignment(m, choice, scratch, sample);
    for (std::size_t i = 0; i < out; ++i) {
      const double t1 = p * sample[i], t2 = t1 * sample[i];
      v[i] = t1;
      v[out + i] = t2;
      v[2 * out + i] = rho * std::abs(t1) + tiny * std::abs(sample[i]);
      v[3 * out + i] = rho * t2 + tiny * sample[i] * sample[i];
    }
    for (std::size_t i = 0; i < 4 * out; ++i) mag[i] = std::abs(v[i]);
  };
  const Sums s = reduce(g, count, 4 * out, threads, terms);
  const std::uint64_t chunks = (count + kChunk - 1) / kChunk;
  const double levels = chunks > 1 ? std::ceil(std::log2(static_cast<double>(chunks))) : 0.0;
  const double sigma = (3.0 + 3.0 * levels) * kEps;
  EstimatorMoments r;
  r.method = "enumeration of the graph's " + std::to_string(count) + " joint assignments (the estimator's code)";
  r.certificate = estimated(kRoundingModel);
  for (std::size_t i = 0; i < out; ++i) {
    const double s1 = s.value[i].value(), s2 = s.value[out + i].value();
    const double e1 = s.value[2 * out + i].value() + 2.0 * sigma * s.magnitude[i].value();
    const double e2 = s.value[3 * out + i].value() + 2.0 * sigma * s.magnitude[out + i].value();
    r.mean.push_back(s1);
    r.mean_error.push_back(e1);
    r.variance.push_back(s2 - s1 * s1);
    r.variance_error.push_back(e2 + (2.0 * std::abs(s1) + e1) * e1 + 2.0 * kEps * (s2 + s1 * s1));
  }
  // Certified route: Σ p_a ĝ_a and Σ p_a ĝ_a² in ball arithmetic (p_a enclosed, ĝ_a exact inputs),
  // Var = S2 - S1² in balls; the double figures are kept, their errors become the larger of the
  // proven distance to the enclosure and the model's bound above (see certify_derivatives).
  // Predicted (or found) past the budget: the estimated bounds above, with the reason.
  std::vector<certified::Ball> b;
  try {
    b = certified::graph_moment_sums(
        g, m.theta, out,
        [&](std::span<const double> choice, std::span<double> sample) {
          thread_local std::vector<double> scratch;
          scratch.resize(scratch_size);
          est.value_at_assignment(m, choice, scratch, sample);
        },
        threads);
  } catch (const OracleBudgetExceeded& e) {
    r.certificate = estimated(std::string(kRoundingModel) + "; no certified enclosure: " + e.what());
    return r;
  } catch (const certified::UndecidedBranch& e) {
    r.certificate = estimated(std::string(kRoundingModel) + "; no certified enclosure: " + e.what());
    return r;
  }
  std::vector<certified::Ball> enclosures;  // mean_0, var_0, mean_1, var_1, ...
  std::vector<double*> x, e;
  for (std::size_t i = 0; i < out; ++i) {
    enclosures.push_back(b[i]);
    enclosures.push_back(b[out + i] - b[i] * b[i]);
    x.insert(x.end(), {&r.mean[i], &r.variance[i]});
    e.insert(e.end(), {&r.mean_error[i], &r.variance_error[i]});
  }
  bool replaced = false;
  if (const std::string why = settle(x, e, enclosures, replaced); !why.empty()) {
    r.certificate = estimated(std::string(kRoundingModel) + "; " + why + " (a sample is not finite, or too large)");
    return r;
  }
  r.certificate = proven(std::string("enclosed by ball arithmetic (Arb, 128 bits): Σ_a p_a ĝ_a and Σ_a p_a ĝ_a² over "
                                     "every joint assignment with p_a enclosed and the samples ĝ_a exact inputs; error "
                                     ">= distance of the double figure to the enclosure") +
                         (replaced ? kReplaced : ""));
  return r;
}

ExactGradient exact_target(const Estimator& est, const Model& m, int threads) {
  OracleClock clock("the exact target of " + est.info().spec + " on " + m.problem->spec());
  try {
    if (est.info().order == 2) return exact_graph_hessian(m, threads);
    return est.info().objective_samples > 0 ? exact_multisample_gradient(m, est.info().objective_samples, threads)
                                            : compute_exact_gradient(m, ExactMethod::automatic, threads);
  } catch (const OracleBudgetExceeded& e) {
    const std::size_t d = output_dim(est.info(), m.theta_dim());
    return unknown_gradient(d, est.info().order == 2 ? ExactMethod::enumeration : ExactMethod::automatic, e.what());
  }
}

}  // namespace estcheck
