// estimators/relaxed_rebar.cpp — see relaxed_rebar.hpp.
#include "estimators/relaxed_rebar.hpp"

#include "estimators/relax.hpp"

namespace estcheck {

EstimatorDescriptor relaxed_rebar_descriptor() {
  const RelaxOptions o;
  return {.name = "relaxed-rebar",
          .params = [&o] {
            std::vector<ParamInfo> p = {real_param("temperature", o.temperature, "λ of REBAR's f(σ_λ(z))")};
            for (ParamInfo& q : relax_network_params(o)) p.push_back(std::move(q));
            return p;
          }(),
          .claimed_unbiased = true,
          .requires_ = "bernoulli with a relaxation of f (toy, bernoulli tables, vae)",
          .description = "relaxed-REBAR: REBAR's control variate f(σ_λ(z)) plus a network r_φ(z) of the logistic "
                         "sample, trained (before sampling) to minimize the variance",
          .reference = kRelaxedRebarReference,
          .make = [](const ParamValues& v) {
            RelaxOptions r;
            r.input = RelaxOptions::Input::logistic;
            r.temperature = v.real("temperature");
            read_relax_network_params(v, r);
            return std::make_unique<Relax>(r);
          }};
}

}  // namespace estcheck
