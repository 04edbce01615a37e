// estimators/graphs/graph_estimators.hpp — gradient and Hessian estimators on stochastic computation graphs.
//
// - scg (Schulman et al. 2015, Corollary 1 and §4 "variance reduction"): the gradient of the
//   surrogate L = Σ_w log p(w | DEPS_w) (Q̂_w - b_w) + Σ_c c, Q̂_w = the sampled costs downstream of
//   w, held constant. Options:
//     baseline=none | B (a constant for every node) | conditional (b_w = E[Q̂_w | the values of
//       w's parents], exact, by enumeration in prepare(): a function of non-descendants of w only,
//       so the estimator stays unbiased; on an MDP it is the state-value baseline V_t(s_t)),
//     credit=downstream (Q̂_w as above; on an MDP, reward-to-go) | all (every cost credited to
//       every node: REINFORCE on whole returns; unbiased too, since costs that w does not
//       influence have E[∇ log p(w | DEPS_w) c] = 0).
// - dice:order=1|2 (Foerster et al. 2018, "DiCE", eq. 6): the magic box ⊡(W) = exp(τ - ⊥τ),
//   τ = Σ_{w∈W} log p(w | DEPS_w); the objective Σ_c ⊡(W_c) c with W_c the stochastic nodes that
//   influence c. Order 1 outputs its gradient (equal to scg's); order 2 outputs its Hessian, upper
//   triangle row-major (d(d+1)/2 values), an unbiased estimate of ∇²L.
// - Planted graph bugs (mutants, claimed biased) live in estimators/mutants/: scg's are subclasses
//   overriding Scg::weights (graph_mutants.cpp); mutant/dice-first-order and
//   mutant/scg-relax-no-correction are flags of Dice and ScgRelax (graph_relax.hpp).
// Every one of them accepts only graph problems (Family::graph); the single-distribution
// estimators reject graph problems (Estimator::check).
#pragma once

#include "estimators/descriptor.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/graph.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

struct ScgOptions {
  enum class Baseline { none, constant, conditional };
  Baseline baseline = Baseline::none;
  double constant = 0.0;       ///< the baseline for Baseline::constant
  bool credit_all = false;     ///< credit=all (whole-return REINFORCE)
};

/// Throws InputError (field "estimator") unless `p` is a graph problem.
void require_graph(const std::string& spec, const Problem& p);

/// Q̂_w of each stochastic node: the sum of the costs downstream of it (credit_all: every cost).
void graph_credit(const Graph& g, std::span<const double> values, bool credit_all, std::span<double> q);

class Scg : public Estimator {
 public:
  explicit Scg(ScgOptions o);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& p) const override { require_graph(info_.spec, p); }
  /// Computes the conditional baseline table (by enumeration, at most 2^22 assignments).
  void prepare(const Model& m) override;
  std::size_t scratch_size(const Model& m) const override;
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  /// Its only noise is the graph's draws (on graphs whose stochastic nodes are all discrete).
  bool samples_graph_assignment() const override { return true; }
  /// The sample at the joint assignment `choice`: every node's value (evaluate_values, the bits
  /// sample_graph gives), then the code sample() runs after drawing (sample_at).
  void value_at_assignment(const Model& m, std::span<const double> choice, std::span<double> scratch,
                           std::span<double> grad) const override;

 protected:
  /// What sample() and value_at_assignment share: the sample at the draws `choice` with every
  /// node's `values`; `w` has one double per stochastic node.
  void sample_at(const Graph& g, const Model& m, std::span<const double> choice, std::span<const double> values,
                 std::span<double> w, std::span<double> grad) const;
  /// The weight Q̂_w - b_w of each stochastic node, given the sample's node values and choices.
  virtual void weights(const Graph& g, std::span<const double> values, std::span<const double> choice,
                       std::span<double> out) const;
  ScgOptions options_;
  EstimatorInfo info_;
  bool prepared_ = false;
  std::map<std::pair<std::size_t, std::vector<double>>, double> conditional_;
};

class Dice : public Estimator {
 public:
  Dice(int order, bool first_order_only = false);
  const EstimatorInfo& info() const override { return info_; }
  void check(const Problem& p) const override { require_graph(info_.spec, p); }
  std::size_t scratch_size(const Model& m) const override { return m.problem->sample_dim() + 1; }
  void sample(const Model& m, Noise& noise, std::span<double> scratch, std::span<double> grad) const override;
  /// Its only noise is the graph's draws (on graphs whose stochastic nodes are all discrete).
  bool samples_graph_assignment() const override { return true; }
  /// The sample (gradient, or the Hessian's upper triangle for order 2) at the joint assignment
  /// `choice`: evaluate_values, then the code sample() runs after drawing (sample_at).
  void value_at_assignment(const Model& m, std::span<const double> choice, std::span<double> scratch,
                           std::span<double> grad) const override;

 private:
  /// What sample() and value_at_assignment share: the sample at `choice` with every node's `values`.
  void sample_at(const Graph& g, const Model& m, std::span<const double> choice, std::span<const double> values,
                 std::span<double> scratch, std::span<double> grad) const;
  int order_;
  bool first_order_only_;
  EstimatorInfo info_;
};

/// scg:baseline=none|B|conditional,credit=downstream|all (estimators/descriptor.hpp).
EstimatorDescriptor scg_descriptor();
/// dice:order=1|2 (estimators/descriptor.hpp).
EstimatorDescriptor dice_descriptor();

}  // namespace estcheck
