// tools/progress.cpp — see progress.hpp.
#include "tools/progress.hpp"

#include <cmath>
#include <cstdio>

namespace estcheck {

Progress::Progress(std::ostream& err, std::uint64_t total, bool enabled)
    : err_(err), total_(total), enabled_(enabled && total > 0) {}

Progress::~Progress() { finish(); }

std::function<void(std::uint64_t)> Progress::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t n) { add(n); };
}

void Progress::add(std::uint64_t samples) {
  if (!enabled_) return;
  done_.fetch_add(samples, std::memory_order_relaxed);
  draw(false);
}

void Progress::set_label(const std::string& label) {
  if (!enabled_) return;
  {
    std::lock_guard lock(draw_mutex_);
    label_ = label;
  }
  draw(true);
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count();
  std::int64_t last = last_draw_ms_.load(std::memory_order_relaxed);
  if (!force && ms - last < 200) return;
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  last_draw_ms_.store(ms, std::memory_order_relaxed);
  const double done = static_cast<double>(std::min(done_.load(std::memory_order_relaxed), total_));
  const double frac = done / static_cast<double>(total_);
  const double secs = std::max(1e-3, static_cast<double>(ms) / 1000.0);
  const double rate = done / secs;
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  char line[256];
  if (rate > 0 && done > 0)
    std::snprintf(line, sizeof line, "\r[%s] %3.0f%%  %.3g samples/s  %.0f s left  ", bar.c_str(), 100 * frac, rate,
                  std::ceil((static_cast<double>(total_) - done) / rate));
  else
    std::snprintf(line, sizeof line, "\r[%s] %3.0f%%  ", bar.c_str(), 100 * frac);
  err_ << line << label_.substr(0, 40) << "\x1b[K" << std::flush;
  drawn_ = true;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lock(draw_mutex_);
  if (drawn_) err_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace estcheck
