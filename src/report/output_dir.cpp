#include "rcn/report/output_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "rcn/report/atomic_file.hpp"

namespace rcn {
namespace fs = std::filesystem;

namespace {

constexpr int kMarkerVersion = 1;
// The marker's next version, renamed over it: a crash never leaves a half-written marker.
constexpr const char* kMarkerNew = ".rcnsim-output.new";

// --- The marker: which files a folder holds that rcnsim wrote. ---

std::string marker_text(const std::vector<std::string>& files) {
  nlohmann::json j = {{"format", kOutputFormat}, {"version", kMarkerVersion}, {"files", files}};
  return j.dump(2) + "\n";
}

// The files listed in `dir`'s marker; empty when it has none or one rcnsim cannot read.
std::optional<std::vector<std::string>> marker_files(const fs::path& dir) {
  std::ifstream in(dir / kOutputMarker, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object() || j.value("format", "") != kOutputFormat || !j.contains("version") ||
      !j["version"].is_number_integer() || j["version"].get<int>() != kMarkerVersion || !j.contains("files") ||
      !j["files"].is_array())
    return std::nullopt;
  std::vector<std::string> files;
  for (const auto& f : j["files"]) {
    if (!f.is_string()) return std::nullopt;
    const std::string name = f.get<std::string>();
    // Plain names only: a marker must never make rcnsim delete outside its folder.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) return std::nullopt;
    files.push_back(name);
  }
  return files;
}

// Why `dir` (an existing, non-empty folder) is not provably rcnsim's; "" when it is:
// it has a marker and every entry is a plain file the marker lists (or the marker).
std::string not_ours(const fs::path& dir) {
  const auto listed = marker_files(dir);
  if (!listed) {
    if (fs::exists(dir / "summary.json"))
      return "it has no valid " + std::string(kOutputMarker) +
             " marker (results of an older rcnsim, or files put there by hand); delete it by hand "
             "or choose another -o";
    return "it is not empty and is not an rcnsim results folder (no " + std::string(kOutputMarker) +
           " marker); choose another -o";
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == kOutputMarker || name == kMarkerNew) continue;
    const bool is_listed = std::find(listed->begin(), listed->end(), name) != listed->end();
    if (!is_listed || e.is_symlink() || !e.is_regular_file())
      return "it holds " + name + ", which rcnsim did not write; move it away or choose another -o";
  }
  return "";
}

// Deletes what rcnsim wrote in `dir` (the marker's files, then the marker, then
// the folder if that left it empty); anything else stays. Never throws.
void remove_ours(const fs::path& dir) {
  std::error_code ec;
  if (const auto listed = marker_files(dir))
    for (const auto& name : *listed) fs::remove(dir / name, ec);
  fs::remove(dir / kMarkerNew, ec);
  fs::remove(dir / kOutputMarker, ec);
  fs::remove(dir, ec);  // only succeeds when empty
}

bool pid_alive(long pid) { return pid > 0 && pid <= INT_MAX && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH); }

// Removes <target>.tmp-<pid> and <target>.old-<pid> folders of runs that are no
// longer alive (killed, or crashed), when their marker proves rcnsim wrote them.
// An output folder as every writer names it: absolute, normalised, no trailing slash
// (so <target>.tmp-<pid> is the same path for the writer and for the cleanup).
fs::path target_folder(const std::string& target) {
  fs::path t = fs::absolute(target).lexically_normal();
  if (t.filename().empty()) t = t.parent_path();
  return t;
}

void remove_stale(const fs::path& target) {
  const std::string base = target.filename().string();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(target.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    for (const char* kind : {".tmp-", ".old-"}) {
      const std::string prefix = base + kind;
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string digits = name.substr(prefix.size());
      if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
      const long pid = std::stol(digits);
      if (pid == ::getpid() || pid_alive(pid)) continue;
      if (!e.is_symlink() && e.is_directory() && not_ours(e.path()).empty()) remove_ours(e.path());
    }
  }
}

// --- Removing the temporary folder from a signal handler. ---
// Only async-signal-safe calls there: the folder's path and its file names are
// kept in fixed buffers, filled before each file is created.

constexpr int kMaxFiles = 32;
char g_tmp[PATH_MAX];
char g_names[kMaxFiles + 2][NAME_MAX + 1];
volatile sig_atomic_t g_count = 0;
volatile sig_atomic_t g_active = 0;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

volatile sig_atomic_t g_graceful = 0;     // the first SIGINT/SIGTERM only records itself
volatile sig_atomic_t g_stop_signal = 0;  // that signal, for interrupt_flag()

void on_signal(int sig) {
  if (g_graceful && g_stop_signal == 0 && (sig == SIGINT || sig == SIGTERM)) {
    g_stop_signal = sig;
    return;
  }
  if (g_active) {
    const int dir = ::open(g_tmp, O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      for (int i = 0; i < g_count; ++i) ::unlinkat(dir, g_names[i], 0);
      ::close(dir);
    }
    ::rmdir(g_tmp);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void guard_name(const std::string& name) {
  if (g_count >= kMaxFiles + 2 || name.size() > NAME_MAX) throw std::logic_error("OutputDir: too many files");
  std::memcpy(g_names[g_count], name.c_str(), name.size() + 1);
  g_count = g_count + 1;
}

void install_guard(const std::string& tmp) {
  if (tmp.size() >= sizeof g_tmp) throw OutputDirRefused{"cannot write results to " + tmp + ": the path is too long"};
  std::memcpy(g_tmp, tmp.c_str(), tmp.size() + 1);
  g_count = 0;
  guard_name(kOutputMarker);
  guard_name(kMarkerNew);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &sa, &g_previous[i]);
  g_active = 1;
}

void remove_guard() {
  g_active = 0;
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

// Signals held back while folders are renamed: the handler must not run with
// the temporary folder half moved.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kSignals) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~BlockSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

// A marker's kind, as text safe to print (it came from a file).
std::string quote_kind(const std::string& k) {
  std::string s;
  for (char c : k.substr(0, 40)) s += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '?';
  return s;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void set_graceful_stop(bool on) { g_graceful = on ? 1 : 0; }

const volatile sig_atomic_t* interrupt_flag() { return &g_stop_signal; }

bool path_within(const std::string& path, const std::string& base) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(base), ec);
  if (ec) return false;
  auto pi = p.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++pi) {
    if (bi->empty() && std::next(bi) == b.end()) break;  // a trailing separator
    if (pi == p.end() || *pi != *bi) return false;
  }
  return true;
}

void prepare_collection_dir(const std::string& target, const std::string& kind) {
  const fs::path t = target_folder(target);
  const std::string refuse = "refusing to write " + kind + " results to " + t.string() + ": ";
  if (t == t.root_path()) throw OutputDirRefused{refuse + "it is the root folder"};
  std::error_code ec;
  const auto st = fs::symlink_status(t, ec);
  if (fs::is_symlink(st)) throw OutputDirRefused{refuse + "it is a symbolic link; give the folder itself"};
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw OutputDirRefused{refuse + "it exists and is not a folder"};
    if (!fs::is_empty(t, ec)) {
      std::ifstream in(t / kOutputMarker, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      const bool ours = marker_files(t) && j.is_object() && j.contains("kind") && j["kind"].is_string();
      if (!ours)
        throw OutputDirRefused{refuse + "it is not empty and is not an rcnsim " + kind + " folder (no " +
                               std::string(kOutputMarker) + " marker); choose another -o"};
      if (j["kind"].get<std::string>() != kind)
        throw OutputDirRefused{refuse + "it holds the results of an rcnsim " + quote_kind(j["kind"].get<std::string>()) +
                               ", not of a " + kind + "; choose another -o"};
      return;
    }
  }
  fs::create_directories(t, ec);
  if (ec) throw OutputDirRefused{"cannot write " + kind + " results to " + t.string() + ": " + ec.message()};
  nlohmann::json j = nlohmann::json::parse(marker_text({}));
  j["kind"] = kind;
  try {
    write_file_atomically((t / kOutputMarker).string(), j.dump(2) + "\n");
  } catch (const OutputPathError& e) {
    throw OutputDirRefused{"cannot write " + kind + " results to " + t.string() + ": " + e.message};
  } catch (const std::exception& e) {
    throw OutputDirRefused{"cannot write " + kind + " results to " + t.string() + ": " + e.what()};
  }
}

bool output_allowed_from_file(const std::string& dir, const std::string& input_file) {
  std::string home = fs::path(input_file).parent_path().string();
  if (home.empty()) home = ".";
  return path_within(dir, ".") || path_within(dir, home);
}

OutputDir::OutputDir(std::string target) : target_(std::move(target)) {
  const fs::path t = target_folder(target_);
  target_ = t.string();
  const std::string refuse = "refusing to write results to " + target_ + ": ";
  if (t == t.root_path()) throw OutputDirRefused{refuse + "it is the root folder"};
  std::error_code ec;
  const auto st = fs::symlink_status(t, ec);
  if (fs::is_symlink(st))
    throw OutputDirRefused{refuse + "it is a symbolic link" + (fs::exists(t, ec) ? "" : " to nothing") +
                           "; give the folder itself"};
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw OutputDirRefused{refuse + "it exists and is not a folder"};
    if (!fs::is_empty(t, ec)) {
      const std::string why = not_ours(t);
      if (!why.empty()) throw OutputDirRefused{refuse + why};
    }
    if (::access(t.c_str(), W_OK | X_OK) != 0) throw OutputDirRefused{refuse + "it cannot be changed (" + errno_text() + ")"};
  }
  const fs::path parent = t.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw OutputDirRefused{"cannot write results to " + target_ + ": cannot create " + parent.string() + " (" + ec.message() + ")"};
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    throw OutputDirRefused{"cannot write results to " + target_ + ": folder " + parent.string() + " is not writable (" +
                           errno_text() + ")"};
  remove_stale(t);
  tmp_ = target_ + ".tmp-" + std::to_string(::getpid());
  if (fs::exists(fs::symlink_status(tmp_, ec))) throw OutputDirRefused{refuse + tmp_ + " is in the way; remove it"};
  install_guard(tmp_);
  if (!fs::create_directory(tmp_, ec) || ec) {
    remove_guard();
    throw OutputDirRefused{"cannot write results to " + target_ + ": cannot create " + tmp_ + " (" + ec.message() + ")"};
  }
  try {
    write_synced(tmp_ + "/" + kOutputMarker, marker_text(files_));
  } catch (const std::exception& e) {
    remove_ours(tmp_);
    remove_guard();
    throw OutputDirRefused{"cannot write results to " + target_ + ": " + e.what()};
  }
}

OutputDir::~OutputDir() {
  if (committed_) return;
  files_.push_back(kOutputMarker);
  files_.push_back(kMarkerNew);
  for (const auto& f : files_) {
    std::error_code ec;
    fs::remove(fs::path(tmp_) / f, ec);
  }
  std::error_code ec;
  fs::remove(tmp_, ec);
  remove_guard();
}

void OutputDir::write(const std::string& file_name, const std::string& content) {
  if (file_name.empty() || file_name.find('/') != std::string::npos || file_name == kOutputMarker ||
      std::find(files_.begin(), files_.end(), file_name) != files_.end())
    throw std::logic_error("OutputDir::write: bad file name " + file_name);
  guard_name(file_name);
  files_.push_back(file_name);
  // The marker lists the file before it exists, so a killed run's folder is always provably ours.
  const fs::path next = fs::path(tmp_) / kMarkerNew;
  fs::remove(next);
  write_synced(next.string(), marker_text(files_));
  fs::rename(next, fs::path(tmp_) / kOutputMarker);
  write_synced((fs::path(tmp_) / file_name).string(), content);
}

void OutputDir::commit() {
  sync_folder(tmp_);
  const fs::path t(target_);
  const std::string old = target_ + ".old-" + std::to_string(::getpid());
  std::error_code ec;
  bool had = false;
  {
    BlockSignals hold;
    const auto st = fs::symlink_status(t, ec);
    if (fs::exists(st)) {
      // The run may have been long: check again that the target is still rcnsim's.
      if (fs::is_symlink(st) || !fs::is_directory(st))
        throw OutputDirRefused{"refusing to replace " + target_ + ": it changed during the run"};
      if (!fs::is_empty(t, ec)) {
        const std::string why = not_ours(t);
        if (!why.empty()) throw OutputDirRefused{"refusing to replace " + target_ + " (it changed during the run): " + why};
      }
      if (::rename(target_.c_str(), old.c_str()) != 0)
        throw std::runtime_error("cannot move " + target_ + " aside: " + errno_text());
      had = true;
    }
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      const std::string why = errno_text();
      if (had) ::rename(old.c_str(), target_.c_str());
      throw std::runtime_error("cannot rename " + tmp_ + " to " + target_ + ": " + why);
    }
    committed_ = true;
    remove_guard();
  }
  sync_folder(t.parent_path().string());
  if (had) remove_ours(old);
}

void remove_stale_outputs(const std::string& target) {
  const fs::path t = target_folder(target);
  std::error_code ec;
  if (fs::is_directory(t.parent_path(), ec)) remove_stale(t);
}

}  // namespace rcn
