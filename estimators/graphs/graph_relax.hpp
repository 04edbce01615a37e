// estimators/graphs/graph_relax.hpp — RELAX on stochastic computation graphs and MDPs: the RL form of the
// RELAX draft (Grathwohl et al. 2018, §6.4.2, discrete actions), applied to every stochastic node.
//
// Each node w is sampled by Gumbel-max, z_w = log p(w = · | DEPS_w) + G(u_w), w = argmax z_w, and
// z̃_w ~ p(z | w) is the conditional Gumbel sample of Tucker et al. 2017, App. C. One sample is
//   ĝ = ∇θ [ Σ_w (Q̂_w - η m_w(z̃_w)) log p(w | DEPS_w) + Σ_c c + η Σ_w (m_w(z_w) - m_w(z̃_w)) ]
// with the bracketed weights held constant; Q̂_w is the reward-to-go (the costs downstream of w)
// and m_w(z) = Σ_k softmax(z/λ)_k q_w(pa_w, k) a relaxed action-value control variate. Any m_w
// that depends on θ only through z keeps ĝ unbiased (draft, eq. 28–31); estcheck takes
// q_w(v, k) = E[Q̂_w | parents of w = v, w = k], fixed at prepare() by exact enumeration — the
// action values Q_t(s, a) on an MDP — so the control variate is as good as a learned critic
// could be, and nothing is trained. Spec: scg-relax:temperature=λ,eta=η (defaults: ScgRelaxOptions).
//
// sample_range (graph_relax.cpp, docs/statistics.md "Which test each pair gets") is a proof by
// enumeration of the joint assignments with closed-form bounds on the relaxed terms: the graph's
// nodes only ever see discrete draws (the control variate is a softmax over the fixed table q_w),
// so no node is evaluated on relaxed inputs.
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/graph.hpp"

#include <map>
#include <vector>

namespace estcheck {

struct ScgRelaxOptions {
  double temperature = 0.5;  ///< λ > 0
  double eta = 1.0;          ///< scale of the control variate
  bool correction = true;    ///< false: mutant/scg-relax-no-correction (the η(m(z) - m(z̃)) term dropped)
};

class ScgRelax final : public Estimator {
 public:
  explicit ScgRelax(ScgRelaxOptions o);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& p) const override;
  /// Computes q_w(v, k) by enumeration (at most 2^22 assignments). Unprepared: NaN samples.
  void prepare(const Model& m) override;
  std::size_t scratch_size(const Model& m) const override;
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  /// The sample at the joint assignment `choice` (one entry per node, as assignment() writes it) and
  /// the Gumbel uniforms `u`, `v` in (0, 1) (gumbel_size each, laid out as sample_graph_gumbel
  /// writes them): the code sample() runs once it has drawn. Any choice is accepted, not only the
  /// argmax of z (sample_range holds for all of them), so tests can reach the corner uniforms.
  void value_at_gumbel(const Model& m, std::span<const double> choice, std::span<const double> u,
                       std::span<const double> v, std::span<double> scratch, std::span<double> grad) const;
  /// A proof for every assignment, u, v, θ, λ > 0 and η (graph_relax.cpp); nullopt unprepared,
  /// on non-finite figures, or past kMaxRangePoints (assignments × live θ coordinates).
  std::optional<SampleRange> sample_range(const Model& m) const override;

 private:
  ScgRelaxOptions options_;
  EstimatorInfo info_;
  bool prepared_ = false;
  std::map<std::pair<std::size_t, std::vector<double>>, std::vector<double>> q_;
  /// The tail of sample() after the draw: Q̂, the q lookup, relax_gradient.
  void finish(const Model& m, std::span<const double> choice, std::span<const double> values,
              std::span<const double> u, std::span<const double> v, std::span<double> scratch,
              std::span<double> grad) const;
  /// q_w(pa_w, ·) at the parent values of stochastic node k (its position), or nullptr (then 0).
  const std::vector<double>* action_values(const Graph& g, std::size_t k, std::span<const double> values) const;
};

/// scg-relax:temperature=λ,eta=η (estimators/descriptor.hpp).
EstimatorDescriptor scg_relax_descriptor();

}  // namespace estcheck
