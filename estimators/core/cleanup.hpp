// estimators/core/cleanup.hpp — what estcheck must undo if it stops early: child process groups
// to kill and temporary files to remove, kept in fixed tables that a signal handler may read.
//
// The external protocol (verify/harness/external.hpp) tracks each program's process group while
// it runs; the atomic file writers (reports/) track each temporary file until it is renamed into
// place. On SIGINT, SIGTERM or SIGHUP the handler that tools/main.cpp installs
// (install_signal_cleanup) kills every tracked group, removes every tracked file, prints one line
// and exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM). cleanup_now() uses only
// async-signal-safe calls (kill, unlink). Tables hold kMaxTracked entries each; past that, tracking
// is refused (returns false) and the caller's own destructor still cleans up on a normal exit.
#pragma once

#include <string>
#include <sys/types.h>

namespace estcheck {

inline constexpr int kMaxTracked = 64;

/// Tracks process group `pgid` (a child started with setpgid(0, 0)). False when the table is full.
bool track_child_group(pid_t pgid) noexcept;
void untrack_child_group(pid_t pgid) noexcept;

/// Tracks a temporary file (paths longer than 4095 bytes are not tracked). False when not tracked.
bool track_temp_file(const std::string& path) noexcept;
void untrack_temp_file(const std::string& path) noexcept;

/// Kills every tracked process group (SIGKILL) and removes every tracked file. Async-signal-safe.
void cleanup_now() noexcept;

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that call cleanup_now(), write
/// "estcheck: stopped by SIG...; child processes and temporary files cleaned up" to stderr and
/// _exit(128 + signal).
void install_signal_cleanup() noexcept;

}  // namespace estcheck
