// verify/oracles/budget.hpp — the oracles' time budget (issue 14): no oracle hangs.
//
// An oracle figure is computed inside an OracleClock, which starts a deadline oracle_seconds()
// away (the CLI's --oracle-seconds, a suite's "oracle_seconds"; default 30 s). The routes call
// oracle_checkpoint() in their loops and integrands: past the deadline it throws
// OracleBudgetExceeded, which the oracle's entry point turns into an "unknown (budget exceeded)"
// figure (certificate.hpp); every 5 s of oracle work it prints one progress line to stderr. The
// deadline is one process-wide atomic, so the checks are cheap and work from oneTBB's threads.
// Clocks nest: an inner clock keeps the outer deadline when that is sooner.
#pragma once

#include <stdexcept>
#include <string>

namespace estcheck {

inline constexpr double kDefaultOracleSeconds = 30.0;
/// Sets the budget of each oracle figure (seconds > 0; callers validate).
void set_oracle_seconds(double seconds);
double oracle_seconds();

class OracleBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Starts the budget of one oracle figure; `what` names it in progress lines and reasons.
class OracleClock {
 public:
  explicit OracleClock(std::string what);
  ~OracleClock();
  OracleClock(const OracleClock&) = delete;
  OracleClock& operator=(const OracleClock&) = delete;
  /// "unknown (budget exceeded): <what> took more than 30 s (--oracle-seconds)".
  std::string exceeded_reason() const;

 private:
  std::string what_;
  long long saved_deadline_, saved_start_;
  std::string saved_what_;
};

/// Throws OracleBudgetExceeded when the current clock's deadline has passed; may print a progress
/// line. Without a clock it does nothing.
void oracle_checkpoint();
/// Whether the current deadline has passed (for code that cannot throw, e.g. C callbacks).
bool oracle_expired();
/// Throws OracleBudgetExceeded now if `predicted_seconds` exceeds what is left of the budget:
/// for routes whose cost is known before they start.
void oracle_expect(double predicted_seconds, const std::string& what);

}  // namespace estcheck
