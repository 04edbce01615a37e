// verify/oracles/certified/discrete.cpp — see discrete.hpp. Certified enumeration on finite supports.
//
// Arithmetic model: IEEE binary64, round to nearest (the process never changes the rounding
// mode), no contraction into FMAs (-ffp-contract=off, CMakeLists.txt). With u = 2^-53 and
// η = 2^-1075 (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §2.1-2.2):
//   fl(a ± b) = (a ± b)(1 + δ)          (exact when the result is subnormal),
//   fl(a · b) = ab(1 + δ) + η',  fl(a / b) = (a/b)(1 + δ) + η',   |δ| <= u, |η'| <= η.
// Inputs (probabilities, scores) are reals enclosed by Arb and rounded to doubles x̂; Inputs (below)
// records x̂ = x(1 + ε) + β with |ε| <= ρ (normal x̂) or ε = 0, |β| <= α_x (x̂ below 2^-1021).
// ũ = max(u, ρ); γ_k = k ũ/(1 - k ũ).
//
// Lemma (products of probabilities). A multiplication tree P̂ of a inputs in [0, 1] (true values
// in [0, 1]) with r roundings satisfies P̂ = P Θ + B, |Θ - 1| <= γ_{a+r}, |B| <= (1 + ũ)^{a+r}
// (Σ α + r η). Induction: fl(x̂ ŷ) = xy Θ_x Θ_y (1 + δ) + (B_x ŷ + x Θ_x B_y)(1 + δ) + η' with
// |ŷ| <= 1 (a rounded product of numbers in [0, 1] stays in [0, 1]) and |x Θ_x| <= (1 + ũ)^{a_x+r_x};
// the (1 + δ) products by Higham's Lemma 3.1. Multiplying by further factors of modulus <= F
// (f, an estimator's output, a score) scales B by F(1 + u) and adds η per rounding. Here
// k = a + r <= 2^20 and ũ <= 2^-52, so (1 + ũ)^k <= 2: per term |t̂ - t| <= γ_k |t| + A with
// A <= 2 (Σ α + (r + 2) η) max(1, F); hence |t̂ - t| <= (γ_k |t̂| + A)/(1 - γ_k).
//
// Sums (Sum2 below). Each addition to the running sum s is TwoSum (Knuth): its error e is exact;
// the e's go into c; two partial sums merge by a TwoSum of their s and adding their c's; the value
// is fl(s + c). With M bounding the additions into s and into c (any tree has depth <= M): the
// exact result of each addition into s is at most (1 + γ_M) T in modulus (T = Σ|t̂|), so
// Σ|e| <= M u (1 + γ_M) T = γ_M T; c errs by <= γ_M Σ|e|; the final rounding costs u |Σ t̂|:
//   |value - Σ t̂| <= u T + (1 + u) γ_M² T
// (the sequential case is Ogita, Rump & Oishi 2005, Sum2, Prop. 4.5). T itself is summed plainly
// (non-negative terms): T <= T̂/(1 - γ_M). Each bound is assembled in Arb and rounded up.
// Parallel sums use oneTBB's parallel_deterministic_reduce (grain 1, simple_partitioner): a
// fixed tree, so the bits do not depend on the thread count.
#include "verify/oracles/certified/discrete.hpp"

#include "estimators/core/error.hpp"
#include "verify/oracles/budget.hpp"
#include "verify/oracles/certified/ball.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace estcheck::certified {
namespace {

constexpr double kU = 0x1p-53;          ///< unit roundoff
constexpr double kEta = 0x1p-1074;      ///< >= η = 2^-1075, the absolute error of an underflowing product
constexpr double kNormal = 0x1p-1021;   ///< inputs below this carry an absolute error α instead of ε
constexpr std::uint64_t kChunk = 4096;  ///< support points (or tuples) per leaf of the reduction


/// Higham's γ_k = k unit / (1 - k unit), as a ball.
Ball gamma(double k, const Ball& unit) {
  const Ball ku = Ball(k) * unit;
  return ku / (Ball(1.0) - ku);
}

/// Doubles rounded from Arb balls, with the error model of the lemma (top of this file).
class Inputs {
 public:
  /// The double nearest to b's midpoint; records its proven error. `probability`: the input must
  /// lie in [0, 1] (the lemma's products).
  double add(const Ball& b, bool probability) {
    const Ball::Enclosure e = b.to_enclosure();
    if (!std::isfinite(e.mid) || !std::isfinite(e.rad) || (probability && !(e.mid >= 0.0 && e.mid <= 1.0))) {
      ok_ = false;
      return e.mid;
    }
    const double a = std::abs(e.mid);
    if (a >= kNormal && e.rad < 0.5 * a) {
      // |x| >= |x̂| - rad, so |x̂ - x| <= rad <= rad/(|x̂| - rad) · |x|.
      rho_ = std::max(rho_, upper_bound(Ball(e.rad) / (Ball(a) - Ball(e.rad))));
    } else {
      alpha_ += Ball(e.rad);
    }
    return e.mid;
  }
  /// ũ = max(u, ρ).
  Ball unit() const { return Ball(std::max(kU, rho_)); }
  const Ball& alpha_sum() const { return alpha_; }
  bool ok() const { return ok_; }

 private:
  double rho_ = 0.0;
  Ball alpha_;
  bool ok_ = true;
};

/// Compensated sum with exact TwoSum errors (the Sum2 bound at the top of this file).
struct Sum2 {
  double s = 0.0, c = 0.0;
  void add(double x) {
    const double t = s + x, z = t - s;
    c += (s - (t - z)) + (x - z);
    s = t;
  }
  void merge(const Sum2& o) {
    add(o.s);
    c += o.c;
  }
  double value() const { return s + c; }
};

/// The proven bound on |computed Σ t̂ - Σ t| for terms with |t̂ - t| <= γ_k |t| + A (A summed over
/// the terms: `a_total`), T̂ = `abs_sum` the plain sum of |t̂|, and M = `adds` (top of this file).
double sum_bound(double abs_sum, double k, const Ball& unit, const Ball& a_total, double adds) {
  const Ball u(kU), one(1.0);
  const Ball gm = gamma(adds, u);
  const Ball t = Ball(abs_sum) / (one - gm);
  const Ball gk = gamma(k, unit);
  return upper_bound((gk * t + a_total) / (one - gk) + u * t + (one + u) * gm * gm * t);
}

/// max(m, |v|), NaN-propagating (a NaN output makes the bound NaN, not a silently small one).
double max_abs(double m, double v) {
  const double a = std::abs(v);
  return a > m || std::isnan(a) ? a : m;
}

Certificate certificate_of(bool ok, const std::vector<double>& figures, const char* how) {
  for (double v : figures)
    if (!std::isfinite(v)) return estimated(std::string("a figure or its bound overflowed (") + how + ")");
  if (!ok) return estimated("an input probability could not be enclosed in [0, 1]");
  return proven(how);
}

// ---------------------------------------------------------------------------------------------
// Bernoulli enumeration: p(x) = Π_i q_{i, x_i}, q_{i,1} = σ(θ_i), q_{i,0} = σ(-θ_i) (Arb, rounded).
// The products of the low 12 bits are tabulated once (each L - 1 roundings), the high bits' product
// once per chunk (n - L roundings, the first by 1.0), one product joins them: p̂ has n inputs and
// n roundings; ·f one more: k = 2n + 1 for the objective; ·score (one more input q_{i, 1-x_i},
// one more rounding): k = 2n + 3.

struct Acc {
  Sum2 obj;
  double obj_abs = 0.0, fmax = 0.0;
  std::vector<Sum2> grad;
  std::vector<double> grad_abs;
};

ExactGradient bernoulli(const Model& m, const BernoulliLogits& d, int threads) {
  const std::size_t n = d.size();
  if (n > 62)
    raise_input_error("problem", "at most 62 Bernoulli variables for enumeration", std::to_string(n));
  Inputs in;
  std::vector<double> q1(n), q0(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Ball th(d.logits[i]);
    q1[i] = in.add(sigmoid(th), true);
    q0[i] = in.add(sigmoid(-th), true);
  }
  const std::size_t low_bits = std::min<std::size_t>(n, 12);
  const std::uint64_t per_chunk = std::uint64_t{1} << low_bits, points = std::uint64_t{1} << n;
  const std::uint64_t chunks = points / per_chunk;
  std::vector<double> low(per_chunk);
  low[0] = q0[0];
  low[1] = q1[0];
  for (std::size_t i = 1; i < low_bits; ++i)
    for (std::uint64_t k = 0; k < (std::uint64_t{1} << i); ++k) {
      low[k | (std::uint64_t{1} << i)] = low[k] * q1[i];
      low[k] = low[k] * q0[i];
    }
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, Acc acc) {
    std::vector<double> x(n);
    for (std::uint64_t c = r.begin(); c != r.end(); ++c) {
      oracle_checkpoint();
      double high = 1.0;
      for (std::size_t i = low_bits; i < n; ++i) {
        const bool bit = ((c >> (i - low_bits)) & 1u) != 0;
        x[i] = bit ? 1.0 : 0.0;
        high = high * (bit ? q1[i] : q0[i]);
      }
      for (std::uint64_t k = 0; k < per_chunk; ++k) {
        for (std::size_t i = 0; i < low_bits; ++i) x[i] = static_cast<double>((k >> i) & 1u);
        const double f = m.f(x);
        const double pf = (low[k] * high) * f;
        acc.obj.add(pf);
        acc.obj_abs += std::abs(pf);
        acc.fmax = max_abs(acc.fmax, f);
        for (std::size_t i = 0; i < n; ++i) {
          const double t = pf * (x[i] != 0.0 ? q0[i] : -q1[i]);
          acc.grad[i].add(t);
          acc.grad_abs[i] += std::abs(t);
        }
      }
    }
    return acc;
  };
  auto join = [](Acc a, const Acc& b) {
    a.obj.merge(b.obj);
    a.obj_abs += b.obj_abs;
    a.fmax = max_abs(a.fmax, b.fmax);
    for (std::size_t i = 0; i < a.grad.size(); ++i) {
      a.grad[i].merge(b.grad[i]);
      a.grad_abs[i] += b.grad_abs[i];
    }
    return a;
  };
  Acc identity;
  identity.grad.resize(n);
  identity.grad_abs.resize(n);
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  const Acc total = arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, chunks, 1), identity, leaf,
                                              join, tbb::simple_partitioner());
  });
  const double nd = static_cast<double>(n), adds = static_cast<double>(points) + 2.0 * static_cast<double>(chunks) + 2.0;
  const Ball unit = in.unit();
  // Σ over the points of A = 2 (Σα + (n + 3) η) max(1, |f|).
  const Ball a_total = Ball(static_cast<double>(points)) * Ball(2.0) *
                       (in.alpha_sum() + Ball(nd + 3.0) * Ball(kEta)) * Ball(std::max(1.0, total.fmax));
  ExactGradient r;
  r.method = ExactMethod::enumeration;
  r.support_points = points;
  r.objective = total.obj.value();
  r.objective_error = sum_bound(total.obj_abs, 2.0 * nd + 1.0, unit, a_total, adds);
  std::vector<double> figures{r.objective, r.objective_error};
  for (std::size_t i = 0; i < n; ++i) {
    r.gradient.push_back(total.grad[i].value());
    r.error.push_back(sum_bound(total.grad_abs[i], 2.0 * nd + 3.0, unit, a_total, adds));
    figures.push_back(r.gradient.back());
    figures.push_back(r.error.back());
  }
  r.certificate = certificate_of(
      in.ok(), figures,
      "σ(±θ) enclosed in Arb; products and compensated sums in double with Higham's γ_k, "
      "underflow terms and the Sum2 bound");
  return r;
}

// Categorical: n = K points; everything in Arb. p_k = e^{θ_k - max θ} / Σ_j e^{θ_j - max θ},
// L = Σ p_k f_k, ∂L/∂θ_j = p_j (f_j - L).
ExactGradient categorical(const Model& m, const CategoricalLogits& d) {
  const std::size_t K = d.size();
  const double mx = *std::max_element(d.logits.begin(), d.logits.end());
  std::vector<Ball> e(K);
  std::vector<double> fk(K), x(K, 0.0);
  Ball z;
  for (std::size_t k = 0; k < K; ++k) {
    if (k % kChunk == 0) oracle_checkpoint();
    e[k] = exp(Ball(d.logits[k]) - Ball(mx));
    z += e[k];
    x[k] = 1.0;
    fk[k] = m.f(x);
    x[k] = 0.0;
  }
  Ball l;
  for (std::size_t k = 0; k < K; ++k) l += e[k] / z * Ball(fk[k]);
  ExactGradient r;
  r.method = ExactMethod::enumeration;
  r.support_points = K;
  const Ball::Enclosure le = l.to_enclosure();
  r.objective = le.mid;
  r.objective_error = le.rad;
  std::vector<double> figures{le.mid, le.rad};
  for (std::size_t j = 0; j < K; ++j) {
    const Ball::Enclosure g = (e[j] / z * (Ball(fk[j]) - l)).to_enclosure();
    r.gradient.push_back(g.mid);
    r.error.push_back(g.rad);
    figures.push_back(g.mid);
    figures.push_back(g.rad);
  }
  r.certificate = certificate_of(true, figures, "softmax, L and p_j (f_j - L) in Arb ball arithmetic");
  return r;
}

std::uint64_t support_points(const Model& m) {
  return std::visit(
      [](const auto& d) -> std::uint64_t {
        if constexpr (std::decay_t<decltype(d)>::has_enumerate_support) return support_size(d);
        else return 0;
      },
      m.dist);
}

/// Per support point j: p̂_j (a product of `inputs_per_point` rounded inputs, left to right),
/// the score ŝ_j (dim entries, rounded inputs), and the point x_j (n entries).
struct PointTable {
  std::uint64_t points = 0;
  std::size_t n = 0, dim = 0, inputs_per_point = 0;
  std::vector<double> p, scores, x;
  Inputs in;
};

PointTable point_table(const Model& m) {
  PointTable t;
  t.points = support_points(m);
  t.n = m.sample_dim();
  t.dim = m.theta_dim();
  t.p.resize(t.points);
  t.scores.resize(t.points * t.dim);
  t.x.resize(t.points * t.n);
  if (const auto* b = std::get_if<BernoulliLogits>(&m.dist)) {
    const std::size_t n = b->size();
    std::vector<double> q1(n), q0(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Ball th(b->logits[i]);
      q1[i] = t.in.add(sigmoid(th), true);
      q0[i] = t.in.add(sigmoid(-th), true);
    }
    t.inputs_per_point = n;
    for (std::uint64_t j = 0; j < t.points; ++j) {
      if (j % kChunk == 0) oracle_checkpoint();
      double p = 1.0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool bit = ((j >> i) & 1u) != 0;
        t.x[j * n + i] = bit ? 1.0 : 0.0;
        p = i == 0 ? (bit ? q1[0] : q0[0]) : p * (bit ? q1[i] : q0[i]);
        t.scores[j * t.dim + i] = bit ? q0[i] : -q1[i];
      }
      t.p[j] = p;
    }
  } else {
    const auto& c = std::get<CategoricalLogits>(m.dist);
    const std::size_t K = c.size();
    const double mx = *std::max_element(c.logits.begin(), c.logits.end());
    std::vector<Ball> e(K), prefix(K + 1), suffix(K + 1);
    for (std::size_t k = 0; k < K; ++k) e[k] = exp(Ball(c.logits[k]) - Ball(mx));
    for (std::size_t k = 0; k < K; ++k) prefix[k + 1] = prefix[k] + e[k];
    for (std::size_t k = K; k-- > 0;) suffix[k] = suffix[k + 1] + e[k];
    const Ball& z = prefix[K];
    std::vector<double> p(K), rest(K);
    for (std::size_t k = 0; k < K; ++k) {
      if (k % kChunk == 0) oracle_checkpoint();
      p[k] = t.in.add(e[k] / z, true);
      rest[k] = t.in.add((prefix[k] + suffix[k + 1]) / z, true);  // 1 - p_k without cancellation
    }
    t.inputs_per_point = 1;
    for (std::size_t k = 0; k < K; ++k) {
      t.p[k] = p[k];
      for (std::size_t j = 0; j < K; ++j) {
        t.x[k * K + j] = j == k ? 1.0 : 0.0;
        t.scores[k * K + j] = j == k ? rest[k] : -p[j];
      }
    }
  }
  return t;
}

// Multi-sample objective: per tuple a running bound D (see multisample_finite).
struct MsAcc {
  Sum2 obj;
  double obj_abs = 0.0, obj_d = 0.0;
  std::vector<Sum2> grad;
  std::vector<double> grad_abs, grad_d;
  bool normal = true;  ///< every mean of f was >= 2^-1021 (no underflow in the division by K)
};

}  // namespace

ExactGradient enumerate_finite(const Model& m, int threads) {
  if (const auto* b = std::get_if<BernoulliLogits>(&m.dist)) return bernoulli(m, *b, threads);
  if (const auto* c = std::get_if<CategoricalLogits>(&m.dist)) return categorical(m, *c);
  raise_input_error("problem", "a finite support for enumeration", "'" + m.problem->spec() + "'");
}

ExactGradient toy_closed_form(double theta, double f0, double f1) {
  const Ball th(theta);
  const Ball p = sigmoid(th), q = sigmoid(-th);
  const Ball l = p * Ball(f1) + q * Ball(f0);
  const Ball g = p * q * (Ball(f1) - Ball(f0));
  const Ball::Enclosure le = l.to_enclosure(), ge = g.to_enclosure();
  ExactGradient r;
  r.method = ExactMethod::closed_form;
  r.objective = le.mid;
  r.objective_error = le.rad;
  r.gradient = {ge.mid};
  r.error = {ge.rad};
  r.certificate = certificate_of(true, {le.mid, le.rad, ge.mid, ge.rad},
                                 "σ(θ) f(1) + σ(-θ) f(0) and σ(θ)σ(-θ)(f(1) - f(0)) in Arb ball arithmetic");
  return r;
}

// L_K by K-tuples. Per tuple (indices j_1..j_K):
//   ŵ = Π p̂_{j_k} (K c inputs, K c - 1 roundings: |ŵ - w| <= e_w = (γ_w ŵ + A_w)/(1 - γ_w),
//   γ_w = γ_{2Kc}, A_w = 2 (K Σα + K c η));
//   ŷ = fl(fl(Σ f_{j_k}) / K) = ȳ(1 + θ), |θ| <= γ_K(u) (positive terms; ŷ >= 2^-1021 checked, so
//   no underflow), hence |log ŷ - log ȳ| <= λ = γ_K/(1 - γ_K);
//   ℓ̂ = the double nearest to Arb's midpoint of log ŷ (64 bits): |ℓ̂ - log ȳ| <= e_ℓ = rad + u|ℓ̂| + λ;
//   Ŝ_i = fl(Σ_k ŝ_{j_k,i}): |Ŝ_i - S_i| <= e_S = γ_K(ũ)/(1 - γ_K(u)) Σ̂|ŝ| + 2 K Σα (Σ̂|ŝ| summed
//   plainly, so the true Σ|ŝ| <= Σ̂|ŝ|/(1 - γ_K(u))).
// Terms t̂_w = fl(ŵ ℓ̂), t̂_i = fl(t̂_w Ŝ_i); with w <= 1, |ℓ| <= |ℓ̂| + e_ℓ, |S| <= |Ŝ| + e_S:
//   |t̂_w - wℓ| <= D_w = 2u|t̂_w| + 2η + e_w(|ℓ̂| + e_ℓ) + ŵ e_ℓ,
//   |t̂_i - wℓS_i| <= D_i = 2u|t̂_i| + 3η + (2u|t̂_w| + 2η)|Ŝ_i| + (e_w(|ℓ̂| + e_ℓ) + ŵ e_ℓ)(|Ŝ_i| + e_S) + ŵ|ℓ̂| e_S.
// The D's are computed in double (non-negative, at most 32 roundings deep: the true D <= D̂ (1 + γ_32)
// + 32 η each) and summed plainly (<= 1/(1 - γ_M)); the t̂'s by Sum2.
ExactGradient multisample_finite(const Model& m, int k, int threads) {
  const std::size_t dim = m.theta_dim(), K = static_cast<std::size_t>(k);
  const std::uint64_t points = support_points(m);
  if (points == 0)
    raise_input_error("problem", "a finite support for the multi-sample objective", "'" + m.problem->spec() + "'");
  const double tuples = std::pow(static_cast<double>(points), static_cast<double>(K));
  if (tuples > double(1 << 24))
    raise_input_error("problem", "at most 2^24 K-tuples of support points for the exact L_K",
                      format_double(tuples) + " (support " + std::to_string(points) + ", K = " + std::to_string(K) + ")");
  const PointTable pt = point_table(m);
  std::vector<double> f(points);
  for (std::uint64_t j = 0; j < points; ++j) {
    f[j] = m.f(std::span(pt.x).subspan(j * pt.n, pt.n));
    if (!(f[j] > 0.0))
      raise_input_error("problem", "f > 0 on the support for log (1/K) Σ f",
                        "f = " + format_double(f[j]) + " at support point " + std::to_string(j));
  }
  const double kd = static_cast<double>(K), cd = static_cast<double>(pt.inputs_per_point);
  const Ball unit = pt.in.unit(), u(kU), one(1.0);
  const Ball gw = gamma(2.0 * kd * cd, unit);
  const double ew_rel = upper_bound(gw / (one - gw));
  const double ew_abs = upper_bound(Ball(2.0) * (Ball(kd) * pt.in.alpha_sum() + Ball(kd * cd) * Ball(kEta)) / (one - gw));
  const Ball gk = gamma(kd, u);
  const double lambda = upper_bound(gk / (one - gk));
  const double es_rel = upper_bound(gamma(kd, unit) / (one - gk));
  const double es_abs = upper_bound(Ball(2.0 * kd) * pt.in.alpha_sum());
  const auto total = static_cast<std::uint64_t>(tuples);
  const std::uint64_t chunks = (total + kChunk - 1) / kChunk;
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, MsAcc acc) {
    std::vector<double> s(dim), sa(dim);
    // log ŷ cache, direct-mapped on ŷ's bits: ℓ̂ and rad + u|ℓ̂|. A pure function of ŷ, so one
    // cache per thread across calls changes no bits (it only saves Arb calls).
    constexpr std::size_t kCache = 4096;
    thread_local std::vector<std::uint64_t> keys(kCache, ~std::uint64_t{0});
    thread_local std::vector<double> logs(kCache), log_errs(kCache);
    arb_t lg;
    arb_init(lg);
    arf_t yf, rad;
    arf_init(yf);
    arf_init(rad);
    std::vector<std::uint64_t> digits(K);  // tuple t = Σ_q digits[q] points^q, advanced as an odometer
    for (std::uint64_t c = r.begin(); c != r.end(); ++c) {
      oracle_checkpoint();
      for (std::uint64_t code = c * kChunk, q = 0; q < K; ++q, code /= points) digits[q] = code % points;
      for (std::uint64_t t = c * kChunk; t < std::min(total, (c + 1) * kChunk); ++t) {
        if (t != c * kChunk)
          for (std::size_t q = 0; q < K && ++digits[q] == points; ++q) digits[q] = 0;
        double w = 1.0, sum_f = 0.0;
        std::fill(s.begin(), s.end(), 0.0);
        std::fill(sa.begin(), sa.end(), 0.0);
        for (std::size_t q = 0; q < K; ++q) {
          const std::uint64_t j = digits[q];
          w = q == 0 ? pt.p[j] : w * pt.p[j];
          sum_f = q == 0 ? f[j] : sum_f + f[j];
          for (std::size_t i = 0; i < dim; ++i) {
            const double sc = pt.scores[j * dim + i];
            s[i] = q == 0 ? sc : s[i] + sc;
            sa[i] += std::abs(sc);
          }
        }
        const double y = sum_f / kd;
        if (!(y >= kNormal)) acc.normal = false;
        const std::uint64_t bits = std::bit_cast<std::uint64_t>(y);
        const std::size_t slot = static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> 52);  // 4096 slots
        if (keys[slot] != bits) {
          arf_set_d(yf, y);
          arb_log_arf(lg, yf, 64);
          const double mid = arf_get_d(arb_midref(lg), ARF_RND_NEAR);
          logs[slot] = mid;
          arf_set_mag(rad, arb_radref(lg));
          log_errs[slot] = arf_get_d(rad, ARF_RND_UP) + kU * std::abs(mid);
          keys[slot] = bits;
        }
        const double l = logs[slot], el = log_errs[slot] + lambda;
        const double ew = ew_rel * w + ew_abs;
        const double lw = ew * (std::abs(l) + el) + w * el;
        const double tw = w * l;
        acc.obj.add(tw);
        acc.obj_abs += std::abs(tw);
        acc.obj_d += 2.0 * kU * std::abs(tw) + 2.0 * kEta + lw;
        for (std::size_t i = 0; i < dim; ++i) {
          const double ti = tw * s[i], es = es_rel * sa[i] + es_abs, as = std::abs(s[i]);
          acc.grad[i].add(ti);
          acc.grad_abs[i] += std::abs(ti);
          acc.grad_d[i] += 2.0 * kU * std::abs(ti) + 3.0 * kEta + (2.0 * kU * std::abs(tw) + 2.0 * kEta) * as +
                           lw * (as + es) + w * std::abs(l) * es;
        }
      }
    }
    arf_clear(rad);
    arf_clear(yf);
    arb_clear(lg);
    return acc;
  };
  auto join = [](MsAcc a, const MsAcc& b) {
    a.obj.merge(b.obj);
    a.obj_abs += b.obj_abs;
    a.obj_d += b.obj_d;
    a.normal = a.normal && b.normal;
    for (std::size_t i = 0; i < a.grad.size(); ++i) {
      a.grad[i].merge(b.grad[i]);
      a.grad_abs[i] += b.grad_abs[i];
      a.grad_d[i] += b.grad_d[i];
    }
    return a;
  };
  MsAcc identity;
  identity.grad.resize(dim);
  identity.grad_abs.resize(dim);
  identity.grad_d.resize(dim);
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  const MsAcc sums = arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, chunks, 1), identity, leaf,
                                              join, tbb::simple_partitioner());
  });
  const double nt = static_cast<double>(total), adds = nt + 2.0 * static_cast<double>(chunks) + 2.0;
  const Ball gm = gamma(adds, u), g32 = gamma(32.0, u);
  const Ball d_slack = Ball(nt) * Ball(32.0) * Ball(kEta);
  auto bound = [&](double abs_sum, double d_sum) {
    // Sum2 of the t̂ (k = 0: the terms' own errors are in D) plus Σ D.
    return upper_bound(Ball(sum_bound(abs_sum, 0.0, u, Ball(0.0), adds)) + Ball(d_sum) * (one + g32) / (one - gm) +
                 d_slack);
  };
  ExactGradient r;
  r.method = ExactMethod::enumeration;
  r.support_points = total;
  r.objective = sums.obj.value();
  r.objective_error = bound(sums.obj_abs, sums.obj_d);
  std::vector<double> figures{r.objective, r.objective_error};
  for (std::size_t i = 0; i < dim; ++i) {
    r.gradient.push_back(sums.grad[i].value());
    r.error.push_back(bound(sums.grad_abs[i], sums.grad_d[i]));
    figures.push_back(r.gradient.back());
    figures.push_back(r.error.back());
  }
  r.certificate = certificate_of(pt.in.ok(), figures,
                                 "probabilities enclosed in Arb, log of the mean in Arb (64 bits), products and "
                                 "sums in double with a running Higham bound per tuple and the Sum2 bound");
  if (!sums.normal)
    r.certificate = estimated("a mean (1/K) Σ f fell below 2^-1021 (the division's underflow is not bounded)");
  return r;
}

// Moments over every tuple of K draws: ŵ = Π p̂ (K c inputs, K c - 1 roundings), t̂1 = fl(ŵ ĝ)
// (k = 2Kc), t̂2 = fl(t̂1 ĝ) (k = 2Kc + 1), ĝ exact inputs; A per term 2 (K Σα + (Kc + 2) η)
// max(1, |ĝ|) (resp. max(1, ĝ²)). Sequential sums: M = N + 2. Var = fl(ŝ2 - fl(ŝ1²)):
// |Var - V̂| <= e2 + e1 (2|ŝ1| + e1) + u ŝ1² + η + u(|ŝ2| + ŝ1²(1 + u) + η).
std::optional<EstimatorMoments> tuple_moments(const Estimator& est, const Model& m) {
  const int draws = est.draws();
  if (draws <= 0) return std::nullopt;
  if (m.problem->family() != Family::bernoulli && m.problem->family() != Family::categorical) return std::nullopt;
  const std::size_t K = static_cast<std::size_t>(draws), dim = m.theta_dim();
  const std::uint64_t points = support_points(m);
  const double tuples = std::pow(static_cast<double>(points), static_cast<double>(K));
  if (tuples > double(1 << 22)) return std::nullopt;
  const PointTable pt = point_table(m);
  const std::size_t n = pt.n;
  std::vector<double> xs(K * n), scratch(est.scratch_size(m)), g(dim);
  std::vector<Sum2> s1(dim), s2(dim);
  std::vector<double> abs1(dim, 0.0), abs2(dim, 0.0), gmax(dim, 0.0);
  const auto total = static_cast<std::uint64_t>(tuples);
  std::vector<std::uint64_t> digits(K, 0);  // tuple t = Σ_q digits[q] points^q, as an odometer
  for (std::uint64_t t = 0; t < total; ++t) {
    if (t % kChunk == 0) oracle_checkpoint();
    if (t != 0)
      for (std::size_t q = 0; q < K && ++digits[q] == points; ++q) digits[q] = 0;
    double w = 1.0;
    for (std::size_t q = 0; q < K; ++q) {
      const std::uint64_t j = digits[q];
      std::copy_n(pt.x.begin() + static_cast<std::ptrdiff_t>(j * n), n, xs.begin() + static_cast<std::ptrdiff_t>(q * n));
      w = q == 0 ? pt.p[j] : w * pt.p[j];
    }
    est.value_at(m, xs, scratch, g);
    for (std::size_t i = 0; i < dim; ++i) {
      const double t1 = w * g[i], t2 = t1 * g[i];
      s1[i].add(t1);
      s2[i].add(t2);
      abs1[i] += std::abs(t1);
      abs2[i] += std::abs(t2);
      gmax[i] = max_abs(gmax[i], g[i]);
    }
  }
  const double kd = static_cast<double>(K), cd = static_cast<double>(pt.inputs_per_point);
  const double nt = static_cast<double>(total), adds = nt + 2.0;
  const Ball unit = pt.in.unit(), u(kU), eta(kEta);
  const Ball a_per = Ball(nt) * Ball(2.0) * (Ball(kd) * pt.in.alpha_sum() + Ball(kd * cd + 2.0) * eta);
  EstimatorMoments r;
  r.method = "enumeration of every tuple of draws";
  std::vector<double> figures;
  for (std::size_t i = 0; i < dim; ++i) {
    const double g1 = std::max(1.0, gmax[i]);
    const double e1 = sum_bound(abs1[i], 2.0 * kd * cd, unit, a_per * Ball(g1), adds);
    const double e2 = sum_bound(abs2[i], 2.0 * kd * cd + 1.0, unit, a_per * Ball(g1) * Ball(g1), adds);
    const double mean = s1[i].value(), second = s2[i].value();
    const double var = second - mean * mean;
    const Ball bm(std::abs(mean)), be1(e1);
    const double var_err = upper_bound(Ball(e2) + be1 * (Ball(2.0) * bm + be1) + u * bm * bm + eta +
                                 u * (Ball(std::abs(second)) + bm * bm * (Ball(1.0) + u) + eta));
    r.mean.push_back(mean);
    r.mean_error.push_back(e1);
    r.variance.push_back(var);
    r.variance_error.push_back(var_err);
    for (double v : {mean, e1, var, var_err}) figures.push_back(v);
  }
  r.certificate = certificate_of(pt.in.ok(), figures,
                                 "probabilities enclosed in Arb; weights, Σ p ĝ and Σ p ĝ² in double with "
                                 "Higham's γ_k, underflow terms and the Sum2 bound (ĝ: the estimator's doubles)");
  return r;
}

}  // namespace estcheck::certified
