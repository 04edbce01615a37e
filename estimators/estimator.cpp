// estimators/estimator.cpp — the Estimator defaults (estimator.hpp) and the shared problem checks.
#include "estimators/estimator.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/graph.hpp"
#include "estimators/sample_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace estcheck {

// Single-distribution estimators read model.dist and f(x); a graph or control problem has no dist.
void Estimator::check(const Problem& p) const {
  if (p.family() == Family::graph)
    raise_input_error("estimator",
                      "a bernoulli, categorical or gaussian problem for '" + info().spec +
                          "' (on graphs use scg or dice)",
                      "the graph problem '" + p.spec() + "'");
  if (p.family() == Family::control)
    raise_input_error("estimator",
                      "a bernoulli, categorical or gaussian problem for '" + info().spec +
                          "' (on control problems use pg-reinforce, pg-pathwise or lax)",
                      "the control problem '" + p.spec() + "'");
}
void Estimator::value_at(const Model&, std::span<const double>, std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at: '" + info().spec + "' has noise besides its draws");
}
void Estimator::value_at_uniforms(const Model&, std::span<const double>, std::span<const double>,
                                  std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at_uniforms: '" + info().spec + "' is no function of uniforms");
}
void Estimator::antithetic_cell(const Model&, std::span<const double>, std::span<double>, std::span<double>,
                                std::span<double>) const {
  throw std::logic_error("Estimator::antithetic_cell: '" + info().spec + "' has no antithetic cells");
}
void Estimator::value_at_assignment(const Model&, std::span<const double>, std::span<double>,
                                    std::span<double>) const {
  throw std::logic_error("Estimator::value_at_assignment: '" + info().spec + "' has noise besides a graph's draws");
}
void Estimator::value_at_normals(const Model&, std::span<const double>, std::span<double>, std::span<double>) const {
  throw std::logic_error("Estimator::value_at_normals: '" + info().spec + "' declares no policy-gradient form");
}

void Estimator::sample_block_log_weights(const Model&, const Amortization&, Noise&, std::span<double>,
                                         std::span<double>) const {
  throw std::logic_error("Estimator::sample_block_log_weights: '" + info().spec + "' has no blockwise multi-sample form");
}

std::optional<SampleRange> Estimator::block_log_weight_range(const Model&, const Amortization&) const {
  return std::nullopt;
}
void Estimator::prepare(const Model&) {}

namespace {

/// Running minimum and maximum per coordinate; widened and labelled by finish().
struct RangeScan {
  std::vector<double> lo, hi;
  bool finite = true;
  explicit RangeScan(std::size_t d)
      : lo(d, std::numeric_limits<double>::infinity()), hi(d, -std::numeric_limits<double>::infinity()) {}
  void add(std::span<const double> g) {
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (!std::isfinite(g[i])) finite = false;
      lo[i] = std::min(lo[i], g[i]);
      hi[i] = std::max(hi[i], g[i]);
    }
  }
  std::optional<SampleRange> finish(std::string source) {
    if (!finite) return std::nullopt;  // a non-finite possible sample bounds nothing
    double big = 0.0;
    for (std::size_t i = 0; i < lo.size(); ++i) big = std::max({big, std::abs(lo[i]), std::abs(hi[i])});
    const double pad = 64.0 * std::numeric_limits<double>::epsilon() * big;
    for (std::size_t i = 0; i < lo.size(); ++i) {
      lo[i] -= pad;
      hi[i] += pad;
    }
    return SampleRange{std::move(lo), std::move(hi), std::move(source)};
  }
};

}  // namespace

std::optional<SampleRange> Estimator::sample_range(const Model& m) const {
  const std::size_t out = output_dim(info(), m.theta_dim());
  std::vector<double> scratch(scratch_size(m)), g(out);
  if (samples_graph_assignment()) {
    const Graph* graph = graph_of(*m.problem);
    if (graph == nullptr || !graph->gaussian.empty()) return std::nullopt;
    const std::uint64_t count = assignment_count(*graph);
    if (count > kMaxRangePoints) return std::nullopt;
    RangeScan scan(out);
    std::vector<double> choice(graph->nodes.size(), 0.0);
    for (std::uint64_t a = 0; a < count; ++a) {
      assignment(*graph, a, choice);
      value_at_assignment(m, choice, scratch, g);
      scan.add(g);
    }
    return scan.finish("minimum and maximum over the graph's " + std::to_string(count) + " joint assignments");
  }
  const int draws_per_sample = draws();
  if (draws_per_sample <= 0 || m.problem->family() == Family::gaussian || m.problem->family() == Family::graph ||
      m.problem->family() == Family::control)
    return std::nullopt;
  const std::uint64_t points = std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
  if (points == 0) return std::nullopt;
  const double tuples = std::pow(static_cast<double>(points), static_cast<double>(draws_per_sample));
  if (tuples > static_cast<double>(kMaxRangePoints)) {
    // Too many draws to enumerate: a score-function sample's closed form, when f's bounds are
    // declared (Problem::f_bounds; sample_bounds.hpp's score_function_range).
    const std::optional<SampleForm> form = sample_form();
    if (draws_per_sample != 1 || !form || form->kind != SampleForm::Kind::score_function) return std::nullopt;
    const auto f = f_range_on_support(m);
    if (!f) return std::nullopt;
    return score_function_range(m, f->first, f->second, form->baseline, form->scale,
                                "(f - baseline) / scale times the score's two values, f in its declared bounds [" +
                                    format_double(f->first) + ", " + format_double(f->second) + "]");
  }
  const std::size_t n = m.sample_dim(), K = static_cast<std::size_t>(draws_per_sample);
  std::vector<double> xs(K * n);
  RangeScan scan(out);
  for (std::uint64_t t = 0; t < static_cast<std::uint64_t>(tuples); ++t) {
    for (std::uint64_t code = t, k = 0; k < K; ++k, code /= points) {
      const auto x = std::span(xs).subspan(k * n, n);
      std::visit([&](const auto& d) {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, code % points, x);
      }, m.dist);
    }
    value_at(m, xs, scratch, g);
    scan.add(g);
  }
  return scan.finish("minimum and maximum over every tuple of " + std::to_string(K) + " draws (" +
                     format_double(tuples) + " tuples)");
}

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

std::optional<std::pair<double, double>> f_range_on_support(const Model& m) {
  if (m.problem->family() == Family::gaussian || m.problem->family() == Family::graph ||
      m.problem->family() == Family::control) return std::nullopt;
  const std::uint64_t points = std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
  if (points == 0 || points > kMaxRangePoints) return m.problem->f_bounds();
  std::vector<double> x(m.sample_dim());
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::uint64_t k = 0; k < points; ++k) {
    std::visit([&](const auto& d) {
      if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, k, x);
    }, m.dist);
    const double f = m.f(x);
    if (!std::isfinite(f)) return std::nullopt;
    lo = std::min(lo, f);
    hi = std::max(hi, f);
  }
  return std::pair{lo, hi};
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
