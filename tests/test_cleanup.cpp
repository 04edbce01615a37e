// tests/test_cleanup.cpp — estimators/core/cleanup.hpp: what a SIGINT/SIGTERM handler undoes. A
// tracked temporary file is removed and a tracked process group is killed by cleanup_now(); an
// untracked one is left alone; the tables refuse entries past kMaxTracked instead of overflowing.
// (The handler itself, exit codes 130/143 and the one-line message, is tested on the binary by
// tests/robustness.py.)
#include "estimators/core/cleanup.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace estcheck {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))).string();
}

TEST(Cleanup, RemovesTrackedTemporaryFilesOnly) {
  const std::string tracked = temp_path("estcheck_cleanup_tracked"), kept = temp_path("estcheck_cleanup_kept");
  std::ofstream(tracked) << "partial report";
  std::ofstream(kept) << "a finished report";
  ASSERT_TRUE(track_temp_file(tracked));
  cleanup_now();
  EXPECT_FALSE(std::filesystem::exists(tracked));
  EXPECT_TRUE(std::filesystem::exists(kept));
  untrack_temp_file(tracked);
  std::remove(kept.c_str());
}

TEST(Cleanup, UntrackedFilesSurvive) {
  const std::string path = temp_path("estcheck_cleanup_untracked");
  std::ofstream(path) << "renamed into place";
  ASSERT_TRUE(track_temp_file(path));
  untrack_temp_file(path);
  cleanup_now();
  EXPECT_TRUE(std::filesystem::exists(path));
  std::remove(path.c_str());
}

TEST(Cleanup, KillsTrackedProcessGroups) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setpgid(0, 0);
    ::pause();
    ::_exit(0);
  }
  ::setpgid(child, child);
  ASSERT_TRUE(track_child_group(child));
  cleanup_now();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  untrack_child_group(child);
}

TEST(Cleanup, TablesRefuseEntriesPastTheirSize) {
  int accepted = 0;
  for (int i = 0; i < kMaxTracked + 5; ++i) accepted += track_child_group(1'000'000 + i) ? 1 : 0;
  EXPECT_EQ(accepted, kMaxTracked);
  for (int i = 0; i < kMaxTracked + 5; ++i) untrack_child_group(1'000'000 + i);
  EXPECT_TRUE(track_child_group(2'000'000));  // freed slots are reused
  untrack_child_group(2'000'000);
  EXPECT_FALSE(track_temp_file(std::string(5000, 'x')));  // longer than a path may be
}

}  // namespace
}  // namespace estcheck
