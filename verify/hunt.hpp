// verify/hunt.hpp — property-based bias hunting with shrinking (`estcheck hunt`, issue 16 item 2).
//
// hunt(estimator, options) draws random problems the estimator accepts — the toy problem (REBAR,
// Tucker et al. 2017 §6.1), Bernoulli tables of 1..8 variables and categorical tables of 2..8
// classes with random tables, logits from moderate to extreme; for estimators that accept none of
// those, Gaussian problems (gaussian-quadratic / gaussian-exp, d = 1..2), the built-in stochastic
// computation graphs (Schulman et al. 2015 Fig. 1 (a)-(e), small chain MDPs) and the LQR control
// problem (lqr:horizon=1..8, a stabilizing gain) — and random values of the
// estimator's own parameters over their declared ranges (estimators/descriptor.hpp ParamInfo),
// verifies each case through the one pipeline (verify/pipeline.hpp) and, at the first failure,
// shrinks it to the simplest failing case, verifying every candidate again. The generators and
// the shrink trees are RapidCheck's (rc::Gen, rc::Shrinkable; Claessen & Hughes 2000 for the
// idea, MacIver & Donaldson 2020 for integrated shrinking); the search and shrink loops are
// written here so that every verification is counted against one budget.
//
// Statistics (docs/hunt.md): at most budget_checks + shrink_checks verifications run, each with
// fresh noise (its own seed) at the level α / (budget_checks + shrink_checks). By the union bound
// (Bonferroni), the probability that any fail verdict of the whole hunt — the first failing case,
// every accepted shrink step and the reported minimum — is false is at most α, whatever the order
// in which the cases were chosen (each case is chosen before its own noise is drawn). A verdict
// whose target is not certified (verify/oracles/certificate.hpp) is inconclusive and is never a
// failure. A verdict of the t-test is asymptotic (CLT): its α holds only approximately, and its
// fail counts only in the regime where the CLT is trusted (clt_trusted); elsewhere it is counted
// inconclusive.
//
// Randomness: the cases come from rc::Random(seed), split once per drawn case; the Monte Carlo
// seed of the j-th verification is splitmix64(splitmix64(seed) + j). The verifications' figures
// do not depend on the thread count (verify/harness), so neither does the hunt.
#pragma once

#include "estimators/core/param.hpp"
#include "estimators/estimator.hpp"
#include "verify/pipeline.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace estcheck {

/// The kinds of problem a hunt draws. The first three are the table kinds (drawn by default when
/// the estimator accepts one of them); gaussian, graph and control are problems named by a spec
/// (drawn by default only when the estimator accepts no table kind).
enum class HuntKind { toy, bernoulli, categorical, gaussian, graph, control };
const char* to_string(HuntKind kind);
/// toy, bernoulli or categorical: the problem is a table (or the toy), not a spec of the catalogue.
inline bool is_table_kind(HuntKind kind) { return kind <= HuntKind::categorical; }
/// A kind by its name (to_string); InputError naming `argument` otherwise.
HuntKind parse_hunt_kind(const std::string& text, const std::string& argument = "problems");

/// The estimator hunted: how to build it at drawn parameter values. Any callable will do (a
/// registry estimator, a mutant, an estimator written in Python).
struct HuntEstimator {
  std::string name;              ///< spec name, as written in the suite file ("rebar")
  std::vector<ParamInfo> params; ///< the parameters drawn over their ranges (may be empty)
  std::string fixed;             ///< "key=value,..." given by the user and kept (may be empty)
  /// Builds the estimator from its full spec (name[:key=value,...]). An InputError means the drawn
  /// values are rejected: the case is discarded, not counted.
  std::function<std::unique_ptr<Estimator>(const std::string& spec)> make;
};

/// A registry estimator or a mutant from its spec: keys given in the spec stay fixed, the others
/// are drawn. Throws InputError ("estimator") for an unknown name or a bad value.
HuntEstimator hunt_estimator(std::string_view spec);

/// One generated case: a problem, θ and the estimator's drawn parameters.
struct HuntCase {
  HuntKind kind = HuntKind::toy;
  double toy_t = 0.5;                ///< toy: f(b) = (b - t)²
  std::vector<double> table;         ///< bernoulli: 2^n values (index Σ b_i 2^i); categorical: K values
  std::vector<double> theta;         ///< logits; gaussian: (μ, log σ); control: (K, log σ)
  int variant = 0;                   ///< gaussian: 0 quadratic, 1 exp; graph: index in hunt_graphs()
  double centre = 0.0;               ///< gaussian-quadratic: c
  int horizon = 0;                   ///< control: T
  std::vector<std::pair<std::string, std::string>> params;  ///< drawn key, value (text)
};

/// The graph problems a graph case draws, simplest first (their θ dimensions never decrease):
/// scg-fig1a..e and chain MDPs with 2..3 states (estimators/problems/graph_problems.cpp).
struct HuntGraph {
  const char* spec;
  std::size_t theta_dim;
};
const std::vector<HuntGraph>& hunt_graphs();

/// The problem spec of a toy, gaussian, graph or control case, or a short description of a table case.
std::string describe_problem(const HuntCase& c);
/// The estimator spec of a case: name, then the fixed and the drawn parameters.
std::string estimator_spec(const HuntEstimator& e, const HuntCase& c);
/// The JSON table file of a table case ({"distribution": ..., "table": [...]}, as make_problem reads).
std::string table_json(const HuntCase& c);

/// How complex a case is, compared lexicographically: θ's length, the kind, the shape (gaussian:
/// the variant; graph: the index in hunt_graphs(); control: T; tables: 0), the distinct non-zero
/// table values, then a weight Σ cost(v) over θ, the table, the toy's t and the Gaussian c, with cost(v) = |v|
/// + 1/2 if v < 0 + 1 if v is not an integer, plus each parameter's distance from its default
/// (reals: |log2(value / default)|, + 1 off a power of two). Every shrink candidate is strictly
/// less complex than the case it shrinks, so shrinking ends, and the minimum is simpler than the
/// first failure whenever a step was accepted.
struct HuntComplexity {
  std::size_t dim = 0;
  int kind = 0;
  int shape = 0;
  std::size_t distinct_values = 0;
  double weight = 0.0;
  auto operator<=>(const HuntComplexity&) const = default;
};
HuntComplexity complexity(const HuntEstimator& e, const HuntCase& c);

struct HuntOptions {
  /// Empty: the table kinds the estimator accepts, or, when it accepts none, the gaussian, graph
  /// and control kinds it accepts.
  std::vector<HuntKind> kinds;
  std::uint64_t budget_checks = 100;    ///< verifications of drawn cases, at most
  std::uint64_t shrink_checks = 100;    ///< verifications while shrinking, at most
  std::uint64_t samples = 100'000;      ///< per verification
  std::uint64_t seed = 1;
  int threads = 0;                      ///< 0: every core (no figure depends on it)
  double alpha = 0.01;                  ///< family-wise over every verification of the hunt
  TestMethod method = TestMethod::automatic;
  int max_variables = 8;                ///< Bernoulli variables / categorical classes, at most
  /// Called after every verification (progress; may print). Empty: no calls.
  std::function<void(const struct HuntCheck&)> on_check = nullptr;
};

/// The regime where a fail verdict of the t-test (asymptotic, CLT) counts as a failure: every
/// |θ_i| <= kCltLogit, at least kCltSamples samples, and no coordinate whose samples were all equal
/// (BiasTest::degenerate_coordinates). It is where proptests/prop_verify.cpp trusts the CLT (|θ| <= 4 at
/// 2^16 samples); outside it the rare outcomes the mean depends on may not be sampled at all (a
/// correct RLOO on 8 variables at θ_i = ±20 gives all-equal samples: "certain bias" under the CLT),
/// so such a verdict is counted inconclusive. Finite-sample tests (Catoni, betting) are always trusted.
inline constexpr double kCltLogit = 4.0;
inline constexpr std::uint64_t kCltSamples = std::uint64_t{1} << 16;

/// One verification of the hunt.
struct HuntCheck {
  std::uint64_t index = 0;  ///< j: its seed is splitmix64(splitmix64(seed) + j)
  bool shrinking = false;
  HuntCase c;
  std::string problem, estimator;  ///< describe_problem, estimator_spec
  VerifyReport report;
  bool failed = false;             ///< fail verdict on a certified target, by a trusted test
};

/// Whether `c`'s verdict may count as a failure as far as its test goes: a finite-sample test, or
/// the t-test in its trusted regime (kCltLogit).
bool clt_trusted(const HuntCheck& c);

struct HuntResult {
  std::string estimator;
  std::vector<HuntKind> kinds;           ///< the kinds drawn
  HuntOptions options;
  double alpha_per_check = 0.0;          ///< α / (budget_checks + shrink_checks)
  std::uint64_t checks = 0;              ///< drawn cases verified
  std::uint64_t shrink_checks = 0;       ///< shrink candidates verified
  std::uint64_t passed = 0, inconclusive = 0, errors = 0, discarded = 0;
  std::uint64_t asymptotic = 0;          ///< verdicts of the t-test (CLT)
  std::optional<HuntCheck> first_failure;   ///< the first failing drawn case
  std::optional<HuntCheck> minimal;         ///< the last accepted shrink step (= first when none)
  std::vector<HuntCheck> steps;             ///< every accepted shrink step, in order
  bool shrink_budget_exhausted = false;
  bool found() const { return first_failure.has_value(); }
};

/// Hunts for a bias of `estimator` (see the top of this file). Throws InputError ("problems") when
/// the estimator accepts none of the kinds asked for, ("alpha", "budget_checks", "shrink_checks",
/// "samples") for a bad option.
HuntResult hunt(const HuntEstimator& estimator, const HuntOptions& options);

/// The Monte Carlo seed of the j-th verification of a hunt with seed `seed`.
std::uint64_t hunt_check_seed(std::uint64_t seed, std::uint64_t j);

/// Samples for a suite check that reproduces `failure` at level `alpha` with power ~0.99: from the
/// observed bias and standard errors, at least the hunt's own samples, at most 10^9.
std::uint64_t reproduction_samples(const HuntCheck& failure, double alpha);

}  // namespace estcheck
