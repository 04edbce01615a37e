// verify/oracles/amortized_multisample.cpp — see amortized_multisample.hpp.
//
// The pair route's bound (K = 2, one block; u = 2^-53, γ_n(r) = n r / (1 - n r)). Inputs: the
// block table f̂_a (S = 2^N doubles, exact inputs here: their distance δ_f to the real f_m is
// added by the caller) and the logits ℓ̂_j. In Arb: p̂1_j, p̂0_j, the doubles nearest σ(±ℓ̂_j), each
// within relative ρ of the truth (from its enclosure); ρ̃ = max(ρ, u).
// 1. Weights ŵ_a = fl(Π_j p̂_j(a)) (N inputs, N - 1 roundings): |ŵ_a - w_a| <= γ_{2N}(ρ̃) w_a when
//    no product falls below 2^-1000 (checked; else the figure is only estimated). Σ_a w_a = 1, so
//    V = Σ ŵ_a <= 1 + γ_{2N}(ρ̃) =: V̄.
// 2. Sorted by f̂ (ascending, ties by index): g_i, v_i. The max part of H_i = Σ_k v_k LSE(g_i, g_k)
//    is M_i = g_i P_i + Q_i, P_i = Σ_{k<=i} v_k, Q_i = Σ_{k>i} v_k g_k (ties: either side gives the
//    same max). Recursive prefix and suffix sums and two more operations: |M̂_i - M_i| <= 3 γ_{S+3}(u) G V̄,
//    G = max |f̂|.
// 3. The s part, Σ_k v_k s(|g_i - g_k|): each unordered pair with d̂ = fl(g_k - g_i) < D = 36 is
//    enumerated once (added to both rows), s(d̂) by interpolation in the table T (step h = 2^-10,
//    each entry within e_T of s(i h), enclosed in Arb): linear interpolation of a convex function
//    with s'' = σ(d)σ(-d) <= 1/4 is within h²/32 of it; the entries' errors move it by <= e_T; the
//    rounding of t = d̂/h (exact), φ = t - ⌊t⌋ (exact), T_i + φ ΔT_i (ΔT_i = fl(T_{i+1} - T_i)) is
//    <= 2u (all values below 1); d̂ is within u D of d and s is 1/2-Lipschitz. So per pair
//    ε_pair = h²/32 + e_T + 2u + u D / 2. The pairs left out have d >= D(1 - u): s <= e^{-D(1 - 2u)},
//    weight <= V̄. The row sums of at most S positive terms (each fl(v_k ŝ) <= 1): γ_{S+1}(u) V̄.
// 4. Ĥ_i = fl(M̂_i + Ŝ_i): 2u (G + 1) V̄ more. With the real weights instead of ŵ (step 1) and
//    |LSE| <= G + log 2: γ_{2N}(ρ̃)(G + 1) more. Together |Ĥ_a - H_a| <= E_H =
//    V̄ (3 γ_{S+3} G + γ_{S+1} + ε_pair + e^{-D(1-2u)} + 2u (G + 1)) + γ_{2N}(ρ̃)(G + 1).
// 5. Objective L = Σ_a w_a H_a - log 2 (log 2 in Arb): |fl(Σ ŵ_a Ĥ_a) - Σ w_a H_a| <=
//    γ_{S+1}(u) V̄ Ĥmax + γ_{2N}(ρ̃) Ĥmax + E_H.
// 6. Derivative 2 Σ_a c_a H_a, c_a = w_a (a_j - σ_j), computed ĉ_a = fl(ŵ_a ŝ_j(a)) with ŝ_j(a) =
//    p̂0_j or -p̂1_j (no cancellation): |ĉ_a - c_a| <= γ_{2N+2}(ρ̃)|c_a| =: γ_c |c_a|, and Σ|c_a| =
//    2σ_j(1 - σ_j) <= 1/2, so the error is <= 2 [(γ_{S+1}(u)(1 + γ_c) + γ_c) Ĥmax / 2 + E_H / 2] (the
//    factor 2 is exact).
#include "verify/oracles/amortized_multisample.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/amortized.hpp"
#include "verify/oracles/amortized_exact.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace estcheck {

namespace {

using certified::Ball;

constexpr double kU = 0x1p-53;
constexpr double kCut = 36.0;          ///< D: pairs farther apart than this are bounded, not summed
constexpr int kGridShift = 10;         ///< the table's step h = 2^-10
constexpr double kInvStep = 0x1p10;    ///< 1/h
constexpr double kMaxTuples = 0x1p18;  ///< the tuple route's limit, over all blocks

Ball gamma(double n, const Ball& unit) {
  const Ball nu = Ball(n) * unit;
  return nu / (Ball(1.0) - nu);
}

/// s(d) = log1p(e^-d) at d_i = i h, i = 0 .. D/h, as doubles within `error` of the real values
/// (Arb), and the steps ΔT_i = fl(T_{i+1} - T_i).
struct SoftplusTable {
  std::vector<double> value, step;
  double error = 0.0;
};

const SoftplusTable& softplus_table() {
  // Built serially once (a static's initialisation must not wait on TBB tasks that could need it).
  static const SoftplusTable table = [] {
    SoftplusTable t;
    const auto n = static_cast<std::size_t>(kCut * kInvStep) + 1;
    for (std::size_t i = 0; i < n; ++i) {
      const Ball s = certified::log1p(certified::exp(-Ball(std::ldexp(static_cast<double>(i), -kGridShift))));
      const Ball::Enclosure e = s.to_enclosure();
      t.value.push_back(e.mid);
      t.error = std::max(t.error, std::isfinite(e.rad) ? e.rad : std::numeric_limits<double>::infinity());
    }
    for (std::size_t i = 0; i + 1 < n; ++i) t.step.push_back(t.value[i + 1] - t.value[i]);
    return t;
  }();
  return table;
}

/// σ(ℓ) and σ(-ℓ) per logit as doubles, and a relative bound on their errors.
struct Probabilities {
  std::vector<double> one, zero;  ///< p̂1_j ≈ σ(ℓ_j), p̂0_j ≈ σ(-ℓ_j)
  double relative = kU;           ///< ρ̃
  bool ok = true;                 ///< every enclosure is finite and away from 0
};

Probabilities probabilities(std::span<const double> logits) {
  Probabilities p;
  for (double l : logits)
    for (int side = 0; side < 2; ++side) {
      const Ball s = certified::sigmoid(side == 1 ? Ball(l) : -Ball(l));
      const Ball::Enclosure e = s.to_enclosure();
      (side == 1 ? p.one : p.zero).push_back(e.mid);
      if (!(std::isfinite(e.rad) && e.mid - e.rad > 0.0)) {
        p.ok = false;
        continue;
      }
      p.relative = std::max(p.relative, certified::upper_bound(Ball(e.rad) / (Ball(e.mid) - Ball(e.rad))));
    }
  return p;
}

AmortizedBlock pair_block(std::span<const double> f, std::span<const double> logits, const SoftplusTable& sp) {
  const std::size_t N = logits.size(), S = f.size();
  const Probabilities p = probabilities(logits);
  bool ok = p.ok;
  std::vector<double> w(S);
  for (std::size_t a = 0; a < S; ++a) {
    double x = 1.0;
    for (std::size_t j = 0; j < N; ++j) x *= ((a >> j) & 1u) != 0 ? p.one[j] : p.zero[j];
    w[a] = x;
    if (!(x >= 0x1p-1000)) ok = false;
  }
  std::vector<std::uint32_t> order(S);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    return f[x] < f[y] || (f[x] == f[y] && x < y);
  });
  std::vector<double> g(S), v(S), h(S), acc(S, 0.0);
  for (std::size_t i = 0; i < S; ++i) {
    g[i] = f[order[i]];
    v[i] = w[order[i]];
  }
  // Step 2: the max part.
  double prefix = 0.0, suffix = 0.0;
  for (std::size_t i = 0; i < S; ++i) {
    prefix += v[i];
    h[i] = g[i] * prefix;
  }
  for (std::size_t i = S; i-- > 0;) {
    h[i] = h[i] + suffix;
    suffix += v[i] * g[i];
  }
  // Step 3: the s part over the pairs closer than D.
  const double self = sp.value[0];
  for (std::size_t i = 0; i < S; ++i) {
    if ((i & 255u) == 0) oracle_checkpoint();
    acc[i] += v[i] * self;
    for (std::size_t k = i + 1; k < S; ++k) {
      const double d = g[k] - g[i];
      if (!(d < kCut)) break;
      const double t = d * kInvStep;
      const auto idx = static_cast<std::size_t>(t);
      const double s = sp.value[idx] + (t - static_cast<double>(idx)) * sp.step[idx];
      acc[i] += v[k] * s;
      acc[k] += v[i] * s;
    }
  }
  std::vector<double> H(S);
  double hmax = 0.0, fmax = 0.0;
  for (std::size_t i = 0; i < S; ++i) {
    H[order[i]] = h[i] + acc[i];
    hmax = std::max(hmax, std::abs(h[i] + acc[i]));
    fmax = std::max(fmax, std::abs(g[i]));
  }
  // Steps 5 and 6.
  double objective = 0.0;
  for (std::size_t a = 0; a < S; ++a) objective += w[a] * H[a];
  AmortizedBlock r;
  for (std::size_t j = 0; j < N; ++j) {
    double sum = 0.0;
    for (std::size_t a = 0; a < S; ++a) sum += (w[a] * (((a >> j) & 1u) != 0 ? p.zero[j] : -p.one[j])) * H[a];
    r.gradient.push_back(2.0 * sum);
  }
  // The bounds (the header comment's steps), in Arb.
  const Ball u(kU), unit(p.relative), one(1.0), G(fmax), hm(hmax);
  const double n = static_cast<double>(N), s = static_cast<double>(S);
  const Ball gw = gamma(2.0 * n, unit), gc = gamma(2.0 * n + 2.0, unit);
  const Ball vbar = one + gw, gs1 = gamma(s + 1.0, u), gs3 = gamma(s + 3.0, u);
  const Ball step = Ball(std::ldexp(1.0, -kGridShift));
  const Ball pair = step * step / Ball(32.0) + Ball(sp.error) + Ball(2.0) * u + u * Ball(kCut) / Ball(2.0);
  const Ball far = certified::exp(-Ball(kCut) * (one - Ball(2.0) * u));
  const Ball e_h = vbar * (Ball(3.0) * gs3 * G + gs1 + pair + far + Ball(2.0) * u * (G + one)) + gw * (G + one);
  const Ball objective_ball = Ball(objective) - certified::log(Ball(2.0));
  const Ball::Enclosure oe = objective_ball.to_enclosure();
  r.objective = oe.mid;
  r.objective_error = certified::upper_bound(Ball(oe.rad) + gs1 * vbar * hm + gw * hm + e_h);
  const double grad_error = certified::upper_bound((gs1 * (one + gc) + gc) * hm + e_h);
  r.error.assign(N, grad_error);
  r.certificate = ok ? proven("") : estimated("a probability's enclosure or a weight left the analysed range (below 2^-1000)");
  return r;
}

AmortizedBlock tuple_block(std::span<const double> f, std::span<const double> logits, int k) {
  const std::size_t N = logits.size(), S = f.size(), K = static_cast<std::size_t>(k);
  std::vector<Ball> sig1, sig0;
  for (double l : logits) {
    sig1.push_back(certified::sigmoid(Ball(l)));
    sig0.push_back(certified::sigmoid(-Ball(l)));
  }
  std::vector<Ball> w(S), score(S * N);
  for (std::size_t a = 0; a < S; ++a) {
    Ball x(1.0);
    for (std::size_t j = 0; j < N; ++j) {
      const bool on = ((a >> j) & 1u) != 0;
      x *= on ? sig1[j] : sig0[j];
      score[a * N + j] = on ? sig0[j] : -sig1[j];
    }
    w[a] = x;
  }
  const Ball log_k = certified::log(Ball(static_cast<double>(K)));
  Ball objective;
  std::vector<Ball> grad(N);
  std::vector<std::size_t> digit(K, 0);
  const auto tuples = static_cast<std::uint64_t>(std::pow(static_cast<double>(S), static_cast<double>(K)));
  for (std::uint64_t t = 0; t < tuples; ++t) {
    if ((t & 4095u) == 0) oracle_checkpoint();
    if (t != 0)
      for (std::size_t q = 0; q < K && ++digit[q] == S; ++q) digit[q] = 0;
    double mx = f[digit[0]];
    for (std::size_t q = 1; q < K; ++q) mx = std::max(mx, f[digit[q]]);
    Ball sum, weight(1.0);
    for (std::size_t q = 0; q < K; ++q) {
      sum += certified::exp(Ball(f[digit[q]]) - Ball(mx));
      weight *= w[digit[q]];
    }
    const Ball term = weight * (certified::log(sum) + Ball(mx) - log_k);
    objective += term;
    for (std::size_t j = 0; j < N; ++j) {
      Ball sc;
      for (std::size_t q = 0; q < K; ++q) sc += score[digit[q] * N + j];
      grad[j] += term * sc;
    }
  }
  AmortizedBlock r;
  const Ball::Enclosure oe = objective.to_enclosure();
  r.objective = oe.mid;
  r.objective_error = oe.rad;
  bool finite = std::isfinite(oe.rad);
  for (const Ball& g : grad) {
    const Ball::Enclosure e = g.to_enclosure();
    r.gradient.push_back(e.mid);
    r.error.push_back(e.rad);
    finite = finite && std::isfinite(e.rad);
  }
  r.certificate = finite ? proven("") : estimated("a figure's enclosure is not finite");
  return r;
}

ExactGradient run(const Model& m, int k, int threads, bool by_tuples) {
  const Amortization& a = *m.problem->amortization();
  const std::size_t blocks = a.blocks(), bits = a.block_bits(), K = static_cast<std::size_t>(k);
  if (k < 2) raise_input_error("estimator", "K >= 2 samples for the K-sample bound", std::to_string(k));
  const double tuples = static_cast<double>(blocks) * std::ldexp(1.0, static_cast<int>(bits * K));
  if (by_tuples && tuples > kMaxTuples)
    raise_input_error("problem",
                      "at most 2^18 K-tuples of latent states over the images for the exact K-sample bound with K "
                      "> 2 (K = 2 has a fast route)",
                      format_double(tuples) + " (" + std::to_string(blocks) + " images, 2^" + std::to_string(bits) +
                          " states each, K = " + std::to_string(k) + ")");
  const std::vector<double>& lhat = std::get<BernoulliLogits>(m.dist).logits;
  const std::vector<double> logit_error = amortized_logit_errors(m);
  const double delta_f = amortized_table_error(a);
  const SoftplusTable* sp = by_tuples ? nullptr : &softplus_table();
  std::vector<AmortizedBlock> results(blocks);
  auto run_block = [&](std::size_t b) {
    oracle_checkpoint();
    double fmax = 0.0;
    std::vector<double> table = amortized_block_table(a, b, fmax);
    const std::span<const double> block_logits(lhat.data() + b * bits, bits);
    AmortizedBlock r = by_tuples ? tuple_block(table, block_logits, k) : pair_block(table, block_logits, *sp);
    // δ_f (LSE is 1-Lipschitz in the sup norm; Σ Π q |b_1j - σ_j| <= 1) and the move to the real A θ.
    double moved = 0.0;
    for (std::size_t j = 0; j < bits; ++j) moved += logit_error[b * bits + j];
    const Ball kd(static_cast<double>(K));
    const Ball f_bound = Ball(fmax) + Ball(delta_f) + certified::log(kd), shift = kd * f_bound * Ball(moved);
    r.objective_error = certified::upper_bound(Ball(r.objective_error) + Ball(delta_f) + shift);
    for (double& e : r.error)
      e = certified::upper_bound(Ball(e) + kd * Ball(delta_f) + (kd + Ball(1.0)) * shift);
    results[b] = std::move(r);
  };
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] { tbb::parallel_for(std::size_t{0}, blocks, run_block); });
  const std::string route =
      by_tuples ? "every K-tuple of latent states per image in Arb ball arithmetic"
                : "the pair route (prefix sums of the max over the states sorted by f_m, log1p(e^-d) interpolated in "
                  "an Arb-enclosed table for the pairs closer than 36, the rest bounded by e^-36)";
  const std::string how = "per-image K-sample bound (IWAE, K = " + std::to_string(k) + ") by " + route + ", 2^" +
                          std::to_string(bits) + " states per image (" + std::to_string(blocks) +
                          " images), f's constants enclosed in Arb (|table - f| <= " + format_double(delta_f) +
                          "), chain rule Aᵀ (RELAX eq. 17) in Arb";
  const auto support = tuples >= 0x1p63 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(tuples);
  return pull_back_blocks(m, results, how, support);
}

}  // namespace

ExactGradient amortized_multisample_gradient(const Model& m, int k, int threads) {
  return run(m, k, threads, k != 2);
}

ExactGradient amortized_multisample_by_tuples(const Model& m, int k, int threads) { return run(m, k, threads, true); }

}  // namespace estcheck
