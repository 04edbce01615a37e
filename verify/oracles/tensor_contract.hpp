// verify/oracles/tensor_contract.hpp — one mode product of a dense tensor, for the relaxed
// estimators' moment oracles (estimator_mean.cpp in doubles, certified/relaxed_moments.cpp in Arb
// balls): given the hard sample b those estimators are multilinear in independent per-variable
// features, so their moments are the coefficient tensor contracted axis by axis with each
// variable's feature moments.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace estcheck {

/// Contracts axis `axis` of the tensor t (extents dims, axis 0 fastest) with the rows × dims[axis]
/// matrix A (row-major): out[.., r, ..] = Σ_c A[r][c] t[.., c, ..], summed in c order. Sets
/// dims[axis] = rows. T is double or certified::Ball (whose default value is 0).
template <class T>
std::vector<T> contract(const std::vector<T>& t, std::vector<std::size_t>& dims, std::size_t axis, const T* A,
                        std::size_t rows) {
  std::size_t stride = 1;
  for (std::size_t j = 0; j < axis; ++j) stride *= dims[j];
  const std::size_t k = dims[axis], outer = t.size() / (stride * k);
  std::vector<T> out(outer * rows * stride);
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t s = 0; s < stride; ++s) {
        T acc{};
        for (std::size_t c = 0; c < k; ++c) acc += A[r * k + c] * t[(o * k + c) * stride + s];
        out[(o * rows + r) * stride + s] = std::move(acc);
      }
  dims[axis] = rows;
  return out;
}

}  // namespace estcheck
