// estimators/registry/registry.cpp — see registry.hpp. One registration line per estimator.
#include "estimators/registry/registry.hpp"

#include "estimators/arm.hpp"
#include "estimators/concrete.hpp"
#include "estimators/core/error.hpp"
#include "estimators/core/spec.hpp"
#include "estimators/disarm.hpp"
#include "estimators/graphs/graph_estimators.hpp"
#include "estimators/graphs/graph_relax.hpp"
#include "estimators/muprop.hpp"
#include "estimators/mutants/mutants.hpp"
#include "estimators/nvil.hpp"
#include "estimators/policy_gradient.hpp"
#include "estimators/rebar.hpp"
#include "estimators/reinforce.hpp"
#include "estimators/relax.hpp"
#include "estimators/relaxed_rebar.hpp"
#include "estimators/reparam.hpp"
#include "estimators/rloo.hpp"
#include "estimators/vimco.hpp"

#include <stdexcept>

namespace estcheck {
namespace {

std::vector<EstimatorDescriptor>& registered() {
  static std::vector<EstimatorDescriptor> catalogue = {
      reinforce_descriptor(),
      rloo_descriptor(),
      reparam_descriptor(),
      arm_descriptor(),
      disarm_descriptor(),
      rebar_descriptor(),
      relax_descriptor(),
      relaxed_rebar_descriptor(),
      nvil_descriptor(),
      vimco_descriptor(),
      muprop_descriptor(),
      concrete_descriptor(),
      straight_through_descriptor(),
      scg_descriptor(),
      scg_relax_descriptor(),
      dice_descriptor(),
      pg_reinforce_descriptor(),
      pg_pathwise_descriptor(),
      lax_descriptor(),
  };
  return catalogue;
}

const EstimatorDescriptor* find_descriptor(const std::string& name) {
  for (const auto& d : registered())
    if (d.name == name) return &d;
  return nullptr;
}

std::unique_ptr<Estimator> make_mutant_or_throw(std::string_view text, const std::string& argument) {
  if (auto m = make_mutant(text)) return m;
  std::string names;
  for (const auto& mi : mutant_catalogue()) names += (names.empty() ? "" : ", ") + mi.name;
  raise_input_error(argument, "one of " + names, "'" + std::string(text) + "'");
}

}  // namespace

const std::vector<EstimatorDescriptor>& estimator_catalogue() { return registered(); }

void register_estimator(EstimatorDescriptor descriptor) {
  const std::string& name = descriptor.name;
  if (name.empty() || name.starts_with("mutant/") || name.find_first_of(":,=") != std::string::npos)
    throw std::invalid_argument("register_estimator: bad name '" + name + "'");
  if (find_descriptor(name)) throw std::invalid_argument("register_estimator: '" + name + "' is registered already");
  if (!descriptor.make) throw std::invalid_argument("register_estimator: '" + name + "' has no factory");
  registered().push_back(std::move(descriptor));
}

std::unique_ptr<Estimator> make_estimator(std::string_view text, const std::string& argument) {
  if (text.starts_with("mutant/")) return make_mutant_or_throw(text, argument);
  Spec s = Spec::parse(text, argument);
  const EstimatorDescriptor* d = find_descriptor(s.name());
  if (d == nullptr) {
    std::string names;
    for (const auto& entry : estimator_catalogue()) names += (names.empty() ? "" : ", ") + entry.name;
    raise_input_error(argument, "one of " + names, "'" + std::string(text) + "'");
  }
  return d->make(parse_params(s, d->params, argument));
}

namespace {

/// `text` with the Markdown table's separator `|` escaped.
std::string table_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string spec_with_defaults(const EstimatorDescriptor& d) {
  std::string s = d.name;
  for (std::size_t i = 0; i < d.params.size(); ++i)
    s += (i == 0 ? ":" : ",") + d.params[i].key + "=" + d.params[i].fallback;
  return s;
}

}  // namespace

std::string estimator_table_markdown() {
  std::string t = "| spec (defaults) | claimed unbiased | requires | reference | one sample |\n"
                  "|---|---|---|---|---|\n";
  for (const auto& d : estimator_catalogue())
    t += "| `" + spec_with_defaults(d) + "` | " + (d.claimed_unbiased ? "yes" : "no") + " | " +
         table_cell(d.requires_) + " | " + table_cell(d.reference) + " | " + table_cell(d.description) + " |\n";
  return t;
}

}  // namespace estcheck
