// estimators/graphs/graph_estimators.cpp — see scg_estimators.hpp.
#include "estimators/graphs/graph_estimators.hpp"

#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_relax.hpp"
#include "estimators/core/spec.hpp"

#include <cmath>
#include <limits>

namespace estcheck {

void require_graph(const std::string& spec, const Problem& p) {
  if (p.family() != Family::graph)
    raise_input_error("estimator",
                      "a graph problem (scg-fig1a..e, scg-gauss, sbn, mdp, grid, or a JSON graph file) for '" + spec + "'",
                      std::string("the ") + to_string(p.family()) + " problem '" + p.spec() + "'");
}

namespace {

constexpr std::uint64_t kMaxPrepareAssignments = std::uint64_t{1} << 22;

std::string scg_spec(const ScgOptions& o) {
  std::string s = "scg";
  std::string params;
  if (o.baseline == ScgOptions::Baseline::constant) params += "baseline=" + format_double(o.constant);
  if (o.baseline == ScgOptions::Baseline::conditional) params += "baseline=conditional";
  if (o.credit_all) params += std::string(params.empty() ? "" : ",") + "credit=all";
  return params.empty() ? s : s + ":" + params;
}

/// Σ of the downstream costs of each stochastic node (credit_all: every cost).
void credit(const Graph& g, std::span<const double> values, bool all, std::span<double> q) {
  double total = 0.0;
  if (all)
    for (std::size_t c : g.costs) total += values[c];
  for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
    if (all) {
      q[k] = total;
      continue;
    }
    q[k] = 0.0;
    for (std::size_t c : g.downstream_costs[k]) q[k] += values[c];
  }
}

std::vector<double> parent_values(const Graph& g, std::size_t w, std::span<const double> values) {
  std::vector<double> key;
  for (std::size_t p : g.nodes[w].parents) key.push_back(values[p]);
  return key;
}

}  // namespace

Scg::Scg(ScgOptions o)
    : options_(o),
      info_{scg_spec(o), true, false, 1,
            "Schulman et al. 2015, Corollary 1 (surrogate loss), §4 (baselines on non-descendants)"} {}

std::size_t Scg::scratch_size(const Model& m) const {
  const Graph& g = *graph_of(*m.problem);
  return g.nodes.size() + g.stochastic.size();
}

void Scg::prepare(const Model& m) {
  prepared_ = false;
  conditional_.clear();
  if (options_.baseline != ScgOptions::Baseline::conditional) {
    prepared_ = true;
    return;
  }
  const Graph& g = *graph_of(*m.problem);
  if (!g.gaussian.empty())
    raise_input_error("estimator", "a graph without gaussian nodes for baseline=conditional (it enumerates)",
                      "'" + m.problem->spec() + "'");
  const std::uint64_t count = assignment_count(g);
  if (count > kMaxPrepareAssignments)
    raise_input_error("estimator", "a graph with at most 2^22 joint assignments for baseline=conditional",
                      format_double(static_cast<double>(count)) + " assignments in '" + m.problem->spec() + "'");
  // b_w(v) = Σ_a p(a) 1[pa_w(a) = v] Q̂_w(a) / Σ_a p(a) 1[pa_w(a) = v]: E[Q̂_w | parents of w = v].
  std::map<std::pair<std::size_t, std::vector<double>>, std::pair<double, double>> sums;
  std::vector<double> choice(g.nodes.size(), 0);
  std::vector<double> values(g.nodes.size()), q(g.stochastic.size());
  for (std::uint64_t a = 0; a < count; ++a) {
    assignment(g, a, choice);
    const double p = std::exp(evaluate_values(g, m.theta, choice, values));
    credit(g, values, options_.credit_all, q);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
      auto& s = sums[{k, parent_values(g, g.stochastic[k], values)}];
      s.first += p * q[k];
      s.second += p;
    }
  }
  for (const auto& [key, s] : sums) conditional_[key] = s.second > 0 ? s.first / s.second : 0.0;
  prepared_ = true;
}

void Scg::weights(const Graph& g, std::span<const double> values, std::span<const double>,
                  std::span<double> out) const {
  credit(g, values, options_.credit_all, out);
  for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
    switch (options_.baseline) {
      case ScgOptions::Baseline::none: break;
      case ScgOptions::Baseline::constant: out[k] -= options_.constant; break;
      case ScgOptions::Baseline::conditional: {
        const auto it = conditional_.find({k, parent_values(g, g.stochastic[k], values)});
        if (it != conditional_.end()) out[k] -= it->second;
        break;
      }
    }
  }
}

void Scg::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  if (options_.baseline == ScgOptions::Baseline::conditional && !prepared_) {
    // Unprepared: no baseline table. Fail loudly (non-finite samples are reported as an error).
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  thread_local std::vector<double> choice;
  choice.assign(g.nodes.size(), 0);
  const auto values = scratch.first(g.nodes.size());
  const auto w = scratch.subspan(g.nodes.size(), g.stochastic.size());
  sample_graph(g, m.theta, noise, choice, values);
  weights(g, values, choice, w);
  surrogate_gradient(g, m.theta, choice, w, 1.0, grad);
}

Dice::Dice(int order, bool first_order_only)
    : order_(order),
      first_order_only_(first_order_only),
      info_{first_order_only ? "mutant/dice-first-order" : "dice:order=" + std::to_string(order), !first_order_only,
            false, 1,
            first_order_only ? "breaks dice (Foerster et al. 2018): Schulman's surrogate differentiated twice"
                             : "Foerster et al. 2018, eq. 6 (magic box ⊡ = exp(τ - ⊥τ))"} {
  info_.order = order;
}

void Dice::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  thread_local std::vector<double> choice;
  thread_local std::vector<double> values;
  choice.assign(g.nodes.size(), 0);
  values.resize(g.nodes.size());
  sample_graph(g, m.theta, noise, choice, values);
  if (order_ == 2) {
    dice_hessian(g, m.theta, choice, first_order_only_, grad);
    return;
  }
  // ∇ Σ_c ⊡(W_c) c = Σ_c (c ∇τ_c + ∇c) = Σ_w ∇log p(w) Σ_{c downstream of w} c + Σ_c ∇c.
  const auto w = scratch.first(g.stochastic.size());
  credit(g, values, false, w);
  surrogate_gradient(g, m.theta, choice, w, 1.0, grad);
}

namespace {

// Mutants of scg: the same surrogate with one planted credit-assignment bug.
class ScgMutant final : public Scg {
 public:
  enum class Bug { baseline_uses_sample, missing_score, last_credit };
  explicit ScgMutant(Bug bug) : Scg(ScgOptions{}), bug_(bug) {
    info_.spec = bug == Bug::baseline_uses_sample ? "mutant/scg-baseline-uses-sample"
                 : bug == Bug::missing_score      ? "mutant/scg-missing-score"
                                                  : "mutant/scg-last-credit";
    info_.claimed_unbiased = false;
    info_.reference = "breaks scg (Schulman et al. 2015, Corollary 1)";
  }

 protected:
  void weights(const Graph& g, std::span<const double> values, std::span<const double> choice,
               std::span<double> out) const override {
    switch (bug_) {
      case Bug::baseline_uses_sample:
        credit(g, values, false, out);
        for (std::size_t k = 0; k < g.stochastic.size(); ++k)
          out[k] -= static_cast<double>(choice[g.stochastic[k]]);  // BUG: b_w depends on w itself
        break;
      case Bug::missing_score:
        credit(g, values, false, out);
        out[g.stochastic.size() - 1] = 0.0;  // BUG: the last node's score term is dropped
        break;
      case Bug::last_credit:
        // BUG: each cost is credited only to the last stochastic node that influences it.
        std::fill(out.begin(), out.end(), 0.0);
        for (std::size_t ci = 0; ci < g.costs.size(); ++ci) {
          const auto& up = g.upstream_stochastic[ci];
          if (up.empty()) continue;
          for (std::size_t k = 0; k < g.stochastic.size(); ++k)
            if (g.stochastic[k] == up.back()) out[k] += values[g.costs[ci]];
        }
        break;
    }
  }

 private:
  Bug bug_;
};

}  // namespace

std::vector<EstimatorEntry> graph_estimator_entries() {
  return {
      {"scg",
       {{"baseline", "none", "none, a constant B, or conditional (E[Q̂_w | parents of w], exact)"},
        {"credit", "downstream", "downstream (Q̂_w = costs w influences; reward-to-go) or all (whole return)"}},
       true, "graph problems (scg-fig1a..e, scg-gauss, sbn, mdp, grid, JSON graphs)",
       "surrogate loss Σ_w log p(w|DEPS_w)(Q̂_w - b_w) + Σ_c c, differentiated by forward-mode AD"},
      {"scg-relax", {{"temperature", "0.5", "λ > 0 of the relaxed control variate"}, {"eta", "1", "its scale η"}},
       true, "graph problems (at most 2^22 assignments)",
       "RELAX RL form: Gumbel-max sampling, control variate Σ_k softmax(z/λ)_k Q(pa, k) at z and z̃ | w (exact Q)"},
      {"dice", {{"order", "1", "1: gradient; 2: Hessian (upper triangle, verify --order 2)"}}, true,
       "graph problems", "DiCE: magic box exp(τ - ⊥τ) on each cost, differentiated once or twice"},
  };
}

std::unique_ptr<Estimator> make_graph_estimator(std::string_view text, const std::string& argument) {
  Spec s = Spec::parse(text, argument);
  std::unique_ptr<Estimator> e;
  if (s.name() == "scg") {
    ScgOptions o;
    const std::string b = s.get_string("baseline", "none");
    if (b == "conditional") {
      o.baseline = ScgOptions::Baseline::conditional;
    } else if (b != "none") {
      o.baseline = ScgOptions::Baseline::constant;
      o.constant = s.get_double("baseline", 0.0);
      if (o.constant == 0.0) o.baseline = ScgOptions::Baseline::none;
    }
    const std::string c = s.get_string("credit", "downstream");
    if (c != "downstream" && c != "all")
      raise_input_error({argument, "scg:credit"}, "downstream or all", "'" + c + "'");
    o.credit_all = c == "all";
    e = std::make_unique<Scg>(o);
  } else if (s.name() == "scg-relax") {
    ScgRelaxOptions o;
    o.temperature = s.get_double("temperature", o.temperature);
    o.eta = s.get_double("eta", o.eta);
    e = std::make_unique<ScgRelax>(o);
  } else if (s.name() == "dice") {
    e = std::make_unique<Dice>(static_cast<int>(s.get_int("order", 1, 1, 2)));
  } else {
    return nullptr;
  }
  s.finish();
  return e;
}

std::vector<MutantInfo> graph_mutant_entries() {
  return {
      {"mutant/scg-baseline-uses-sample",
       "surrogate whose baseline for each node is that node's own sampled value (b_w = w): biased",
       "scg-fig1c", {0.5}, "scg"},
      {"mutant/scg-missing-score", "surrogate missing the score term of the last stochastic node",
       "scg-fig1e", {0.3, -0.5}, "scg"},
      {"mutant/scg-last-credit",
       "each cost credited only to the last stochastic node that influences it (earlier decisions get no credit)",
       "scg-fig1c", {0.5}, "scg"},
      {"mutant/scg-relax-no-correction",
       "RELAX RL form with the control variate subtracted from the score weight but its correction "
       "η ∇(m(z) - m(z̃)) dropped",
       "scg-fig1c", {0.5}, "scg-relax"},
      {"mutant/dice-first-order",
       "order 2: Schulman's first-order surrogate differentiated twice (no ∇τ∇τᵀ terms); use --order 2",
       "scg-fig1c", {0.5}, "dice"},
  };
}

std::unique_ptr<Estimator> make_graph_mutant(std::string_view name) {
  if (name == "mutant/scg-baseline-uses-sample") return std::make_unique<ScgMutant>(ScgMutant::Bug::baseline_uses_sample);
  if (name == "mutant/scg-missing-score") return std::make_unique<ScgMutant>(ScgMutant::Bug::missing_score);
  if (name == "mutant/scg-last-credit") return std::make_unique<ScgMutant>(ScgMutant::Bug::last_credit);
  if (name == "mutant/dice-first-order") return std::make_unique<Dice>(2, true);
  if (name == "mutant/scg-relax-no-correction") {
    ScgRelaxOptions o;
    o.correction = false;
    return std::make_unique<ScgRelax>(o);
  }
  return nullptr;
}

}  // namespace estcheck
