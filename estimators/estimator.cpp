// estimators/estimator.cpp — the Estimator defaults (estimator.hpp) and the shared problem checks.
#include "estimators/estimator.hpp"

#include "estimators/core/error.hpp"

#include <stdexcept>

namespace estcheck {

// Single-distribution estimators read model.dist and f(x); a graph problem has neither.
void Estimator::check(const Problem& p) const {
  if (p.family() == Family::graph)
    raise_input_error("estimator",
                      "a bernoulli, categorical or gaussian problem for '" + info().spec +
                          "' (on graphs use scg or dice)",
                      "the graph problem '" + p.spec() + "'");
}
void Estimator::value_at(const Model&, std::span<const double>, std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at: '" + info().spec + "' has noise besides its draws");
}
void Estimator::value_at_uniforms(const Model&, std::span<const double>, std::span<const double>,
                                  std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at_uniforms: '" + info().spec + "' is no function of uniforms");
}
void Estimator::value_at_assignment(const Model&, std::span<const double>, std::span<double>,
                                    std::span<double>) const {
  throw std::logic_error("Estimator::value_at_assignment: '" + info().spec + "' has noise besides a graph's draws");
}
void Estimator::prepare(const Model&) {}

void Estimator::sample_block(const Model& m, std::uint64_t seed, std::uint64_t block,
                             std::size_t count, std::vector<double>& work,
                             std::span<double> out) const {
  work.resize(scratch_size(m));
  const std::size_t d = output_dim(info(), m.theta_dim());
  for (std::size_t i = 0; i < count; ++i) {
    Noise noise(seed, block, i);
    sample(m, noise, work, out.subspan(i * d, d));
  }
}

void require_bernoulli(const std::string& estimator, const Problem& problem) {
  if (problem.family() != Family::bernoulli)
    raise_input_error("estimator",
                      "an estimator that fits problem '" + problem.spec() + "': '" + estimator +
                          "' needs Bernoulli variables (toy or a bernoulli table)",
                      "'" + estimator + "' on the " + to_string(problem.family()) + " problem '" +
                          problem.spec() + "'");
}

void require_relaxation(const std::string& estimator, const Problem& problem) {
  if (problem.family() != Family::bernoulli || !problem.has_relaxation())
    raise_input_error("estimator",
                      "an estimator that fits problem '" + problem.spec() + "': '" + estimator +
                          "' needs Bernoulli variables and f extended to [0,1]^n (toy, bernoulli tables)",
                      "'" + estimator + "' on problem '" + problem.spec() + "'");
}

}  // namespace estcheck
