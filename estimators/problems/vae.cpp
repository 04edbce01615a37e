// estimators/problems/vae.cpp — see vae.hpp. The discrete VAE of RELAX §6.2 (Grathwohl et al. 2018)
// on the binarized UCI digits (data/digits/), with its amortization (amortized.hpp).
#include "estimators/problems/vae.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/noise.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/core/math.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace estcheck {

namespace {

constexpr std::uint64_t kDigits[] = {
#include "data/digits/digits_binary.inc"
};
constexpr std::size_t kPixels = 64;
/// Decoder state: the 64 integer logits (H = 0) or the H <= 64 hidden pre-activations.
using State = std::array<std::int64_t, 64>;
constexpr std::int64_t kMaxTableHalf = std::int64_t{1} << 22;

/// log σ(y) and σ(y) in double (libm; the certified oracle does not rely on them).
double log_sigmoid_d(double y) { return y >= 0.0 ? -std::log1p(std::exp(-y)) : y - std::log1p(std::exp(y)); }
double sigmoid_d(double y) {
  if (y >= 0.0) return 1.0 / (1.0 + std::exp(-y));
  const double e = std::exp(y);
  return e / (1.0 + e);
}

/// The seed's parameter stream: integers only (Philox bits), so the draws do not depend on libm.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : noise_(seed, 0x564145 /* "VAE" */, 0, Purpose::training) {}
  /// Uniform on {0, ..., r}.
  std::int64_t uniform(std::int64_t r) { return static_cast<std::int64_t>(noise_.bits() % static_cast<std::uint64_t>(r + 1)); }
  /// Triangular on {-r, ..., r}: the sum of two uniforms, centred.
  std::int64_t triangular(std::int64_t r) { return uniform(r) + uniform(r) - r; }

 private:
  Noise noise_;
};

class VaeProblem;

/// The same f with θ = the M·N logits (Amortization::logit_problem).
class VaeLogitProblem final : public Problem {
 public:
  explicit VaeLogitProblem(const VaeProblem& owner) : owner_(owner) {}
  std::string spec() const override;
  Family family() const override { return Family::bernoulli; }
  std::size_t sample_dim() const override;
  std::size_t theta_dim() const override { return sample_dim(); }
  std::string theta_meaning() const override;
  double f(std::span<const double> x) const override;
  bool has_relaxation() const override { return true; }
  double f_relaxed(std::span<const double> z) const override;
  void relaxed_gradient(std::span<const double> z, std::span<double> out) const override;
  std::optional<std::pair<double, double>> f_bounds() const override;
  std::optional<RelaxationEnclosure> relaxation_enclosure() const override;

 private:
  const VaeProblem& owner_;
};

class VaeProblem final : public Problem, public Amortization {
 public:
  VaeProblem(std::size_t n, std::size_t h, std::size_t m, std::uint64_t seed, bool pm1)
      : n_(n), h_(h), m_(m), seed_(seed), pm1_(pm1), shift_(h == 0 ? 6 : 8), logit_problem_(*this) {
    draw();
    build_tables();
    build_map();
  }

  std::string spec() const override {
    return "vae:latents=" + std::to_string(n_) + ",hidden=" + std::to_string(h_) + ",images=" + std::to_string(m_) +
           ",seed=" + std::to_string(seed_) + ",coding=" + (pm1_ ? "pm1" : "01");
  }
  Family family() const override { return Family::bernoulli; }
  std::size_t sample_dim() const override { return m_ * n_; }
  std::size_t theta_dim() const override { return (kPixels + 1) * n_; }
  std::string theta_meaning() const override {
    return "θ = the encoder weights (W: 64 × " + std::to_string(n_) + " row-major, then c: " + std::to_string(n_) +
           "); logits of image m = x_m·W + c";
  }
  double f(std::span<const double> x) const override {
    double total = 0.0;
    for (std::size_t m = 0; m < m_; ++m) total += block_value(m, block_bits_of(x, m));
    return total;
  }
  /// Block m's state index Σ_j b_j 2^j in x.
  std::uint32_t block_bits_of(std::span<const double> x, std::size_t m) const {
    std::uint32_t bits = 0;
    for (std::size_t j = 0; j < n_; ++j) bits |= static_cast<std::uint32_t>(x[m * n_ + j] != 0.0) << j;
    return bits;
  }
  bool has_relaxation() const override { return true; }
  double f_relaxed(std::span<const double> z) const override {
    double total = 0.0;
    for (std::size_t m = 0; m < m_; ++m) total += relaxed_block(m, z.subspan(m * n_, n_), {});
    return total;
  }
  void relaxed_gradient(std::span<const double> z, std::span<double> out) const override {
    for (std::size_t m = 0; m < m_; ++m) relaxed_block(m, z.subspan(m * n_, n_), out.subspan(m * n_, n_));
  }
  std::optional<std::vector<double>> default_theta() const override { return phi_; }
  const Amortization* amortization() const override { return this; }
  // f's bounds from the per-image tables, without the 2^(M·N) joint support. f (above) is the
  // left-to-right double sum 0 + v_1 + ... + v_M of the block values v_m = block_value(m, b_m),
  // which are the block tables' own bits (the same value_from_state on the same exact integer
  // state; only additions, so no contraction can differ), so v_m ∈ [min_m, max_m] of table m
  // exactly, and sum_slack (core/math.hpp: Higham's γ_{M-1} on Σ |v_m| <= Σ_m max(|min_m|,
  // |max_m|), for the code's sum and for this bound's own) covers the rounding:
  //   f ∈ [fl(Σ min_m) - slack, fl(Σ max_m) + slack].
  // Built once, on first use (M 2^N block values: the cost of one exact-oracle pass); nullopt past
  // 2^31 operations (M 2^N (N + 64 + 64 H)) or for a non-finite table.
  std::optional<std::pair<double, double>> f_bounds() const override {
    std::call_once(bounds_once_, [this] { bounds_ = compute_f_bounds(); });
    return bounds_;
  }
  // The relaxation's bounds over the whole cube [0,1]^(M·N), by interval arithmetic through the
  // decoder (compute_relaxation has the proof). They do not depend on θ: built once, on first use
  // (O(M (N + H) 64) integer operations).
  std::optional<RelaxationEnclosure> relaxation_enclosure() const override {
    std::call_once(relaxation_once_, [this] { relaxation_ = compute_relaxation(); });
    return relaxation_;
  }

  // Amortization
  const LogitMap& logit_map() const override { return map_; }
  const Problem& logit_problem() const override { return logit_problem_; }
  std::size_t blocks() const override { return m_; }
  std::size_t block_bits() const override { return n_; }
  void block_table(std::size_t m, std::span<double> out) const override {
    // Gray-code order: one latent flips per state, and the decoder's integer logits (exact) move
    // by that latent's weights; the value is block_value's sum from those integers.
    State state{}, logit{};
    const std::int64_t lo = pm1_ ? -1 : 0, step = pm1_ ? 2 : 1;
    if (h_ == 0) {
      for (std::size_t d = 0; d < kPixels; ++d) {
        std::int64_t k = a_[d];
        for (std::size_t j = 0; j < n_; ++j) k += lo * v_[j * kPixels + d];
        state[d] = k;
      }
    } else {
      for (std::size_t k = 0; k < h_; ++k) {
        std::int64_t u = a1_[k];
        for (std::size_t j = 0; j < n_; ++j) u += lo * v1_[j * h_ + k];
        state[k] = u;
      }
    }
    std::uint32_t gray = 0;
    out[0] = value_from_state(m, gray, state, logit);
    const std::uint64_t states = std::uint64_t{1} << n_;
    for (std::uint64_t i = 1; i < states; ++i) {
      const int j = std::countr_zero(i);
      gray ^= std::uint32_t{1} << j;
      const std::int64_t sign = ((gray >> j) & 1u) != 0 ? step : -step;
      if (h_ == 0)
        for (std::size_t d = 0; d < kPixels; ++d) state[d] += sign * v_[j * kPixels + d];
      else
        for (std::size_t k = 0; k < h_; ++k) state[k] += sign * v1_[j * h_ + k];
      out[gray] = value_from_state(m, gray, state, logit);
    }
  }
  void block_values(std::span<const double> x, std::span<double> out) const override {
    for (std::size_t m = 0; m < m_; ++m) out[m] = block_value(m, block_bits_of(x, m));
  }
  BlockSumForm block_sum_form() const override {
    BlockSumForm form;
    form.terms = n_ + kPixels;
    const double unit = std::ldexp(1.0, -shift_);
    for (std::int64_t k = -table_half_; k <= table_half_; ++k)
      form.constants.push_back({table_[static_cast<std::size_t>(k + table_half_)],
                                {{1.0, static_cast<double>(k) * unit}}});
    for (std::size_t m = 0; m < m_; ++m)
      for (std::size_t j = 0; j < n_; ++j)
        for (int b = 0; b < 2; ++b) {
          const double s = b == 1 ? 1.0 : -1.0;
          form.constants.push_back({latent_[(m * n_ + j) * 2 + b],
                                    {{1.0, s * prior(j)}, {-1.0, s * encoder_logit(m, j)}}});
        }
    return form;
  }

  // For the logit problem.
  const VaeLogitProblem& logits_view() const { return logit_problem_; }

 private:
  std::optional<std::pair<double, double>> compute_f_bounds() const {
    const double work = static_cast<double>(m_) * std::ldexp(1.0, static_cast<int>(n_)) *
                        static_cast<double>(n_ + kPixels + kPixels * h_);
    if (work > 0x1p31) return std::nullopt;
    std::vector<double> table(std::size_t{1} << n_);
    double lo = 0.0, hi = 0.0, abs_sum = 0.0;
    for (std::size_t m = 0; m < m_; ++m) {
      block_table(m, table);
      const auto [a, b] = std::minmax_element(table.begin(), table.end());
      if (!std::isfinite(*a) || !std::isfinite(*b)) return std::nullopt;
      lo += *a;
      hi += *b;
      abs_sum += std::max(std::abs(*a), std::abs(*b));
    }
    const double slack = sum_slack(m_, abs_sum);
    return std::pair{lo - slack, hi + slack};
  }

  // Bounds on f_relaxed and relaxed_gradient over z ∈ [0,1]^(M·N), as relaxed_block computes them.
  // The decoder's weights are integers (units 2^-6 for H = 0; 2^-4 per layer for H > 0, so the
  // logits are in units 2^-8), so the intervals below are exact integer arithmetic:
  // - s = z (01) or fl(2z - 1) (pm1) lies in [s_lo, 1], s_lo = 0 or -1 (fl is monotone and ±1 are
  //   doubles); each latent term z a1 + (1 - z) a0 lies in [min(a0, a1), max(a0, a1)].
  // - H = 0: ℓ_d = a_d + Σ_j s_j V_jd ∈ [a_d + Σ_j min(s_lo V_jd, V_jd), a_d + Σ_j max(...)].
  //   H > 0: u_k ∈ [U_lo, U_hi] likewise, relu(u_k) ∈ [max(0, U_lo), max(0, U_hi)], and
  //   ℓ_d = a2_d + Σ_k relu(u_k) V2_kd ∈ the sum of the products' corner intervals.
  //   Every end is within the table (build_tables sized it by the same sums of |weights|).
  // - log σ is increasing, so the pixel term log σ(±ℓ_d) lies between the table's entries at the
  //   ends (log σ(ℓ_lo), log σ(ℓ_hi) for an on pixel; log σ(-ℓ_hi), log σ(-ℓ_lo) for an off one):
  //   f_m ∈ [Σ_j min(a0, a1) + Σ_d low end, Σ_j max + Σ_d high end]; for H = 0, tightened by
  //   concavity (concave_bounds).
  // - ∂f_m/∂z_j = (a1 - a0) + ds Σ_d w_jd r_d (H = 0, w = V) with r_d = x_d - σ(ℓ_d) as computed:
  //   σ computed as 1/(1 + e) or e/(1 + e), e >= 0, lies in [0, 1] whatever exp returns, so r_d ∈
  //   [0, 1] for an on pixel and [-1, 0] for an off one, and Σ_d w_jd r_d ∈ [-N_j, P_j] with P_j
  //   (N_j) the sum of the positive (negative) parts of w_jd ρ_d, ρ_d = ±1 the pixel's sign. H > 0:
  //   the hidden unit's back-propagated gu_k ∈ [-N2_k, P2_k] the same way (0 when it is off; a unit
  //   with U_hi < 0 is never on), and Σ_k V1_jk gu_k ∈ Σ_k [V1_jk] · [-N2_k, P2_k].
  // Rounding and libm: log σ's entries and the relaxed evaluations are libm's log1p and exp, taken to
  // be within 2^-32 relative of the truth (kRangeSlack's assumption, estimators/sample_bounds.hpp;
  // glibc documents <= 2 ulp), which puts log σ within 3·2^-32 relative (log1p is 1-Lipschitz
  // relative to its value on [0, 1]); the computed ℓ_d differs from the exact one at the same z by
  // γ_k (k <= 4 (N + H) + 8) of its |terms| (H = 0: <= table_half_ 2^-6; H > 0, with the hidden
  // layer's error carried through V2: <= table_half_ 2^-8 + Σ_k |V2_kd| (|a1_k| + Σ_j |V1_jk|) 2^-8,
  // below 1400 at the spec's limits N <= 20, H <= 64, |weights| <= 16 units), so by less than 2^-35,
  // while the pad below is at least 2^-28 of the |a_d| >= 4 of the always-off corner pixels' entries;
  // log σ is 1-Lipschitz; the latent terms and the 64 + N term sum err by γ_{N + 70} of their
  // |terms|. Each bound is widened by
  // 4 kRangeSlack (2^-28) of the sum of the |figures| that enter, which covers all of that with a
  // margin of more than 100x; the M-image sum by sum_slack (core/math.hpp). The gradient's terms
  // likewise (no libm in them beyond σ ∈ [0, 1]). nullopt if a figure is not finite.
  std::optional<RelaxationEnclosure> compute_relaxation() const {
    const std::int64_t s_lo = pm1_ ? -1 : 0;
    const double unit = std::ldexp(1.0, -shift_), ds = pm1_ ? 2.0 : 1.0, pad_rel = 4.0 * kRangeSlack;
    const std::size_t lanes = h_ == 0 ? kPixels : h_;
    // First-layer intervals (H = 0: the logits; H > 0: the hidden pre-activations), integer units.
    std::vector<std::int64_t> f_lo(lanes), f_hi(lanes);
    for (std::size_t i = 0; i < lanes; ++i) {
      std::int64_t lo = h_ == 0 ? a_[i] : a1_[i], hi = lo;
      for (std::size_t j = 0; j < n_; ++j) {
        const std::int64_t w = h_ == 0 ? v_[j * kPixels + i] : v1_[j * h_ + i];
        lo += std::min(s_lo * w, w);
        hi += std::max(s_lo * w, w);
      }
      f_lo[i] = lo;
      f_hi[i] = hi;
    }
    std::vector<std::int64_t> l_lo(kPixels), l_hi(kPixels);
    if (h_ == 0) {
      l_lo = f_lo;
      l_hi = f_hi;
    } else {
      for (std::size_t d = 0; d < kPixels; ++d) {
        std::int64_t lo = a2_[d], hi = a2_[d];
        for (std::size_t k = 0; k < h_; ++k) {
          const std::int64_t w = v2_[k * kPixels + d], r0 = std::max<std::int64_t>(0, f_lo[k]),
                             r1 = std::max<std::int64_t>(0, f_hi[k]);
          lo += std::min(r0 * w, r1 * w);
          hi += std::max(r0 * w, r1 * w);
        }
        l_lo[d] = lo;
        l_hi[d] = hi;
      }
    }
    for (std::size_t d = 0; d < kPixels; ++d)
      if (std::max(std::abs(l_lo[d]), std::abs(l_hi[d])) > table_half_) return std::nullopt;
    const auto entry = [this](std::int64_t k) { return table_[static_cast<std::size_t>(k + table_half_)]; };
    const double lane_abs = static_cast<double>(table_half_) * unit;  // bounds Σ |terms| of every ℓ_d
    RelaxationEnclosure r;
    double lo_total = 0.0, hi_total = 0.0, abs_total = 0.0;
    std::vector<double> table;  // block m's values at the 2^N corners, when affordable (concave_bounds)
    if (h_ == 0 && static_cast<double>(m_) * std::ldexp(1.0, static_cast<int>(n_)) *
                           static_cast<double>(n_ + kPixels) <= 0x1p31)
      table.resize(std::size_t{1} << n_);
    for (std::size_t m = 0; m < m_; ++m) {
      double lo = 0.0, hi = 0.0, abs_sum = 0.0;
      for (std::size_t j = 0; j < n_; ++j) {
        const double a1 = latent_[(m * n_ + j) * 2 + 1], a0 = latent_[(m * n_ + j) * 2];
        lo += std::min(a0, a1);
        hi += std::max(a0, a1);
        abs_sum += std::abs(a0) + std::abs(a1);
      }
      for (std::size_t d = 0; d < kPixels; ++d) {
        const double e_lo = pixel(m, d) ? entry(l_lo[d]) : entry(-l_hi[d]);
        const double e_hi = pixel(m, d) ? entry(l_hi[d]) : entry(-l_lo[d]);
        lo += e_lo;
        hi += e_hi;
        abs_sum += std::abs(e_lo) + std::abs(e_hi) + lane_abs;
      }
      if (h_ == 0) concave_bounds(m, table, lo, hi, abs_sum);
      const double pad = pad_rel * abs_sum;
      lo -= pad;
      hi += pad;
      lo_total += lo;
      hi_total += hi;
      abs_total += std::max(std::abs(lo), std::abs(hi));
      // Slopes. pos/neg: P and N above, Σ_d max(0, ±w ρ_d) per latent (H = 0) or hidden unit.
      const std::size_t rows = h_ == 0 ? n_ : h_;
      std::vector<std::int64_t> pos(rows, 0), neg(rows, 0);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t d = 0; d < kPixels; ++d) {
          const std::int64_t w = (h_ == 0 ? v_[i * kPixels + d] : v2_[i * kPixels + d]) * (pixel(m, d) ? 1 : -1);
          (w > 0 ? pos[i] : neg[i]) += std::abs(w);
        }
      for (std::size_t j = 0; j < n_; ++j) {
        const double c = latent_[(m * n_ + j) * 2 + 1] - latent_[(m * n_ + j) * 2];
        double g_lo = 0.0, g_hi = 0.0;
        if (h_ == 0) {
          g_lo = -static_cast<double>(neg[j]) * unit;
          g_hi = static_cast<double>(pos[j]) * unit;
        } else {
          std::int64_t G_lo = 0, G_hi = 0;
          for (std::size_t k = 0; k < h_; ++k) {
            if (f_hi[k] < 0) continue;  // never on: gu_k = 0
            const std::int64_t w = v1_[j * h_ + k];
            G_lo += std::min(-w * neg[k], w * pos[k]);
            G_hi += std::max(-w * neg[k], w * pos[k]);
          }
          g_lo = static_cast<double>(G_lo) * unit;  // 2^-4 · 2^-4 = 2^-8 = unit
          g_hi = static_cast<double>(G_hi) * unit;
        }
        const double s = std::max(std::abs(c + ds * g_lo), std::abs(c + ds * g_hi));
        r.slope.push_back(s + pad_rel * (std::abs(c) + ds * (g_hi - g_lo) + s));
      }
    }
    const double slack = sum_slack(m_ + 1, abs_total);
    r.value_lo = lo_total - slack;
    r.value_hi = hi_total + slack;
    if (!std::isfinite(r.value_lo) || !std::isfinite(r.value_hi)) return std::nullopt;
    for (double s : r.slope)
      if (!std::isfinite(s)) return std::nullopt;
    r.how = std::string("the VAE decoder by interval arithmetic over [0,1]^(N M): log sigma monotone at the logits' "
                        "integer ends, |x_d - sigma| <= 1 with its sign, through the ") +
            (h_ == 0 ? "linear decoder; f_m concave there (min at a corner, max under the tangent at the centre)"
                     : "relu layer");
    return r;
  }

  // H = 0 only: ℓ is affine in z and log σ is concave, so f_m (the latent terms are linear) is
  // concave on the cube. Its minimum over the cube is then at a corner: the true f_m >= min over the
  // corners of the true f_m, and the table (block_table, libm's log σ entries) is within the pad of
  // the truth. Its maximum is below any tangent plane: at the centre c = (1/2, ..., 1/2),
  // f_m(z) <= f_m(c) + ∇f_m(c)·(z - c) <= f_m(c) + Σ_j |∂_j f_m(c)|/2, with f_m(c) and ∇f_m(c) from
  // relaxed_block (libm within 2^-32, as above: the value within the pad; each ∂_j within 2^-30 of
  // |a1 - a0| + ds Σ_d |V_jd| 2^-6, added to abs_sum, since σ's error moves r_d by at most that).
  // lo and hi (the interval bounds) are raised and lowered to these when tighter; the caller's pad
  // then covers the truth-versus-computed gap at any z. `table` is empty when the 2^N corners are too
  // many (then only the tangent bound).
  void concave_bounds(std::size_t m, std::vector<double>& table, double& lo, double& hi, double& abs_sum) const {
    if (!table.empty()) {
      block_table(m, table);
      const double corner_min = *std::min_element(table.begin(), table.end());
      if (std::isfinite(corner_min)) lo = std::max(lo, corner_min);
    }
    std::vector<double> c(n_, 0.5), g(n_);
    double top = relaxed_block(m, c, g), grad_abs = 0.0;
    const double ds = pm1_ ? 2.0 : 1.0, unit = std::ldexp(1.0, -shift_);
    for (std::size_t j = 0; j < n_; ++j) {
      top += 0.5 * std::abs(g[j]);
      double w = 0.0;
      for (std::size_t d = 0; d < kPixels; ++d) w += static_cast<double>(std::abs(v_[j * kPixels + d]));
      grad_abs += std::abs(g[j]) + std::abs(latent_[(m * n_ + j) * 2 + 1] - latent_[(m * n_ + j) * 2]) + ds * w * unit;
    }
    abs_sum += grad_abs;
    if (std::isfinite(top)) hi = std::min(hi, top);
  }

  double prior(std::size_t j) const { return std::ldexp(static_cast<double>(prior_[j]), -6); }
  /// θφ_{mj} = x_m·W_φ + c_φ exactly (integers times 2^-8).
  double encoder_logit(std::size_t m, std::size_t j) const {
    std::int64_t s = enc_c_[j];
    for (std::size_t d = 0; d < kPixels; ++d)
      if (pixel(m, d)) s += enc_w_[d * n_ + j];
    return std::ldexp(static_cast<double>(s), -8);
  }
  bool pixel(std::size_t m, std::size_t d) const { return ((kDigits[m] >> d) & 1u) != 0; }

  void draw() {
    Draws r(seed_);
    prior_.resize(n_);
    for (auto& p : prior_) p = r.triangular(64);  // π on [-1, 1], units 2^-6
    // a_d = 4(2p_d - 1), p_d the pixel's frequency over the whole data set, on the logit grid.
    std::vector<std::int64_t> bias(kPixels);
    const auto images = static_cast<std::int64_t>(std::size(kDigits));
    for (std::size_t d = 0; d < kPixels; ++d) {
      std::int64_t on = 0;
      for (std::uint64_t w : kDigits) on += static_cast<std::int64_t>((w >> d) & 1u);
      const std::int64_t scale = std::int64_t{1} << shift_;
      bias[d] = std::clamp((4 * (2 * on - images) * scale) / images, -4 * scale, 4 * scale);
    }
    if (h_ == 0) {
      a_ = bias;
      v_.resize(n_ * kPixels);
      for (auto& v : v_) v = r.triangular(96);  // V on [-1.5, 1.5], units 2^-6
    } else {
      a2_ = bias;
      a1_.resize(h_);
      v1_.resize(n_ * h_);
      v2_.resize(h_ * kPixels);
      for (auto& v : a1_) v = r.triangular(16);  // units 2^-4: [-1, 1]
      for (auto& v : v1_) v = r.triangular(16);
      for (auto& v : v2_) v = r.triangular(16);
    }
    enc_w_.resize(kPixels * n_);
    enc_c_.resize(n_);
    for (auto& w : enc_w_) w = r.triangular(64);  // W on [-1/4, 1/4], units 2^-8
    for (auto& c : enc_c_) c = r.triangular(128);  // c on [-1/2, 1/2], units 2^-8
    phi_.clear();
    for (std::int64_t w : enc_w_) phi_.push_back(std::ldexp(static_cast<double>(w), -8));
    for (std::int64_t c : enc_c_) phi_.push_back(std::ldexp(static_cast<double>(c), -8));
  }

  void build_tables() {
    // The largest |decoder logit| over every latent state, in grid units.
    std::int64_t half = 0;
    if (h_ == 0) {
      for (std::size_t d = 0; d < kPixels; ++d) {
        std::int64_t k = std::abs(a_[d]);
        for (std::size_t j = 0; j < n_; ++j) k += std::abs(v_[j * kPixels + d]);
        half = std::max(half, k);
      }
    } else {
      std::vector<std::int64_t> hmax(h_);
      for (std::size_t k = 0; k < h_; ++k) {
        std::int64_t u = a1_[k];
        for (std::size_t j = 0; j < n_; ++j) u += std::abs(v1_[j * h_ + k]);
        hmax[k] = std::max<std::int64_t>(0, u);
      }
      for (std::size_t d = 0; d < kPixels; ++d) {
        std::int64_t k = std::abs(a2_[d]);
        for (std::size_t u = 0; u < h_; ++u) k += hmax[u] * std::abs(v2_[u * kPixels + d]);
        half = std::max(half, k);
      }
    }
    if (half > kMaxTableHalf)
      raise_input_error("problem", "a decoder whose logits stay within 2^22 grid steps (fewer latents or hidden units)",
                        "'" + spec() + "'");
    table_half_ = half;
    table_.resize(static_cast<std::size_t>(2 * half + 1));
    const double unit = std::ldexp(1.0, -shift_);
    for (std::int64_t k = -half; k <= half; ++k)
      table_[static_cast<std::size_t>(k + half)] = log_sigmoid_d(static_cast<double>(k) * unit);
    latent_.resize(m_ * n_ * 2);
    for (std::size_t m = 0; m < m_; ++m)
      for (std::size_t j = 0; j < n_; ++j) {
        const double pj = prior(j), ej = encoder_logit(m, j);
        latent_[(m * n_ + j) * 2 + 1] = log_sigmoid_d(pj) - log_sigmoid_d(ej);
        latent_[(m * n_ + j) * 2 + 0] = log_sigmoid_d(-pj) - log_sigmoid_d(-ej);
      }
  }

  void build_map() {
    map_.theta_dim = theta_dim();
    map_.logit_dim = m_ * n_;
    map_.row_start.push_back(0);
    for (std::size_t m = 0; m < m_; ++m)
      for (std::size_t j = 0; j < n_; ++j) {
        for (std::size_t d = 0; d < kPixels; ++d)
          if (pixel(m, d)) {
            map_.column.push_back(static_cast<std::uint32_t>(d * n_ + j));
            map_.coefficient.push_back(1.0);
          }
        map_.column.push_back(static_cast<std::uint32_t>(kPixels * n_ + j));
        map_.coefficient.push_back(1.0);
        map_.row_start.push_back(map_.column.size());
      }
  }

  /// The block's value from the decoder state (H = 0: the 64 integer logits; H > 0: the hidden
  /// pre-activations): N latent constants then 64 pixel constants, summed left to right.
  double value_from_state(std::size_t m, std::uint32_t bits, const State& state,
                          State& logit) const {
    if (h_ == 0) {
      logit = state;
    } else {
      for (std::size_t d = 0; d < kPixels; ++d) {
        std::int64_t k = a2_[d];
        for (std::size_t u = 0; u < h_; ++u) k += std::max<std::int64_t>(0, state[u]) * v2_[u * kPixels + d];
        logit[d] = k;
      }
    }
    double s = 0.0;
    for (std::size_t j = 0; j < n_; ++j) s += latent_[(m * n_ + j) * 2 + ((bits >> j) & 1u)];
    const std::uint64_t x = kDigits[m];
    for (std::size_t d = 0; d < kPixels; ++d) {
      const std::int64_t k = ((x >> d) & 1u) != 0 ? logit[d] : -logit[d];
      s += table_[static_cast<std::size_t>(k + table_half_)];
    }
    return s;
  }

  double block_value(std::size_t m, std::uint32_t bits) const {
    State state{}, logit{};
    for (std::size_t i = 0; i < (h_ == 0 ? kPixels : h_); ++i) {
      std::int64_t k = h_ == 0 ? a_[i] : a1_[i];
      for (std::size_t j = 0; j < n_; ++j) {
        const std::int64_t s = ((bits >> j) & 1u) != 0 ? 1 : (pm1_ ? -1 : 0);
        k += s * (h_ == 0 ? v_[j * kPixels + i] : v1_[j * h_ + i]);
      }
      state[i] = k;
    }
    return value_from_state(m, bits, state, logit);
  }

  /// f_m at relaxed z (n values) and, when `grad` is not empty, ∂f_m/∂z into it.
  double relaxed_block(std::size_t m, std::span<const double> z, std::span<double> grad) const {
    const double unit = std::ldexp(1.0, -shift_), w16 = 0x1p-4;
    const double ds = pm1_ ? 2.0 : 1.0;  // ds/dz
    std::vector<double> s(n_);
    double total = 0.0;
    for (std::size_t j = 0; j < n_; ++j) {
      s[j] = pm1_ ? 2.0 * z[j] - 1.0 : z[j];
      const double a1 = latent_[(m * n_ + j) * 2 + 1], a0 = latent_[(m * n_ + j) * 2];
      total += z[j] * a1 + (1.0 - z[j]) * a0;
      if (!grad.empty()) grad[j] = a1 - a0;
    }
    std::vector<double> ell(kPixels), u(h_);
    for (std::size_t k = 0; k < h_; ++k) {
      double v = static_cast<double>(a1_[k]) * w16;
      for (std::size_t j = 0; j < n_; ++j) v += s[j] * static_cast<double>(v1_[j * h_ + k]) * w16;
      u[k] = v;
    }
    for (std::size_t d = 0; d < kPixels; ++d) {
      double l;
      if (h_ == 0) {
        l = static_cast<double>(a_[d]) * unit;
        for (std::size_t j = 0; j < n_; ++j) l += s[j] * static_cast<double>(v_[j * kPixels + d]) * unit;
      } else {
        l = static_cast<double>(a2_[d]) * unit;
        for (std::size_t k = 0; k < h_; ++k) l += std::max(0.0, u[k]) * static_cast<double>(v2_[k * kPixels + d]) * w16;
      }
      ell[d] = l;
      total += pixel(m, d) ? log_sigmoid_d(l) : log_sigmoid_d(-l);
    }
    if (grad.empty()) return total;
    // ∂/∂ℓ_d = x_d - σ(ℓ_d), back through the decoder.
    std::vector<double> r(kPixels);
    for (std::size_t d = 0; d < kPixels; ++d) r[d] = (pixel(m, d) ? 1.0 : 0.0) - sigmoid_d(ell[d]);
    if (h_ == 0) {
      for (std::size_t j = 0; j < n_; ++j) {
        double g = 0.0;
        for (std::size_t d = 0; d < kPixels; ++d) g += static_cast<double>(v_[j * kPixels + d]) * unit * r[d];
        grad[j] += ds * g;
      }
    } else {
      std::vector<double> gu(h_);
      for (std::size_t k = 0; k < h_; ++k) {
        if (!(u[k] > 0.0)) continue;
        double g = 0.0;
        for (std::size_t d = 0; d < kPixels; ++d) g += static_cast<double>(v2_[k * kPixels + d]) * w16 * r[d];
        gu[k] = g;
      }
      for (std::size_t j = 0; j < n_; ++j) {
        double g = 0.0;
        for (std::size_t k = 0; k < h_; ++k) g += static_cast<double>(v1_[j * h_ + k]) * w16 * gu[k];
        grad[j] += ds * g;
      }
    }
    return total;
  }

  std::size_t n_, h_, m_;
  std::uint64_t seed_;
  bool pm1_;
  int shift_;  ///< decoder logits are integers times 2^-shift_
  std::vector<std::int64_t> prior_, a_, v_, a1_, v1_, v2_, a2_, enc_w_, enc_c_;
  std::vector<double> phi_;
  std::int64_t table_half_ = 0;
  std::vector<double> table_;   ///< log σ(k 2^-shift), k = -table_half_ .. table_half_
  std::vector<double> latent_;  ///< [(m N + j) 2 + b]: log p(b_j) - log q_φ(b_j | x_m)
  LogitMap map_;
  VaeLogitProblem logit_problem_;
  mutable std::once_flag bounds_once_;
  mutable std::optional<std::pair<double, double>> bounds_;
  mutable std::once_flag relaxation_once_;
  mutable std::optional<RelaxationEnclosure> relaxation_;
};

std::string VaeLogitProblem::spec() const { return owner_.spec() + " (θ = its logits)"; }
std::size_t VaeLogitProblem::sample_dim() const { return owner_.sample_dim(); }
std::string VaeLogitProblem::theta_meaning() const {
  return "θ = the " + std::to_string(owner_.sample_dim()) + " encoder logits, image by image";
}
double VaeLogitProblem::f(std::span<const double> x) const { return owner_.f(x); }
double VaeLogitProblem::f_relaxed(std::span<const double> z) const { return owner_.f_relaxed(z); }
std::optional<std::pair<double, double>> VaeLogitProblem::f_bounds() const { return owner_.f_bounds(); }
std::optional<RelaxationEnclosure> VaeLogitProblem::relaxation_enclosure() const {
  return owner_.relaxation_enclosure();
}
void VaeLogitProblem::relaxed_gradient(std::span<const double> z, std::span<double> out) const {
  owner_.relaxed_gradient(z, out);
}

}  // namespace

std::span<const std::uint64_t> binarized_digits() { return kDigits; }

std::unique_ptr<Problem> make_vae_problem(Spec& s, const std::string& argument) {
  const auto n = static_cast<std::size_t>(s.get_int("latents", 12, 1, 20));
  const auto h = static_cast<std::size_t>(s.get_int("hidden", 0, 0, 64));
  const auto m = static_cast<std::size_t>(s.get_int("images", 16, 1, static_cast<std::int64_t>(std::size(kDigits))));
  const auto seed = static_cast<std::uint64_t>(s.get_int("seed", 1, 0, std::int64_t{1} << 62));
  const std::string coding = s.get_string("coding", "01");
  if (coding != "01" && coding != "pm1")
    raise_input_error(argument + ":coding", "01 or pm1", "'" + coding + "'");
  s.finish();
  return std::make_unique<VaeProblem>(n, h, m, seed, coding == "pm1");
}

}  // namespace estcheck
