// estimators/estimators.cpp — the sample() bodies of reinforce.hpp, rloo.hpp and reparam.hpp.
#include "estimators/error.hpp"
#include "estimators/reinforce.hpp"
#include "estimators/reparam.hpp"
#include "estimators/rloo.hpp"

namespace estcheck {

// Single-distribution estimators read model.dist and f(x); a graph problem has neither.
void Estimator::check(const Problem& p) const {
  if (p.family() == Family::graph)
    raise_input_error("ESTIMATOR",
                      "a bernoulli, categorical or gaussian problem for '" + info().spec +
                          "' (on graphs use scg or dice)",
                      "the graph problem '" + p.spec() + "'");
}
void Estimator::value_at(const Model&, std::span<const double>, std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at: '" + info().spec + "' has noise besides its draws");
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

Reinforce::Reinforce(double baseline)
    : baseline_(baseline),
      info_{baseline == 0.0 ? "reinforce" : "reinforce:baseline=" + format_double(baseline), true,
            false, 1, "Williams 1992, eq. 8 (score function with a constant baseline)"} {}

void Reinforce::sample(const Model& m, Noise& noise, std::span<double> scratch,
                       std::span<double> grad) const {
  const auto x = scratch.first(m.sample_dim());
  estcheck::sample(m.dist, noise, x);
  value_at(m, x, scratch, grad);
}

void Reinforce::value_at(const Model& m, std::span<const double> x, std::span<double>,
                         std::span<double> grad) const {
  const double weight = m.f(x) - baseline_;
  score(m.dist, x, grad);
  for (double& g : grad) g *= weight;
}

namespace {
/// out = score(x) · w: the same products as score() followed by scaling, fused into one sweep.
template <class Dist>
void scaled_score(const Dist& d, std::span<const double> x, double w, std::span<double> out) {
  score(d, x, out);
  for (double& v : out) v *= w;
}
void scaled_score(const BernoulliLogits& d, std::span<const double> x, double w,
                  std::span<double> out) {
  const double* __restrict b = x.data();
  const double* __restrict p0 = d.probs0.data();
  const double* __restrict p1 = d.probs.data();
  double* __restrict g = out.data();
  for (std::size_t i = 0; i < d.size(); ++i) g[i] = (b[i] * p0[i] - (1.0 - b[i]) * p1[i]) * w;
}
}  // namespace

// The same operations as sample(), per sample, in three passes over the block: draw every x,
// evaluate f on all of them (one call), then score and scale. One dispatch per block.
void Reinforce::sample_block(const Model& m, std::uint64_t seed, std::uint64_t block,
                             std::size_t count, std::vector<double>& work,
                             std::span<double> out) const {
  const std::size_t n = m.sample_dim(), d = m.theta_dim();
  work.resize(count * (n + 1));
  const std::span<double> xs = std::span(work).first(count * n);
  const std::span<double> fs = std::span(work).subspan(count * n, count);
  thread_local std::vector<Noise::Philox::ctr_type> first;
  first.resize(count);
  philox_first_outputs(seed, block, Purpose::estimator, first);
  std::visit(
      [&](const auto& dist) {
        for (std::size_t i = 0; i < count; ++i) {
          Noise noise(seed, block, i, Purpose::estimator, first[i]);
          estcheck::sample(dist, noise, xs.subspan(i * n, n));
        }
        m.problem->f_batch(xs, count, fs);
        for (std::size_t i = 0; i < count; ++i)
          scaled_score(dist, xs.subspan(i * n, n), fs[i] - baseline_, out.subspan(i * d, d));
      },
      m.dist);
}

Rloo::Rloo(int k)
    : k_(k),
      info_{"rloo:k=" + std::to_string(k), true, false, k,
            "Kool, van Hoof & Welling 2019, eq. 8 (leave-one-out baseline)"} {
  if (k < 2) raise_input_error("rloo:k", "an integer >= 2", std::to_string(k));
}

void Rloo::sample(const Model& m, Noise& noise, std::span<double> scratch,
                  std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto xs = scratch.first(K * n);
  for (std::size_t k = 0; k < K; ++k) estcheck::sample(m.dist, noise, xs.subspan(k * n, n));
  value_at(m, xs, scratch.subspan(K * n), grad);
}

void Rloo::value_at(const Model& m, std::span<const double> xs, std::span<double> scratch,
                    std::span<double> grad) const {
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(k_);
  const auto fs = scratch.first(K);
  const auto s = scratch.subspan(K, m.theta_dim());
  double fbar = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    fs[k] = m.f(xs.subspan(k * n, n));
    fbar += fs[k];
  }
  fbar /= static_cast<double>(K);
  for (double& g : grad) g = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    score(m.dist, xs.subspan(k * n, n), s);
    const double w = fs[k] - fbar;
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += w * s[i];
  }
  const double scale = 1.0 / static_cast<double>(K - 1);
  for (double& g : grad) g *= scale;
}

Reparam::Reparam()
    : info_{"reparam", true, true, 1,
            "Kingma & Welling 2014, §2.4; Mohamed et al. 2020, eq. 33 (pathwise)"} {}

void Reparam::check(const Problem& problem) const {
  if (problem.family() != Family::gaussian || !problem.has_gradient())
    raise_input_error("ESTIMATOR",
                      "an estimator that fits problem '" + problem.spec() +
                          "': 'reparam' needs a reparameterizable distribution with ∇x f "
                          "(the gaussian-* problems)",
                      "'reparam' on the " + std::string(to_string(problem.family())) +
                          " problem '" + problem.spec() + "'");
}

// Given the draw x, ε = (x - μ)/σ (for verify/'s quadrature over x; sample() keeps its own ε).
void Reparam::value_at(const Model& m, std::span<const double> x, std::span<double> scratch,
                       std::span<double> grad) const {
  const auto& d = std::get<DiagGaussian>(m.dist);
  const std::size_t n = d.size();
  const auto df = scratch.first(n);
  m.problem->gradient(x, df);
  for (std::size_t i = 0; i < n; ++i) {
    grad[i] = df[i];
    grad[n + i] = df[i] * (x[i] - d.mu[i]);  // = ∇f σ ε with ε = (x - μ)/σ
  }
}

void Reparam::sample(const Model& m, Noise& noise, std::span<double> scratch,
                     std::span<double> grad) const {
  const auto& d = std::get<DiagGaussian>(m.dist);
  const std::size_t n = d.size();
  const auto eps = scratch.first(n), x = scratch.subspan(n, n), df = scratch.subspan(2 * n, n);
  standard_noise(d, noise, eps);
  rsample(d, eps, x);
  m.problem->gradient(x, df);
  for (std::size_t i = 0; i < n; ++i) {
    grad[i] = df[i];
    grad[n + i] = df[i] * d.sigma[i] * eps[i];
  }
}

}  // namespace estcheck
