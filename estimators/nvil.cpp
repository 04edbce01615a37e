// estimators/nvil.cpp — see nvil.hpp.
#include "estimators/nvil.hpp"

#include "estimators/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace estcheck {

constexpr const char* kReference = "Mnih & Gregor 2014, §3.2-3.3 (NVIL: learned baseline, variance normalization)";

Nvil::Nvil(const NvilOptions& o) : opt_(o) {
  if (o.steps < 0) raise_input_error("nvil:steps", "an integer >= 0", std::to_string(o.steps));
  if (o.batch < 2) raise_input_error("nvil:batch", "an integer >= 2", std::to_string(o.batch));
  if (!(o.rate >= 0.0 && o.rate < 1.0)) raise_input_error("nvil:rate", "a number in [0, 1)", format_double(o.rate));
  info_ = {"nvil:normalize=" + std::to_string(o.normalize ? 1 : 0) + ",steps=" + std::to_string(o.steps) +
               ",batch=" + std::to_string(o.batch) + ",rate=" + format_double(o.rate) +
               ",train_seed=" + std::to_string(o.train_seed),
           !o.normalize, false, 1,
           kReference};
}

double Nvil::scale() const { return opt_.normalize ? std::max(1.0, std::sqrt(v_)) : 1.0; }

void Nvil::prepare(const Model& m) {
  c_ = 0.0;
  v_ = 0.0;
  std::vector<double> x(m.sample_dim()), l(static_cast<std::size_t>(opt_.batch));
  for (int step = 0; step < opt_.steps; ++step) {
    double mean = 0.0;
    for (int k = 0; k < opt_.batch; ++k) {
      Noise noise(opt_.train_seed, static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(k),
                  Purpose::training);
      estcheck::sample(m.dist, noise, x);
      l[static_cast<std::size_t>(k)] = m.f(x);
      mean += l[static_cast<std::size_t>(k)] / opt_.batch;
    }
    double var = 0.0;  // variance of the centred signal f - c over the batch (= that of f)
    for (double li : l) var += (li - mean) * (li - mean) / (opt_.batch - 1);
    c_ = opt_.rate * c_ + (1 - opt_.rate) * mean;
    v_ = opt_.rate * v_ + (1 - opt_.rate) * var;
  }
}

void Nvil::sample(const Model& m, Noise& noise, std::span<double> scratch,
                  std::span<double> grad) const {
  const auto x = scratch.first(m.sample_dim());
  estcheck::sample(m.dist, noise, x);
  value_at(m, x, scratch, grad);
}

void Nvil::value_at(const Model& m, std::span<const double> x, std::span<double>,
                    std::span<double> grad) const {
  const double w = (m.f(x) - c_) / scale();
  score(m.dist, x, grad);
  for (double& g : grad) g *= w;
}

EstimatorDescriptor nvil_descriptor() {
  const NvilOptions o;
  return {.name = "nvil",
          .params = {integer_param("normalize", o.normalize ? 1 : 0, 0, 1, "divide by max(1, √v) (1) or not (0)"),
                     integer_param("steps", o.steps, 0, 1000000, "training minibatches"),
                     integer_param("batch", o.batch, 2, 100000, "samples per minibatch"),
                     real_param("rate", o.rate, "moving-average rate α"),
                     integer_param("train_seed", static_cast<std::int64_t>(o.train_seed), 0, INT64_MAX,
                                   "seed of the training noise")},
          .claimed_unbiased = o.normalize == false,
          .requires_ = "any",
          .description = "NVIL: learned constant baseline, variance normalization; unbiased only with normalize=0",
          .reference = kReference,
          .make = [](const ParamValues& v) {
            NvilOptions n;
            n.normalize = v.integer("normalize") == 1;
            n.steps = static_cast<int>(v.integer("steps"));
            n.batch = static_cast<int>(v.integer("batch"));
            n.rate = v.real("rate");
            n.train_seed = static_cast<std::uint64_t>(v.integer("train_seed"));
            return std::make_unique<Nvil>(n);
          }};
}

}  // namespace estcheck
