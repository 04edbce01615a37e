// tests/test_cartpole.cpp — the Cart-Pole problem (estimators/problems/cartpole.hpp) and the graph
// ops it added (sin, cos, divide, inside), deterministic parts:
// - the step against golden states from a CPython transcription of gym's CartPoleEnv.step (the
//   gym 0.26 / gymnasium expressions, math.cos/math.sin, theta_dot**2);
// - the graph's double forward pass against the plain step, bit for bit, on every action sequence;
// - the exact objective and gradient (the graph oracle) against an independent recursion over the
//   action sequences with early-termination pruning, in long double, and against Boost's finite
//   differences of the exact objective; the Hessian against finite differences of the gradient;
// - the certificate: proven at horizon 10 (the verify targets), estimated when an indicator's
//   ball straddles its threshold;
// - the exact means of the graph estimators on Cart-Pole: unbiased for reward-to-go, the state
//   baseline and whole returns; the action-dependent baseline without correction misses;
// - spec errors. No Monte Carlo assertion here (docs/cartpole.md has the verify runs).
#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/problems/cartpole.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/problems/graph_problems.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/graph_exact.hpp"

#include <boost/math/differentiation/finite_difference.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

namespace estcheck {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

std::size_t node(const Graph& g, const std::string& name) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == name) return i;
  ADD_FAILURE() << "no node " << name;
  return 0;
}

// Golden states: CPython 3, gym's expressions (a transcription of CartPoleEnv.step, euler), from
// "falling" (0, 0, 0.1, 0.5) with actions 1, 0, 0; repr() of each double.
TEST(CartPole, StepMatchesGoldenStatesFromGymsExpressions) {
  const double golden[3][4] = {{0.0, 0.1935805235967041, 0.11, 0.2404308835510348},
                               {0.0038716104719340822, -0.0029268222224218543, 0.1148086176710207, 0.5656852160024727},
                               {0.0038130740274856453, -0.19945638807398625, 0.12612232199107015, 0.8922184840052452}};
  CartPoleState s{0.0, 0.0, 0.1, 0.5};
  const int actions[3] = {1, 0, 0};
  for (int t = 0; t < 3; ++t) {
    s = cartpole_step(s, actions[t]);
    EXPECT_EQ(bits(s.x), bits(golden[t][0])) << t;
    EXPECT_EQ(bits(s.x_dot), bits(golden[t][1])) << t;
    EXPECT_EQ(bits(s.angle), bits(golden[t][2])) << t;
    EXPECT_EQ(bits(s.angle_dot), bits(golden[t][3])) << t;
  }
  EXPECT_EQ(CartPoleConstants::theta_threshold, 12 * 2 * M_PI / 360);
  EXPECT_FALSE(cartpole_ends({2.4, 0, CartPoleConstants::theta_threshold, 0}));
  EXPECT_TRUE(cartpole_ends({std::nextafter(2.4, 3.0), 0, 0, 0}));
  EXPECT_TRUE(cartpole_ends({0, 0, -std::nextafter(CartPoleConstants::theta_threshold, 1.0), 0}));
}

// Every action sequence at H = 8 from every start: the graph's states, its alive flags and costs
// are the plain step's bits; the cost of step t is -1 while no earlier step ended the episode.
TEST(CartPole, GraphForwardPassIsThePlainStepBitForBit) {
  const std::size_t H = 8;
  for (const CartPoleStart& start : cartpole_starts()) {
    const Graph g = cartpole_graph(H, start.state, "cartpole");
    ASSERT_EQ(g.theta_dim, 5u);
    ASSERT_EQ(g.stochastic.size(), H);
    ASSERT_EQ(assignment_count(g), std::uint64_t{1} << H);
    const std::vector<double> theta{0.1, 0.2, -0.5, 0.3, 0.05};
    std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size());
    for (std::uint64_t a = 0; a < assignment_count(g); ++a) {
      assignment(g, a, choice);
      evaluate_values(g, theta, choice, values);
      CartPoleState s = start.state;
      bool alive = true;
      for (std::size_t t = 0; t < H; ++t) {
        const std::string T = std::to_string(t);
        ASSERT_EQ(values[node(g, "cost" + T)], alive ? -1.0 : 0.0) << start.name << " " << a << " t=" << t;
        if (t + 1 == H) break;
        s = cartpole_step(s, static_cast<int>(choice[g.stochastic[t]]));
        alive = alive && !cartpole_ends(s);
        const std::string N = std::to_string(t + 1);
        ASSERT_EQ(bits(values[node(g, "x" + N)]), bits(s.x)) << start.name << " " << a << " t=" << t;
        ASSERT_EQ(bits(values[node(g, "x_dot" + N)]), bits(s.x_dot));
        ASSERT_EQ(bits(values[node(g, "angle" + N)]), bits(s.angle));
        ASSERT_EQ(bits(values[node(g, "angle_dot" + N)]), bits(s.angle_dot));
        ASSERT_EQ(values[node(g, "alive" + N)], alive ? 1.0 : 0.0);
      }
    }
  }
}

/// L(θ) = -E[return] and ∇L by a recursion over the action sequences that stops at the end of an
/// episode (the actions after it do not change the return and their probabilities sum to 1), in
/// long double; also Σ over sequences of p |R| (1 + Σ_t |∂ log π(a_t|s_t)|) per coordinate, for
/// the rounding bound.
struct Reference {
  long double objective = 0;
  std::vector<long double> gradient = std::vector<long double>(5), magnitude = std::vector<long double>(5);
};

void recurse(const std::vector<double>& theta, const CartPoleState& s, std::size_t t, std::size_t H, long double p,
             long double ret, std::vector<long double>& score, Reference& r) {
  const long double R = ret + 1;  // step t is taken and pays 1
  if (t + 1 == H) {
    r.objective -= p * R;
    for (std::size_t i = 0; i < 5; ++i) {
      r.gradient[i] -= p * R * score[i];
      r.magnitude[i] += p * R * (1 + std::abs(score[i]));
    }
    return;
  }
  const long double feats[5] = {s.x, s.x_dot, s.angle, s.angle_dot, 1.0L};
  long double z = 0;
  for (std::size_t i = 0; i < 5; ++i) z += theta[i] * feats[i];
  const long double right = 1 / (1 + std::exp(-z));
  for (int a = 0; a < 2; ++a) {
    const long double pa = a == 1 ? right : 1 - right;
    std::vector<long double> sc = score;
    for (std::size_t i = 0; i < 5; ++i) sc[i] += (a - right) * feats[i];
    const CartPoleState n = cartpole_step(s, a);
    if (cartpole_ends(n)) {  // the episode ends with return R; later actions are irrelevant
      r.objective -= p * pa * R;
      for (std::size_t i = 0; i < 5; ++i) {
        r.gradient[i] -= p * pa * R * sc[i];
        r.magnitude[i] += p * pa * R * (1 + std::abs(sc[i]));
      }
    } else {
      recurse(theta, n, t + 1, H, p * pa, R, sc, r);
    }
  }
}

// Tolerance: the oracle's stated (certified) bounds + the reference's rounding. The reference's
// states are the same double bits as the graph's (previous test); per sequence its product of at
// most H probabilities, each σ within a few ε_ld, and its score sums give a relative error of at
// most 8H ε_ld of p |R| (1 + Σ|score|) (σ: 4 roundings, its complement and the score terms 2,
// the product 1, per step), and the sums add one rounding per term along a path of at most
// 2H additions (the recursion adds into one accumulator, first order); so the tolerance adds
// 16 H ε_ld Σ p|R|(1 + |score|), the magnitudes the recursion sums alongside.
TEST(CartPole, ExactGradientMatchesAPrunedRecursion) {
  const double ld = std::numeric_limits<long double>::epsilon();
  for (const CartPoleStart& start : cartpole_starts())
    for (const std::vector<double>& theta : {std::vector<double>{0.1, 0.2, -0.5, 0.3, 0.05},
                                             std::vector<double>{-1.0, 0.5, 3.0, -2.0, 0.4}}) {
      const std::size_t H = 9;
      const std::string spec = std::string("cartpole:horizon=9,start=") + start.name;
      const auto p = make_problem(spec);
      const ExactGradient e = exact_graph_gradient(make_model(*p, theta));
      EXPECT_TRUE(e.certificate.certified()) << spec << ": " << e.certificate.note;
      Reference r;
      std::vector<long double> score(5, 0.0L);
      recurse(theta, start.state, 0, H, 1.0L, 0.0L, score, r);
      const double k = 16.0 * static_cast<double>(H) * ld;
      EXPECT_NEAR(e.objective, static_cast<double>(r.objective),
                  e.objective_error + k * static_cast<double>(-r.objective))
          << spec;
      for (std::size_t i = 0; i < 5; ++i)
        EXPECT_NEAR(e.gradient[i], static_cast<double>(r.gradient[i]),
                    e.error[i] + k * static_cast<double>(r.magnitude[i]))
            << spec << " coordinate " << i;
    }
}

// Central differences of the exact objective (Boost's 6th-order stencil with its error estimate),
// the tolerance recipe of test_scg: Boost's estimate + the gradient's bound + the objective's bound
// through the stencil (Σ|w_k|/h < 3/h).
TEST(CartPole, GradientMatchesFiniteDifferences) {
  const auto p = make_problem("cartpole:horizon=7,start=falling");
  const std::vector<double> theta{0.3, -0.2, 1.5, 0.8, -0.1};
  const ExactGradient e = exact_graph_gradient(make_model(*p, theta));
  for (std::size_t i = 0; i < theta.size(); ++i) {
    auto f = [&](double x) {
      auto th = theta;
      th[i] = x;
      return exact_graph_gradient(make_model(*p, th)).objective;
    };
    double fd_error = 0;
    const double fd =
        boost::math::differentiation::finite_difference_derivative<decltype(f), double, 6>(f, theta[i], &fd_error);
    const double h = std::pow(kEps, 1.0 / 7.0) * std::max(1.0, std::abs(theta[i]));
    EXPECT_NEAR(e.gradient[i], fd, fd_error + e.error[i] + 3.0 * e.objective_error / h) << i;
  }
}

// The Hessian oracle (second-order autodiff and ball jets through sin, cos and divide) against
// finite differences of the exact gradient, test_scg's recipe: Boost's estimate + the Hessian's
// bound + the gradient's bound through the stencil; and certified.
TEST(CartPole, HessianMatchesFiniteDifferencesOfTheGradient) {
  const auto p = make_problem("cartpole:horizon=6,start=falling");
  const std::vector<double> theta{0.3, -0.2, 1.5, 0.8, -0.1};
  const ExactGradient h = exact_graph_hessian(make_model(*p, theta));
  EXPECT_TRUE(h.certificate.certified()) << h.certificate.note;
  const std::size_t d = theta.size();
  std::map<std::vector<double>, ExactGradient> cache;
  for (std::size_t j = 0; j < d; ++j) {
    for (std::size_t i = 0; i < d; ++i) {
      auto f = [&](double x) {
        auto th = theta;
        th[j] = x;
        auto it = cache.find(th);
        if (it == cache.end()) it = cache.emplace(th, exact_graph_gradient(make_model(*p, th))).first;
        return it->second.gradient[i];
      };
      double fd_error = 0;
      const double fd =
          boost::math::differentiation::finite_difference_derivative<decltype(f), double, 6>(f, theta[j], &fd_error);
      const double step = std::pow(kEps, 1.0 / 7.0) * std::max(1.0, std::abs(theta[j]));
      double worst = 0;  // the gradient's largest bound over the stencil's points
      for (const auto& [th, g] : cache) worst = std::max(worst, g.error[i]);
      const std::size_t k = upper_index(std::min(i, j), std::max(i, j), d);
      EXPECT_NEAR(h.gradient[k], fd, fd_error + h.error[k] + 3.0 * worst / step)
          << "H[" << i << "," << j << "]";
    }
  }
}

// At H = 10 (1024 sequences) the gradient and scg's moments are certified (Arb) within the default
// oracle budget; the wall time is printed (docs/cartpole.md records it).
TEST(CartPole, CertifiedAtHorizonTen) {
  const auto p = make_problem("cartpole:horizon=10,start=tilted");
  const Model m = make_model(*p, std::vector<double>{0.1, 0.2, -0.5, 0.3, 0.05});
  const auto t0 = std::chrono::steady_clock::now();
  const ExactGradient e = exact_target(*make_estimator("scg"), m);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(e.certificate.certified()) << e.certificate.note;
  std::printf("certified gradient at H = 10: %.2f s\n", seconds);
  auto scg = make_estimator("scg:baseline=conditional");
  scg->prepare(m);
  const auto mo = exact_graph_estimator_moments(*scg, m);
  ASSERT_TRUE(mo.has_value());
  EXPECT_TRUE(mo->certificate.certified()) << mo->certificate.note;
}

// What the baselines buy, exactly: the certified variances of scg on Cart-Pole, whole returns
// (credit=all) > reward-to-go > reward-to-go with the state-value baseline (b_t = E[return-to-go
// | s_t], a function of the state at t only), each gap beyond both bounds. (The exact means of
// these options and of the planted mutants are checked on a Cart-Pole case in test_graph_moments.)
TEST(CartPole, BaselinesReduceTheExactVariance) {
  const auto p = make_problem("cartpole:horizon=8,start=falling");
  const Model m = make_model(*p, std::vector<double>{0.3, -0.2, 1.5, 0.8, -0.1});
  std::map<std::string, EstimatorMoments> got;
  for (const std::string spec : {"scg", "scg:baseline=conditional", "scg:credit=all"}) {
    auto e = make_estimator(spec);
    e->check(*p);
    e->prepare(m);
    const auto mo = exact_graph_estimator_moments(*e, m);
    ASSERT_TRUE(mo.has_value()) << spec;
    EXPECT_TRUE(mo->certificate.certified()) << spec << ": " << mo->certificate.note;
    got[spec] = *mo;
  }
  const auto below = [&](const std::string& a, const std::string& b, std::size_t i) {
    return got[a].variance[i] + got[a].variance_error[i] < got[b].variance[i] - got[b].variance_error[i];
  };
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(below("scg:baseline=conditional", "scg", i)) << i;
    EXPECT_TRUE(below("scg", "scg:credit=all", i)) << i;
  }
}

// The planted action-dependent baseline without a correction term (mutant/scg-baseline-uses-sample,
// b_t = a_t) is exactly biased on Cart-Pole: the recipe of test_graph_moments' mutant check (a bias
// counts when it exceeds the moments' and twice the target's bound; the sample's own rounding is
// 1e-15 of the values), here with a margin of 1e6 bounds.
TEST(CartPole, ActionDependentBaselineWithoutCorrectionIsBiased) {
  const auto p = make_problem("cartpole:horizon=8,start=falling");
  const Model m = make_model(*p, std::vector<double>{0.3, -0.2, 1.5, 0.8, -0.1});
  auto e = make_estimator("mutant/scg-baseline-uses-sample");
  e->check(*p);
  e->prepare(m);
  const auto mo = exact_graph_estimator_moments(*e, m);
  ASSERT_TRUE(mo.has_value());
  const ExactGradient target = exact_target(*e, m);
  double worst = 0.0;
  for (std::size_t i = 0; i < 5; ++i)
    worst = std::max(worst, std::abs(mo->mean[i] - target.gradient[i]) / (mo->mean_error[i] + 2.0 * target.error[i]));
  EXPECT_GT(worst, 1e6);
}

// A ball that straddles an indicator's threshold: x = (1/3)·3 is exactly 1 in double but a ball
// around 1 in Arb, so 1[|x| <= 1] is undecided; the oracle keeps the double figures, estimated.
TEST(CartPole, UndecidedIndicatorMakesTheFiguresEstimated) {
  std::vector<GraphNode> n;
  n.push_back(graph_node("theta", NodeKind::param));
  n.push_back(graph_node("a", NodeKind::bernoulli, Op::identity, {0}));
  GraphNode one = graph_node("one", NodeKind::constant), three = graph_node("three", NodeKind::constant);
  one.value = 1.0;
  three.value = 3.0;
  n.push_back(one);
  n.push_back(three);
  n.push_back(graph_node("third", NodeKind::deterministic, Op::divide, {2, 3}));
  n.push_back(graph_node("x", NodeKind::deterministic, Op::product, {4, 3}));
  GraphNode in = graph_node("in", NodeKind::deterministic, Op::inside, {5});
  in.value = 1.0;
  n.push_back(in);
  n.push_back(graph_node("f", NodeKind::cost, Op::product, {6, 1}));
  const GraphProblem p("straddle", std::make_shared<const Graph>(make_graph("straddle", std::move(n))));
  const ExactGradient e = exact_graph_gradient(make_model(p, std::vector<double>{0.5}));
  EXPECT_FALSE(e.certificate.certified());
  EXPECT_NE(e.certificate.note.find("straddles"), std::string::npos) << e.certificate.note;
  EXPECT_NEAR(e.objective, 1.0 / (1.0 + std::exp(-0.5)), 1e-15);
}

// The new ops from a JSON graph (docs/graphs.md): f = 1[|sin θ / cos θ| <= 1] · a with
// a ~ Bern(σ(θ)): at θ = 0.5 (tan 0.5 < 1) L = σ(0.5), certified; an inside bound < 0 and a
// divide with one parent are input errors naming the node.
TEST(CartPole, NewOpsFromJson) {
  const auto j = nlohmann::json::parse(R"({"nodes": [
    {"name": "theta", "type": "param"},
    {"name": "a", "type": "bernoulli", "parents": ["theta"]},
    {"name": "s", "type": "deterministic", "op": "sin", "parents": ["theta"]},
    {"name": "c", "type": "deterministic", "op": "cos", "parents": ["theta"]},
    {"name": "t", "type": "deterministic", "op": "divide", "parents": ["s", "c"]},
    {"name": "in", "type": "deterministic", "op": "inside", "parents": ["t"], "value": 1},
    {"name": "f", "type": "cost", "op": "product", "parents": ["in", "a"]}]})");
  const Graph g = graph_from_json(j, "test");
  const GraphProblem p("json", std::make_shared<const Graph>(g));
  const ExactGradient e = exact_graph_gradient(make_model(p, std::vector<double>{0.5}));
  EXPECT_TRUE(e.certificate.certified()) << e.certificate.note;
  const double s = 1.0 / (1.0 + std::exp(-0.5));
  EXPECT_NEAR(e.objective, s, e.objective_error + 4 * kEps);
  EXPECT_NEAR(e.gradient[0], s * (1 - s), e.error[0] + 4 * kEps);
  auto bad = j;
  bad["nodes"][5]["value"] = -1;
  EXPECT_THROW(graph_from_json(bad, "test"), InputError);
  bad = j;
  bad["nodes"][4]["parents"] = {"s"};
  EXPECT_THROW(graph_from_json(bad, "test"), InputError);
}

TEST(CartPole, SpecErrorsNameTheKey) {
  EXPECT_THROW(make_problem("cartpole:start=sideways"), InputError);
  EXPECT_THROW(make_problem("cartpole:horizon=17"), InputError);
  EXPECT_THROW(make_problem("cartpole:horizon=0"), InputError);
  EXPECT_THROW(make_problem("cartpole:speed=1"), InputError);
  try {
    make_problem("cartpole:start=sideways");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("one of upright, tilted, falling, edge"), std::string::npos) << e.what();
  }
  EXPECT_EQ(make_problem("cartpole")->spec(), "cartpole:horizon=10,start=tilted");
  EXPECT_EQ(make_problem("cartpole:horizon=12,start=edge")->theta_dim(), 5u);
}

}  // namespace
}  // namespace estcheck
