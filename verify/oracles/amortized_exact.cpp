// verify/oracles/amortized_exact.cpp — see amortized_exact.hpp.
#include "verify/oracles/amortized_exact.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/problems/catalogue.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"
#include "verify/oracles/certified/discrete.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace estcheck {

namespace {

using certified::Ball;

/// δ_f: the proven bound on |table value - real f_m(b)| for every block and state (the header's step 2).
double table_error(const BlockSumForm& form) {
  std::vector<double> err(form.constants.size());
  tbb::parallel_for(std::size_t{0}, form.constants.size(), [&](std::size_t i) {
    const LogSigmoidConstant& c = form.constants[i];
    Ball real;
    for (const auto& [w, arg] : c.parts) real += Ball(w) * certified::log_sigmoid(Ball(arg));
    err[i] = certified::distance_bound(c.value, real);
  });
  double r = 0.0, big = 0.0;
  for (std::size_t i = 0; i < err.size(); ++i) {
    r = std::max(r, err[i]);  // NaN-safe enough: distance_bound is +inf, never NaN, when not finite
    big = std::max(big, std::abs(form.constants[i].value));
  }
  const Ball k(static_cast<double>(form.terms)), u(0x1p-53);
  const Ball gamma = k * u / (Ball(1.0) - k * u);
  return certified::upper_bound(k * Ball(r) + gamma * k * Ball(big));
}

}  // namespace

// Aᵀ and the sum over blocks, in Arb (ball per logit derivative: value ± its bound).
ExactGradient pull_back_blocks(const Model& m, std::span<const AmortizedBlock> results, const std::string& how,
                               std::uint64_t support_points) {
  const Amortization& a = *m.problem->amortization();
  const LogitMap& map = a.logit_map();
  const std::size_t blocks = a.blocks(), bits = a.block_bits();
  std::vector<Ball> grad(map.theta_dim);
  Ball objective;
  Certificate weakest_block = proven("");
  for (std::size_t b = 0; b < blocks; ++b) {
    const AmortizedBlock& r = results[b];
    objective += Ball(r.objective) + certified::interval(-r.objective_error, r.objective_error);
    weakest_block = weakest(weakest_block, r.certificate);
    for (std::size_t j = 0; j < bits; ++j) {
      const std::size_t row = b * bits + j;
      const Ball g = Ball(r.gradient[j]) + certified::interval(-r.error[j], r.error[j]);
      for (std::size_t e = map.row_start[row]; e < map.row_start[row + 1]; ++e)
        grad[map.column[e]] += Ball(map.coefficient[e]) * g;
    }
  }
  ExactGradient out;
  out.method = ExactMethod::enumeration;
  out.support_points = support_points;
  const Ball::Enclosure obj = objective.to_enclosure();
  out.objective = obj.mid;
  out.objective_error = obj.rad;
  bool finite = std::isfinite(obj.mid) && std::isfinite(obj.rad);
  for (const Ball& g : grad) {
    const Ball::Enclosure e = g.to_enclosure();
    out.gradient.push_back(e.mid);
    out.error.push_back(e.rad);
    finite = finite && std::isfinite(e.mid) && std::isfinite(e.rad);
  }
  if (!finite) out.certificate = estimated("a figure or its bound overflowed (" + how + ")");
  else if (!weakest_block.certified()) out.certificate = weakest_block;
  else out.certificate = proven(how);
  return out;
}

double amortized_table_error(const Amortization& a) { return table_error(a.block_sum_form()); }

std::vector<double> amortized_block_table(const Amortization& a, std::size_t b, double& fmax) {
  std::vector<double> table(std::size_t{1} << a.block_bits());
  a.block_table(b, table);
  fmax = 0.0;
  for (double v : table) fmax = std::max(fmax, std::abs(v));
  return table;
}

// Step 3's δ_i: the logits as the estimators see them against the real A θ.
std::vector<double> amortized_logit_errors(const Model& m) {
  const LogitMap& map = m.problem->amortization()->logit_map();
  const std::vector<double>& lhat = std::get<BernoulliLogits>(m.dist).logits;
  std::vector<double> logit_error(map.logit_dim);
  for (std::size_t r = 0; r < map.logit_dim; ++r) {
    Ball l;
    for (std::size_t e = map.row_start[r]; e < map.row_start[r + 1]; ++e)
      l += Ball(map.coefficient[e]) * Ball(m.theta[map.column[e]]);
    logit_error[r] = certified::distance_bound(lhat[r], l);
  }
  return logit_error;
}

ExactGradient amortized_exact_gradient(const Model& m, int threads) {
  const Amortization& a = *m.problem->amortization();
  const std::size_t blocks = a.blocks(), bits = a.block_bits();
  const std::vector<double>& lhat = std::get<BernoulliLogits>(m.dist).logits;
  const std::vector<double> logit_error = amortized_logit_errors(m);
  const double delta_f = amortized_table_error(a);
  const bool outer = blocks > 1;  // parallel over blocks, or (one block) inside the enumeration
  std::vector<AmortizedBlock> results(blocks);
  auto run_block = [&](std::size_t b) {
    oracle_checkpoint();
    double fmax = 0.0;
    std::vector<double> table = amortized_block_table(a, b, fmax);
    const auto table_problem = make_table_problem(Family::bernoulli, std::move(table), "block " + std::to_string(b));
    const std::span<const double> block_logits(lhat.data() + b * bits, bits);
    const Model bm = make_model(*table_problem, block_logits, "theta");
    const ExactGradient e = certified::enumerate_finite(bm, outer ? 1 : threads);
    double moved = 0.0;
    for (std::size_t j = 0; j < bits; ++j) moved += logit_error[b * bits + j];
    const Ball f_bound = Ball(fmax) + Ball(delta_f), shift = f_bound * Ball(moved);
    AmortizedBlock r;
    r.objective = e.objective;
    r.objective_error = certified::upper_bound(Ball(e.objective_error) + Ball(delta_f) + shift);
    r.gradient = e.gradient;
    for (std::size_t j = 0; j < bits; ++j)
      r.error.push_back(certified::upper_bound(Ball(e.error[j]) + Ball(delta_f) + Ball(2.0) * shift));
    r.certificate = e.certificate;
    results[b] = std::move(r);
  };
  if (outer) {
    tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
    arena.execute([&] { tbb::parallel_for(std::size_t{0}, blocks, run_block); });
  } else {
    run_block(0);
  }
  const std::string how = "enumeration of 2^" + std::to_string(bits) + " states per block (" + std::to_string(blocks) +
                          " blocks, certified Bernoulli route), f's constants enclosed in Arb (|table - f| <= " +
                          format_double(delta_f) + "), chain rule Aᵀ (RELAX eq. 17) in Arb";
  return pull_back_blocks(m, results, how, static_cast<std::uint64_t>(blocks) << bits);
}

}  // namespace estcheck
