// include/estcheck/estcheck.hpp — the public umbrella header of the estcheck library: problems,
// estimators and their contract, the exact oracles, the Monte Carlo harness, the bias tests and
// the one-call checker. GoogleTest users add <gtest/gtest.h> and then <verify/gtest.hpp>.
#pragma once

#include "estimators/error.hpp"
#include "estimators/estimator.hpp"
#include "estimators/problems.hpp"
#include "estimators/registry.hpp"
#include "verify/calibrate.hpp"
#include "verify/catoni.hpp"
#include "verify/check.hpp"
#include "verify/compare.hpp"
#include "verify/estimator_mean.hpp"
#include "verify/exact.hpp"
#include "verify/harness.hpp"
#include "verify/sequential.hpp"
#include "verify/verdict.hpp"
