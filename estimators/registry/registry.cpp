// estimators/registry/registry.cpp — see registry.hpp.
#include "estimators/registry/registry.hpp"

#include "estimators/arm.hpp"
#include "estimators/concrete.hpp"
#include "estimators/muprop.hpp"
#include "estimators/nvil.hpp"
#include "estimators/rebar.hpp"
#include "estimators/relax.hpp"
#include "estimators/disarm.hpp"
#include "estimators/core/error.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/reinforce.hpp"
#include "estimators/reparam.hpp"
#include "estimators/rloo.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/core/spec.hpp"
#include "estimators/vimco.hpp"

namespace estcheck {

const std::vector<EstimatorEntry>& estimator_catalogue() {
  static const std::vector<EstimatorEntry> catalogue = [] {
    std::vector<EstimatorEntry> v = {
      {"reinforce", {{"baseline", "0", "constant subtracted from f"}}, true, "any",
       "score function (REINFORCE), one sample: (f(x) - baseline) ∇θ log p(x)"},
      {"rloo", {{"k", "2", "samples per estimate, >= 2"}}, true, "any",
       "REINFORCE over k samples with the leave-one-out baseline"},
      {"reparam", {}, true, "gaussian with ∇x f (unbiased only where f is differentiable)",
       "pathwise (reparameterization): ∇x f(μ + σε) pulled back to (μ, log σ)"},
      {"arm", {}, true, "bernoulli",
       "Augment-REINFORCE-Merge: (f(1[u > σ(-θ)]) - f(1[u < σ(θ)])) (u - 1/2)"},
      {"disarm", {}, true, "bernoulli",
       "DisARM: ARM with the augmentation integrated out given the antithetic pair (b, b̃)"},
      {"rebar", {{"temperature", "0.5", "relaxation temperature λ > 0"}, {"eta", "1", "control-variate scale η"}},
       true, "bernoulli or categorical with a relaxation of f (toy, tables)",
       "REBAR: REINFORCE with the Concrete control variate at the conditional sample z̃ ~ p(z|b)"},
      {"relax",
       {{"temperature", "0.5", "λ"}, {"eta", "1", "scale of the REBAR term"}, {"hidden", "8", "units of r_φ"},
        {"steps", "500", "Adam steps of variance training"}, {"batch", "32", "samples per step"},
        {"lr", "0.01", "Adam learning rate"}, {"train_seed", "0", "seed of the training noise"}},
       true, "bernoulli or categorical with a relaxation of f (toy, tables)",
       "RELAX: REBAR plus a network r_φ trained (before sampling) to minimize the variance"},
      {"nvil",
       {{"normalize", "1", "divide by max(1, √v) (1) or not (0)"}, {"steps", "200", "training minibatches"},
        {"batch", "32", "samples per minibatch"}, {"rate", "0.8", "moving-average rate α"},
        {"train_seed", "0", "seed of the training noise"}},
       false, "any",
       "NVIL: learned constant baseline, variance normalization; unbiased only with normalize=0"},
      {"vimco", {{"k", "2", "samples, >= 2"}}, true, "any problem with f > 0",
       "VIMCO for the K-sample objective E[log mean_k f(x_k)]: leave-one-out with geometric means"},
      {"muprop", {}, true, "bernoulli with f on [0,1]^n (toy, bernoulli tables)",
       "MuProp: first-order Taylor control variate around the mean-field point σ(θ)"},
      {"concrete", {{"temperature", "0.5", "relaxation temperature λ > 0"}}, false,
       "bernoulli or categorical with a relaxation of f (toy, tables)",
       "binary Concrete / Gumbel-softmax: ∂f/∂z(z) z(1-z)/λ at z = σ((θ + L)/λ); biased"},
      {"straight-through", {{"temperature", "1", "relaxation temperature λ > 0"}}, false,
       "bernoulli or categorical with a relaxation of f (toy, tables)",
       "straight-through: ∂f/∂z at the hard sample b, times z(1-z)/λ; biased"},
    };
    for (auto& e : graph_estimator_entries()) v.push_back(std::move(e));  // estimators/graphs/graph_estimators.hpp
    return v;
  }();
  return catalogue;
}

std::unique_ptr<Estimator> make_estimator(std::string_view text, const std::string& argument) {
  if (text.starts_with("mutant/")) {
    if (auto m = make_mutant(text)) return m;
    std::string names;
    for (const auto& mi : mutant_catalogue()) names += (names.empty() ? "" : ", ") + mi.name;
    raise_input_error(argument, "one of " + names, "'" + std::string(text) + "'");
  }
  if (auto g = make_graph_estimator(text, argument)) return g;  // scg, dice
  Spec s = Spec::parse(text, argument);
  std::unique_ptr<Estimator> e;
  if (s.name() == "reinforce") {
    e = std::make_unique<Reinforce>(s.get_double("baseline", 0.0));
  } else if (s.name() == "rloo") {
    e = std::make_unique<Rloo>(static_cast<int>(s.get_int("k", 2, 2, 1 << 20)));
  } else if (s.name() == "reparam") {
    e = std::make_unique<Reparam>();
  } else if (s.name() == "concrete") {
    e = make_concrete(s.get_double("temperature", 0.5));
  } else if (s.name() == "straight-through") {
    e = make_straight_through(s.get_double("temperature", 1.0));
  } else if (s.name() == "rebar") {
    const double temperature = s.get_double("temperature", 0.5);
    e = std::make_unique<Rebar>(temperature, s.get_double("eta", 1.0));
  } else if (s.name() == "relax") {
    RelaxOptions o;
    o.temperature = s.get_double("temperature", o.temperature);
    o.eta = s.get_double("eta", o.eta);
    o.hidden = static_cast<int>(s.get_int("hidden", o.hidden, 1, 256));
    o.steps = static_cast<int>(s.get_int("steps", o.steps, 0, 1000000));
    o.batch = static_cast<int>(s.get_int("batch", o.batch, 1, 100000));
    o.learning_rate = s.get_double("lr", o.learning_rate);
    o.train_seed = static_cast<std::uint64_t>(s.get_int("train_seed", 0, 0, INT64_MAX));
    e = std::make_unique<Relax>(o);
  } else if (s.name() == "nvil") {
    NvilOptions o;
    o.normalize = s.get_int("normalize", 1, 0, 1) == 1;
    o.steps = static_cast<int>(s.get_int("steps", o.steps, 0, 1000000));
    o.batch = static_cast<int>(s.get_int("batch", o.batch, 2, 100000));
    o.rate = s.get_double("rate", o.rate);
    o.train_seed = static_cast<std::uint64_t>(s.get_int("train_seed", 0, 0, INT64_MAX));
    e = std::make_unique<Nvil>(o);
  } else if (s.name() == "vimco") {
    e = std::make_unique<Vimco>(static_cast<int>(s.get_int("k", 2, 2, 64)));
  } else if (s.name() == "muprop") {
    e = std::make_unique<Muprop>();
  } else if (s.name() == "arm") {
    e = std::make_unique<Arm>();
  } else if (s.name() == "disarm") {
    e = std::make_unique<Disarm>();
  } else {
    std::string names;
    for (const auto& entry : estimator_catalogue()) names += (names.empty() ? "" : ", ") + entry.name;
    raise_input_error(argument, "one of " + names, "'" + std::string(text) + "'");
  }
  s.finish();
  return e;
}

}  // namespace estcheck
