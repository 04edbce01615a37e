// estimators/problems/amortized.hpp — amortized problems: θ are network weights that map linearly
// to the logits of the Bernoulli variables (RELAX, Grathwohl et al. 2018, §3.3 and eq. 17:
// ∂/∂W E[f] = g · ∂θ/∂W with θ_logits = x·W + c).
//
// An amortized problem declares
// - a LogitMap A (logit_dim × theta_dim, sparse rows): logits = A θ; an estimator's sample ĝ of
//   ∇_logits E[f] becomes a sample Aᵀ ĝ of ∇θ E[f] (estimators/amortized.hpp does this in one
//   place for every estimator; the oracle likewise, verify/oracles/amortized_exact.hpp);
// - its logit problem: the same f, as a Bernoulli problem whose θ is the logit_dim logits;
// - the block structure of f = Σ_m f_m(b_m) (blocks of block_bits consecutive variables, each with
//   its own logits), so the exact oracle enumerates 2^block_bits states per block, not 2^logit_dim;
// - how each block value is computed (BlockSumForm): a left-to-right double sum of `terms`
//   constants, each a signed sum of log-sigmoids of exact arguments, so the certified oracle can
//   enclose every constant in Arb and bound the sum's rounding (libm is not trusted).
#pragma once

#include "estimators/problems/problem.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace estcheck {

/// logits = A θ; row r holds the entries row_start[r] .. row_start[r + 1] - 1.
struct LogitMap {
  std::size_t theta_dim = 0, logit_dim = 0;
  std::vector<std::size_t> row_start;     ///< logit_dim + 1 offsets
  std::vector<std::uint32_t> column;      ///< θ index of each entry
  std::vector<double> coefficient;        ///< A's entry
};

/// out = A θ, each row summed left to right (fixed order: the same bits everywhere).
void logits(const LogitMap& map, std::span<const double> theta, std::span<double> out);
/// out = Aᵀ g (out has theta_dim values), accumulated row by row in order.
void pull_back(const LogitMap& map, std::span<const double> g, std::span<double> out);

/// A double constant of f and the real it stands for, Σ_k weight_k log σ(argument_k) (weights and
/// arguments exact doubles).
struct LogSigmoidConstant {
  double value = 0.0;
  std::vector<std::pair<double, double>> parts;  ///< (weight, argument)
};

/// Every block value is fl(c_1 + c_2 + ... + c_terms), summed left to right, with each c_i one of
/// `constants` (as stored).
struct BlockSumForm {
  std::size_t terms = 0;
  std::vector<LogSigmoidConstant> constants;
};

class Amortization {
 public:
  virtual ~Amortization() = default;
  virtual const LogitMap& logit_map() const = 0;
  /// The same f as a Bernoulli problem over logit_dim variables whose θ is the logits.
  virtual const Problem& logit_problem() const = 0;
  /// f = Σ_m f_m over blocks() blocks of block_bits() consecutive variables.
  virtual std::size_t blocks() const = 0;
  virtual std::size_t block_bits() const = 0;
  /// f_m at every state of block m (index Σ_j b_j 2^j), as f computes it: 2^block_bits values.
  virtual void block_table(std::size_t block, std::span<double> out) const = 0;
  /// f_m(b_m) for every block m at one sample x (logit_dim values in {0, 1}), written to `out`
  /// (blocks() values): the block tables' own bits, and f(x) is their left-to-right sum. Read by
  /// estimators of the blockwise multi-sample bound (Estimator::sample_block_log_weights, VIMCO).
  virtual void block_values(std::span<const double> x, std::span<double> out) const = 0;
  /// How the block values are computed, for the certified oracle.
  virtual BlockSumForm block_sum_form() const = 0;
};

}  // namespace estcheck
