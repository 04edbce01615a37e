// verify/oracles/certified/antithetic.cpp — see antithetic.hpp (the cell sums and the three gaps).
#include "verify/oracles/certified/antithetic.hpp"

#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace estcheck::certified {
namespace {

constexpr double kU = 0x1p-53;          ///< unit roundoff
constexpr double kEta = 0x1p-1074;      ///< >= the absolute error of an underflowing product
constexpr double kEdgeSlack = 0x1p-52;  ///< the code's switch points: within this of its doubles (or 1 - them)
constexpr std::uint64_t kChunk = 4096;  ///< cells between oracle checkpoints

/// Every point of b is > 0.
bool positive(const Ball& b) { return upper_bound(-b) < 0.0; }

/// b widened by ±e (e a ball of errors: its upper bound is used).
Ball widened(const Ball& b, const Ball& e) {
  const double r = upper_bound(e);
  return b + interval(-r, r);
}

/// One variable u_j: its three exact cells [0, σ(-|θ|)], [σ(-|θ|), σ(|θ|)], [σ(|θ|), 1], the
/// averages of (u - ½) and (u - ½)² over each, the code's evaluation point in each, and which cells
/// are wide enough for a point more than δ from both edges.
struct Variable {
  std::array<Ball, 3> width, r1, r2;
  std::array<double, 3> point{};
  std::vector<int> cells;  ///< the usable ones
};

/// 5 accumulators per coordinate and cell of its own variable: Σ P v, Σ P v², Σ P s, Σ P s², Σ P v s.
struct Accumulators {
  std::array<Ball, 3> pv, pvv, ps, pss, pvs;
};

}  // namespace

std::optional<EstimatorMoments> antithetic_moments(const Estimator& est, const Model& m) {
  if (!est.has_antithetic_cells() || m.problem->family() != Family::bernoulli) return std::nullopt;
  const auto* d = std::get_if<BernoulliLogits>(&m.dist);
  if (d == nullptr) return std::nullopt;
  const std::size_t n = d->size();
  if (n == 0 || n > kAntitheticMaxVariables || m.theta_dim() != n) return std::nullopt;

  // The variables: exact edges in Arb, δ_j, the slivers' mass S.
  const Ball half(0.5), one(1.0), third = Ball(1.0) / Ball(3.0);
  Ball slivers;  // S
  std::vector<Variable> vars(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double theta = d->logits[j], a = std::abs(theta);
    const Ball lo = sigmoid(Ball(-a)), hi = sigmoid(Ball(a));
    const Ball delta(std::max(distance_bound(d->probs[j], sigmoid(Ball(theta))),
                              distance_bound(d->probs0[j], sigmoid(Ball(-theta)))) +
                     kEdgeSlack);
    slivers += Ball(4.0) * delta;
    const std::array<Ball, 4> edge{Ball(0.0), lo, hi, one};
    const double lo_d = std::min(d->probs[j], d->probs0[j]), hi_d = std::max(d->probs[j], d->probs0[j]);
    Variable& v = vars[j];
    v.point = {0.5 * lo_d, 0.5, 0.5 * (hi_d + 1.0)};
    for (int k = 0; k < 3; ++k) {
      const Ball& e0 = edge[static_cast<std::size_t>(k)];
      const Ball& e1 = edge[static_cast<std::size_t>(k) + 1];
      const Ball p(v.point[static_cast<std::size_t>(k)]);
      v.width[static_cast<std::size_t>(k)] = e1 - e0;
      const Ball x = e0 - half, y = e1 - half;
      v.r1[static_cast<std::size_t>(k)] = (x + y) * half;
      v.r2[static_cast<std::size_t>(k)] = (x * x + x * y + y * y) * third;
      if (positive(p - e0 - delta) && positive(e1 - p - delta)) v.cells.push_back(k);
      else slivers += v.width[static_cast<std::size_t>(k)];  // too narrow: all of it counts as sliver
    }
  }

  // The cell sum: an odometer over the usable cells, suffix products of the widths.
  std::vector<Accumulators> acc(n);
  std::vector<std::size_t> digit(n, 0);
  std::vector<Ball> suffix(n + 1);
  suffix[n] = one;
  std::vector<double> u(n), scratch(est.scratch_size(m)), value(n), slope(n);
  auto refresh = [&](std::size_t top) {  // suffix products and points of variables 0..top
    for (std::size_t j = top + 1; j-- > 0;) {
      const auto k = static_cast<std::size_t>(vars[j].cells[digit[j]]);
      suffix[j] = vars[j].width[k] * suffix[j + 1];
      u[j] = vars[j].point[k];
    }
  };
  bool empty = false;
  for (const Variable& v : vars) empty = empty || v.cells.empty();
  Ball pv, ps, tmp;
  if (!empty) {
    refresh(n - 1);
    for (std::uint64_t count = 0;; ++count) {
      if (count % kChunk == 0) oracle_checkpoint();
      est.antithetic_cell(m, u, scratch, value, slope);
      const Ball& p = suffix[0];
      for (std::size_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(vars[i].cells[digit[i]]);
        Accumulators& a = acc[i];
        if (value[i] != 0.0) {
          pv = p * Ball(value[i]);
          a.pv[k] += pv;
          tmp = pv * Ball(value[i]);
          a.pvv[k] += tmp;
        }
        if (slope[i] != 0.0) {
          ps = p * Ball(slope[i]);
          a.ps[k] += ps;
          tmp = ps * Ball(slope[i]);
          a.pss[k] += tmp;
          if (value[i] != 0.0) {
            tmp = ps * Ball(value[i]);
            a.pvs[k] += tmp;
          }
        }
      }
      std::size_t q = 0;  // advance the odometer
      while (q < n && ++digit[q] == vars[q].cells.size()) digit[q++] = 0;
      if (q == n) break;
      refresh(q);
    }
  }

  // The moments, the three gaps, the variance.
  const std::optional<SampleRange> range = est.sample_range(m);
  const Ball u2 = Ball(2.0) * Ball(kU), gamma2 = u2 / (one - u2), eta(kEta);
  EstimatorMoments r;
  r.method = "exact: the 3^n cells of u in Arb ball arithmetic (the estimator's cell values, its edges and "
             "rounding bounded)";
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) {
    Ball first, second;
    for (std::size_t k = 0; k < 3; ++k) {
      const Accumulators& a = acc[i];
      first += a.pv[k] + a.ps[k] * vars[i].r1[k];
      second += a.pvv[k] + Ball(2.0) * a.pvs[k] * vars[i].r1[k] + a.pss[k] * vars[i].r2[k];
    }
    double g = 0.0;  // the declared bound on |ĝ_i| (0 without one: the certificate says so)
    if (range && i < range->lo.size() && i < range->hi.size())
      g = std::max(std::abs(range->lo[i]), std::abs(range->hi[i]));
    // G' = G (1 + 2γ_2) + 2η bounds the exact-arithmetic form too (ĝ_code = ĝ (1 + ϑ) + η'), not
    // only the code's samples the range is proven for.
    const Ball gb = Ball(g) * (one + Ball(2.0) * gamma2) + Ball(2.0) * eta, second_up(upper_bound(second));
    const Ball first_gap = Ball(2.0) * gb * slivers + gamma2 * sqrt(second_up) + eta;
    const Ball second_gap = gb * gb * slivers + (Ball(2.0) * gamma2 + gamma2 * gamma2) * second_up +
                            Ball(2.0) * eta * gb + eta * eta;
    const Ball mean = widened(first, first_gap), sec = widened(second, second_gap);
    const Ball var = sec - mean * mean;
    const Ball::Enclosure me = mean.to_enclosure(), ve = var.to_enclosure();
    r.mean.push_back(me.mid);
    r.mean_error.push_back(me.rad);
    r.variance.push_back(ve.mid);
    r.variance_error.push_back(ve.rad);
    finite = finite && std::isfinite(me.mid) && std::isfinite(me.rad) && std::isfinite(ve.mid) &&
             std::isfinite(ve.rad) && std::isfinite(g);
  }
  if (!range)
    r.certificate = estimated("the estimator declares no sample range here, so the slivers at the cell edges "
                              "are not bounded");
  else if (!finite)
    r.certificate = estimated("a figure or its bound overflowed (the cells of u in Arb)");
  else
    r.certificate = proven("σ(±θ) and the cell sums in Arb; the code's edges within 2^-52 of its doubles and its "
                           "last two roundings bounded; the slivers bounded by the declared sample range");
  return r;
}

}  // namespace estcheck::certified
