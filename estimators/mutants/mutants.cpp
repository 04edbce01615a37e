// estimators/mutants/mutants.cpp — see mutants.hpp. Each class says the correct estimator it
// breaks, the bug, and its exact mean (so the bias is known, not just observed).
#include "estimators/mutants/mutants.hpp"

#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/graphs/graph_relax.hpp"
#include "estimators/mutants/graph_mutants.hpp"
#include "estimators/policy_gradient.hpp"
#include "estimators/rebar.hpp"
#include "estimators/vimco.hpp"

#include <algorithm>
#include <cmath>

namespace estcheck {
namespace {

/// Throws InputError unless `p` has a finite (Bernoulli or categorical) family.
void require_discrete(const std::string& spec, const Problem& p) {
  if (p.family() != Family::bernoulli && p.family() != Family::categorical)
    raise_input_error("estimator", "a Bernoulli or categorical problem for '" + spec + "'",
                      std::string("the ") + to_string(p.family()) + " problem '" + p.spec() + "'");
}

/// Shared plumbing: the info, and a scratch of `per_dim` × sample_dim plus theta_dim doubles.
class Mutant : public Estimator {
 public:
  Mutant(std::string name, int evaluations, std::string reference, std::size_t per_dim)
      : info_{std::move(name), false, false, evaluations, std::move(reference)}, per_dim_(per_dim) {}
  const EstimatorInfo& info() const override { return info_; }
  std::size_t scratch_size(const Model& m) const override {
    return per_dim_ * m.sample_dim() + m.theta_dim();
  }

 protected:
  EstimatorInfo info_;
  std::size_t per_dim_;
};

// REINFORCE whose baseline was fitted on the very sample it corrects (here it tracks half of
// f(x)): ĝ = (f(x) - f(x)/2) s(x), so E ĝ = ∇L / 2.
class SelfBaseline final : public Mutant {
 public:
  SelfBaseline() : Mutant("mutant/reinforce-self-baseline", 1, "breaks reinforce (Williams 1992)", 1) {}
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto x = s.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    const double fx = m.f(x), baseline = 0.5 * fx;  // BUG: depends on x
    score(m.dist, x, g);
    for (double& v : g) v *= fx - baseline;
  }
};

// RLOO whose "leave-one-out" mean includes the sample itself: ĝ = 1/K Σ_k (f_k - f̄) s(x_k), so
// E ĝ = (K-1)/K ∇L.
class RlooSelfIncluded final : public Mutant {
 public:
  RlooSelfIncluded() : Mutant("mutant/rloo-self-included", 2, "breaks rloo (Kool et al. 2019)", 3) {}
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const std::size_t n = m.sample_dim();
    const auto x1 = s.first(n), x2 = s.subspan(n, n), sc = s.subspan(2 * n, m.theta_dim());
    estcheck::sample(m.dist, noise, x1);
    estcheck::sample(m.dist, noise, x2);
    const double f1 = m.f(x1), f2 = m.f(x2), fbar = 0.5 * (f1 + f2);  // BUG: includes f_k
    score(m.dist, x1, g);
    score(m.dist, x2, sc);
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = 0.5 * ((f1 - fbar) * g[i] + (f2 - fbar) * sc[i]);
  }
};

// REINFORCE with the wrong sign on the last coordinate of the score (an index or sign slip in a
// hand-written gradient): E ĝ_last = -∂L/∂θ_last.
class SignFlip final : public Mutant {
 public:
  SignFlip() : Mutant("mutant/reinforce-sign-flip", 1, "breaks reinforce (Williams 1992)", 1) {}
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto x = s.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    const double fx = m.f(x);
    score(m.dist, x, g);
    for (double& v : g) v *= fx;
    g.back() = -g.back();  // BUG
  }
};

// A score missing the normalizer's derivative: ∇θ log p taken as the one-hot x (categorical:
// ∇ of θ_k alone, forgetting -∇ log Σ exp θ) or b (Bernoulli: forgetting -σ(θ)).
// E ĝ = ∇L + E[f(x)] E-weighted p, i.e. biased by L·p wherever L ≠ 0.
class NoNormalizer final : public Mutant {
 public:
  NoNormalizer() : Mutant("mutant/score-no-normalizer", 1, "breaks reinforce's score", 1) {}
  void check(const Problem& p) const override { require_discrete(info_.spec, p); }
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto x = s.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    const double fx = m.f(x);
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = fx * x[i];  // BUG: x instead of x - p
  }
};

// REINFORCE weighted by ∇θ p(x) instead of ∇θ log p(x) (the likelihood-ratio trick forgotten):
// ĝ = f(x) p(x) s(x), E ĝ = Σ_x p(x)² f(x) s(x).
class ProbGradient final : public Mutant {
 public:
  ProbGradient() : Mutant("mutant/reinforce-prob-gradient", 1, "breaks reinforce (Williams 1992)", 1) {}
  void check(const Problem& p) const override { require_discrete(info_.spec, p); }
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto x = s.first(m.sample_dim());
    estcheck::sample(m.dist, noise, x);
    const double w = m.f(x) * std::exp(log_prob(m.dist, x));  // BUG: p(x) ∇ log p = ∇p
    score(m.dist, x, g);
    for (double& v : g) v *= w;
  }
};

// The pathwise estimator with the chain rule through σ = exp(log σ) forgotten:
// ĝ_{log σ} = ∇x f ⊙ ε (the gradient w.r.t. σ, not log σ), so E ĝ_{log σ} = ∂L/∂σ = (∂L/∂log σ)/σ.
class ReparamChainRule final : public Mutant {
 public:
  ReparamChainRule() : Mutant("mutant/reparam-chain-rule", 1, "breaks reparam (Kingma & Welling 2014)", 3) {
    info_.needs_rsample = true;
  }
  void check(const Problem& p) const override {
    if (p.family() != Family::gaussian || !p.has_gradient())
      raise_input_error("estimator", "a gaussian problem for '" + info_.spec + "'",
                        "the " + std::string(to_string(p.family())) + " problem '" + p.spec() + "'");
  }
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto& d = std::get<DiagGaussian>(m.dist);
    const std::size_t n = d.size();
    const auto eps = s.first(n), x = s.subspan(n, n), df = s.subspan(2 * n, n);
    standard_noise(d, noise, eps);
    rsample(d, eps, x);
    m.problem->gradient(x, df);
    for (std::size_t i = 0; i < n; ++i) {
      g[i] = df[i];
      g[n + i] = df[i] * eps[i];  // BUG: missing the factor σ_i
    }
  }
};

// ARM whose merge subtracts the pair in the wrong order: (f(1[u < σ(θ)]) - f(1[u > σ(-θ)])),
// so E ĝ = -∇L. Two near-misses that look like bugs are NOT biased, and estcheck rightly passes
// them: ARM without the centring (u_i for u_i - 1/2; E[f(b1) - f(b2)] = 0 by the antithetic
// symmetry, so any constant shift of u_i leaves the mean alone — it only costs variance), and,
// in one variable, the antithetic threshold σ(θ) for σ(-θ).
class ArmSwappedMerge final : public Mutant {
 public:
  ArmSwappedMerge() : Mutant("mutant/arm-swapped-merge", 2, "breaks arm (Yin & Zhou 2019)", 3) {}
  void check(const Problem& p) const override { require_bernoulli(info_.spec, p); }
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto& d = std::get<BernoulliLogits>(m.dist);
    const std::size_t n = d.size();
    const auto u = s.first(n), b1 = s.subspan(n, n), b2 = s.subspan(2 * n, n);
    for (std::size_t i = 0; i < n; ++i) {
      u[i] = noise.uniform();
      b1[i] = u[i] > d.probs0[i] ? 1.0 : 0.0;
      b2[i] = u[i] < d.probs[i] ? 1.0 : 0.0;
    }
    const double diff = m.f(b2) - m.f(b1);  // BUG: the pair in the wrong order
    for (std::size_t i = 0; i < n; ++i) g[i] = diff * (u[i] - 0.5);
  }
};

// DisARM without its weight σ(|θ_i|) (the factor that integrating out u produces):
// E ĝ_i = (∂L/∂θ_i) / σ(|θ_i|).
class DisarmNoWeight final : public Mutant {
 public:
  DisarmNoWeight() : Mutant("mutant/disarm-no-weight", 2, "breaks disarm (Dong et al. 2020)", 3) {}
  void check(const Problem& p) const override { require_bernoulli(info_.spec, p); }
  void sample(const Model& m, Noise& noise, std::span<double> s, std::span<double> g) const override {
    const auto& d = std::get<BernoulliLogits>(m.dist);
    const std::size_t n = d.size();
    const auto u = s.first(n), b = s.subspan(n, n), bt = s.subspan(2 * n, n);
    for (std::size_t i = 0; i < n; ++i) {
      u[i] = noise.uniform();
      b[i] = u[i] < d.probs[i] ? 1.0 : 0.0;
      bt[i] = 1.0 - u[i] < d.probs[i] ? 1.0 : 0.0;
    }
    const double half_diff = 0.5 * (m.f(b) - m.f(bt));
    for (std::size_t i = 0; i < n; ++i)  // BUG: no σ(|θ_i|)
      g[i] = b[i] != bt[i] ? half_diff * (bt[i] != 0.0 ? -1.0 : 1.0) : 0.0;
  }
};

/// Every mutant once: what `list --mutants` shows, and how to build it.
struct MutantEntry {
  MutantInfo info;
  std::unique_ptr<Estimator> (*make)();
};

const std::vector<MutantEntry>& mutant_entries() {
  static const std::vector<MutantEntry> entries = {
      {{"mutant/reinforce-self-baseline",
        "REINFORCE with a baseline computed from the sample it corrects (f(x)/2): halves the gradient",
        "toy:t=0.45", {1.0}, "reinforce"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<SelfBaseline>(); }},
      {{"mutant/rloo-self-included",
        "leave-one-out baseline that includes the sample itself (K = 2): scales the gradient by 1/2",
        "toy:t=0.45", {1.0}, "rloo"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<RlooSelfIncluded>(); }},
      {{"mutant/vimco-self-included",
        "VIMCO (K = 2) whose leave-one-out baseline averages every sample's log f, its own included: the "
        "baseline depends on the sample it corrects",
        "toy:t=0.45", {1.0}, "vimco"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<Vimco>(2, true); }},
      {{"mutant/reinforce-sign-flip", "score with the wrong sign on the last coordinate", "toy:t=0.45", {1.0},
        "reinforce"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<SignFlip>(); }},
      {{"mutant/score-no-normalizer",
        "score missing the normalizer term (x instead of x - p): biased wherever E[f] ≠ 0", "toy:t=0.45", {1.0},
        "reinforce"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<NoNormalizer>(); }},
      {{"mutant/reinforce-prob-gradient",
        "weights f by ∇p(x) instead of ∇log p(x) (likelihood-ratio trick forgotten)", "toy:t=0.45", {1.0},
        "reinforce"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<ProbGradient>(); }},
      {{"mutant/reparam-chain-rule",
        "pathwise gradient for log σ missing the factor σ (gradient w.r.t. σ reported)",
        "gaussian-quadratic:d=1,c=0.5", {0.5, 0.7}, "reparam"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<ReparamChainRule>(); }},
      {{"mutant/arm-swapped-merge", "ARM whose merge subtracts the antithetic pair in the wrong order",
        "toy:t=0.45", {1.0}, "arm"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<ArmSwappedMerge>(); }},
      {{"mutant/disarm-no-weight", "DisARM without the σ(|θ|) weight", "toy:t=0.45", {1.0}, "disarm"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<DisarmNoWeight>(); }},
      {{"mutant/rebar-no-conditional",
        "REBAR whose control variate uses z itself instead of the conditional sample z̃ ~ p(z | b)",
        "toy:t=0.45", {1.0}, "rebar"},
       []() -> std::unique_ptr<Estimator> {
         const RebarOptions o;
         return std::make_unique<Rebar>(o.temperature, o.eta, false);
       }},
      {{"mutant/scg-baseline-uses-sample",
        "surrogate whose baseline for each node is that node's own sampled value (b_w = w): biased",
        "scg-fig1c", {0.5}, "scg"},
       [] { return make_scg_mutant(ScgBug::baseline_uses_sample); }},
      {{"mutant/scg-missing-score", "surrogate missing the score term of the last stochastic node",
        "scg-fig1e", {0.3, -0.5}, "scg"},
       [] { return make_scg_mutant(ScgBug::missing_score); }},
      {{"mutant/scg-last-credit",
        "each cost credited only to the last stochastic node that influences it (earlier decisions get no credit)",
        "scg-fig1c", {0.5}, "scg"},
       [] { return make_scg_mutant(ScgBug::last_credit); }},
      {{"mutant/scg-relax-no-correction",
        "RELAX RL form with the control variate subtracted from the score weight but its correction "
        "η ∇(m(z) - m(z̃)) dropped",
        "scg-fig1c", {0.5}, "scg-relax"},
       []() -> std::unique_ptr<Estimator> {
         ScgRelaxOptions o;
         o.correction = false;
         return std::make_unique<ScgRelax>(o);
       }},
      {{"mutant/dice-first-order",
        "order 2: Schulman's first-order surrogate differentiated twice (no ∇τ∇τᵀ terms); use --order 2",
        "scg-fig1c", {0.5}, "dice"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<Dice>(2, true); }},
      {{"mutant/lax-no-correction",
        "LAX with the fitted control variate subtracted from f but its correction ∇θ c_φ(a(θ, ε)) dropped",
        "lqr:horizon=8", {-1.0, -1.0, -0.5}, "lax"},
       []() -> std::unique_ptr<Estimator> { return std::make_unique<Lax>(LaxOptions{.correction = false}); }},
      {{"mutant/lax-rl-no-correction",
        "LAX's RL form with the action-dependent baseline m(a_t, s_t) subtracted from the cost to go but "
        "its correction Σ_t ∂m(a_t, s_t)/∂θ dropped",
        "lqr:horizon=8", {-1.0, -1.0, -0.5}, "lax"},
       []() -> std::unique_ptr<Estimator> {
         return std::make_unique<Lax>(LaxOptions{.cv = LaxCv::rl, .correction = false});
       }},
  };
  return entries;
}

}  // namespace

const std::vector<MutantInfo>& mutant_catalogue() {
  static const std::vector<MutantInfo> catalogue = [] {
    std::vector<MutantInfo> v;
    for (const MutantEntry& e : mutant_entries()) v.push_back(e.info);
    return v;
  }();
  return catalogue;
}

std::unique_ptr<Estimator> make_mutant(std::string_view name) {
  for (const MutantEntry& e : mutant_entries())
    if (e.info.name == name) return e.make();
  return nullptr;
}

}  // namespace estcheck
