// tools/progress.hpp — a progress bar on a terminal's stderr for long runs: done/total samples,
// samples per second and time left, redrawn at most 5 times a second. Fed by the harness's
// RunOptions::on_progress, which may be called from several threads at once: the count is an
// atomic and a redraw happens only in the thread that wins a try_lock, so no worker waits.
// Disabled (no output at all) unless `enabled`; the CLI enables it when stderr is a terminal
// (isatty) and --quiet is not given, so CI logs stay clean.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace estcheck {

class Progress {
 public:
  Progress(std::ostream& err, std::uint64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Counts `samples` more (thread-safe) and redraws if due.
  void add(std::uint64_t samples);
  /// What is running now, shown after the bar (call between runs).
  void set_label(const std::string& label);
  /// Clears the bar's line (also done by the destructor).
  void finish();
  /// A callback for RunOptions::on_progress; empty when disabled (so the harness skips it).
  std::function<void(std::uint64_t)> callback();

 private:
  void draw(bool force);
  std::ostream& err_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::int64_t> last_draw_ms_{-1000};
  std::mutex draw_mutex_;
  std::string label_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace estcheck
