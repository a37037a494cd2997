#include "rcn/report/output_dir.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace rcn {
namespace fs = std::filesystem;

OutputDir::OutputDir(std::string target) : target_(std::move(target)) {
  fs::path t = fs::absolute(target_).lexically_normal();
  if (t.filename().empty()) t = t.parent_path();
  target_ = t.string();
  // Only an earlier run's results may be replaced: never a folder holding anything else.
  if (fs::exists(t) && (!fs::is_directory(t) || (!fs::is_empty(t) && !fs::exists(t / "summary.json"))))
    throw OutputDirRefused{"refusing to write results to " + target_ +
                           ": it exists and is not an rcnsim results folder (no summary.json); choose another -o"};
  tmp_ = target_ + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp_);
  fs::create_directories(tmp_);
}

OutputDir::~OutputDir() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
}

void OutputDir::write(const std::string& file_name, const std::string& content) {
  std::ofstream out(fs::path(tmp_) / file_name, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + (fs::path(tmp_) / file_name).string());
}

void OutputDir::commit() {
  const std::string old = target_ + ".old-" + std::to_string(::getpid());
  const bool had = fs::exists(target_);
  if (had) fs::rename(target_, old);
  fs::rename(tmp_, target_);
  committed_ = true;
  if (had) fs::remove_all(old);
}

}  // namespace rcn
