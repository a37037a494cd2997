#include "rcn/report/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace rcn {
namespace fs = std::filesystem;

namespace {

std::string why(int err) { return std::strerror(err); }

}  // namespace

void check_output_file(const std::string& path) {
  const fs::path p(path);
  if (path.empty() || p.filename().empty())
    throw OutputPathError{"cannot write " + path + ": not a file name"};
  std::error_code ec;
  const auto st = fs::symlink_status(p, ec);
  if (fs::is_symlink(st))
    throw OutputPathError{"refusing to write " + path + ": it is a symbolic link (give the path it points to)"};
  if (fs::is_directory(st)) throw OutputPathError{"cannot write " + path + ": it is a folder"};
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) throw OutputPathError{"cannot write " + path + ": no folder " + dir.string()};
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw OutputPathError{"cannot write " + path + ": folder " + dir.string() + " is not writable (" + why(errno) + ")"};
}

void write_synced(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + why(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + why(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw std::runtime_error("cannot write " + path + ": " + why(errno));
}

void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // nothing to flush through; the rename itself has happened
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  check_output_file(path);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write_synced(tmp, content);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + why(errno));
  } catch (const std::runtime_error& e) {  // a folder that refuses files (/proc, a full disk): the user's input
    std::remove(tmp.c_str());
    const std::string what = e.what();  // "cannot create <tmp>: reason": the reason, without the temporary name
    throw OutputPathError{"cannot write " + path + ": " + what.substr(what.rfind(": ") + 2)};
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  const fs::path p(path);
  sync_folder(p.has_parent_path() ? p.parent_path().string() : ".");
}

}  // namespace rcn
