// verify/oracles/leave_one_out.cpp — see leave_one_out.hpp.
#include "verify/oracles/leave_one_out.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/gaussian.hpp"
#include "verify/oracles/gaussian_pieces.hpp"

#include <Eigen/Eigenvalues>
#include <boost/math/quadrature/gauss.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace estcheck {

namespace {

constexpr int kMaxPiecewiseDraws = 3;   // piecewise Gauss–Legendre: 280^K evaluations
constexpr int kMaxCrossCheckDraws = 6;  // Gauss–Hermite, 12 nodes: 12^K evaluations
constexpr int kHermiteNodes = 12;
constexpr double kCrossCheckTolerance = 1e-6;

/// Nodes and weights (times φ) of a 20-point Gauss–Legendre rule on every piece of ε: the
/// gaussian_pieces cuts refined at ±1, ±2, ±4, ±8, ±16.
void normal_rule(double mu, double sigma, const std::vector<double>& breakpoints, std::vector<double>& nodes,
                 std::vector<double>& weights) {
  std::vector<double> cuts = gaussian_pieces(mu, sigma, breakpoints);
  for (double c : {1.0, 2.0, 4.0, 8.0, 16.0}) {
    cuts.push_back(c);
    cuts.push_back(-c);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  using GL = boost::math::quadrature::gauss<double, 20>;
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * 3.141592653589793238462643383279502884);
  for (std::size_t p = 0; p + 1 < cuts.size(); ++p) {
    const double a = cuts[p], b = cuts[p + 1], mid = 0.5 * (a + b), half = 0.5 * (b - a);
    for (std::size_t i = 0; i < GL::abscissa().size(); ++i)
      for (double sign : {-1.0, 1.0}) {
        const double e = mid + sign * half * GL::abscissa()[i];
        nodes.push_back(e);
        weights.push_back(half * GL::weights()[i] * inv_sqrt_2pi * std::exp(-0.5 * e * e));
      }
  }
}

/// The 12-node Gauss–Hermite rule for the weight φ (Golub–Welsch: the eigenvalues of the Jacobi
/// matrix of the probabilists' Hermite polynomials, off-diagonal √i; weights the squared first
/// components). Exact for polynomials of degree <= 23 per normal.
void hermite_rule(std::vector<double>& nodes, std::vector<double>& weights) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(kHermiteNodes, kHermiteNodes);
  for (int i = 1; i < kHermiteNodes; ++i) J(i, i - 1) = J(i - 1, i) = std::sqrt(static_cast<double>(i));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(J);
  for (int i = 0; i < kHermiteNodes; ++i) {
    nodes.push_back(eig.eigenvalues()[i]);
    weights.push_back(eig.eigenvectors()(0, i) * eig.eigenvectors()(0, i));
  }
}

}  // namespace

std::optional<EstimatorMoments> gaussian_leave_one_out_moments(const Estimator& est, const Model& m) {
  const std::optional<SampleForm> form = est.sample_form();
  if (!form || form->kind != SampleForm::Kind::leave_one_out || !certified::gaussian_symbolic(m) || est.draws() < 2)
    return std::nullopt;
  const int K = est.draws();
  std::optional<EstimatorMoments> arb = certified::gaussian_form_moments(*form, m, K);
  if (!arb || arb->certificate.unknown()) return arb;
  const auto sep = m.problem->separable();
  const bool kinked = sep && !sep->breakpoints.empty();
  // Where no tensor rule is affordable (d >= 2, K > 6) or can follow f (the step with K >= 4, past
  // the piecewise rule), the check that the code computes the form is pointwise.
  if (m.sample_dim() != 1 || K > kMaxCrossCheckDraws || (K > kMaxPiecewiseDraws && kinked)) {
    if (const auto why = certified::form_disagreement(est, *form, m, K)) {
      arb->certificate = estimated("the declared leave-one-out form is not what the estimator's code computes: " + *why);
      return arb;
    }
    arb->certificate.note += "; the estimator's code agrees with the form at 64 test points of its K draws";
    return arb;
  }
  // Tensor rule over the K normals of the code's own samples.
  const auto& d = std::get<DiagGaussian>(m.dist);
  std::vector<double> nodes, weights;
  if (K <= kMaxPiecewiseDraws) normal_rule(d.mu[0], d.sigma[0], sep ? sep->breakpoints : std::vector<double>{}, nodes, weights);
  else hermite_rule(nodes, weights);
  const std::size_t N = nodes.size(), dim = m.theta_dim();
  std::vector<double> xs(static_cast<std::size_t>(K)), scratch(est.scratch_size(m)), g(dim), s1(dim, 0.0),
      s2(dim, 0.0);
  std::vector<std::size_t> idx(static_cast<std::size_t>(K), 0);
  std::uint64_t total = 1;
  for (int k = 0; k < K; ++k) total *= N;
  for (std::uint64_t t = 0; t < total; ++t) {
    if (t % 4096 == 0) oracle_checkpoint();
    if (t != 0)
      for (std::size_t q = 0; q < idx.size() && ++idx[q] == N; ++q) idx[q] = 0;
    double w = 1.0;
    for (std::size_t q = 0; q < idx.size(); ++q) {
      w *= weights[idx[q]];
      xs[q] = d.mu[0] + d.sigma[0] * nodes[idx[q]];
    }
    if (w == 0.0) continue;
    est.value_at(m, xs, scratch, g);
    for (std::size_t i = 0; i < dim; ++i) {
      s1[i] += w * g[i];
      s2[i] += w * g[i] * g[i];
    }
  }
  for (std::size_t i = 0; i < dim; ++i) {
    const double second = arb->variance[i] + arb->mean[i] * arb->mean[i];
    const double qvar = s2[i] - s1[i] * s1[i];
    const bool ok = std::abs(s1[i] - arb->mean[i]) <= kCrossCheckTolerance * std::sqrt(second) + arb->mean_error[i] &&
                    std::abs(qvar - arb->variance[i]) <= kCrossCheckTolerance * second + arb->variance_error[i];
    if (!ok) {
      arb->certificate = estimated(
          "the declared leave-one-out form's moments (Arb) disagree with a tensor quadrature rule over the "
          "estimator's code at coordinate " + std::to_string(i) + ": mean " + format_double(arb->mean[i]) + " vs " +
          format_double(s1[i]) + ", variance " + format_double(arb->variance[i]) + " vs " + format_double(qvar));
      return arb;
    }
  }
  arb->certificate.note += K <= kMaxPiecewiseDraws
                               ? "; agrees with a tensor Gauss-Legendre rule over the K normals of the estimator's code"
                               : "; agrees with a tensor Gauss-Hermite rule over the K normals of the estimator's code";
  return arb;
}

}  // namespace estcheck
