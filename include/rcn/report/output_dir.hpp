#pragma once
// Results appear all at once or not at all: files are written into a fresh
// temporary folder next to the target, which is renamed into place at the end.
#include <string>

namespace rcn {

class OutputDir {
 public:
  explicit OutputDir(std::string target);  // creates <target>.tmp-<pid>
  ~OutputDir();                            // removes the temporary folder unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  void write(const std::string& file_name, const std::string& content);
  // Replaces `target` (an earlier run's results) with the temporary folder.
  void commit();
  const std::string& target() const { return target_; }

 private:
  std::string target_, tmp_;
  bool committed_ = false;
};

}  // namespace rcn
