// verify/harness/moments.cpp — see moments.hpp.
#include "verify/harness/moments.hpp"

#include <cmath>

namespace estcheck {

std::vector<double> Moments::variance() const {
  std::vector<double> v(dim(), 0.0);
  if (count < 2) return v;
  for (std::size_t i = 0; i < dim(); ++i) v[i] = m2[i] / static_cast<double>(count - 1);
  return v;
}

namespace {

/// The two passes over coordinates [c0, c0 + W) of the block, with the W accumulators held in
/// registers (a fixed W lets the compiler keep them there and vectorize across coordinates). Each
/// coordinate's sums still run over the rows in order, so the result does not depend on W.
template <std::size_t W>
[[gnu::always_inline]] inline void moments_chunk(const double* __restrict x, std::size_t count,
                                                 std::size_t dim, std::size_t c0,
                                                 double* __restrict mean, double* __restrict m2,
                                                 double* __restrict mean_abs) {
  double s[W] = {}, a[W] = {}, q[W] = {};
  for (std::size_t r = 0; r < count; ++r) {
    const double* row = x + r * dim + c0;
    for (std::size_t i = 0; i < W; ++i) {
      s[i] += row[i];
      a[i] += std::abs(row[i]);
    }
  }
  const double inv = 1.0 / static_cast<double>(count);
  for (std::size_t i = 0; i < W; ++i) {
    s[i] *= inv;
    a[i] *= inv;
  }
  for (std::size_t r = 0; r < count; ++r) {
    const double* row = x + r * dim + c0;
    for (std::size_t i = 0; i < W; ++i) {
      const double dlt = row[i] - s[i];
      q[i] += dlt * dlt;
    }
  }
  for (std::size_t i = 0; i < W; ++i) {
    mean[c0 + i] = s[i];
    m2[c0 + i] = q[i];
    mean_abs[c0 + i] = a[i];
  }
}

}  // namespace

Moments block_moments(std::span<const double> samples, std::size_t count, std::size_t dim) {
  Moments m;
  m.count = count;
  m.mean.assign(dim, 0.0);
  m.m2.assign(dim, 0.0);
  m.mean_abs.assign(dim, 0.0);
  if (count == 0) return m;
  // Coordinates in chunks of 8, then 4, 2, 1: every chunk computes the same sums in the same
  // order (rows in order, per coordinate), so the chunking changes no bit.
  const double* x = samples.data();
  std::size_t c0 = 0;
  for (; c0 + 8 <= dim; c0 += 8) moments_chunk<8>(x, count, dim, c0, m.mean.data(), m.m2.data(), m.mean_abs.data());
  for (; c0 + 4 <= dim; c0 += 4) moments_chunk<4>(x, count, dim, c0, m.mean.data(), m.m2.data(), m.mean_abs.data());
  for (; c0 + 2 <= dim; c0 += 2) moments_chunk<2>(x, count, dim, c0, m.mean.data(), m.m2.data(), m.mean_abs.data());
  for (; c0 < dim; ++c0) moments_chunk<1>(x, count, dim, c0, m.mean.data(), m.m2.data(), m.mean_abs.data());
  return m;
}

Moments merge(const Moments& a, const Moments& b) {
  if (a.count == 0) return b;
  if (b.count == 0) return a;
  Moments m;
  m.count = a.count + b.count;
  const double na = static_cast<double>(a.count), nb = static_cast<double>(b.count);
  const double n = static_cast<double>(m.count);
  m.mean.resize(a.dim());
  m.m2.resize(a.dim());
  m.mean_abs.resize(a.dim());
  for (std::size_t i = 0; i < a.dim(); ++i) {
    const double delta = b.mean[i] - a.mean[i];
    m.mean[i] = a.mean[i] + delta * (nb / n);
    m.m2[i] = a.m2[i] + b.m2[i] + delta * delta * (na * nb / n);
    m.mean_abs[i] = a.mean_abs[i] + (b.mean_abs[i] - a.mean_abs[i]) * (nb / n);
  }
  return m;
}

}  // namespace estcheck
