#pragma once
// Results appear all at once or not at all, and rcnsim never deletes a file it
// did not write. Files are written into a fresh temporary folder next to the
// target, flushed to disk, and the folder is renamed into place at the end.
// Every folder rcnsim writes holds a marker, .rcnsim-output (JSON: format id,
// version, the files it wrote); only an empty folder, or one whose entries are
// all listed in its marker, is ever replaced. The temporary folder is removed
// on every exit path (SIGINT, SIGTERM and SIGHUP included); one left by a
// crashed or killed run (`<target>.tmp-<dead pid>` with a marker) is removed
// by the next run into the same target.
#include <csignal>
#include <string>
#include <vector>

namespace rcn {

// The target cannot or must not be written (exit status 2): it holds files
// rcnsim did not write, is a symbolic link, or its folder is not writable.
struct OutputDirRefused {
  std::string message;
};

// The marker file's name, and the format id written in it.
inline constexpr const char* kOutputMarker = ".rcnsim-output";
inline constexpr const char* kOutputFormat = "rcnsim-output";

// One at a time per process: the signal handlers know one temporary folder.
class OutputDir {
 public:
  // Checks `target` (see above), removes stale temporary folders of dead runs
  // into it, creates <target>.tmp-<pid> with its marker and installs the signal
  // handlers that remove it. Throws OutputDirRefused, before any simulation.
  explicit OutputDir(std::string target);
  ~OutputDir();  // removes the temporary folder unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  // Writes one file (fsynced) into the temporary folder; the marker lists it first.
  void write(const std::string& file_name, const std::string& content);
  // Replaces `target` with the temporary folder; of the old folder, only the
  // files its marker lists are deleted. Throws OutputDirRefused when the target
  // changed during the run so that it is no longer provably rcnsim's.
  void commit();
  const std::string& target() const { return target_; }

 private:
  std::string target_, tmp_;
  std::vector<std::string> files_;
  bool committed_ = false;
};

// Stopping a run cleanly (docs/results.md#interrupting-a-run). While graceful
// stopping is on (and an OutputDir exists), the first SIGINT or SIGTERM is only
// recorded in *interrupt_flag() (the signal's number), for the simulation to
// stop at its next step and the caller to clean up, say so and exit 128+signal;
// a second one, or one while graceful stopping is off, removes the temporary
// folder and ends the process at once.
void set_graceful_stop(bool on);
const volatile std::sig_atomic_t* interrupt_flag();

// Removes the <target>.tmp-<pid> and .old-<pid> folders of writers that are no
// longer alive, when their marker proves rcnsim wrote them (what OutputDir does
// before it writes). For a process that killed the writer it started (the
// Python module's child after a KeyboardInterrupt) and cleans up at once.
void remove_stale_outputs(const std::string& target);

// A folder that collects many runs and tables and grows over time (a sweep's
// or a plan's -o): created with a marker that names its `kind` ("sweep",
// "plan") and lists no files, so `rcnsim run -o` never replaces it. Accepted
// when it does not exist, is empty, or has a marker of the same kind (a
// folder made by an earlier sweep or plan is reused and resumed); anything
// else (a user's folder, another kind's folder, a symbolic link) throws
// OutputDirRefused before any run starts.
void prepare_collection_dir(const std::string& target, const std::string& kind);

// True when `path` (relative paths from the working directory) lies inside the
// folder `base`, or is it; both are compared with symbolic links resolved.
bool path_within(const std::string& path, const std::string& base);

// Whether an output folder named inside an input file (a scenario's
// outputs.dir, a sweep's output) may be used without -o: it must lie under
// the working directory or under the folder of `input_file`.
bool output_allowed_from_file(const std::string& dir, const std::string& input_file);

}  // namespace rcn
