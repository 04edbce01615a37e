// estimators/sample_bounds.cpp — see sample_bounds.hpp.
#include "estimators/sample_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace estcheck {

std::pair<double, double> interval_product(double lo, double hi, double a, double b) {
  const double c[4] = {lo * a, lo * b, hi * a, hi * b};
  return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
}

std::optional<SampleRange> score_function_range(const Model& m, double f_lo, double f_hi, double baseline,
                                                double scale, std::string source) {
  std::vector<double> slo, shi;
  if (!score_bounds(m, slo, shi)) return std::nullopt;
  const double w_lo = (f_lo - baseline) / scale, w_hi = (f_hi - baseline) / scale;
  SampleRange r;
  r.source = std::move(source);
  for (std::size_t j = 0; j < slo.size(); ++j) {
    const auto [lo, hi] = interval_product(w_lo, w_hi, slo[j], shi[j]);
    const double pad = kRangeSlack * std::max(std::abs(lo), std::abs(hi));
    r.lo.push_back(lo - pad);
    r.hi.push_back(hi + pad);
    if (!std::isfinite(r.lo.back()) || !std::isfinite(r.hi.back())) return std::nullopt;
  }
  return r;
}

bool score_bounds(const Model& m, std::vector<double>& lo, std::vector<double>& hi) {
  lo.clear();
  hi.clear();
  if (const auto* c = std::get_if<CategoricalLogits>(&m.dist); c && m.problem->family() == Family::categorical) {
    for (std::size_t j = 0; j < c->size(); ++j) {
      lo.push_back(-c->probs[j]);
      hi.push_back(c->rest[j]);
    }
    return true;
  }
  if (const auto* b = std::get_if<BernoulliLogits>(&m.dist); b && m.problem->family() == Family::bernoulli) {
    for (std::size_t j = 0; j < b->size(); ++j) {
      lo.push_back(-b->probs[j]);
      hi.push_back(b->probs0[j]);
    }
    return true;
  }
  return false;
}

std::optional<SampleRange> rebar_form_range(const Model& m, double x_lo, double x_hi, double lambda,
                                            std::span<const double> path, double magnitude, std::string source) {
  SampleRange r;
  r.source = std::move(source);
  const bool categorical = std::holds_alternative<CategoricalLogits>(m.dist);
  std::vector<double> slo, shi;
  if (!score_bounds(m, slo, shi)) return std::nullopt;
  for (std::size_t j = 0; j < m.theta_dim(); ++j) {
    const double s_lo = slo[j], s_hi = shi[j], p = -slo[j];
    const auto [t_lo, t_hi] = interval_product(x_lo, x_hi, s_lo, s_hi);
    const double pw = categorical ? path[0] * (1.0 + p) / (2.0 * lambda) : path[j] / (2.0 * lambda);
    const double big = std::max({std::abs(t_lo), std::abs(t_hi), pw});
    const double pad = kRangeSlack * (4.0 * big + magnitude * (1.0 + 1.0 / lambda));
    r.lo.push_back(t_lo - pw - pad);
    r.hi.push_back(t_hi + pw + pad);
    if (!std::isfinite(r.lo.back()) || !std::isfinite(r.hi.back())) return std::nullopt;
  }
  return r;
}

std::optional<RelaxationBounds> relaxation_bounds(const Model& m) {
  const Problem& p = *m.problem;
  if (!p.has_relaxation()) return std::nullopt;
  const std::optional<SymbolicF> sym = p.symbolic();
  RelaxationBounds r;
  if (!sym) {
    // A problem's own proof (Problem::relaxation_enclosure: the VAE's decoder) for the relaxed
    // value and slopes; f on the support from f_range_on_support (enumerated, or the problem's
    // declared Problem::f_bounds), else the relaxed range (the support's points are in the cube).
    const std::optional<RelaxationEnclosure> e = p.relaxation_enclosure();
    if (!e || e->slope.size() != m.sample_dim() || p.family() != Family::bernoulli) return std::nullopt;
    r.value_lo = e->value_lo;
    r.value_hi = e->value_hi;
    r.slope = e->slope;
    const auto f = f_range_on_support(m);
    r.f_lo = f ? f->first : e->value_lo;
    r.f_hi = f ? f->second : e->value_hi;
    r.scale = std::max({std::abs(r.value_lo), std::abs(r.value_hi), std::abs(r.f_lo), std::abs(r.f_hi)});
    r.how = e->how;
    return r;
  }
  if (sym->kind == SymbolicF::Kind::toy && p.family() == Family::bernoulli) {
    // f(z) = (z - t)² on [0, 1]: a parabola with its vertex at t.
    const double t = sym->parameter, a = t * t, b = (1.0 - t) * (1.0 - t);
    const double top = std::max(a, b), far = std::max(std::abs(t), std::abs(1.0 - t));
    if (!std::isfinite(top)) return std::nullopt;
    r.scale = std::max(top, far);
    const double pad = kRangeSlack * std::max(1.0, r.scale);
    r.value_lo = (t >= 0.0 && t <= 1.0 ? 0.0 : std::min(a, b)) - pad;
    r.value_hi = top + pad;
    r.f_lo = std::min(a, b) - pad;
    r.f_hi = top + pad;
    r.slope = {2.0 * far + pad};
    r.how = "f(z) = (z - t)^2 on [0,1]: slope <= 2 max(|t|, |1 - t|)";
    return r;
  }
  if (sym->kind != SymbolicF::Kind::table) return std::nullopt;
  const std::uint64_t points = std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
  if (points == 0 || points > (std::uint64_t{1} << 22)) return std::nullopt;
  std::vector<double> table(points), x(m.sample_dim());
  for (std::uint64_t k = 0; k < points; ++k) {
    std::visit([&](const auto& d) {
      if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) support_point(d, k, x);
    }, m.dist);
    table[k] = m.f(x);
    if (!std::isfinite(table[k])) return std::nullopt;
  }
  const auto [lo_it, hi_it] = std::minmax_element(table.begin(), table.end());
  const double lo = *lo_it, hi = *hi_it;
  r.scale = std::max(std::abs(lo), std::abs(hi));
  const double pad = kRangeSlack * r.scale;
  r.f_lo = r.value_lo = lo - pad;
  r.f_hi = r.value_hi = hi + pad;
  const std::size_t n = m.sample_dim();
  if (p.family() == Family::categorical) {
    for (double c : table) r.slope.push_back(std::abs(c) + pad);
    r.how = "linear relaxation of a categorical table: f in [min, max] of the table";
    return r;
  }
  if (!p.relaxation_is_multilinear()) return std::nullopt;
  r.slope.assign(n, 0.0);
  for (std::uint64_t k = 0; k < points; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (((k >> i) & 1u) == 0u) r.slope[i] = std::max(r.slope[i], std::abs(table[k | (std::uint64_t{1} << i)] - table[k]));
  // fl(|a - b|) >= |a - b| / (1 + u); the pad covers that and the evaluation's rounding.
  for (double& s : r.slope) s = s * (1.0 + 2.0 * std::numeric_limits<double>::epsilon()) + pad;
  r.how = "multilinear extension of the table: |df/dz_i| <= max over vertices of |f(x, x_i = 1) - f(x, x_i = 0)|";
  return r;
}

}  // namespace estcheck
