// verify/harness/external.cpp — see external.hpp. POSIX: fork + execvp, pipes, poll.
#include "verify/harness/external.hpp"

#include "estimators/core/cleanup.hpp"
#include "estimators/core/error.hpp"
#include "verify/harness/harness.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdexcept>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <tuple>
#include <utility>
#include <unistd.h>

namespace estcheck {

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : command) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) raise_input_error("external", "a command line with closed quotes", "'" + command + "'");
  if (in_word) words.push_back(cur);
  if (words.empty()) raise_input_error("external", "a command to run", "an empty command");
  return words;
}

struct ExternalEstimator::Process {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // our ends: the child's stdin, stdout, stderr
  // The watchdog (start_watchdog): a process that kills the program's group when this end of its
  // pipe closes, which happens even when estcheck is killed by SIGKILL.
  pid_t watchdog = -1;
  int watchdog_fd = -1;
  std::string stderr_tail;          // the last few KiB the program wrote to stderr
  std::string command;

  using Clock = std::chrono::steady_clock;

  void drain_stderr() {
    char buf[1024];
    for (;;) {
      const ssize_t k = ::read(err, buf, sizeof buf);
      if (k <= 0) break;
      stderr_tail.append(buf, static_cast<std::size_t>(k));
      if (stderr_tail.size() > 4096) stderr_tail.erase(0, stderr_tail.size() - 4096);
    }
  }

  /// Kills and reaps the program, then throws the fault with what is known.
  [[noreturn]] void fault(const std::string& expected, std::string got) {
    std::string status;
    if (pid > 0) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        status = "killed by estcheck";
      } else if (WIFEXITED(st)) {
        status = "exit status " + std::to_string(WEXITSTATUS(st));
      } else if (WIFSIGNALED(st)) {
        status = "killed by signal " + std::to_string(WTERMSIG(st));
      }
      ::kill(-pid, SIGKILL);  // and whatever it left running in its process group
      untrack_child_group(pid);
      stop_watchdog();
      pid = -1;
    }
    if (err >= 0) drain_stderr();
    close_all();
    if (!status.empty()) got += " (" + status + ")";
    std::string tail = stderr_tail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    if (!tail.empty()) got += "; its stderr ends: " + tail.substr(tail.size() > 400 ? tail.size() - 400 : 0);
    raise_input_error("external", expected + " from '" + command + "'", got);
  }

  /// Closes the watchdog's pipe (it then kills the already dead group and exits) and reaps it.
  void stop_watchdog() {
    if (watchdog_fd >= 0) ::close(watchdog_fd);
    watchdog_fd = -1;
    if (watchdog > 0) ::waitpid(watchdog, nullptr, 0);
    watchdog = -1;
  }

  void close_all() {
    for (int* fd : {&in, &out, &err})
      if (*fd >= 0) {
        ::close(*fd);
        *fd = -1;
      }
  }

  int remaining_ms(Clock::time_point deadline) const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
  }

  void write_all(const void* data, std::size_t n, Clock::time_point deadline) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      pollfd fds[2] = {{in, POLLOUT, 0}, {err, POLLIN, 0}};
      const int r = ::poll(fds, 2, remaining_ms(deadline));
      if (r == 0) fault("a request read within the timeout", "no progress reading its stdin");
      if (r < 0 && errno == EINTR) continue;
      if (fds[1].revents & POLLIN) drain_stderr();
      if (!(fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) continue;
      const ssize_t k = ::write(in, p, n);
      if (k < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        fault("a running program reading its stdin", "its stdin is closed");
      }
      p += k;
      n -= static_cast<std::size_t>(k);
    }
  }

  void read_exact(void* data, std::size_t n, Clock::time_point deadline, const std::string& what) {
    char* p = static_cast<char*>(data);
    const std::size_t total = n;
    while (n > 0) {
      pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
      const int r = ::poll(fds, 2, remaining_ms(deadline));
      if (r == 0)
        fault("an answer within the timeout", "no complete " + what + " (" + std::to_string(total - n) + " of " +
                                                  std::to_string(total) + " bytes)");
      if (r < 0 && errno == EINTR) continue;
      if (fds[1].revents & (POLLIN | POLLHUP)) drain_stderr();
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t k = ::read(out, p, n);
      if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (k <= 0)
        fault("a complete " + what, "its stdout closed after " + std::to_string(total - n) + " of " +
                                        std::to_string(total) + " bytes");
      p += k;
      n -= static_cast<std::size_t>(k);
    }
  }
};

namespace {

void put_u32(std::string& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_f64(std::string& b, double x) {
  std::uint64_t v;
  std::memcpy(&v, &x, 8);
  put_u64(b, v);
}
std::uint32_t get_u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t get_u64(const unsigned char* p) {
  return static_cast<std::uint64_t>(get_u32(p)) | static_cast<std::uint64_t>(get_u32(p + 4)) << 32;
}

std::string request(const std::string& spec, std::span<const double> theta, std::uint64_t seed, std::uint64_t block,
                    std::uint64_t count) {
  std::string b = "ECRQ";
  put_u32(b, 1);
  put_u32(b, static_cast<std::uint32_t>(spec.size()));
  b += spec;
  put_u32(b, static_cast<std::uint32_t>(theta.size()));
  for (double t : theta) put_f64(b, t);
  put_u64(b, seed);
  put_u64(b, block);
  put_u64(b, count);
  return b;
}

}  // namespace

namespace {
/// Closes every descriptor >= `first` (after fork, before exec: async-signal-safe calls only).
void close_descriptors_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) return;
#endif
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < (max > 0 && max < 1048576 ? max : 1048576); ++fd) ::close(static_cast<int>(fd));
}
/// Starts the watchdog of process group `group`: its own process group (a signal to estcheck's group
/// does not reach it), no descriptor but /dev/null and the read end of a pipe whose write end only
/// estcheck holds. When that end closes (estcheck is done, or was killed, even by SIGKILL) the read
/// returns and the watchdog kills the group: a program's detached children cannot outlive estcheck.
/// Returns (pid, write end), or (-1, -1) when it cannot start (the other cleanups still apply).
std::pair<pid_t, int> start_watchdog(pid_t group) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, -1};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {-1, -1};
  }
  if (pid == 0) {  // async-signal-safe calls only
    ::setpgid(0, 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &ignore, nullptr);
    const int devnull = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
    ::dup2(fds[0], 3);
    close_descriptors_from(4);
    char c;
    while (::read(3, &c, 1) < 0 && errno == EINTR) {
    }
    ::kill(-group, SIGKILL);
    ::_exit(0);
  }
  ::close(fds[0]);
  return {pid, fds[1]};
}

}  // namespace

ExternalEstimator::ExternalEstimator(const std::string& command, std::string problem_spec, double timeout_s)
    : proc_(std::make_unique<Process>()), problem_spec_(std::move(problem_spec)), timeout_s_(timeout_s),
      info_{"external:" + command, true, false, 1, "an external program (verify/harness/external.hpp protocol v1)"} {
  if (!(timeout_s > 0.0)) raise_input_error("timeout", "a number of seconds > 0", format_double(timeout_s));
  const std::vector<std::string> words = split_command(command);
  proc_->command = command;
  std::signal(SIGPIPE, SIG_IGN);  // a dead program's stdin gives EPIPE, reported, not a crash
  int to_child[2], from_child[2], err_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0 || ::pipe2(err_child, O_CLOEXEC) != 0)
    raise_input_error("external", "pipes to start the program", std::strerror(errno));
  std::vector<char*> argv;
  for (const auto& w : words) argv.push_back(const_cast<char*>(w.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) raise_input_error("external", "a process for the program", std::strerror(errno));
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    // Its own process group (killed whole when estcheck ends, estimators/core/cleanup.hpp), death
    // with estcheck even by SIGKILL, and no descriptor but stdin, stdout and stderr: an MPI or
    // TBB descriptor of estcheck's must not outlive it in a program's lingering child.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // estcheck died before prctl took effect
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::dup2(err_child[1], 2);
    close_descriptors_from(3);
    ::execvp(argv[0], argv.data());
    const char msg[] = "estcheck: could not execute the program\n";
    [[maybe_unused]] const ssize_t k = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before either side runs on
  track_child_group(pid);
  std::tie(proc_->watchdog, proc_->watchdog_fd) = start_watchdog(pid);
  ::close(to_child[0]);
  ::close(from_child[1]);
  ::close(err_child[1]);
  proc_->pid = pid;
  proc_->in = to_child[1];
  proc_->out = from_child[0];
  proc_->err = err_child[0];
  ::fcntl(proc_->err, F_SETFL, O_NONBLOCK);
}

ExternalEstimator::~ExternalEstimator() {
  Process& p = *proc_;
  if (p.pid <= 0) {
    p.stop_watchdog();
    p.close_all();
    return;
  }
  const auto deadline = Process::Clock::now() + std::chrono::duration_cast<Process::Clock::duration>(
                                                     std::chrono::duration<double>(timeout_s_));
  try {  // the end request; a program that already died is killed and reaped below anyway
    const std::string end = request(problem_spec_, {}, 0, 0, 0);
    const ssize_t k = ::write(p.in, end.data(), end.size());
    (void)k;
  } catch (...) {
  }
  if (p.in >= 0) {
    ::close(p.in);
    p.in = -1;
  }
  int st = 0;
  while (::waitpid(p.pid, &st, WNOHANG) == 0) {
    if (Process::Clock::now() >= deadline) {
      ::kill(p.pid, SIGKILL);
      ::waitpid(p.pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(-p.pid, SIGKILL);  // whatever the program left running in its group goes with it
  untrack_child_group(p.pid);
  p.stop_watchdog();
  p.pid = -1;
  p.close_all();
}

int ExternalEstimator::pid() const { return proc_->pid; }

void ExternalEstimator::sample(const Model&, Noise&, std::span<double>, std::span<double>) const {
  throw std::logic_error("ExternalEstimator::sample: external samples are requested by block");
}

void ExternalEstimator::sample_block(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                                     std::vector<double>&, std::span<double> out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  // Blocks may be requested from several threads: after a fault, every later call rethrows the
  // first fault's message, whichever thread's exception the caller ends up seeing.
  if (failure_) throw *failure_;
  try {
    round_trip(model, seed, block, count, out);
  } catch (const InputError& e) {
    failure_ = e;
    throw;
  }
}

void ExternalEstimator::round_trip(const Model& model, std::uint64_t seed, std::uint64_t block, std::size_t count,
                                   std::span<double> out) const {
  Process& p = *proc_;
  if (p.pid <= 0) raise_input_error("external", "a running program", "a program that already failed");
  const auto deadline = Process::Clock::now() + std::chrono::duration_cast<Process::Clock::duration>(
                                                     std::chrono::duration<double>(timeout_s_));
  const std::string req = request(problem_spec_, model.theta, seed, block, count);
  p.write_all(req.data(), req.size(), deadline);
  unsigned char head[20];
  p.read_exact(head, sizeof head, deadline, "response header");
  if (std::memcmp(head, "ECRS", 4) != 0)
    p.fault("a response starting with the magic 'ECRS'",
            "bytes '" + std::string(reinterpret_cast<const char*>(head), 4) + "' (text on stdout?)");
  if (get_u32(head + 4) != 1) p.fault("protocol version 1", "version " + std::to_string(get_u32(head + 4)));
  const std::uint64_t n = get_u64(head + 8);
  const std::uint32_t d = get_u32(head + 16);
  if (n != count || d != model.theta_dim())
    p.fault(std::to_string(count) + " samples of " + std::to_string(model.theta_dim()) + " values",
            std::to_string(n) + " samples of " + std::to_string(d) + " values");
  std::vector<unsigned char> body(count * d * 8);
  p.read_exact(body.data(), body.size(), deadline, "response body");
  for (std::size_t i = 0; i < count * d; ++i) {
    const std::uint64_t v = get_u64(body.data() + 8 * i);
    std::memcpy(&out[i], &v, 8);
  }
}

}  // namespace estcheck
