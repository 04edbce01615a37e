// verify/moments.cpp — see moments.hpp.
#include "verify/moments.hpp"

#include <cmath>

namespace estcheck {

std::vector<double> Moments::variance() const {
  std::vector<double> v(dim(), 0.0);
  if (count < 2) return v;
  for (std::size_t i = 0; i < dim(); ++i) v[i] = m2[i] / static_cast<double>(count - 1);
  return v;
}

Moments block_moments(std::span<const double> samples, std::size_t count, std::size_t dim) {
  Moments m;
  m.count = count;
  m.mean.assign(dim, 0.0);
  m.m2.assign(dim, 0.0);
  m.mean_abs.assign(dim, 0.0);
  if (count == 0) return m;
  // Restrict-qualified locals: the rows and the accumulators do not alias, so the inner loops
  // vectorize. The order of additions is the plain row order either way.
  const double* __restrict x = samples.data();
  double* __restrict mean = m.mean.data();
  double* __restrict m2 = m.m2.data();
  double* __restrict mean_abs = m.mean_abs.data();
  for (std::size_t r = 0; r < count; ++r)
    for (std::size_t i = 0; i < dim; ++i) {
      mean[i] += x[r * dim + i];
      mean_abs[i] += std::abs(x[r * dim + i]);
    }
  const double inv = 1.0 / static_cast<double>(count);
  for (std::size_t i = 0; i < dim; ++i) {
    mean[i] *= inv;
    mean_abs[i] *= inv;
  }
  for (std::size_t r = 0; r < count; ++r)
    for (std::size_t i = 0; i < dim; ++i) {
      const double dlt = x[r * dim + i] - mean[i];
      m2[i] += dlt * dlt;
    }
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
