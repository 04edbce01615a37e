// estimators/problems/catalogue.hpp — the built-in problems and the problem catalogue.
//
// - toy:t=T — b ~ Bernoulli(σ(θ)), f(b) = (b - t)²: the toy problem of REBAR (Tucker et al. 2017,
//   §6.1) and RELAX (Grathwohl et al. 2018, §6.1); default t = 0.499.
// - JSON tables — {"distribution": "bernoulli", "n": N, "table": [2^N values]}, f(b) =
//   table[Σ_i b_i 2^i], θ = N logits; {"distribution": "categorical", "k": K, "table": [K values]},
//   f(e_k) = table[k], θ = K logits.
// - gaussian-quadratic:d=D,c=C — x ~ N(μ, diag σ²), f(x) = Σ_i (x_i - c)²; L = Σ (μ_i-c)² + σ_i².
// - gaussian-step:d=D — f(x) = Σ_i 1[x_i > 0]; L = Σ Φ(μ_i/σ_i). ∇x f = 0 almost surely, so the
//   pathwise estimator is 0 and biased while the score function is not (Mohamed et al. 2020, §5.3).
#pragma once

#include "estimators/core/param.hpp"
#include "estimators/problems/problem.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace estcheck {

struct ProblemInfo {
  std::string name;
  std::string family;
  std::string description;
  std::vector<ParamInfo> params;
};

/// The built-in problems (names, parameters, defaults), plus an entry for JSON table files.
const std::vector<ProblemInfo>& problem_catalogue();

/// A problem from a spec ("toy:t=0.45") or a path to a JSON table file. Throws InputError naming
/// `argument` for an unknown name or key, a bad value, or an unreadable or malformed file.
std::unique_ptr<Problem> make_problem(std::string_view spec_or_path,
                                      const std::string& argument = "problem");

/// A table problem built in code: f(x) = table[index of x]; Bernoulli tables need 2^n entries.
std::unique_ptr<Problem> make_table_problem(Family family, std::vector<double> table,
                                            std::string name = "table");

}  // namespace estcheck
