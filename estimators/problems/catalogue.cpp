// estimators/problems/catalogue.cpp — see problems.hpp.
#include "estimators/problems/catalogue.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/input_file.hpp"
#include "estimators/problems/amortized.hpp"
#include "estimators/problems/graph_problems.hpp"
#include "estimators/problems/lqr.hpp"
#include "estimators/problems/vae.hpp"
#include "estimators/core/spec.hpp"

#include <boost/math/distributions/normal.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace estcheck {

const char* to_string(Family f) {
  switch (f) {
    case Family::bernoulli: return "bernoulli";
    case Family::categorical: return "categorical";
    case Family::gaussian: return "gaussian";
    case Family::graph: return "graph";
    case Family::control: return "control";
  }
  return "?";
}

void Problem::gradient(std::span<const double>, std::span<double>) const {
  throw std::logic_error("Problem::gradient called on a problem without ∇x f");
}
double Problem::f_relaxed(std::span<const double>) const {
  throw std::logic_error("Problem::f_relaxed called on a problem without a relaxation");
}
void Problem::relaxed_gradient(std::span<const double>, std::span<double>) const {
  throw std::logic_error("Problem::relaxed_gradient called on a problem without a relaxation");
}

void Problem::f_batch(std::span<const double> xs, std::size_t count, std::span<double> out) const {
  const std::size_t n = sample_dim();
  for (std::size_t r = 0; r < count; ++r) out[r] = f(xs.subspan(r * n, n));
}
std::optional<ClosedForm> Problem::closed_form(std::span<const double>) const {
  return std::nullopt;
}

Model make_model(const Problem& problem, std::span<const double> theta,
                 const std::string& argument) {
  if (theta.size() != problem.theta_dim())
    raise_input_error(argument,
                      std::to_string(problem.theta_dim()) + " values for problem '" +
                          problem.spec() + "' (" + problem.theta_meaning() + ")",
                      std::to_string(theta.size()) + " values");
  try {
    switch (problem.family()) {
      case Family::bernoulli:
        if (const Amortization* a = problem.amortization()) {  // logits = A θ (amortized.hpp)
          std::vector<double> l(a->logit_map().logit_dim);
          logits(a->logit_map(), theta, l);
          return Model{&problem, {theta.begin(), theta.end()}, BernoulliLogits(l)};
        }
        return Model{&problem, {theta.begin(), theta.end()}, BernoulliLogits(theta)};
      case Family::categorical:
        return Model{&problem, {theta.begin(), theta.end()}, CategoricalLogits(theta)};
      case Family::gaussian:
        return Model{&problem, {theta.begin(), theta.end()}, DiagGaussian(theta)};
      case Family::graph:  // checks θ is finite; the graph estimators read the graph, not dist
      case Family::control:  // likewise: the policy-gradient estimators read the system (lqr.hpp)
        return Model{&problem, {theta.begin(), theta.end()}, BernoulliLogits(theta)};
    }
  } catch (const InputError& e) {
    // Re-raise under the caller's field name, keeping the distribution's explanation.
    if (e.field() == "theta") throw e.relabeled(argument);
    throw;
  }
  throw std::logic_error("make_model: unknown family");
}

void sample(const Distribution& d, Noise& noise, std::span<double> x) {
  std::visit([&](const auto& dist) { sample(dist, noise, x); }, d);
}
void score(const Distribution& d, std::span<const double> x, std::span<double> out) {
  std::visit([&](const auto& dist) { score(dist, x, out); }, d);
}
double log_prob(const Distribution& d, std::span<const double> x) {
  return std::visit([&](const auto& dist) { return log_prob(dist, x); }, d);
}

namespace {

std::string fmt(double v) { return format_double(v); }

class ToyProblem final : public Problem {
 public:
  explicit ToyProblem(double t) : t_(t) {}
  std::string spec() const override { return "toy:t=" + fmt(t_); }
  Family family() const override { return Family::bernoulli; }
  std::size_t sample_dim() const override { return 1; }
  std::size_t theta_dim() const override { return 1; }
  std::string theta_meaning() const override { return "θ = the logit of b"; }
  double f(std::span<const double> b) const override { return (b[0] - t_) * (b[0] - t_); }
  // The relaxation is the same polynomial on [0, 1]: f(z) = (z - t)², f'(z) = 2(z - t).
  bool has_relaxation() const override { return true; }
  double f_relaxed(std::span<const double> z) const override { return f(z); }
  void relaxed_gradient(std::span<const double> z, std::span<double> out) const override {
    out[0] = 2.0 * (z[0] - t_);
  }
  // L = σ(θ)(1-t)² + σ(-θ)t², dL/dθ = σ(θ)σ(-θ)((1-t)² - t²) = σ(θ)σ(-θ)(1 - 2t).
  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override {
    const double p = sigmoid(theta[0]), q = sigmoid(-theta[0]);
    return ClosedForm{p * (1 - t_) * (1 - t_) + q * t_ * t_, {p * q * (1.0 - 2.0 * t_)}};
  }

  std::optional<SymbolicF> symbolic() const override { return SymbolicF{SymbolicF::Kind::toy, t_}; }

 private:
  double t_;
};

class TableProblem final : public Problem {
  /// Σ_i [x_i != 0] 2^i. On x86-64 two coordinates at a time (SSE2 compare + movemask: the
  /// same bits as the scalar loop, without 16 dependent shift-or steps per row).
  std::size_t bernoulli_index(const double* x) const {
    std::size_t k = 0, i = 0;
#if defined(__SSE2__)
    const __m128d zero = _mm_setzero_pd();
    for (; i + 2 <= dim_; i += 2)
      k |= static_cast<std::size_t>(_mm_movemask_pd(_mm_cmpneq_pd(_mm_loadu_pd(x + i), zero))) << i;
#endif
    for (; i < dim_; ++i) k |= static_cast<std::size_t>(x[i] != 0.0) << i;
    return k;
  }

 public:
  TableProblem(Family family, std::vector<double> table, std::string name)
      : family_(family), table_(std::move(table)), name_(std::move(name)) {
    dim_ = family_ == Family::bernoulli ? static_cast<std::size_t>(std::countr_zero(table_.size()))
                                        : table_.size();
  }
  std::string spec() const override { return name_; }
  Family family() const override { return family_; }
  std::size_t sample_dim() const override { return dim_; }
  std::size_t theta_dim() const override { return dim_; }
  std::string theta_meaning() const override {
    return family_ == Family::bernoulli ? "θ = " + std::to_string(dim_) + " Bernoulli logits"
                                        : "θ = " + std::to_string(dim_) + " class logits";
  }
  double f(std::span<const double> x) const override {
    return family_ == Family::categorical ? table_[category(x)] : table_[bernoulli_index(x.data())];
  }
  // Bernoulli tables relax to their multilinear extension
  //   F(z) = Σ_k table[k] Π_i z_i^{k_i} (1 - z_i)^{1 - k_i},
  // and ∂F/∂z_i = F(z | z_i = 1) - F(z | z_i = 0). Cost O(n 2^n) per call: for small tables.
  // Categorical tables relax linearly on the simplex: F(z) = Σ_k z_k table[k], ∂F/∂z_k = table[k].
  bool has_relaxation() const override { return true; }
  bool relaxation_is_multilinear() const override { return family_ == Family::bernoulli; }
  double f_relaxed(std::span<const double> z) const override {
    if (family_ == Family::categorical) {
      double total = 0.0;
      for (std::size_t k = 0; k < dim_; ++k) total += z[k] * table_[k];
      return total;
    }
    double total = 0.0;
    for (std::size_t k = 0; k < table_.size(); ++k) {
      double w = table_[k];
      for (std::size_t i = 0; i < dim_; ++i) w *= ((k >> i) & 1u) ? z[i] : 1.0 - z[i];
      total += w;
    }
    return total;
  }
  void relaxed_gradient(std::span<const double> z, std::span<double> out) const override {
    if (family_ == Family::categorical) {
      for (std::size_t k = 0; k < dim_; ++k) out[k] = table_[k];
      return;
    }
    for (std::size_t i = 0; i < dim_; ++i) out[i] = 0.0;
    for (std::size_t k = 0; k < table_.size(); ++k) {
      for (std::size_t i = 0; i < dim_; ++i) {
        double w = table_[k];
        for (std::size_t j = 0; j < dim_; ++j)
          if (j != i) w *= ((k >> j) & 1u) ? z[j] : 1.0 - z[j];
        out[i] += ((k >> i) & 1u) ? w : -w;
      }
    }
  }
  void f_batch(std::span<const double> xs, std::size_t count, std::span<double> out) const override {
    if (family_ == Family::categorical) return Problem::f_batch(xs, count, out);
    for (std::size_t r = 0; r < count; ++r) out[r] = table_[bernoulli_index(xs.data() + r * dim_)];
  }

  std::optional<SymbolicF> symbolic() const override { return SymbolicF{SymbolicF::Kind::table, 0.0}; }

 private:
  Family family_;
  std::vector<double> table_;
  std::string name_;
  std::size_t dim_;
};

/// What every diagonal-Gaussian problem of dimension d shares.
class GaussianProblem : public Problem {
 public:
  explicit GaussianProblem(std::size_t d) : d_(d) {}
  Family family() const override { return Family::gaussian; }
  std::size_t sample_dim() const override { return d_; }
  std::size_t theta_dim() const override { return 2 * d_; }
  std::string theta_meaning() const override {
    return "θ = (μ_1..μ_" + std::to_string(d_) + ", log σ_1..log σ_" + std::to_string(d_) + ")";
  }

 protected:
  std::size_t d_;
};

class GaussianQuadratic final : public GaussianProblem {
 public:
  GaussianQuadratic(std::size_t d, double c) : GaussianProblem(d), c_(c) {}
  std::string spec() const override {
    return "gaussian-quadratic:d=" + std::to_string(d_) + ",c=" + fmt(c_);
  }
  double f(std::span<const double> x) const override {
    double s = 0;
    for (double v : x) s += (v - c_) * (v - c_);
    return s;
  }
  bool has_gradient() const override { return true; }
  void gradient(std::span<const double> x, std::span<double> out) const override {
    for (std::size_t i = 0; i < d_; ++i) out[i] = 2.0 * (x[i] - c_);
  }
  // L = Σ (μ_i - c)² + σ_i²; ∂L/∂μ_i = 2(μ_i - c); ∂L/∂log σ_i = 2σ_i².
  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override {
    ClosedForm r{0.0, std::vector<double>(2 * d_)};
    for (std::size_t i = 0; i < d_; ++i) {
      const double mu = theta[i], s2 = std::exp(2.0 * theta[d_ + i]);
      r.objective += (mu - c_) * (mu - c_) + s2;
      r.gradient[i] = 2.0 * (mu - c_);
      r.gradient[d_ + i] = 2.0 * s2;
    }
    return r;
  }
  std::optional<Separable> separable() const override {
    const double c = c_;
    return Separable{[c](double x) { return (x - c) * (x - c); }, {}};
  }
  std::optional<SymbolicF> symbolic() const override {
    return SymbolicF{SymbolicF::Kind::gaussian_quadratic, c_};
  }

 private:
  double c_;
};

/// f(x) = Σ exp(x_i): the heavy-tailed case of issue 6. At θ = (0, 0) the score-function sample
/// for μ is x e^x, x ~ N(0, 1) (mean e^{1/2}, variance 5e² - e, every moment finite but a
/// lognormal-like right tail), on which CLT tests are badly miscalibrated at small α.
class GaussianExp final : public GaussianProblem {
 public:
  using GaussianProblem::GaussianProblem;
  std::string spec() const override { return "gaussian-exp:d=" + std::to_string(d_); }
  double f(std::span<const double> x) const override {
    double s = 0;
    for (double v : x) s += std::exp(v);
    return s;
  }
  bool has_gradient() const override { return true; }
  void gradient(std::span<const double> x, std::span<double> out) const override {
    for (std::size_t i = 0; i < d_; ++i) out[i] = std::exp(x[i]);
  }
  // L = Σ exp(μ_i + σ_i²/2) (the lognormal mean); ∂L/∂μ_i = exp(μ_i + σ_i²/2);
  // ∂L/∂log σ_i = σ_i² exp(μ_i + σ_i²/2).
  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override {
    ClosedForm r{0.0, std::vector<double>(2 * d_)};
    for (std::size_t i = 0; i < d_; ++i) {
      const double s2 = std::exp(2.0 * theta[d_ + i]), e = std::exp(theta[i] + 0.5 * s2);
      r.objective += e;
      r.gradient[i] = e;
      r.gradient[d_ + i] = s2 * e;
    }
    return r;
  }
  std::optional<Separable> separable() const override {
    return Separable{[](double x) { return std::exp(x); }, {}};
  }
  std::optional<SymbolicF> symbolic() const override { return SymbolicF{SymbolicF::Kind::gaussian_exp, 0.0}; }
};

class GaussianStep final : public GaussianProblem {
 public:
  using GaussianProblem::GaussianProblem;
  std::string spec() const override { return "gaussian-step:d=" + std::to_string(d_); }
  double f(std::span<const double> x) const override {
    double s = 0;
    for (double v : x) s += v > 0.0 ? 1.0 : 0.0;
    return s;
  }
  // ∇x f = 0 wherever it exists (everywhere but x_i = 0, a null set).
  bool has_gradient() const override { return true; }
  void gradient(std::span<const double>, std::span<double> out) const override {
    for (std::size_t i = 0; i < d_; ++i) out[i] = 0.0;
  }
  // L = Σ Φ(μ_i/σ_i); ∂L/∂μ_i = φ(μ_i/σ_i)/σ_i; ∂L/∂log σ_i = -φ(μ_i/σ_i) μ_i/σ_i.
  // Error bounds: z = μ/exp(log σ) carries relative error <= 2ε, i.e. |δz| <= 2ε|z|; Φ and φ
  // then move by a relative |d log Φ/dz| |δz| <= (|z| + 1) 2ε|z| (Mills ratio: φ/Φ <= |z| + 1
  // for z < 0) and |d log φ/dz| |δz| = 2ε z². Together with 16ε for the evaluations themselves,
  // each value is bounded by (16 + 4(z² + |z|)) ε of its magnitude.
  std::optional<ClosedForm> closed_form(std::span<const double> theta) const override {
    const boost::math::normal_distribution<double> n01;
    const double eps = std::numeric_limits<double>::epsilon();
    ClosedForm r{0.0, std::vector<double>(2 * d_), 0.0, std::vector<double>(2 * d_)};
    for (std::size_t i = 0; i < d_; ++i) {
      const double s = std::exp(theta[d_ + i]), z = theta[i] / s;
      const double phi = boost::math::pdf(n01, z), cdf = boost::math::cdf(n01, z);
      const double rel = (16.0 + 4.0 * (z * z + std::abs(z))) * eps;
      r.objective += cdf;
      *r.objective_error += rel * cdf;
      r.gradient[i] = phi / s;
      r.gradient[d_ + i] = -phi * z;
      r.gradient_error[i] = rel * std::abs(r.gradient[i]);
      r.gradient_error[d_ + i] = rel * std::abs(r.gradient[d_ + i]);
    }
    *r.objective_error += 4.0 * static_cast<double>(d_) * eps * r.objective;  // the sum over i
    return r;
  }
  std::optional<Separable> separable() const override {
    return Separable{[](double x) { return x > 0.0 ? 1.0 : 0.0; }, {0.0}};
  }
  std::optional<SymbolicF> symbolic() const override { return SymbolicF{SymbolicF::Kind::gaussian_step, 0.0}; }

};

constexpr std::int64_t kMaxBernoulliVariables = 26;  // 2^26 table entries, 512 MiB of doubles
constexpr std::int64_t kMaxCategories = 1 << 24;

/// A table or graph file; its errors name the file, "(path)", and the key at fault ("(path): table").
std::unique_ptr<Problem> read_problem_file(const std::string& path) {
  const std::string where = "(" + path + ")";
  const nlohmann::json j = parse_input_json(read_input_file(path, where, "a readable JSON file"), where);
  if (!j.is_object()) raise_input_error(where, "a JSON object", j.type_name());
  if (j.contains("nodes")) return load_graph_json(j, path, where);  // a graph file (docs/graphs.md)
  for (const auto& [key, value] : j.items())
    if (key != "distribution" && key != "n" && key != "k" && key != "table" && key != "description")
      raise_input_error(where + ": " + key,
                        "only the keys distribution, n, k, table, description", "unknown key");
  if (!j.contains("distribution") || !j["distribution"].is_string())
    raise_input_error(where + ": distribution", "\"bernoulli\" or \"categorical\"",
                      j.contains("distribution") ? j["distribution"].dump() : "nothing");
  const std::string dist = j["distribution"];
  const bool bern = dist == "bernoulli";
  if (!bern && dist != "categorical")
    raise_input_error(where + ": distribution", "\"bernoulli\" or \"categorical\"", "\"" + dist + "\"");
  const std::string size_key = bern ? "n" : "k";
  const std::int64_t lo = bern ? 1 : 2, hi = bern ? kMaxBernoulliVariables : kMaxCategories;
  if (!j.contains(size_key) || !j[size_key].is_number_integer() || j[size_key].get<std::int64_t>() < lo ||
      j[size_key].get<std::int64_t>() > hi)
    raise_input_error(where + ": " + size_key,
                      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                      j.contains(size_key) ? j[size_key].dump() : "nothing");
  if (j.contains(bern ? "k" : "n"))
    raise_input_error(where + ": " + (bern ? "k" : "n"),
                      "no '" + std::string(bern ? "k" : "n") + "' for a " + dist + " table", "one");
  const auto size = j[size_key].get<std::int64_t>();
  const std::size_t expected = bern ? std::size_t{1} << size : static_cast<std::size_t>(size);
  if (!j.contains("table") || !j["table"].is_array())
    raise_input_error(where + ": table", "an array of " + std::to_string(expected) + " numbers",
                      j.contains("table") ? j["table"].type_name() : "nothing");
  const auto& t = j["table"];
  if (t.size() != expected)
    raise_input_error(where + ": table",
                      std::to_string(expected) + " values (" +
                          (bern ? "2^n, n = " + std::to_string(size) : "k = " + std::to_string(size)) + ")",
                      std::to_string(t.size()) + " values");
  std::vector<double> table;
  table.reserve(expected);
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!t[i].is_number() || !std::isfinite(t[i].get<double>()))
      raise_input_error(where + ": table[" + std::to_string(i) + "]", "a finite number", t[i].dump());
    table.push_back(t[i].get<double>());
  }
  return make_table_problem(bern ? Family::bernoulli : Family::categorical, std::move(table), path);
}

/// read_problem_file with its errors under the field `argument`, the file and key as its key:
/// "problem (path): table".
std::unique_ptr<Problem> load_table_file(const std::string& path, const std::string& argument) {
  try {
    return read_problem_file(path);
  } catch (const InputError& e) {
    if (!e.field().starts_with("(" + path + ")")) throw;
    throw InputError({argument, e.field()}, e.expected(), e.got());
  }
}

}  // namespace

const std::vector<ProblemInfo>& problem_catalogue() {
  static const std::vector<ProblemInfo> catalogue = [] {
    std::vector<ProblemInfo> v = {
      {"toy", "bernoulli",
       "b ~ Bernoulli(σ(θ)), f(b) = (b - t)²; θ is one logit (REBAR/RELAX toy problem)",
       {{"t", "0.499", "target of the squared error"}}},
      {"gaussian-quadratic", "gaussian",
       "x ~ N(μ, diag σ²), f(x) = Σ (x_i - c)²; θ = (μ, log σ)",
       {{"d", "1", "dimension of x"}, {"c", "0", "centre of the quadratic"}}},
      {"gaussian-exp", "gaussian",
       "x ~ N(μ, diag σ²), f(x) = Σ exp(x_i) (heavy-tailed score function); θ = (μ, log σ)",
       {{"d", "1", "dimension of x"}}},
      {"gaussian-step", "gaussian",
       "x ~ N(μ, diag σ²), f(x) = Σ 1[x_i > 0] (discontinuous: pathwise gradient is 0); θ = (μ, log σ)",
       {{"d", "1", "dimension of x"}}},
      {"vae", "bernoulli",
       "discrete VAE on the UCI digits (8x8, binarized): f = Σ_m log p(x_m, b_m) - log q_φ(b_m | x_m); "
       "θ = encoder weights (W, c), logits x·W + c (RELAX §6.2, eq. 17); --theta default = φ",
       {{"latents", "12", "N latents per image (1..20)"}, {"hidden", "0", "decoder hidden units (0: linear)"},
        {"images", "16", "M: the first M digits"}, {"seed", "1", "seed of the decoder, prior and encoder φ"},
        {"coding", "01", "decoder reads b as 01 or pm1 ({-1, 1})"}}},
      {"FILE.json", "bernoulli or categorical",
       "a table problem: {\"distribution\": \"bernoulli\", \"n\": N, \"table\": [2^N values]} "
       "(index Σ b_i 2^i) or {\"distribution\": \"categorical\", \"k\": K, \"table\": [K values]}",
       {}},
    };
    for (auto& e : graph_problem_entries()) v.push_back(std::move(e));  // estimators/problems/graph_problems.hpp
    for (auto& e : lqr_problem_entries()) v.push_back(std::move(e));    // estimators/problems/lqr.hpp
    return v;
  }();
  return catalogue;
}

std::unique_ptr<Problem> make_problem(std::string_view spec_or_path, const std::string& argument) {
  const std::string text(spec_or_path);
  std::error_code ec;
  const bool looks_like_file = text.ends_with(".json") || text.find('/') != std::string::npos;
  if (looks_like_file || std::filesystem::is_regular_file(text, ec))
    return load_table_file(text, argument);
  if (auto g = make_graph_problem(text, argument)) return g;  // scg-fig1*, scg-gauss, sbn, mdp, grid
  if (auto q = make_lqr_problem(text, argument)) return q;     // lqr
  Spec s = Spec::parse(text, argument);
  std::unique_ptr<Problem> p;
  if (s.name() == "toy") {
    p = std::make_unique<ToyProblem>(s.get_double("t", 0.499));
  } else if (s.name() == "gaussian-quadratic") {
    const auto d = s.get_int("d", 1, 1, 4096);
    p = std::make_unique<GaussianQuadratic>(static_cast<std::size_t>(d), s.get_double("c", 0.0));
  } else if (s.name() == "gaussian-exp") {
    p = std::make_unique<GaussianExp>(static_cast<std::size_t>(s.get_int("d", 1, 1, 4096)));
  } else if (s.name() == "vae") {
    return make_vae_problem(s, argument);  // estimators/problems/vae.hpp
  } else if (s.name() == "gaussian-step") {
    p = std::make_unique<GaussianStep>(static_cast<std::size_t>(s.get_int("d", 1, 1, 4096)));
  } else {
    raise_input_error(argument,
                      "one of toy, gaussian-quadratic, gaussian-exp, gaussian-step, vae, scg-fig1a..e, scg-gauss, sbn, mdp, grid, lqr, or a path to a "
                      "JSON table or graph file",
                      "'" + text + "'");
  }
  s.finish();
  return p;
}

std::unique_ptr<Problem> make_table_problem(Family family, std::vector<double> table,
                                            std::string name) {
  if (family == Family::gaussian) throw std::logic_error("make_table_problem: gaussian family");
  if (family == Family::bernoulli && (table.size() < 2 || !std::has_single_bit(table.size())))
    raise_input_error(name + ": table", "2^n values with n >= 1",
                      std::to_string(table.size()) + " values");
  if (family == Family::categorical && table.size() < 2)
    raise_input_error(name + ": table", "at least 2 values", std::to_string(table.size()));
  return std::make_unique<TableProblem>(family, std::move(table), std::move(name));
}

}  // namespace estcheck
