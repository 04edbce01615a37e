// estimators/core/cleanup.cpp — see cleanup.hpp. The tables are arrays of atomics and fixed
// buffers: a slot is claimed with a compare-exchange, filled, then published, so a handler that
// interrupts a registration sees either the old or the new state, never a torn path.
#include "estimators/core/cleanup.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace estcheck {
namespace {

constexpr std::size_t kPathMax = 4096;

std::array<std::atomic<pid_t>, kMaxTracked> g_groups{};

struct TempSlot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 published
  char path[kPathMax];
};
std::array<TempSlot, kMaxTracked> g_files;

void write_stderr(const char* s) noexcept {
  [[maybe_unused]] const ssize_t k = ::write(STDERR_FILENO, s, std::strlen(s));
}

extern "C" void on_signal(int sig) {
  cleanup_now();
  write_stderr(sig == SIGINT    ? "estcheck: stopped by SIGINT"
               : sig == SIGTERM ? "estcheck: stopped by SIGTERM"
                                : "estcheck: stopped by SIGHUP");
  write_stderr("; child processes and temporary files cleaned up\n");
  ::_exit(128 + sig);
}

}  // namespace

bool track_child_group(pid_t pgid) noexcept {
  for (auto& slot : g_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pgid)) return true;
  }
  return false;
}

void untrack_child_group(pid_t pgid) noexcept {
  for (auto& slot : g_groups) {
    pid_t expected = pgid;
    slot.compare_exchange_strong(expected, 0);
  }
}

bool track_temp_file(const std::string& path) noexcept {
  if (path.size() >= kPathMax) return false;
  for (auto& slot : g_files) {
    int expected = 0;
    if (!slot.state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.state.store(2);
    return true;
  }
  return false;
}

void untrack_temp_file(const std::string& path) noexcept {
  for (auto& slot : g_files) {
    if (slot.state.load() != 2 || path != slot.path) continue;
    int expected = 2;
    slot.state.compare_exchange_strong(expected, 0);
  }
}

void cleanup_now() noexcept {
  for (auto& slot : g_groups)
    if (const pid_t g = slot.load(); g > 0) ::kill(-g, SIGKILL);
  for (auto& slot : g_files)
    if (slot.state.load() == 2) ::unlink(slot.path);
}

void install_signal_cleanup() noexcept {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace estcheck
