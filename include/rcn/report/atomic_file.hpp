#pragma once
// Files appear whole or not at all: each is written to a temporary name next
// to it, flushed to disk (fsync), then renamed over the target, and the folder
// is flushed so that the rename survives a crash.
#include <string>

namespace rcn {

// A path the user gave cannot be written to (its folder is missing or read-only,
// it is a folder or a symbolic link): an input error, exit status 2.
struct OutputPathError {
  std::string message;
};

// Checks, before any work, that `path` can be written: its folder exists and is
// writable, and `path` is neither a folder nor a symbolic link. Throws OutputPathError.
void check_output_file(const std::string& path);

// check_output_file, then writes `content` to `path` through a temporary file
// removed again on any error. Throws OutputPathError or std::runtime_error (I/O).
void write_file_atomically(const std::string& path, const std::string& content);

// Creates `path` (it must not exist), writes `content` and fsyncs it. Throws std::runtime_error.
void write_synced(const std::string& path, const std::string& content);
// fsyncs a folder, so that entries created or renamed in it are on disk.
void sync_folder(const std::string& dir);

}  // namespace rcn
