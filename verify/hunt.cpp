// verify/hunt.cpp — see hunt.hpp. The generator draws a case from an rc::Random and returns it as
// an rc::Shrinkable whose shrinks (rc::shrinkable::shrinkRecur) are, in order of preference:
// fewer variables or classes (a Bernoulli variable fixed at 0 or 1, a class removed: the smaller
// problem is a restriction of the failing one, so it often still fails), table values rounded to
// integers, fewer distinct table values, the estimator's parameters back to their defaults, then
// each θ_i, table value and the toy's t towards 0 and small integers. The search and shrink loops
// are those of RapidCheck's own checkProperty / shrinkTestCase (accept the first failing
// candidate, start again from it), written out so that each verification is counted. Gaussian,
// graph and control cases shrink to fewer dimensions (a coordinate dropped), gaussian-exp to
// gaussian-quadratic, c towards 0, a graph to each simpler graph of hunt_graphs() (θ truncated or
// padded with 0), the horizon T to 1, T/2 and T - 1, then θ as above.
#include "verify/hunt.hpp"

#include "estimators/core/error.hpp"
#include "estimators/core/spec.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace estcheck {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool is_integer(double v) { return std::trunc(v) == v; }

/// Uniform on a grid of 2^20 + 1 points of [lo, hi].
double draw_uniform(rc::Random& r, double lo, double hi) {
  constexpr std::uint64_t kSteps = std::uint64_t{1} << 20;
  const std::uint64_t k = r.next() % (kSteps + 1);
  return lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(kSteps);
}

std::uint64_t draw_index(rc::Random& r, std::uint64_t count) { return r.next() % count; }

/// A logit: moderate (|θ| <= 5) 60% of the time, anywhere in [-30, 30] 20%, exactly ±20 or ±30 20%.
double draw_logit(rc::Random& r) {
  const std::uint64_t regime = draw_index(r, 10);
  if (regime < 6) return draw_uniform(r, -5.0, 5.0);
  if (regime < 8) return draw_uniform(r, -30.0, 30.0);
  constexpr double kExtreme[] = {-30.0, -20.0, 20.0, 30.0};
  return kExtreme[draw_index(r, 4)];
}

/// Simpler values than v in [lo, hi]: 0, -v (positive is simpler), trunc v, then halfway to 0
/// and one step towards 0 for integers (so the shrink walks down to small integers).
std::vector<double> simpler(double v, double lo, double hi) {
  std::vector<double> out;
  const auto add = [&](double c) {
    if (c != v && std::abs(c) <= std::abs(v) && lo <= c && c <= hi &&
        std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  };
  if (v != 0.0) add(0.0);
  if (v < 0.0) add(-v);
  const double t = std::trunc(v);
  if (t != v) add(t);
  if (std::abs(t) >= 2.0) {
    add(std::trunc(t / 2.0));
    add(t - std::copysign(1.0, t));
  }
  return out;
}

/// The range a drawn parameter takes. Reals: default × 2^u, u in [-3, 3] (or [-2, 2] for a default
/// of 0); integers: [lo, min(hi, max(lo + 4, 2 × default))]; choices: any word.
struct ParamRange {
  double lo = 0.0, hi = 0.0;
};

ParamRange integer_range(const ParamInfo& p) {
  const std::int64_t top = std::max<std::int64_t>(p.lo + 4, 2 * p.integer_fallback);
  return {static_cast<double>(p.lo), static_cast<double>(std::min(p.hi, top))};
}

double param_default(const ParamInfo& p) {
  switch (p.kind) {
    case ParamInfo::Kind::real: return p.real_fallback;
    case ParamInfo::Kind::integer: return static_cast<double>(p.integer_fallback);
    default: return 0.0;  // choice: the index of the first word
  }
}

double draw_param(rc::Random& r, const ParamInfo& p) {
  switch (p.kind) {
    case ParamInfo::Kind::real: {
      const double d = p.real_fallback;
      return d == 0.0 ? draw_uniform(r, -2.0, 2.0) : d * std::exp2(draw_uniform(r, -3.0, 3.0));
    }
    case ParamInfo::Kind::integer: {
      const ParamRange range = integer_range(p);
      const auto count = static_cast<std::uint64_t>(range.hi - range.lo) + 1;
      return range.lo + static_cast<double>(draw_index(r, count));
    }
    case ParamInfo::Kind::choice: return static_cast<double>(draw_index(r, p.choices.size()));
    case ParamInfo::Kind::text: return 0.0;
  }
  return 0.0;
}

std::string param_text(const ParamInfo& p, double v) {
  switch (p.kind) {
    case ParamInfo::Kind::real: return format_double(v);
    case ParamInfo::Kind::integer: return std::to_string(static_cast<std::int64_t>(v));
    case ParamInfo::Kind::choice: return p.choices.at(static_cast<std::size_t>(v));
    case ParamInfo::Kind::text: return p.fallback;
  }
  return p.fallback;
}

/// A case with its parameters as numbers (HuntCase holds their text).
struct Draw {
  HuntCase c;
  std::vector<double> values;  ///< one per HuntEstimator::params
};

void set_param_text(Draw& d, const std::vector<ParamInfo>& params) {
  d.c.params.clear();
  for (std::size_t i = 0; i < params.size(); ++i)
    d.c.params.emplace_back(params[i].key, param_text(params[i], d.values[i]));
}

/// Bernoulli table restricted to b_i = bit: 2^(n-1) values.
std::vector<double> restrict_bernoulli(const std::vector<double>& table, std::size_t n, std::size_t i, int bit) {
  std::vector<double> out;
  out.reserve(table.size() / 2);
  for (std::size_t k = 0; k < (std::size_t{1} << (n - 1)); ++k) {
    const std::size_t low = k & ((std::size_t{1} << i) - 1), high = (k >> i) << (i + 1);
    out.push_back(table[high | (static_cast<std::size_t>(bit) << i) | low]);
  }
  return out;
}

/// The shape of a case (HuntComplexity::shape).
int shape_of(const HuntCase& c) {
  switch (c.kind) {
    case HuntKind::gaussian:
    case HuntKind::graph: return c.variant;
    case HuntKind::control: return c.horizon;
    default: return 0;
  }
}

/// cost(v) = |v| + 1/2 if v < 0 + 1 if v is not an integer.
double cost(double v) { return std::abs(v) + (v < 0.0 ? 0.5 : 0.0) + (is_integer(v) ? 0.0 : 1.0); }

HuntComplexity complexity_of(const std::vector<ParamInfo>& params, const HuntCase& c, const std::vector<double>& values) {
  HuntComplexity h;
  h.dim = c.theta.size();
  h.kind = static_cast<int>(c.kind);
  h.shape = shape_of(c);
  std::set<double> distinct;
  for (double v : c.table)
    if (v != 0.0) distinct.insert(v);
  h.distinct_values = distinct.size();
  for (double v : c.table) h.weight += cost(v);
  for (double v : c.theta) h.weight += cost(v);
  if (c.kind == HuntKind::toy) h.weight += cost(c.toy_t);
  if (c.kind == HuntKind::gaussian) h.weight += cost(c.centre);
  for (std::size_t i = 0; i < params.size() && i < values.size(); ++i) {
    const ParamInfo& p = params[i];
    const double def = param_default(p), v = values[i];
    if (v == def) continue;
    if (p.kind == ParamInfo::Kind::real && def != 0.0 && v / def > 0.0) {
      const double octaves = std::log2(v / def);
      h.weight += std::abs(octaves) + (is_integer(octaves) ? 0.0 : 1.0);
    } else if (p.kind == ParamInfo::Kind::choice) {
      h.weight += 1.0;
    } else {
      h.weight += cost(v - def);
    }
  }
  return h;
}

/// The parameters of a case as numbers (from their text).
std::vector<double> param_values(const std::vector<ParamInfo>& params, const HuntCase& c) {
  std::vector<double> values;
  for (std::size_t i = 0; i < params.size() && i < c.params.size(); ++i) {
    const ParamInfo& p = params[i];
    if (p.kind == ParamInfo::Kind::choice) {
      const auto at = std::find(p.choices.begin(), p.choices.end(), c.params[i].second);
      values.push_back(static_cast<double>(at - p.choices.begin()));
    } else if (p.kind == ParamInfo::Kind::text) {
      values.push_back(0.0);
    } else {
      values.push_back(std::stod(c.params[i].second));
    }
  }
  return values;
}

/// Every shrink of `d`, in order of preference (see the top of this file); only candidates strictly
/// less complex (complexity_of) are kept, so every accepted step is simpler and shrinking ends.
std::vector<Draw> shrinks(const Draw& d, const std::vector<ParamInfo>& params) {
  std::vector<Draw> out;
  const HuntComplexity now = complexity_of(params, d.c, d.values);
  const auto push = [&](Draw x) {
    set_param_text(x, params);
    if (complexity_of(params, x.c, x.values) < now) out.push_back(std::move(x));
  };
  const HuntCase& c = d.c;
  // Fewer variables or classes.
  if (c.kind == HuntKind::bernoulli && c.theta.size() > 1) {
    const std::size_t n = c.theta.size();
    for (std::size_t i = n; i-- > 0;)
      for (int bit = 0; bit < 2; ++bit) {
        Draw x = d;
        x.c.table = restrict_bernoulli(c.table, n, i, bit);
        x.c.theta.erase(x.c.theta.begin() + static_cast<std::ptrdiff_t>(i));
        push(std::move(x));
      }
  }
  if (c.kind == HuntKind::categorical && c.theta.size() > 2)
    for (std::size_t k = c.theta.size(); k-- > 0;) {
      Draw x = d;
      x.c.table.erase(x.c.table.begin() + static_cast<std::ptrdiff_t>(k));
      x.c.theta.erase(x.c.theta.begin() + static_cast<std::ptrdiff_t>(k));
      push(std::move(x));
    }
  // Gaussian: a coordinate dropped, exp to quadratic, c towards 0.
  if (c.kind == HuntKind::gaussian) {
    const std::size_t dim = c.theta.size() / 2;
    if (dim > 1)
      for (std::size_t i = dim; i-- > 0;) {
        Draw x = d;
        x.c.theta.erase(x.c.theta.begin() + static_cast<std::ptrdiff_t>(dim + i));
        x.c.theta.erase(x.c.theta.begin() + static_cast<std::ptrdiff_t>(i));
        push(std::move(x));
      }
    if (c.variant == 1) {
      Draw x = d;
      x.c.variant = 0;
      x.c.centre = 0.0;
      push(std::move(x));
    }
    if (c.variant == 0)
      for (double v : simpler(c.centre, -2.0, 2.0)) {
        Draw x = d;
        x.c.centre = v;
        push(std::move(x));
      }
  }
  // Graph: each simpler graph, θ truncated or padded with 0.
  if (c.kind == HuntKind::graph)
    for (int g = 0; g < c.variant; ++g) {
      Draw x = d;
      x.c.variant = g;
      x.c.theta.resize(hunt_graphs()[static_cast<std::size_t>(g)].theta_dim, 0.0);
      push(std::move(x));
    }
  // Control: a shorter horizon.
  if (c.kind == HuntKind::control)
    for (int t : {1, c.horizon / 2, c.horizon - 1})
      if (t >= 1 && t < c.horizon) {
        Draw x = d;
        x.c.horizon = t;
        push(std::move(x));
      }
  // Table values: all rounded, then fewer distinct values (each merged into the simplest one).
  if (std::any_of(c.table.begin(), c.table.end(), [](double v) { return !is_integer(v); })) {
    Draw x = d;
    for (double& v : x.c.table) v = std::trunc(v);
    push(std::move(x));
  }
  {
    std::vector<double> distinct(c.table.begin(), c.table.end());
    std::sort(distinct.begin(), distinct.end(), [](double a, double b) {
      return std::abs(a) < std::abs(b) || (std::abs(a) == std::abs(b) && a > b);
    });
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() > 1)
      for (std::size_t k = distinct.size(); k-- > 1;) {
        Draw x = d;
        for (double& v : x.c.table)
          if (v == distinct[k]) v = distinct[0];
        push(std::move(x));
      }
  }
  // Parameters: the default, then (reals) the nearest power-of-two multiple of it, (integers)
  // towards the default.
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double def = param_default(params[i]);
    if (d.values[i] == def) continue;
    Draw x = d;
    x.values[i] = def;
    push(x);
    if (params[i].kind == ParamInfo::Kind::real && def != 0.0 && d.values[i] / def > 0.0) {
      x.values[i] = def * std::exp2(std::round(std::log2(d.values[i] / def)));
      push(x);
    }
    if (params[i].kind == ParamInfo::Kind::integer) {
      const auto towards = rc::shrink::towards(static_cast<std::int64_t>(d.values[i]),
                                               static_cast<std::int64_t>(def));
      auto seq = towards;
      while (auto v = seq.next()) {
        x.values[i] = static_cast<double>(*v);
        push(x);
      }
    }
  }
  // Each number towards 0 and small integers.
  for (std::size_t i = 0; i < c.theta.size(); ++i)
    for (double v : simpler(c.theta[i], -30.0, 30.0)) {
      Draw x = d;
      x.c.theta[i] = v;
      push(std::move(x));
    }
  if (c.kind == HuntKind::toy)
    for (double v : simpler(c.toy_t, 0.0, 1.0)) {
      Draw x = d;
      x.c.toy_t = v;
      push(std::move(x));
    }
  for (std::size_t i = 0; i < c.table.size(); ++i)
    for (double v : simpler(c.table[i], -10.0, 10.0)) {
      Draw x = d;
      x.c.table[i] = v;
      push(std::move(x));
    }
  return out;
}

rc::Shrinkable<Draw> shrinkable(Draw d, const std::vector<ParamInfo>& params) {
  return rc::shrinkable::shrinkRecur(std::move(d), [params](const Draw& x) {
    return rc::seq::fromContainer(shrinks(x, params));
  });
}

/// The generator of cases: a kind, its problem, θ and the parameters.
rc::Gen<Draw> case_generator(std::vector<HuntKind> kinds, std::vector<ParamInfo> params, int max_variables) {
  return [kinds, params, max_variables](const rc::Random& random, int) {
    rc::Random r = random;
    Draw d;
    d.c.kind = kinds[draw_index(r, kinds.size())];
    const auto top = static_cast<std::uint64_t>(max_variables);
    switch (d.c.kind) {
      case HuntKind::toy:
        d.c.toy_t = draw_uniform(r, 0.0, 1.0);
        d.c.theta = {draw_logit(r)};
        break;
      case HuntKind::bernoulli: {
        const std::size_t n = 1 + draw_index(r, top);
        for (std::size_t i = 0; i < (std::size_t{1} << n); ++i) d.c.table.push_back(draw_uniform(r, -10.0, 10.0));
        for (std::size_t i = 0; i < n; ++i) d.c.theta.push_back(draw_logit(r));
        break;
      }
      case HuntKind::categorical: {
        const std::size_t k = 2 + draw_index(r, top - 1);
        for (std::size_t i = 0; i < k; ++i) d.c.table.push_back(draw_uniform(r, -10.0, 10.0));
        for (std::size_t i = 0; i < k; ++i) d.c.theta.push_back(draw_logit(r));
        break;
      }
      case HuntKind::gaussian: {
        d.c.variant = static_cast<int>(draw_index(r, 2));
        const std::size_t dim = 1 + draw_index(r, 2);
        if (d.c.variant == 0) d.c.centre = draw_uniform(r, -2.0, 2.0);
        for (std::size_t i = 0; i < dim; ++i) d.c.theta.push_back(draw_uniform(r, -2.0, 2.0));  // μ
        for (std::size_t i = 0; i < dim; ++i) d.c.theta.push_back(draw_uniform(r, -2.0, 1.0));  // log σ
        break;
      }
      case HuntKind::graph: {
        // Logits within the CLT's trusted regime (kCltLogit): the graphs' oracles are exact, the
        // tests often asymptotic.
        d.c.variant = static_cast<int>(draw_index(r, hunt_graphs().size()));
        const std::size_t dim = hunt_graphs()[static_cast<std::size_t>(d.c.variant)].theta_dim;
        for (std::size_t i = 0; i < dim; ++i) d.c.theta.push_back(draw_uniform(r, -kCltLogit, kCltLogit));
        break;
      }
      case HuntKind::control: {
        // A stabilizing gain: K entries in [-2, 0], log σ in [-2, 0].
        d.c.horizon = 1 + static_cast<int>(draw_index(r, 8));
        d.c.theta = {draw_uniform(r, -2.0, 0.0), draw_uniform(r, -2.0, 0.0), draw_uniform(r, -2.0, 0.0)};
        break;
      }
    }
    for (const ParamInfo& p : params) d.values.push_back(draw_param(r, p));
    set_param_text(d, params);
    return shrinkable(std::move(d), params);
  };
}

std::unique_ptr<Problem> make_case_problem(const HuntCase& c) {
  switch (c.kind) {
    case HuntKind::toy: return make_problem("toy:t=" + format_double(c.toy_t));
    case HuntKind::bernoulli: return make_table_problem(Family::bernoulli, c.table, describe_problem(c));
    case HuntKind::categorical: return make_table_problem(Family::categorical, c.table, describe_problem(c));
    case HuntKind::gaussian:
    case HuntKind::graph:
    case HuntKind::control: return make_problem(describe_problem(c));
  }
  return nullptr;
}

/// A representative case of `kind` (for asking the estimator whether it accepts the kind).
HuntCase representative(HuntKind kind) {
  HuntCase c;
  c.kind = kind;
  if (kind == HuntKind::bernoulli) c.table = {0.0, 1.0, 2.0, 3.0}, c.theta = {0.0, 0.0};
  else if (kind == HuntKind::categorical) c.table = {0.0, 1.0, 2.0}, c.theta = {0.0, 0.0, 0.0};
  else if (kind == HuntKind::gaussian) c.theta = {0.0, 0.0};
  else if (kind == HuntKind::graph) c.variant = 2, c.theta = {0.0};  // scg-fig1c
  else if (kind == HuntKind::control) c.horizon = 1, c.theta = {-1.0, -1.0, 0.0};
  else c.theta = {0.0};
  return c;
}

std::string join_theta(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ", ") + format_double(x);
  return s;
}

}  // namespace

bool clt_trusted(const HuntCheck& c) {
  const BiasTest& t = c.report.test;
  if (!t.asymptotic) return true;
  double largest = 0.0;
  for (double v : c.c.theta) largest = std::max(largest, std::abs(v));
  return t.degenerate_coordinates.empty() && largest <= kCltLogit && t.samples >= kCltSamples;
}

const char* to_string(HuntKind kind) {
  switch (kind) {
    case HuntKind::toy: return "toy";
    case HuntKind::bernoulli: return "bernoulli";
    case HuntKind::categorical: return "categorical";
    case HuntKind::gaussian: return "gaussian";
    case HuntKind::graph: return "graph";
    case HuntKind::control: return "control";
  }
  return "?";
}

const std::vector<HuntGraph>& hunt_graphs() {
  static const std::vector<HuntGraph> graphs = {
      {"scg-fig1a", 1}, {"scg-fig1b", 1}, {"scg-fig1c", 1}, {"scg-fig1d", 2}, {"scg-fig1e", 2},
      {"mdp:states=2,horizon=1", 4}, {"mdp:states=2,horizon=2", 4}, {"mdp:states=2,horizon=3", 4},
      {"mdp:states=3,horizon=2", 6},
  };
  return graphs;
}

HuntKind parse_hunt_kind(const std::string& text, const std::string& argument) {
  for (HuntKind k : {HuntKind::toy, HuntKind::bernoulli, HuntKind::categorical, HuntKind::gaussian,
                     HuntKind::graph, HuntKind::control})
    if (text == to_string(k)) return k;
  raise_input_error(argument, "toy, bernoulli, categorical, gaussian, graph or control", "'" + text + "'");
}

HuntEstimator hunt_estimator(std::string_view spec) {
  (void)make_estimator(spec, "estimator");  // validates the name and every given value
  HuntEstimator e;
  const std::string text(spec);
  const std::size_t colon = text.find(':');
  e.name = text.substr(0, colon);
  std::set<std::string> fixed_keys;
  if (colon != std::string::npos) {
    e.fixed = text.substr(colon + 1);
    std::size_t start = 0;
    while (start <= e.fixed.size()) {
      const std::size_t comma = std::min(e.fixed.find(',', start), e.fixed.size());
      const std::string item = e.fixed.substr(start, comma - start);
      fixed_keys.insert(item.substr(0, item.find('=')));
      start = comma + 1;
    }
  }
  for (const EstimatorDescriptor& d : estimator_catalogue())
    if (d.name == e.name)
      for (const ParamInfo& p : d.params)
        if (!fixed_keys.count(p.key) && p.kind != ParamInfo::Kind::text) e.params.push_back(p);
  e.make = [](const std::string& s) { return make_estimator(s, "estimator"); };
  return e;
}

std::string describe_problem(const HuntCase& c) {
  if (c.kind == HuntKind::toy) return "toy:t=" + format_double(c.toy_t);
  if (c.kind == HuntKind::gaussian)
    return c.variant == 0 ? "gaussian-quadratic:d=" + std::to_string(c.theta.size() / 2) + ",c=" + format_double(c.centre)
                          : "gaussian-exp:d=" + std::to_string(c.theta.size() / 2);
  if (c.kind == HuntKind::graph) return hunt_graphs().at(static_cast<std::size_t>(c.variant)).spec;
  if (c.kind == HuntKind::control) return "lqr:horizon=" + std::to_string(c.horizon);
  std::string s = c.kind == HuntKind::bernoulli ? "bernoulli table, n = " + std::to_string(c.theta.size())
                                                : "categorical table, k = " + std::to_string(c.theta.size());
  return s + ", table [" + join_theta(c.table) + "]";
}

std::string estimator_spec(const HuntEstimator& e, const HuntCase& c) {
  std::string keys = e.fixed;
  for (const auto& [key, value] : c.params) keys += (keys.empty() ? "" : ",") + key + "=" + value;
  return keys.empty() ? e.name : e.name + ":" + keys;
}

std::string table_json(const HuntCase& c) {
  nlohmann::json j;
  if (c.kind == HuntKind::bernoulli) j = {{"distribution", "bernoulli"}, {"n", c.theta.size()}};
  else if (c.kind == HuntKind::categorical) j = {{"distribution", "categorical"}, {"k", c.theta.size()}};
  else raise_input_error("problems", "a table case", "'" + describe_problem(c) + "'");
  j["table"] = c.table;
  return j.dump() + "\n";
}

HuntComplexity complexity(const HuntEstimator& e, const HuntCase& c) {
  return complexity_of(e.params, c, param_values(e.params, c));
}

std::uint64_t hunt_check_seed(std::uint64_t seed, std::uint64_t j) { return splitmix64(splitmix64(seed) + j); }

std::uint64_t reproduction_samples(const HuntCheck& failure, double alpha) {
  const BiasTest& t = failure.report.test;
  const double d = static_cast<double>(std::max<std::size_t>(t.bias.size(), 1));
  const boost::math::normal z;
  const double q = boost::math::quantile(boost::math::complement(z, alpha / (2.0 * d))) +
                   boost::math::quantile(boost::math::complement(z, 0.01));
  double need = static_cast<double>(failure.report.run.moments.count);
  for (std::size_t i = 0; i < t.bias.size() && i < t.std_error.size(); ++i) {
    const double b = std::abs(t.bias[i]), s = t.std_error[i];
    if (!(b > 0.0) || !(s > 0.0) || !std::isfinite(b) || !std::isfinite(s)) continue;
    // A bias b is found with power 0.99 once b >= q s sqrt(n / n').
    need = std::max(need, std::min(need * (q * s / b) * (q * s / b), 1e9));
  }
  const double have = static_cast<double>(t.samples);
  return static_cast<std::uint64_t>(std::ceil(std::clamp(std::max(need, have), 2.0, 1e9)));
}

HuntResult hunt(const HuntEstimator& estimator, const HuntOptions& options) {
  if (!(options.alpha > 0.0 && options.alpha < 1.0))
    raise_input_error("alpha", "a level in (0, 1)", format_double(options.alpha));
  if (options.budget_checks < 1) raise_input_error("budget_checks", "an integer >= 1", "0");
  if (options.samples < 2) raise_input_error("samples", "an integer >= 2", std::to_string(options.samples));
  if (options.max_variables < 2 || options.max_variables > 8)
    raise_input_error("max_variables", "an integer in [2, 8]", std::to_string(options.max_variables));
  if (!estimator.make) raise_input_error("estimator", "an estimator factory", "none");

  HuntResult result;
  result.estimator = estimator.name;
  result.options = options;
  result.alpha_per_check = options.alpha / static_cast<double>(options.budget_checks + options.shrink_checks);

  // The kinds the estimator accepts (at its default parameters), among those asked for.
  // With no kinds asked for: the table kinds, or, when the estimator accepts none, the others.
  std::vector<HuntKind> asked = options.kinds.empty()
                                    ? std::vector<HuntKind>{HuntKind::toy, HuntKind::bernoulli, HuntKind::categorical}
                                    : options.kinds;
  const std::string default_spec = estimator.fixed.empty() ? estimator.name : estimator.name + ":" + estimator.fixed;
  const auto accepted = [&] {
    for (HuntKind k : asked) {
      try {
        const auto est = estimator.make(default_spec);
        const auto problem = make_case_problem(representative(k));
        est->check(*problem);
        if (std::find(result.kinds.begin(), result.kinds.end(), k) == result.kinds.end()) result.kinds.push_back(k);
      } catch (const InputError&) {
      }
    }
  };
  accepted();
  if (result.kinds.empty() && options.kinds.empty()) {
    asked = {HuntKind::gaussian, HuntKind::graph, HuntKind::control};
    accepted();
  }
  if (result.kinds.empty()) {
    std::string names;
    for (HuntKind k : options.kinds.empty() ? std::vector<HuntKind>{HuntKind::toy, HuntKind::bernoulli,
                                                                    HuntKind::categorical, HuntKind::gaussian,
                                                                    HuntKind::graph, HuntKind::control}
                                            : options.kinds) {
      if (!names.empty()) names += ',';
      names += to_string(k);
    }
    raise_input_error("problems", "problem kinds that " + default_spec + " accepts", "'" + names + "'");
  }

  std::uint64_t j = 0;  // verifications run: the next one's index
  // One verification: nullopt when the case is discarded (the estimator rejects its parameters or
  // the problem), which draws no samples and so spends no α.
  const auto evaluate = [&](const Draw& d, bool shrinking) -> std::optional<HuntCheck> {
    HuntCheck chk;
    chk.shrinking = shrinking;
    chk.c = d.c;
    chk.problem = describe_problem(d.c);
    chk.estimator = estimator_spec(estimator, d.c);
    try {
      const auto problem = make_case_problem(d.c);
      const auto est = estimator.make(chk.estimator);
      VerifyRequest q;
      q.problem = problem.get();
      q.estimator = est.get();
      q.theta = d.c.theta;
      q.run.samples = options.samples;
      q.run.seed = hunt_check_seed(options.seed, j);
      q.run.threads = options.threads;
      q.run.max_seconds = 0.0;
      q.test.alpha = result.alpha_per_check;
      q.method = options.method;
      chk.index = j;
      chk.report = verify(q);
    } catch (const InputError&) {
      return std::nullopt;
    }
    ++j;
    const Verdict v = chk.report.test.verdict;
    chk.failed = v == Verdict::fail && chk.report.exact.certificate.certified() && clt_trusted(chk);
    if (chk.failed) {
    } else if (v == Verdict::pass) {
      ++result.passed;
    } else if (v == Verdict::error) {
      ++result.errors;
    } else {
      ++result.inconclusive;
    }
    if (chk.report.test.asymptotic) ++result.asymptotic;
    if (options.on_check) options.on_check(chk);
    return chk;
  };

  const rc::Gen<Draw> gen = case_generator(result.kinds, estimator.params, options.max_variables);
  rc::Random rng(options.seed);
  const std::uint64_t max_attempts = 20 * options.budget_checks + 100;
  std::optional<rc::Shrinkable<Draw>> failing;
  for (std::uint64_t attempt = 0; result.checks < options.budget_checks && attempt < max_attempts; ++attempt) {
    rc::Shrinkable<Draw> s = gen(rng.split(), rc::kNominalSize);
    auto chk = evaluate(s.value(), false);
    if (!chk) {
      ++result.discarded;
      continue;
    }
    ++result.checks;
    if (chk->failed) {
      result.first_failure = *chk;
      result.minimal = *chk;
      failing = std::move(s);
      break;
    }
  }
  if (!failing) return result;

  // Shrinking: accept the first failing candidate, start again from it; stop when no candidate
  // fails or the shrink budget is spent.
  rc::Shrinkable<Draw> current = *failing;
  bool improved = true;
  while (improved) {
    improved = false;
    auto candidates = current.shrinks();
    while (auto candidate = candidates.next()) {
      if (result.shrink_checks >= options.shrink_checks) {
        result.shrink_budget_exhausted = true;
        return result;
      }
      auto chk = evaluate(candidate->value(), true);
      if (!chk) {
        ++result.discarded;
        continue;
      }
      ++result.shrink_checks;
      if (chk->failed) {
        result.minimal = *chk;
        result.steps.push_back(*chk);
        current = std::move(*candidate);
        improved = true;
        break;
      }
    }
  }
  return result;
}

}  // namespace estcheck
