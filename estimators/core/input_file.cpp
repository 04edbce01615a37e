// estimators/core/input_file.cpp — see input_file.hpp.
#include "estimators/core/input_file.hpp"

#include "estimators/core/error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace estcheck {

std::string read_input_file(const std::string& path, const std::string& field, const std::string& expected) {
  const std::string quoted = "'" + path + "'";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) raise_input_error(field, expected, quoted + " (no such file)");
  if (S_ISDIR(st.st_mode)) raise_input_error(field, expected, quoted + " (a folder)");
  if (!S_ISREG(st.st_mode))
    raise_input_error(field, expected, quoted + " (not a regular file: a FIFO, socket or device)");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxInputBytes)
    raise_input_error(field, expected + " of at most 4 GiB", quoted + " (" + std::to_string(st.st_size) + " bytes)");
  // O_NONBLOCK: should the path turn into a FIFO between stat and open, open does not wait.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) raise_input_error(field, expected, quoted + " (cannot be opened: " + std::strerror(errno) + ")");
  std::string bytes;
  char buf[1 << 16];
  for (;;) {
    const ssize_t k = ::read(fd, buf, sizeof buf);
    if (k == 0) break;
    if (k < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      raise_input_error(field, expected, quoted + " (read error: " + why + ")");
    }
    bytes.append(buf, static_cast<std::size_t>(k));
    if (bytes.size() > kMaxInputBytes) {
      ::close(fd);
      raise_input_error(field, expected + " of at most 4 GiB", quoted + " (larger)");
    }
  }
  ::close(fd);
  return bytes;
}

nlohmann::json parse_input_json(const std::string& text, const std::string& field) {
  struct TooDeep {};
  const nlohmann::json::parser_callback_t depth_limit = [](int depth, nlohmann::json::parse_event_t,
                                                           nlohmann::json&) {
    if (depth > kMaxJsonDepth) throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(text, depth_limit);
  } catch (const TooDeep&) {
    raise_input_error(field, "JSON nested at most " + std::to_string(kMaxJsonDepth) + " levels deep",
                      "deeper nesting");
  } catch (const nlohmann::json::parse_error& e) {
    raise_input_error(field, "valid JSON", std::string("a syntax error: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {  // 406: a number beyond the double range
    raise_input_error(field, "numbers within the range of a double", std::string("a number out of range: ") + e.what());
  } catch (const nlohmann::json::exception& e) {
    raise_input_error(field, "valid JSON", e.what());
  }
}

}  // namespace estcheck
