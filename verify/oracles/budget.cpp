// verify/oracles/budget.cpp — see budget.hpp.
#include "verify/oracles/budget.hpp"

#include "estimators/core/error.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace estcheck {

namespace {

std::atomic<double> g_seconds{kDefaultOracleSeconds};
std::atomic<long long> g_deadline{0};  ///< steady-clock ns; 0: no clock running
std::atomic<long long> g_start{0};
std::atomic<long long> g_next_progress{0};
std::mutex g_what_mutex;
std::string g_what;  ///< guarded by g_what_mutex

constexpr long long kProgressNs = 5'000'000'000LL;

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Seconds to 3 significant digits ("1.36e+06", "30").
std::string short_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", s);
  return buf;
}

std::string current_what() {
  std::lock_guard<std::mutex> lock(g_what_mutex);
  return g_what;
}

}  // namespace

void set_oracle_seconds(double seconds) { g_seconds.store(seconds); }
double oracle_seconds() { return g_seconds.load(); }

OracleClock::OracleClock(std::string what) : what_(std::move(what)) {
  saved_deadline_ = g_deadline.load();
  saved_start_ = g_start.load();
  {
    std::lock_guard<std::mutex> lock(g_what_mutex);
    saved_what_ = g_what;
    g_what = what_;
  }
  const long long now = now_ns();
  const double s = oracle_seconds();
  const long long budget = std::isfinite(s) && s < 1e9 ? static_cast<long long>(s * 1e9) : 1'000'000'000LL * 1'000'000'000LL;
  const long long mine = now + budget;
  if (saved_deadline_ == 0 || mine < saved_deadline_) g_deadline.store(mine);
  if (saved_deadline_ == 0) {
    g_start.store(now);
    g_next_progress.store(now + kProgressNs);
  }
}

OracleClock::~OracleClock() {
  g_deadline.store(saved_deadline_);
  g_start.store(saved_start_);
  std::lock_guard<std::mutex> lock(g_what_mutex);
  g_what = saved_what_;
}

std::string OracleClock::exceeded_reason() const {
  return "budget exceeded: " + what_ + " did not finish within " + format_double(oracle_seconds()) +
         " s (--oracle-seconds)";
}

bool oracle_expired() {
  const long long d = g_deadline.load(std::memory_order_relaxed);
  return d != 0 && now_ns() > d;
}

void oracle_checkpoint() {
  const long long d = g_deadline.load(std::memory_order_relaxed);
  if (d == 0) return;
  const long long now = now_ns();
  if (now > d) throw OracleBudgetExceeded("budget exceeded: " + current_what() + " did not finish within " +
                                          format_double(oracle_seconds()) + " s (--oracle-seconds)");
  long long next = g_next_progress.load(std::memory_order_relaxed);
  if (now >= next && g_next_progress.compare_exchange_strong(next, now + kProgressNs)) {
    const double elapsed = static_cast<double>(now - g_start.load()) * 1e-9;
    std::fprintf(stderr, "estcheck: oracle: %s: %.0f s of its %s s budget (--oracle-seconds)\n", current_what().c_str(),
                 elapsed, format_double(oracle_seconds()).c_str());
  }
}

void oracle_expect(double predicted_seconds, const std::string& what) {
  const long long d = g_deadline.load();
  const double left = d == 0 ? oracle_seconds() : static_cast<double>(d - now_ns()) * 1e-9;
  if (predicted_seconds > left)
    throw OracleBudgetExceeded("budget exceeded: " + what + " is predicted to take about " + short_seconds(predicted_seconds) +
                               " s, more than the " + short_seconds(left) + " s left of its " +
                               format_double(oracle_seconds()) + " s budget (--oracle-seconds)");
}

}  // namespace estcheck
