// include/estcheck/estcheck.hpp — the public umbrella header of the estcheck library: problems,
// estimators and their contract, the exact oracles, the Monte Carlo harness, the bias tests and
// the one-call checker. GoogleTest users add <gtest/gtest.h> and then <verify/gtest.hpp>.
#pragma once

#include "estimators/core/error.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems/catalogue.hpp"
#include "estimators/registry/registry.hpp"
#include "verify/stats/calibrate.hpp"
#include "verify/stats/catoni.hpp"
#include "verify/check.hpp"
#include "verify/pipeline.hpp"
#include "verify/stats/compare.hpp"
#include "verify/oracles/estimator_mean.hpp"
#include "verify/oracles/exact.hpp"
#include "verify/harness/harness.hpp"
#include "verify/stats/sequential.hpp"
#include "verify/stats/verdict.hpp"
