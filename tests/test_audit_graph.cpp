// tests/test_audit_graph.cpp — the precision audit of the graph oracle (issue 14, item 4): RapidCheck
// draws stochastic computation graphs and θ across the whole range of the routes and checks every
// double-route figure (objective, gradient, Hessian, and the exact mean and variance of scg,
// scg:baseline=conditional,credit=all and dice:order=1/2) against an independent reference:
// tests/graph_reference.hpp, every joint assignment enumerated in Arb at 256 bits with its own walk
// of the graph and Taylor coefficients from Arb's power series (no finite differences; not the
// graph_eval.hpp forward pass and not the certified jets). Asserted, per figure:
// - the figure is certified, and |figure - reference| <= its stated bound (proven: Arb's upper
//   bound of the distance to the reference ball);
// - the certified route's own ball meets the reference ball (arb_overlaps: both contain the exact
//   value; containment can fail only by the reference's own radius, e.g. an exact 0 against the
//   reference's polarized ±1e-88).
// Recorded and printed (not asserted: that bound is an estimate, which is why it is no longer the
// stated one): how often the first-order rounding model's bound (the route's estimated fallback,
// obtained with a budget too small for the certified route) would have been exceeded.
//
// Cases: a catalogue graph (scg-fig1a..e, sbn, mdp and grid with random sizes and slips) at random
// θ, or a random graph of 1-3 params and 1-4 Bernoulli or categorical nodes whose logits are
// affine in earlier values, with sigmoid, tanh, softplus, square, exp, product, table and select
// nodes and affine, table and select costs; θ and weights scaled to 0.01..30 (logits to ±30 and
// beyond). Case count: ESTCHECK_AUDIT_CASES (default 200 per property, about a second); replay with
// RC_PARAMS="seed=...".
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/registry/registry.hpp"
#include "tests/graph_reference.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/graph.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/graph_exact.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>

namespace estcheck {
namespace {

using certified::Ball;

int audit_cases() {
  const char* s = std::getenv("ESTCHECK_AUDIT_CASES");
  return s != nullptr && std::atoi(s) > 0 ? std::atoi(s) : 200;
}

/// Runs `property` for audit_cases() successful cases (RapidCheck's other parameters as
/// configured by RC_PARAMS).
template <class Property>
void audit(Property&& property) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_case_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = audit_cases();
  const auto result = rc::detail::checkTestable(std::forward<Property>(property), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

/// Worst |figure - reference| / bound seen (|figure - reference| by its proven lower bound), for the
/// report.
struct Tally {
  long figures = 0, model_exceeded = 0;
  double worst_certified = 0.0, worst_model = 0.0;
  std::string worst_model_what;
  void add(double distance, double bound, double model_bound, const std::string& what) {
    ++figures;
    if (bound > 0) worst_certified = std::max(worst_certified, distance / bound);
    if (distance > model_bound) {
      ++model_exceeded;
      const double ratio = model_bound > 0 ? distance / model_bound : std::numeric_limits<double>::infinity();
      if (ratio > worst_model) {
        worst_model = ratio;
        worst_model_what = what;
      }
    }
  }
};
Tally g_tally;
long g_nonfinite_samples = 0;  ///< moments left estimated because an estimator's sample overflowed

/// θ-scale: logits from 0.01 to 30 in magnitude (and exactly ±30 now and then).
rc::Gen<double> scaled_value() {
  return rc::gen::mapcat(rc::gen::element(0.01, 0.3, 1.0, 3.0, 10.0, 30.0), [](double scale) {
    return rc::gen::oneOf(rc::gen::map(rc::gen::inRange(-1000000, 1000001),
                                       [scale](int k) { return scale * static_cast<double>(k) * 1e-6; }),
                          rc::gen::element(-scale, scale));
  });
}

struct AuditCase {
  std::string name;
  std::shared_ptr<const Graph> graph;
  std::vector<double> theta;
};

std::ostream& operator<<(std::ostream& os, const AuditCase& c) {
  os << c.name << " at θ = (";
  for (std::size_t i = 0; i < c.theta.size(); ++i) os << (i ? ", " : "") << c.theta[i];
  return os << ")";
}


/// A random graph: params, then S stochastic nodes with affine logits of earlier continuous values
/// and earlier draws, deterministic nodes between them, and 1-3 costs.
rc::Gen<AuditCase> random_graph() {
  return rc::gen::exec([] {
    std::vector<GraphNode> n;
    std::vector<std::size_t> continuous, discrete;  // node indices usable as parents
    const int d = *rc::gen::inRange(1, 4);
    for (int i = 0; i < d; ++i) {
      n.push_back(graph_node("theta" + std::to_string(i), NodeKind::param, Op::identity, {}));
      continuous.push_back(n.size() - 1);
    }
    const auto affine_of = [&](const std::string& name, NodeKind kind = NodeKind::deterministic) {
      std::vector<std::size_t> parents;
      std::vector<double> weights;
      const int k = *rc::gen::inRange(1, 4);
      for (int j = 0; j < k; ++j) {
        const bool use_draw = !discrete.empty() && *rc::gen::inRange(0, 3) == 0;
        const auto& pool = use_draw ? discrete : continuous;
        parents.push_back(pool[static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(pool.size())))]);
        weights.push_back(*rc::gen::element(-2.0, -1.0, -0.5, 0.25, 1.0, 3.0));
      }
      GraphNode a = graph_node(name, kind, Op::affine, parents);
      a.weights = weights;
      a.bias = *scaled_value();
      n.push_back(a);
      return n.size() - 1;
    };
    const int S = *rc::gen::inRange(1, 5);
    for (int s = 0; s < S; ++s) {
      const std::string tag = std::to_string(s);
      // a deterministic node on the way: op(affine(...))
      const Op op = *rc::gen::element(Op::sigmoid, Op::tanh, Op::softplus, Op::square, Op::exp, Op::product);
      const std::size_t in = affine_of("pre" + tag);
      std::size_t det;
      if (op == Op::product) {
        const std::size_t other = continuous[static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(continuous.size())))];
        n.push_back(graph_node("det" + tag, NodeKind::deterministic, Op::product, {in, other}));
        det = n.size() - 1;
      } else if (op == Op::exp) {  // keep e^x in range: exp(tanh(x) · 3)
        n.push_back(graph_node("tanh" + tag, NodeKind::deterministic, Op::tanh, {in}));
        GraphNode sc = graph_node("sc" + tag, NodeKind::deterministic, Op::affine, {n.size() - 1});
        sc.weights = {3.0};
        n.push_back(sc);
        n.push_back(graph_node("det" + tag, NodeKind::deterministic, Op::exp, {n.size() - 1}));
        det = n.size() - 1;
      } else {
        n.push_back(graph_node("det" + tag, NodeKind::deterministic, op, {in}));
        det = n.size() - 1;
      }
      continuous.push_back(det);
      if (*rc::gen::inRange(0, 3) == 0) {  // categorical, 2-3 logits
        const int K = *rc::gen::inRange(2, 4);
        std::vector<std::size_t> logits;
        for (int k = 0; k < K; ++k) logits.push_back(affine_of("logit" + tag + "_" + std::to_string(k)));
        n.push_back(graph_node("w" + tag, NodeKind::categorical, Op::identity, logits));
      } else {
        n.push_back(graph_node("w" + tag, NodeKind::bernoulli, Op::identity, {affine_of("logit" + tag)}));
      }
      discrete.push_back(n.size() - 1);
    }
    // Costs: an affine cost of continuous values and draws; maybe a table of the last draw; maybe a
    // select by the first draw among continuous values.
    affine_of("cost_affine", NodeKind::cost);
    const Graph probe = make_graph("probe", n);  // the supports, for the table and select costs
    if (*rc::gen::inRange(0, 2) == 0) {
      const std::size_t w = discrete.back();
      GraphNode t = graph_node("cost_table", NodeKind::cost, Op::table, {w});
      t.sizes = {probe.support[w]};
      for (std::size_t k = 0; k < probe.support[w]; ++k) t.table.push_back(*scaled_value());
      n.push_back(t);
    }
    if (*rc::gen::inRange(0, 2) == 0) {
      const std::size_t w = discrete.front();
      std::vector<std::size_t> parents = {w};
      for (std::size_t k = 0; k < probe.support[w]; ++k)
        parents.push_back(continuous[static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(continuous.size())))]);
      n.push_back(graph_node("cost_select", NodeKind::cost, Op::select, parents));
    }
    AuditCase c;
    c.name = "random graph (" + std::to_string(d) + " params, " + std::to_string(S) + " stochastic nodes)";
    c.graph = std::make_shared<const Graph>(make_graph("random", std::move(n)));
    for (int i = 0; i < d; ++i) c.theta.push_back(*scaled_value());
    return c;
  });
}

rc::Gen<AuditCase> catalogue_graph() {
  return rc::gen::exec([] {
    const int which = *rc::gen::inRange(0, 8);
    std::string spec;
    switch (which) {
      case 0: spec = "scg-fig1a"; break;
      case 1: spec = "scg-fig1b"; break;
      case 2: spec = "scg-fig1c"; break;
      case 3: spec = "scg-fig1d"; break;
      case 4: spec = "scg-fig1e"; break;
      case 5: spec = "sbn"; break;
      case 6:
        spec = "mdp:states=" + std::to_string(*rc::gen::inRange(2, 4)) + ",horizon=" +
               std::to_string(*rc::gen::inRange(1, 4)) + ",slip=" + std::to_string(*rc::gen::inRange(1, 50) / 100.0);
        break;
      default:
        spec = "grid:size=2,horizon=" + std::to_string(*rc::gen::inRange(1, 3)) +
               ",slip=" + std::to_string(*rc::gen::inRange(0, 50) / 100.0);
        break;
    }
    const auto p = make_problem(spec);
    AuditCase c;
    c.name = spec;
    c.graph = std::make_shared<const Graph>(*graph_of(*p));
    for (std::size_t i = 0; i < p->theta_dim(); ++i) c.theta.push_back(*scaled_value());
    return c;
  });
}

/// Runs `f` with a budget too small for the certified route (its prediction exceeds it): the
/// double route's figures with the rounding model's bounds.
template <class F>
auto model_only(F f) {
  const double saved = oracle_seconds();
  set_oracle_seconds(1e-9);
  auto r = f();
  set_oracle_seconds(saved);
  return r;
}

std::string describe_graph(const Graph& g) {
  std::ostringstream os;
  for (const GraphNode& n : g.nodes) {
    os << n.name << "=" << to_string(n.kind) << "/" << to_string(n.op) << "(";
    for (std::size_t p : n.parents) os << g.nodes[p].name << " ";
    for (double w : n.weights) os << w << " ";
    if (n.kind == NodeKind::deterministic || n.kind == NodeKind::cost) os << "b" << n.bias;
    for (double t : n.table) os << " t" << t;
    os << ") ";
  }
  return os.str();
}

std::string g_case;  ///< the case being audited, for the report

std::string sci(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", x);
  return buf;
}

/// A proven lower bound on |x - y| over every y in ref (0 when x lies in ref): the part of the
/// error that is certain, so a stated bound below it is certainly wrong.
double error_lower_bound(double x, const Ball& ref) {
  Ball diff(x);
  arb_sub(diff.get(), diff.get(), ref.get(), 4 * reference::kPrec);
  arf_t lo;
  arf_init(lo);
  arb_get_abs_lbound_arf(lo, diff.get(), 53);
  const double r = arf_get_d(lo, ARF_RND_DOWN);
  arf_clear(lo);
  return r;
}

void audit_figure(double x, double bound, double model_bound, const Ball& ref, const std::string& what_) {
  const std::string what = g_case + ": " + what_;
  const double error = error_lower_bound(x, ref);
  RC_ASSERT(std::isfinite(bound));
  if (error > bound) RC_FAIL(what + ": " + sci(x) + " vs " + ref.str() + ", bound " + sci(bound));
  g_tally.add(error, bound, model_bound, what + " (|error| >= " + sci(error) + ", model bound " + sci(model_bound) + ")");
}

void audit_case(const AuditCase& c) {
  RC_TAG(c.name.substr(0, c.name.find(':')));
  {
    std::ostringstream os;
    os << c;
    g_case = os.str();
  }
  const Graph& g = *c.graph;
  const GraphProblem problem(c.name, c.graph);
  const Model m = make_model(problem, c.theta);
  const std::size_t d = c.theta.size();
  const bool hessian = d <= 4;
  const reference::Figures ref = reference::figures(g, c.theta, hessian);

  const ExactGradient grad = exact_graph_gradient(m), grad_model = model_only([&] { return exact_graph_gradient(m); });
  if (!grad.certificate.certified()) RC_FAIL("gradient " + describe(grad.certificate) + "; graph: " + describe_graph(g));
  audit_figure(grad.objective, grad.objective_error, grad_model.objective_error, ref.objective, "L");
  for (std::size_t i = 0; i < d; ++i)
    audit_figure(grad.gradient[i], grad.error[i], grad_model.error[i], ref.gradient[i], "dL/dθ" + std::to_string(i));
  const std::vector<Ball> b1 = certified::graph_derivative_sums(g, c.theta, 1, 0);
  RC_ASSERT(arb_overlaps(b1[0].get(), ref.objective.get()) != 0);
  for (std::size_t i = 0; i < d; ++i) RC_ASSERT(arb_overlaps(b1[1 + i].get(), ref.gradient[i].get()) != 0);

  if (hessian) {
    const ExactGradient h = exact_graph_hessian(m), h_model = model_only([&] { return exact_graph_hessian(m); });
    if (!h.certificate.certified()) RC_FAIL("Hessian " + describe(h.certificate) + "; graph: " + describe_graph(g));
    const std::vector<Ball> b2 = certified::graph_derivative_sums(g, c.theta, 2, 0);
    for (std::size_t k = 0; k < ref.hessian.size(); ++k) {
      audit_figure(h.gradient[k], h.error[k], h_model.error[k], ref.hessian[k], "H entry " + std::to_string(k));
      if (arb_overlaps(b2[1 + k].get(), ref.hessian[k].get()) == 0)
        RC_FAIL("Hessian enclosure " + std::to_string(k) + " " + b2[1 + k].str() + " misses " +
                ref.hessian[k].str() + "; graph: " + describe_graph(g));
    }
  }

  std::vector<std::string> specs = {"scg", "scg:baseline=conditional,credit=all", "dice:order=1"};
  if (d <= 3) specs.push_back("dice:order=2");
  for (const std::string& spec : specs) {
    auto e = make_estimator(spec);
    e->check(problem);
    Model me = make_model(problem, c.theta);
    e->prepare(me);
    const auto mo = exact_estimator_moments(*e, me);
    const auto mo_model = model_only([&] { return exact_graph_estimator_moments(*e, me); });
    RC_ASSERT(mo.has_value() && mo_model.has_value());
    if (!mo->certificate.certified()) {
      // Honest when the estimator's own samples are not finite (its code overflowed): counted.
      if (mo->certificate.note.find("a sample is not finite") != std::string::npos) {
        ++g_nonfinite_samples;
        continue;
      }
      RC_FAIL(spec + " " + describe(mo->certificate) + "; graph: " + describe_graph(g));
    }
    const std::size_t out = mo->mean.size();
    std::vector<Ball> s1(out), s2(out);
    std::vector<double> choice(g.nodes.size(), 0.0), scratch(e->scratch_size(me)), sample(out);
    for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
      assignment(g, a, choice);
      const Ball pa = reference::probability(g, c.theta, choice);
      e->value_at_assignment(me, choice, scratch, sample);
      for (std::size_t i = 0; i < out; ++i) {
        const Ball x(sample[i]);  // exact
        Ball t;
        arb_mul(t.get(), pa.get(), x.get(), reference::kPrec);
        reference::accumulate(s1[i], t);
        arb_mul(t.get(), t.get(), x.get(), reference::kPrec);
        reference::accumulate(s2[i], t);
      }
    }
    for (std::size_t i = 0; i < out; ++i) {
      Ball var = s1[i];
      arb_sqr(var.get(), var.get(), reference::kPrec);
      arb_sub(var.get(), s2[i].get(), var.get(), reference::kPrec);
      audit_figure(mo->mean[i], mo->mean_error[i], mo_model->mean_error[i], s1[i], spec + " mean " + std::to_string(i));
      audit_figure(mo->variance[i], mo->variance_error[i], mo_model->variance_error[i], var,
                   spec + " variance " + std::to_string(i));
    }
  }
}

TEST(AuditGraph, CatalogueGraphsAtRandomTheta) {
  audit([] { audit_case(*catalogue_graph()); });
}

TEST(AuditGraph, RandomGraphs) {
  audit([] { audit_case(*random_graph()); });
}

TEST(AuditGraph, Report) {
  std::cout << "audit: " << g_tally.figures << " figures; worst |error| / certified bound "
            << g_tally.worst_certified << "; the first-order rounding model's bound was exceeded by "
            << g_tally.model_exceeded << " figures (worst |error| / model bound " << g_tally.worst_model << ": "
            << g_tally.worst_model_what << "); " << g_nonfinite_samples
            << " estimator moments left estimated (a sample not finite)\n";
}

}  // namespace
}  // namespace estcheck
