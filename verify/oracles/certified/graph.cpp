// verify/oracles/certified/graph.cpp — see graph.hpp: ball jets and the certified enumeration of a
// graph's exact figures.
#include "verify/oracles/certified/graph.hpp"

#include "estimators/core/error.hpp"
#include "estimators/problems/graph_eval.hpp"
#include "verify/oracles/budget.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace estcheck::certified {

namespace {

constexpr slong P = kBallPrecision;
constexpr std::uint64_t kChunk = 256;  ///< assignments per leaf of the reduction, in order

/// r += c · a entrywise (r allocated as zeros to a's size when empty); nothing when a is empty.
void axpy(std::vector<Ball>& r, const Ball& c, const std::vector<Ball>& a) {
  if (a.empty()) return;
  if (r.empty()) r.resize(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) arb_addmul(r[i].get(), c.get(), a[i].get(), P);
}

/// r += s · a entrywise with s = ±1.
void add(std::vector<Ball>& r, const std::vector<Ball>& a, bool subtract = false) {
  if (a.empty()) return;
  if (r.empty()) {
    r = a;
    if (subtract)
      for (Ball& x : r) arb_neg(x.get(), x.get());
    return;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (subtract) arb_sub(r[i].get(), r[i].get(), a[i].get(), P);
    else arb_add(r[i].get(), r[i].get(), a[i].get(), P);
  }
}

/// Over i ≤ j: h_ij += c (x_i y_j + y_i x_j) when `both` (the product rule's ∇a ∇bᵀ + ∇b ∇aᵀ),
/// else h_ij += c x_i y_j (the chain rule's f'' ∇u ∇uᵀ, with x = y).
void add_outer(std::vector<Ball>& h, const Ball& c, const std::vector<Ball>& x, const std::vector<Ball>& y,
               bool both) {
  if (x.empty() || y.empty() || h.empty()) return;
  const std::size_t d = x.size();
  Ball t;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      arb_mul(t.get(), x[i].get(), y[j].get(), P);
      if (both) arb_addmul(t.get(), y[i].get(), x[j].get(), P);
      arb_addmul(h[upper_index(i, j, d)].get(), c.get(), t.get(), P);
    }
}

/// f(u) from f(u.v), f'(u.v), f''(u.v): g = f' ∇u, h = f' ∇²u + f'' ∇u ∇uᵀ.
Jet chain(const Jet& u, Ball f0, const Ball& f1, const Ball& f2) {
  Jet r;
  r.v = std::move(f0);
  axpy(r.g, f1, u.g);
  if (!u.h.empty()) {
    axpy(r.h, f1, u.h);
    add_outer(r.h, f2, u.g, u.g, false);
  }
  return r;
}

}  // namespace

Jet operator+(const Jet& a, const Jet& b) {
  Jet r = a;
  return r += b;
}
Jet operator-(const Jet& a, const Jet& b) {
  Jet r = a;
  return r -= b;
}
Jet& operator+=(Jet& a, const Jet& b) {
  arb_add(a.v.get(), a.v.get(), b.v.get(), P);
  add(a.g, b.g);
  add(a.h, b.h);
  return a;
}
Jet& operator-=(Jet& a, const Jet& b) {
  arb_sub(a.v.get(), a.v.get(), b.v.get(), P);
  add(a.g, b.g, true);
  add(a.h, b.h, true);
  return a;
}
Jet operator-(const Jet& a) {
  Jet r = a;
  arb_neg(r.v.get(), r.v.get());
  for (Ball& x : r.g) arb_neg(x.get(), x.get());
  for (Ball& x : r.h) arb_neg(x.get(), x.get());
  return r;
}

Jet operator*(const Jet& a, const Jet& b) {
  Jet r;
  arb_mul(r.v.get(), a.v.get(), b.v.get(), P);
  axpy(r.g, b.v, a.g);
  axpy(r.g, a.v, b.g);
  if (!a.h.empty() || !b.h.empty()) {
    axpy(r.h, b.v, a.h);
    axpy(r.h, a.v, b.h);
    if (r.h.empty() && !r.g.empty()) r.h.resize(r.g.size() * (r.g.size() + 1) / 2);
    add_outer(r.h, Ball(1.0), a.g, b.g, true);  // ∇a ∇bᵀ + ∇b ∇aᵀ
  }
  return r;
}
Jet& operator*=(Jet& a, const Jet& b) { return a = a * b; }

Jet operator*(double c, const Jet& a) {
  const Ball cb(c);
  Jet r;
  arb_mul(r.v.get(), a.v.get(), cb.get(), P);
  axpy(r.g, cb, a.g);
  axpy(r.h, cb, a.h);
  return r;
}
Jet operator*(const Jet& a, double c) { return c * a; }

Jet operator/(const Jet& a, const Jet& b) {
  // 1/b: f = 1/v, f' = -1/v², f'' = 2/v³.
  Ball f0 = Ball(1.0) / b.v;
  Ball f1 = -(f0 * f0);
  Ball f2 = Ball(-2.0) * f1 * f0;
  return a * chain(b, f0, f1, f2);
}

Jet exp(const Jet& a) {
  Ball e = certified::exp(a.v);
  return chain(a, e, e, e);
}

Jet log(const Jet& a) {
  Ball inv = Ball(1.0) / a.v;
  return chain(a, certified::log(a.v), inv, -(inv * inv));
}

Jet tanh_t(const Jet& a) {
  Ball t, c;
  arb_tanh(t.get(), a.v.get(), P);
  arb_sech(c.get(), a.v.get(), P);
  Ball f1 = c * c;  // sech², no cancellation in 1 - tanh² at large |a|
  return chain(a, t, f1, Ball(-2.0) * t * f1);
}

Jet sin(const Jet& a) {
  Ball s, c;
  arb_sin_cos(s.get(), c.get(), a.v.get(), P);
  return chain(a, s, c, -s);
}

Jet cos(const Jet& a) {
  Ball s, c;
  arb_sin_cos(s.get(), c.get(), a.v.get(), P);
  return chain(a, c, -s, -c);
}

Jet inside_t(const Jet& a, double b) {
  const Ball m = abs(a.v), bound(b);
  if (arb_le(m.get(), bound.get())) return Jet(1.0);
  if (arb_gt(m.get(), bound.get())) return Jet(0.0);
  throw UndecidedBranch("the ball " + a.v.str(25) + " straddles the threshold |x| <= " + format_double(b) +
                        " of an 'inside' node");
}

namespace {
/// σ(a) and σ(-a) from one exponential: e^a / (1 + e^a) and 1 / (1 + e^a) (no overflow in Arb).
void sigmoids(const Ball& e, Ball& s, Ball& sb) {
  Ball one_plus = Ball(1.0) + e;
  sb = Ball(1.0) / one_plus;
  s = e / one_plus;
}
}  // namespace

Jet softplus(const Jet& a) {
  const Ball e = certified::exp(a.v);
  Ball s, sb;
  sigmoids(e, s, sb);
  return chain(a, certified::log1p(e), s, s * sb);
}

Jet sigmoid_t(const Jet& a) {
  const Ball e = certified::exp(a.v);
  Ball s, sb;
  sigmoids(e, s, sb);
  Ball f1 = s * sb;
  return chain(a, s, f1, f1 * (sb - s));
}

double val(const Jet& a) { return arf_get_d(arb_midref(a.v.get()), ARF_RND_NEAR); }

namespace {

using Sums = std::vector<Ball>;

Sums join(Sums a, const Sums& b) {
  for (std::size_t i = 0; i < a.size(); ++i) arb_add(a[i].get(), a[i].get(), b[i].get(), P);
  return a;
}

/// The assignment with code `code` in this route's order, the LAST discrete stochastic node fastest
/// (mixed radix), written into `choice`; returns the first node whose draw differs from what
/// `choice` held (nodes.size() when none). Consecutive codes then differ only in the last few
/// stochastic nodes, and the forward pass restarts there (graph_eval::evaluate_from): on chains
/// and MDPs a few steps per assignment instead of the whole horizon.
std::size_t assignment_last_fastest(const Graph& g, std::uint64_t code, std::span<double> choice) {
  std::size_t first = g.nodes.size();
  for (auto it = g.stochastic.rbegin(); it != g.stochastic.rend(); ++it) {
    const std::size_t w = *it;
    if (g.support[w] == 0) continue;  // gaussian: not enumerated
    const double v = static_cast<double>(code % g.support[w]);
    code /= g.support[w];
    if (choice[w] != v) {
      choice[w] = v;
      first = w;
    }
  }
  return first;
}

/// Σ over every joint assignment of term(choice, first, acc) (which adds one assignment's terms
/// into acc, dim balls; the nodes before `first` are as the previous call on this thread left
/// them, `first` = 0 at the start of each leaf) in the fixed tree; first times a few assignments
/// and refuses the route (oracle_expect) when the whole sum is predicted to outlast the budget.
template <class Term>
Sums enumerate(const Graph& g, std::size_t dim, int threads, const std::string& what, const Term& term) {
  const std::uint64_t count = assignment_count(g);
  const std::uint64_t chunks = (count + kChunk - 1) / kChunk;
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  {
    // 64 consecutive assignments: the restarts' mix of short and long passes, as in a leaf.
    const std::uint64_t probe = std::min<std::uint64_t>(count, 64);
    std::vector<double> choice(g.nodes.size(), 0.0);
    Sums scratch(dim);
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t a = 0; a < probe; ++a) {
      const std::size_t first = assignment_last_fastest(g, a, choice);
      term(std::span<const double>(choice), a == 0 ? 0 : first, scratch);
      oracle_checkpoint();
    }
    const double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                       static_cast<double>(std::max<std::uint64_t>(probe, 1));
    const double workers = std::min<double>(static_cast<double>(arena.max_concurrency()), static_cast<double>(chunks));
    oracle_expect(per * static_cast<double>(count) / std::max(1.0, workers),
                  "the certified (ball-arithmetic) enumeration of " + what);
  }
  auto leaf = [&](const tbb::blocked_range<std::uint64_t>& r, Sums acc) {
    std::vector<double> choice(g.nodes.size(), 0.0);
    bool fresh = true;  // the leaf's first pass evaluates every node
    for (std::uint64_t c = r.begin(); c != r.end(); ++c)
      for (std::uint64_t a = c * kChunk; a < std::min(count, (c + 1) * kChunk); ++a) {
        const std::size_t first = assignment_last_fastest(g, a, choice);
        term(std::span<const double>(choice), fresh ? 0 : first, acc);
        fresh = false;
        oracle_checkpoint();
      }
    return acc;
  };
  return arena.execute([&] {
    return tbb::parallel_deterministic_reduce(tbb::blocked_range<std::uint64_t>(0, chunks, 1), Sums(dim), leaf, join,
                                              tbb::simple_partitioner());
  });
}

/// The forward pass of `term`: every node when `first` is 0, else from node `first` on.
void forward(const Graph& g, std::span<const Jet> theta, std::span<const double> choice, std::vector<Jet>& v,
             std::vector<Jet>& logp, std::size_t first) {
  if (first == 0 || v.size() != g.nodes.size()) graph_eval::evaluate<Jet>(g, theta, choice, v, logp);
  else graph_eval::evaluate_from<Jet>(g, theta, choice, v, logp, first);
}

Jet sum_of(const std::vector<std::size_t>& nodes, const std::vector<Jet>& x) {
  Jet s(0.0);
  for (std::size_t i : nodes) s += x[i];
  return s;
}

}  // namespace

std::vector<Ball> graph_derivative_sums(const Graph& g, std::span<const double> theta, int order, int threads) {
  const std::size_t d = theta.size(), t = d * (d + 1) / 2;
  const std::size_t dim = 1 + (order == 2 ? t : d);
  // θ_i as a jet: value θ_i, gradient e_i, Hessian 0.
  std::vector<Jet> seeds(d);
  for (std::size_t i = 0; i < d; ++i) {
    seeds[i] = Jet(theta[i]);
    seeds[i].g.resize(d);
    arb_one(seeds[i].g[i].get());
    if (order == 2) seeds[i].h.resize(t);
  }
  const auto term = [&](std::span<const double> choice, std::size_t first, Sums& acc) {
    thread_local std::vector<Jet> v, logp;
    forward(g, std::span<const Jet>(seeds), choice, v, logp, first);
    // exp(log p_a) · f_a: value p f, gradient p (f ∇log p + ∇f), Hessian p (f (∇²log p +
    // ∇log p ∇log pᵀ) + ∇log p ∇fᵀ + ∇f ∇log pᵀ + ∇²f), by the jets' product and chain rules.
    const Jet pf = exp(sum_of(g.stochastic, logp)) * sum_of(g.costs, v);
    arb_add(acc[0].get(), acc[0].get(), pf.v.get(), P);
    const std::vector<Ball>& part = order == 2 ? pf.h : pf.g;
    for (std::size_t i = 0; i < part.size(); ++i) arb_add(acc[1 + i].get(), acc[1 + i].get(), part[i].get(), P);
  };
  return enumerate(g, dim, threads, std::string(order == 2 ? "the Hessian" : "the gradient") + " of graph '" + g.name + "'",
                   term);
}

std::vector<Ball> graph_moment_sums(const Graph& g, std::span<const double> theta, std::size_t out,
                                    const GraphSampleAt& sample_at, int threads) {
  std::vector<Jet> th(theta.begin(), theta.end());  // values only: no derivatives needed
  const auto term = [&](std::span<const double> choice, std::size_t first, Sums& acc) {
    thread_local std::vector<Jet> v, logp;
    thread_local std::vector<double> sample;
    sample.resize(out);
    forward(g, std::span<const Jet>(th), choice, v, logp, first);
    const Ball p = certified::exp(sum_of(g.stochastic, logp).v);
    sample_at(choice, sample);
    Ball t1, s;
    for (std::size_t i = 0; i < out; ++i) {
      arb_set_d(s.get(), sample[i]);  // exact (NaN or ±inf give a non-finite ball)
      arb_mul(t1.get(), p.get(), s.get(), P);
      arb_add(acc[i].get(), acc[i].get(), t1.get(), P);
      arb_addmul(acc[out + i].get(), t1.get(), s.get(), P);
    }
  };
  return enumerate(g, 2 * out, threads, "the estimator's moments on graph '" + g.name + "'", term);
}

}  // namespace estcheck::certified
