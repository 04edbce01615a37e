// estimators/concrete.cpp — see concrete.hpp.
#include "estimators/concrete.hpp"

#include "estimators/error.hpp"

#include <cmath>

namespace estcheck {

RelaxedBernoulli::RelaxedBernoulli(std::string name, double temperature, bool straight_through)
    : info_{name + ":temperature=" + format_double(temperature), false, false, 1,
            straight_through ? "Bengio et al. 2013; Jang et al. 2017, §2.2 (straight-through)"
                             : "Maddison et al. 2017, §3.3; Jang et al. 2017 (binary Concrete)"},
      temperature_(temperature),
      straight_through_(straight_through) {
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    raise_input_error(name + ":temperature", "a finite number > 0", format_double(temperature));
}

void RelaxedBernoulli::check(const Problem& problem) const {
  if (problem.family() != Family::bernoulli || !problem.has_relaxation())
    raise_input_error("ESTIMATOR",
                      "an estimator that fits problem '" + problem.spec() + "': '" + info_.spec +
                          "' needs Bernoulli variables and f extended to [0,1]^n (toy, bernoulli tables)",
                      "'" + info_.spec + "' on problem '" + problem.spec() + "'");
}

void RelaxedBernoulli::sample(const Model& m, Noise& noise, std::span<double> scratch,
                              std::span<double> grad) const {
  const auto& d = std::get<BernoulliLogits>(m.dist);
  const std::size_t n = d.size();
  const auto z = scratch.first(n), at = scratch.subspan(n, n), df = scratch.subspan(2 * n, n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = noise.uniform();
    const double logistic = std::log(u) - std::log1p(-u);
    z[i] = sigmoid((d.logits[i] + logistic) / temperature_);
    at[i] = straight_through_ ? (d.logits[i] + logistic > 0.0 ? 1.0 : 0.0) : z[i];
  }
  m.problem->relaxed_gradient(at, df);
  for (std::size_t i = 0; i < n; ++i) grad[i] = df[i] * z[i] * (1.0 - z[i]) / temperature_;
}

std::unique_ptr<Estimator> make_concrete(double temperature) {
  return std::make_unique<RelaxedBernoulli>("concrete", temperature, false);
}
std::unique_ptr<Estimator> make_straight_through(double temperature) {
  return std::make_unique<RelaxedBernoulli>("straight-through", temperature, true);
}

}  // namespace estcheck
