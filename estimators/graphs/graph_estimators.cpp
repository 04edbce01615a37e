// estimators/graphs/graph_estimators.cpp — see graph_estimators.hpp.
#include "estimators/graphs/graph_estimators.hpp"

#include "estimators/core/error.hpp"

#include <cmath>
#include <limits>

namespace estcheck {

constexpr const char* kScgReference =
    "Schulman et al. 2015, Corollary 1 (surrogate loss), §4 (baselines on non-descendants)";
constexpr const char* kDiceReference = "Foerster et al. 2018, eq. 6 (magic box ⊡ = exp(τ - ⊥τ))";

void require_graph(const std::string& spec, const Problem& p) {
  if (p.family() != Family::graph)
    raise_input_error("estimator",
                      "a graph problem (scg-fig1a..e, scg-gauss, sbn, mdp, grid, or a JSON graph file) for '" + spec + "'",
                      std::string("the ") + to_string(p.family()) + " problem '" + p.spec() + "'");
}

void graph_credit(const Graph& g, std::span<const double> values, bool all, std::span<double> q) {
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

std::vector<double> parent_values(const Graph& g, std::size_t w, std::span<const double> values) {
  std::vector<double> key;
  for (std::size_t p : g.nodes[w].parents) key.push_back(values[p]);
  return key;
}

}  // namespace

Scg::Scg(ScgOptions o)
    : options_(o),
      info_{scg_spec(o), true, false, 1, kScgReference} {}

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
    graph_credit(g, values, options_.credit_all, q);
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
  graph_credit(g, values, options_.credit_all, out);
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
  thread_local std::vector<double> choice;
  choice.assign(g.nodes.size(), 0);
  const auto values = scratch.first(g.nodes.size());
  sample_graph(g, m.theta, noise, choice, values);
  sample_at(g, m, choice, values, scratch.subspan(g.nodes.size(), g.stochastic.size()), grad);
}

void Scg::value_at_assignment(const Model& m, std::span<const double> choice, std::span<double> scratch,
                              std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  const auto values = scratch.first(g.nodes.size());
  evaluate_values(g, m.theta, choice, values);
  sample_at(g, m, choice, values, scratch.subspan(g.nodes.size(), g.stochastic.size()), grad);
}

void Scg::sample_at(const Graph& g, const Model& m, std::span<const double> choice, std::span<const double> values,
                    std::span<double> w, std::span<double> grad) const {
  if (options_.baseline == ScgOptions::Baseline::conditional && !prepared_) {
    // Unprepared: no baseline table. Fail loudly (non-finite samples are reported as an error).
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  weights(g, values, choice, w);
  surrogate_gradient(g, m.theta, choice, w, 1.0, grad);
}

Dice::Dice(int order, bool first_order_only)
    : order_(order),
      first_order_only_(first_order_only),
      info_{first_order_only ? "mutant/dice-first-order" : "dice:order=" + std::to_string(order), !first_order_only,
            false, 1,
            first_order_only ? "breaks dice (Foerster et al. 2018): Schulman's surrogate differentiated twice"
                             : kDiceReference} {
  info_.order = order;
}

void Dice::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  thread_local std::vector<double> choice;
  thread_local std::vector<double> values;
  choice.assign(g.nodes.size(), 0);
  values.resize(g.nodes.size());
  sample_graph(g, m.theta, noise, choice, values);
  sample_at(g, m, choice, values, scratch, grad);
}

void Dice::value_at_assignment(const Model& m, std::span<const double> choice, std::span<double> scratch,
                               std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  thread_local std::vector<double> values;
  values.resize(g.nodes.size());
  evaluate_values(g, m.theta, choice, values);
  sample_at(g, m, choice, values, scratch, grad);
}

void Dice::sample_at(const Graph& g, const Model& m, std::span<const double> choice, std::span<const double> values,
                     std::span<double> scratch, std::span<double> grad) const {
  if (order_ == 2) {
    dice_hessian(g, m.theta, choice, first_order_only_, grad);
    return;
  }
  // ∇ Σ_c ⊡(W_c) c = Σ_c (c ∇τ_c + ∇c) = Σ_w ∇log p(w) Σ_{c downstream of w} c + Σ_c ∇c.
  const auto w = scratch.first(g.stochastic.size());
  graph_credit(g, values, false, w);
  surrogate_gradient(g, m.theta, choice, w, 1.0, grad);
}

EstimatorDescriptor scg_descriptor() {
  return {.name = "scg",
          .params = {choice_param("baseline", {"none", "conditional"},
                                  "none, a constant B, or conditional (E[Q̂_w | parents of w], exact)", true),
                     choice_param("credit", {"downstream", "all"},
                                  "downstream (Q̂_w = costs w influences; reward-to-go) or all (whole return)")},
          .claimed_unbiased = true,
          .requires_ = "graph problems (scg-fig1a..e, scg-gauss, sbn, mdp, grid, JSON graphs)",
          .description = "surrogate loss Σ_w log p(w|DEPS_w)(Q̂_w - b_w) + Σ_c c, differentiated by forward-mode AD",
          .reference = kScgReference,
          .make = [](const ParamValues& v) {
            ScgOptions o;
            const std::string& b = v.text("baseline");
            if (b == "conditional") {
              o.baseline = ScgOptions::Baseline::conditional;
            } else if (b != "none") {
              o.baseline = ScgOptions::Baseline::constant;
              o.constant = v.real("baseline");
              if (o.constant == 0.0) o.baseline = ScgOptions::Baseline::none;
            }
            o.credit_all = v.text("credit") == "all";
            return std::make_unique<Scg>(o);
          }};
}

EstimatorDescriptor dice_descriptor() {
  return {.name = "dice",
          .params = {integer_param("order", 1, 1, 2, "1: gradient; 2: Hessian (upper triangle, verify --order 2)")},
          .claimed_unbiased = true,
          .requires_ = "graph problems",
          .description = "DiCE: magic box exp(τ - ⊥τ) on each cost, differentiated once or twice",
          .reference = kDiceReference,
          .make = [](const ParamValues& v) { return std::make_unique<Dice>(static_cast<int>(v.integer("order"))); }};
}

}  // namespace estcheck
