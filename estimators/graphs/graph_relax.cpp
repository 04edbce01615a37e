// estimators/graphs/graph_relax.cpp — see graph_relax.hpp.
#include "estimators/graphs/graph_relax.hpp"

#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_estimators.hpp"

#include <cmath>
#include <limits>

namespace estcheck {

constexpr const char* kReference = "Grathwohl et al. 2018 (RELAX draft §6.4.2, RL form); Tucker et al. 2017, App. C";
namespace {

std::vector<double> parent_values(const Graph& g, std::size_t w, std::span<const double> values) {
  std::vector<double> key;
  for (std::size_t p : g.nodes[w].parents) key.push_back(values[p]);
  return key;
}

void downstream(const Graph& g, std::span<const double> values, std::span<double> q) {
  for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
    q[k] = 0.0;
    for (std::size_t c : g.downstream_costs[k]) q[k] += values[c];
  }
}

}  // namespace

ScgRelax::ScgRelax(ScgRelaxOptions o)
    : options_(o),
      info_{"scg-relax:temperature=" + format_double(o.temperature) + ",eta=" + format_double(o.eta), true, false, 1,
            kReference} {
  if (!(o.temperature > 0) || !std::isfinite(o.temperature))
    raise_input_error({"estimator", "scg-relax:temperature"}, "a finite number > 0", format_double(o.temperature));
  if (!std::isfinite(o.eta)) raise_input_error({"estimator", "scg-relax:eta"}, "a finite number", format_double(o.eta));
  if (!o.correction) {
    info_.spec = "mutant/scg-relax-no-correction";
    info_.claimed_unbiased = false;
    info_.reference = "breaks scg-relax (RELAX draft §6.4.2): the control variate without its correction";
  }
}

void ScgRelax::check(const Problem& p) const { require_graph(info_.spec, p); }

std::size_t ScgRelax::scratch_size(const Model& m) const {
  const Graph& g = *graph_of(*m.problem);
  return g.nodes.size() + g.stochastic.size() + 3 * gumbel_size(g);
}

void ScgRelax::prepare(const Model& m) {
  prepared_ = false;
  q_.clear();
  const Graph& g = *graph_of(*m.problem);
  if (!g.gaussian.empty())
    raise_input_error("estimator", "a graph without gaussian nodes for scg-relax (its action values are enumerated)",
                      "'" + m.problem->spec() + "'");
  const std::uint64_t count = assignment_count(g);
  if (count > (std::uint64_t{1} << 22))
    raise_input_error("estimator", "a graph with at most 2^22 joint assignments for scg-relax",
                      format_double(static_cast<double>(count)) + " assignments in '" + m.problem->spec() + "'");
  // Σ_a p(a) 1[pa_w = v, w = k] Q̂_w(a) and Σ_a p(a) 1[pa_w = v, w = k], per (w, v).
  std::map<std::pair<std::size_t, std::vector<double>>, std::pair<std::vector<double>, std::vector<double>>> sums;
  std::vector<double> choice(g.nodes.size(), 0);
  std::vector<double> values(g.nodes.size()), q(g.stochastic.size());
  for (std::uint64_t a = 0; a < count; ++a) {
    assignment(g, a, choice);
    const double p = std::exp(evaluate_values(g, m.theta, choice, values));
    downstream(g, values, q);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
      const std::size_t w = g.stochastic[k], K = g.support[w];
      auto& s = sums[{k, parent_values(g, w, values)}];
      s.first.resize(K, 0.0);
      s.second.resize(K, 0.0);
      s.first[static_cast<std::size_t>(choice[w])] += p * q[k];
      s.second[static_cast<std::size_t>(choice[w])] += p;
    }
  }
  q_.clear();
  for (const auto& [key, s] : sums) {
    std::vector<double> avg(s.first.size());
    for (std::size_t k = 0; k < avg.size(); ++k) avg[k] = s.second[k] > 0 ? s.first[k] / s.second[k] : 0.0;
    q_[key] = std::move(avg);
  }
  prepared_ = true;
}

void ScgRelax::sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const {
  if (!prepared_) {
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const Graph& g = *graph_of(*m.problem);
  const std::size_t G = gumbel_size(g);
  thread_local std::vector<double> choice;
  choice.assign(g.nodes.size(), 0);
  const auto values = scratch.first(g.nodes.size());
  const auto w = scratch.subspan(g.nodes.size(), g.stochastic.size());
  const std::size_t base = g.nodes.size() + g.stochastic.size();
  const auto u = scratch.subspan(base, G), v = scratch.subspan(base + G, G), q = scratch.subspan(base + 2 * G, G);
  sample_graph_gumbel(g, m.theta, noise, choice, values, u, v);
  downstream(g, values, w);
  std::size_t offset = 0;
  for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
    const std::size_t node = g.stochastic[k], K = g.support[node];
    const auto it = q_.find({k, parent_values(g, node, values)});
    for (std::size_t c = 0; c < K; ++c) q[offset + c] = it == q_.end() ? 0.0 : it->second[c];
    offset += K;
  }
  relax_gradient(g, m.theta, choice, u, v, w, q, options_.temperature, options_.eta, grad, options_.correction);
}

EstimatorDescriptor scg_relax_descriptor() {
  const ScgRelaxOptions o;
  return {.name = "scg-relax",
          .params = {real_param("temperature", o.temperature, "λ > 0 of the relaxed control variate"),
                     real_param("eta", o.eta, "its scale η")},
          .claimed_unbiased = true,
          .requires_ = "graph problems (at most 2^22 assignments)",
          .description = "RELAX RL form: Gumbel-max sampling, control variate Σ_k softmax(z/λ)_k Q(pa, k) at z and z̃ | w (exact Q)",
          .reference = kReference,
          .make = [](const ParamValues& v) {
            ScgRelaxOptions r;
            r.temperature = v.real("temperature");
            r.eta = v.real("eta");
            return std::make_unique<ScgRelax>(r);
          }};
}

}  // namespace estcheck
