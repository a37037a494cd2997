#include "rcn/scenario/file_reference.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

namespace fs = std::filesystem;

namespace {

// Canonical form of a path that may not exist (its existing prefix has its
// links resolved); the lexical form when even that fails.
fs::path canonical_or_lexical(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p).lexically_normal() : c;
}

bool lies_under(const fs::path& p, const fs::path& root) {
  const fs::path rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

std::optional<std::string> read_regular_file(const std::string& path, std::uint64_t max_bytes, std::string& why,
                                             bool allow_pipe) {
  why.clear();
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    why = errno == ENOENT ? "not found" : std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::optional<std::string> out;
  if (::fstat(fd, &st) != 0) {
    why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode) && !(allow_pipe && S_ISFIFO(st.st_mode))) {
    why = fmt::format("is {}, not a regular file", kind_of(st.st_mode));
  } else if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    why = fmt::format("is {} bytes, more than the limit of {}", static_cast<std::uint64_t>(st.st_size), max_bytes);
  } else if (S_ISFIFO(st.st_mode) && ::fcntl(fd, F_SETFL, 0) != 0) {  // a pipe waits for its writer
    why = std::strerror(errno);
  } else {
    // Read to the end rather than trusting st_size: the file may grow meanwhile.
    std::string text;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) why = std::strerror(errno);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      if (text.size() > max_bytes) {
        why = fmt::format("is more than the limit of {} bytes", max_bytes);
        break;
      }
    }
    if (why.empty()) out = std::move(text);
  }
  ::close(fd);
  return out;
}

FileReferences::FileReferences(const std::string& base_dir, const std::vector<std::string>& allow_paths)
    : base_(base_dir.empty() ? "." : base_dir) {
  const fs::path base = canonical_or_lexical(base_);
  roots_.push_back(base);
  for (fs::path p = base; p.has_relative_path(); p = p.parent_path())
    if (p.filename() == "scenarios") {
      roots_.push_back(p);
      break;
    }
  for (const auto& a : allow_paths) roots_.push_back(canonical_or_lexical(a));
}

std::string FileReferences::display_name(const std::string& ref) const {
  const fs::path p(ref);
  if (p.is_absolute() || base_ == ".") return p.lexically_normal().string();
  return (base_ / p).lexically_normal().string();
}

std::optional<std::string> FileReferences::read(const std::string& ref, std::uint64_t max_bytes,
                                                std::string& why) const {
  why.clear();
  if (ref.empty()) {
    why = "expected a file name, got \"\"";
    return std::nullopt;
  }
  fs::path p(ref);
  if (p.is_relative()) p = base_ / p;
  const fs::path c = canonical_or_lexical(p);
  bool allowed = false;
  for (const auto& root : roots_) allowed = allowed || lies_under(c, root);
  // Checked before the file is opened, so a refused path does not even say whether it exists.
  if (!allowed) {
    why = fmt::format("\"{}\" is outside the scenario's folder ({}); allow it with --allow-paths DIR",
                      quote_input(display_name(ref), 200), quote_input(roots_.front().string(), 200));
    return std::nullopt;
  }
  std::string reason;
  auto text = read_regular_file(c.string(), max_bytes, reason);
  if (!text) why = fmt::format("cannot read \"{}\": {}", quote_input(display_name(ref), 200), reason);
  return text;
}

}  // namespace rcn
