#pragma once
// Files a scenario names (hardware profiles, job and request traces). A
// scenario is shared between people, so what it may read is confined: a
// reference resolves against the scenario's folder, and its canonical path
// (symbolic links followed) must lie under one of the allowed roots:
//   - the scenario's folder,
//   - the closest enclosing folder named `scenarios` (so the shipped
//     scenarios/regional/*.yaml reach scenarios/traces/),
//   - each folder given with --allow-paths.
// Only regular files are read (never a FIFO, a device or a folder, so nothing
// blocks or reads without end), up to a size limit. Messages name the file and
// never quote its content.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rcn {

class FileReferences {
 public:
  // `base_dir`: the scenario's folder ("." for a scenario given as text).
  // `allow_paths`: extra roots (--allow-paths); they need not exist.
  FileReferences(const std::string& base_dir, const std::vector<std::string>& allow_paths);

  // The name a reference is shown under in messages: the base folder joined
  // with a relative reference, normalised lexically ("scenarios/traces/x.csv").
  std::string display_name(const std::string& ref) const;

  // The file's bytes, or nothing with `why` set to one line saying what was
  // wrong ("is outside the scenario's folder ...", "not found", "is a FIFO,
  // not a regular file", "is larger than ... bytes").
  std::optional<std::string> read(const std::string& ref, std::uint64_t max_bytes, std::string& why) const;

 private:
  std::filesystem::path base_;                 // as given, for display names
  std::vector<std::filesystem::path> roots_;   // canonical allowed roots
};

// Reads a regular file of at most `max_bytes` without following it into a
// FIFO or device (opened non-blocking, checked with fstat). `allow_pipe` also
// accepts a pipe, read to its end: the scenario file named on the command line
// may be `/dev/stdin` or `<(...)`.
std::optional<std::string> read_regular_file(const std::string& path, std::uint64_t max_bytes, std::string& why,
                                             bool allow_pipe = false);

}  // namespace rcn
