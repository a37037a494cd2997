#pragma once
// Results appear all at once or not at all: files are written into a fresh
// temporary folder next to the target, which is renamed into place at the end.
#include <string>

namespace rcn {

// The target exists and is not an earlier run's results folder.
struct OutputDirRefused {
  std::string message;
};

class OutputDir {
 public:
  // Creates <target>.tmp-<pid>. Throws OutputDirRefused when `target` exists
  // but is neither empty nor a results folder (it has no summary.json).
  explicit OutputDir(std::string target);
  ~OutputDir();                            // removes the temporary folder unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  void write(const std::string& file_name, const std::string& content);
  // Replaces `target` (an earlier run's results, or an empty folder) with the temporary folder.
  void commit();
  const std::string& target() const { return target_; }

 private:
  std::string target_, tmp_;
  bool committed_ = false;
};

}  // namespace rcn
