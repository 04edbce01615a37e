// estimators/relaxed_rebar.cpp — see relaxed_rebar.hpp.
#include "estimators/relaxed_rebar.hpp"

#include "estimators/relax.hpp"

namespace estcheck {

EstimatorDescriptor relaxed_rebar_descriptor() {
  const RelaxOptions o;
  return {.name = "relaxed-rebar",
          .params = {real_param("temperature", o.temperature, "λ of REBAR's f(σ_λ(z))"),
                     integer_param("hidden", o.hidden, 1, 256, "units of r_φ"),
                     integer_param("steps", o.steps, 0, 1000000, "Adam steps of variance training"),
                     integer_param("batch", o.batch, 1, 100000, "samples per step"),
                     real_param("lr", o.learning_rate, "Adam learning rate"),
                     integer_param("train_seed", static_cast<std::int64_t>(o.train_seed), 0, INT64_MAX,
                                   "seed of the training noise")},
          .claimed_unbiased = true,
          .requires_ = "bernoulli with a relaxation of f (toy, bernoulli tables)",
          .description = "relaxed-REBAR: REBAR's control variate f(σ_λ(z)) plus a network r_φ(z) of the logistic "
                         "sample, trained (before sampling) to minimize the variance",
          .reference = kRelaxedRebarReference,
          .make = [](const ParamValues& v) {
            RelaxOptions r;
            r.input = RelaxOptions::Input::logistic;
            r.temperature = v.real("temperature");
            r.hidden = static_cast<int>(v.integer("hidden"));
            r.steps = static_cast<int>(v.integer("steps"));
            r.batch = static_cast<int>(v.integer("batch"));
            r.learning_rate = v.real("lr");
            r.train_seed = static_cast<std::uint64_t>(v.integer("train_seed"));
            return std::make_unique<Relax>(r);
          }};
}

}  // namespace estcheck
