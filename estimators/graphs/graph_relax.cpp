// estimators/graphs/graph_relax.cpp — see graph_relax.hpp.
#include "estimators/graphs/graph_relax.hpp"

#include "estimators/core/error.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/problems/graph_eval.hpp"
#include "estimators/sample_bounds.hpp"

#include <boost/math/differentiation/autodiff.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace estcheck {

namespace ad = boost::math::differentiation;
using D1 = ad::autodiff_fvar<double, 1>;

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

const std::vector<double>* ScgRelax::action_values(const Graph& g, std::size_t k, std::span<const double> values) const {
  const auto it = q_.find({k, parent_values(g, g.stochastic[k], values)});
  return it == q_.end() ? nullptr : &it->second;
}

void ScgRelax::finish(const Model& m, std::span<const double> choice, std::span<const double> values,
                      std::span<const double> u, std::span<const double> v, std::span<double> scratch,
                      std::span<double> grad) const {
  const Graph& g = *graph_of(*m.problem);
  const std::size_t G = gumbel_size(g);
  const auto w = scratch.subspan(g.nodes.size(), g.stochastic.size());
  const auto q = scratch.subspan(g.nodes.size() + g.stochastic.size() + 2 * G, G);
  downstream(g, values, w);
  std::size_t offset = 0;
  for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
    const std::size_t K = g.support[g.stochastic[k]];
    const std::vector<double>* qk = action_values(g, k, values);
    for (std::size_t c = 0; c < K; ++c) q[offset + c] = qk == nullptr ? 0.0 : (*qk)[c];
    offset += K;
  }
  relax_gradient(g, m.theta, choice, u, v, w, q, options_.temperature, options_.eta, grad, options_.correction);
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
  const std::size_t base = g.nodes.size() + g.stochastic.size();
  const auto u = scratch.subspan(base, G), v = scratch.subspan(base + G, G);
  sample_graph_gumbel(g, m.theta, noise, choice, values, u, v);
  finish(m, choice, values, u, v, scratch, grad);
}

void ScgRelax::value_at_gumbel(const Model& m, std::span<const double> choice, std::span<const double> u,
                               std::span<const double> v, std::span<double> scratch, std::span<double> grad) const {
  if (!prepared_) {
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const Graph& g = *graph_of(*m.problem);
  const auto values = scratch.first(g.nodes.size());
  evaluate_values(g, m.theta, choice, values);
  finish(m, choice, values, u, v, scratch, grad);
}

// The sample range (Estimator::sample_range), a proof for every joint assignment a, every u, v in
// (0, 1), θ, λ > 0 and η. Write s_w = ∂_i log p(a_w | DEPS_w) and l_c = ∂_i log p(w = c | DEPS_w)
// (c = 0..K-1), all at a's node values. One sample coordinate is (relax_gradient, graph.hpp)
//   ĝ_i = ∂_i f(a) + Σ_w (Q̂_w(a) - η m_w(z̃_w)) s_w + η Σ_w (∂_i m_w(z_w) - ∂_i m_w(z̃_w)).
// The graph's nodes see only the discrete draws: every value, Q̂_w, s_w and l_c is a function of a
// and θ alone, computed by the same forward pass as the sample's (graph_eval.hpp), so enumerating
// the assignments gives them; only m_w and its derivative see the continuous z, z̃. With
// q_w = q_w(pa_w(a), ·) the fixed table (0 where prepare() saw no mass), lo_w = min q_w,
// hi_w = max q_w, r_w = hi_w - lo_w:
// - m_w(z) = Σ_k σ_k q_k with σ = softmax(z/λ) on the simplex, so m_w(z̃_w) ∈ [lo_w, hi_w]: the
//   score term lies in Q̂_w s_w - η [lo_w, hi_w] s_w (the interval product).
// - ∂_i m_w(z) = Σ_c α_c ∂_i z_c with α_c = σ_c (q_c - m)/λ: Σ_c α_c = 0 and Σ_c |α_c| =
//   E_σ|q - E_σ q|/λ <= r_w/(2λ) (a mean absolute deviation is at most half the range), for any σ
//   on the simplex — so also for the weights as exp and the divisions round them.
//   At z: ∂_i z_c = l_c (the Gumbel term is free of θ), and Σ_c α_c l_c = Σ_c α_c (l_c - t) for
//   t the midpoint of the l_c, so |∂_i m_w(z)| <= r_w (max_c l_c - min_c l_c)/(4λ).
//   At z̃ (Tucker et al. 2017, App. C): z̃_a = -log B is free of θ, and for c ≠ a
//   z̃_c = -log(E_c e^{-lp_c} + B), E_c = -log v_c, B = -log v_a, so ∂_i z̃_c = ρ_c l_c with
//   ρ_c = E_c e^{-lp_c}/(E_c e^{-lp_c} + B) ∈ [0, 1] (as rebar.cpp's ∂z̃/∂θ): |∂_i m_w(z̃)| <=
//   r_w max_c |l_c|/(2λ).
// So ĝ_i ∈ [C_i(a) - R_i(a), C_i(a) + R_i(a)] with C_i = ∂_i f + Σ_w (Q̂_w - η (lo_w + hi_w)/2) s_w
// and R_i = Σ_w |η| r_w (|s_w|/2 + (max l - min l)/(4λ) + max |l|/(2λ)); the range is the hull over
// every assignment (probable or not: the argmax is never used, so any a, u, v is covered), and
// coordinates that are not live at a (live_params) give exactly 0 there. It holds without the
// correction term too (the mutant scg-relax-no-correction drops it). Rounding: ∂_i f, s_w, l_c and
// Q̂_w are the sample's own bits up to the order of the final sums; what the sample adds is the
// rounding of m and ∂m (num/den in relaxed_value, ∂z̃'s ratio), each relative to at most
// |η| max|q_w| max|l|/λ per quotient (the exp weights are <= 1 after the shift, den >= 1), and of
// the sums. Each end is widened by kRangeSlack (sample_bounds.hpp: γ_k for k <= 2^23 operations)
// of M_i = max over a of (|∂_i f| + Σ_w ((|Q̂_w| + |η| max|q_w|) |s_w| + 8 |η| max|q_w| max|l|/λ))
// and of the bound itself; graphs with more than 2^20 nodes plus uniforms are refused.
std::optional<SampleRange> ScgRelax::sample_range(const Model& m) const {
  if (!prepared_) return std::nullopt;
  const Graph* gp = graph_of(*m.problem);
  if (gp == nullptr || !gp->gaussian.empty()) return std::nullopt;
  const Graph& g = *gp;
  if (g.nodes.size() + gumbel_size(g) > (std::size_t{1} << 20)) return std::nullopt;
  const std::size_t d = g.theta_dim;
  const std::uint64_t count = assignment_count(g);
  if (count > kMaxRangePoints) return std::nullopt;
  const double lambda = options_.temperature, eta = options_.eta, ae = std::abs(eta);
  std::vector<double> lo(d, std::numeric_limits<double>::infinity()), hi(d, -lo[0]), mag(d, 0.0);
  std::vector<double> choice(g.nodes.size(), 0.0), values(g.nodes.size()), qhat(g.stochastic.size());
  std::vector<double> dvals, dlogp;
  std::vector<D1> vals, logp, th(d);
  std::vector<char> live;
  // Per stochastic node: lo_w, hi_w, max |q_w| at this assignment.
  std::vector<double> qlo(g.stochastic.size()), qhi(g.stochastic.size()), qabs(g.stochastic.size());
  // The forward passes along θ_i cost most: count them first (live_params is one double pass), so
  // a graph past the limit is refused before any is made.
  std::uint64_t evaluations = 0;
  if (count * d > kMaxRangePoints)
    for (std::uint64_t a = 0; a < count; ++a) {
      assignment(g, a, choice);
      graph_eval::live_params(g, m.theta, choice, live);
      evaluations += static_cast<std::uint64_t>(std::count(live.begin(), live.end(), char{1}));
      if (evaluations > kMaxRangePoints) return std::nullopt;
    }
  for (std::uint64_t a = 0; a < count; ++a) {
    assignment(g, a, choice);
    evaluate_values(g, m.theta, choice, values);
    downstream(g, values, qhat);
    for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
      const std::vector<double>* qk = action_values(g, k, values);
      qlo[k] = qhi[k] = qabs[k] = 0.0;
      if (qk == nullptr) continue;
      const auto [mn, mx] = std::minmax_element(qk->begin(), qk->end());
      qlo[k] = *mn;
      qhi[k] = *mx;
      qabs[k] = std::max(std::abs(*mn), std::abs(*mx));
    }
    graph_eval::live_params(g, m.theta, choice, live);
    for (std::size_t i = 0; i < d; ++i) {
      if (!live[i]) {
        lo[i] = std::min(lo[i], 0.0);
        hi[i] = std::max(hi[i], 0.0);
        continue;
      }
      for (std::size_t j = 0; j < d; ++j) th[j] = j == i ? ad::make_fvar<double, 1>(m.theta[j]) : D1(m.theta[j]);
      graph_eval::evaluate<D1>(g, std::span<const D1>(th), choice, vals, logp);
      double df = 0.0;
      for (std::size_t c : g.costs) df += vals[c].derivative(1);
      double center = df, radius = 0.0, scale = std::abs(df);
      for (std::size_t k = 0; k < g.stochastic.size(); ++k) {
        const std::size_t w = g.stochastic[k], K = g.support[w];
        const double s = logp[w].derivative(1);
        double lmin = std::numeric_limits<double>::infinity(), lmax = -lmin, labs = 0.0;
        for (std::size_t c = 0; c < K; ++c) {
          const double l = graph_eval::node_log_prob(g.nodes[w], vals, static_cast<double>(c)).derivative(1);
          lmin = std::min(lmin, l);
          lmax = std::max(lmax, l);
          labs = std::max(labs, std::abs(l));
        }
        const double r = qhi[k] - qlo[k];
        center += (qhat[k] - eta * 0.5 * (qlo[k] + qhi[k])) * s;
        radius += ae * r * (0.5 * std::abs(s) + (lmax - lmin) / (4.0 * lambda) + labs / (2.0 * lambda));
        scale += (std::abs(qhat[k]) + ae * qabs[k]) * std::abs(s) + 8.0 * ae * qabs[k] * labs / lambda;
      }
      lo[i] = std::min(lo[i], center - radius);
      hi[i] = std::max(hi[i], center + radius);
      mag[i] = std::max(mag[i], scale + radius);
    }
  }
  SampleRange range;
  for (std::size_t i = 0; i < d; ++i) {
    const double pad = kRangeSlack * (mag[i] + std::max(std::abs(lo[i]), std::abs(hi[i])));
    range.lo.push_back(lo[i] - pad);
    range.hi.push_back(hi[i] + pad);
    if (!std::isfinite(range.lo.back()) || !std::isfinite(range.hi.back())) return std::nullopt;
  }
  range.source = "enumeration of the graph's " + std::to_string(count) +
                 " joint assignments with the relaxed control variate bounded in closed form: |eta| (max q - min q) "
                 "(|score|/2 + spread(dlogp)/(4 lambda) + max|dlogp|/(2 lambda)) per node";
  return range;
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
