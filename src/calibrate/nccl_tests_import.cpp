#include "rcn/calibrate/nccl_tests_import.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <fmt/format.h>

#include "rcn/models/collective_model.hpp"
#include "rcn/scenario/input_limits.hpp"

namespace rcn {

namespace {

const std::vector<std::string>& known_ops() {
  static const std::vector<std::string> ops = {"allreduce", "allgather", "reducescatter", "alltoall",
                                               "sendrecv",  "broadcast", "reduce"};
  return ops;
}

std::string known_ops_list() {
  std::string s;
  for (const auto& o : known_ops()) s += (s.empty() ? "" : ", ") + o;
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string squash(const std::string& s) {  // lower case, no '_' / '-'
  std::string out;
  for (char c : lower(s))
    if (c != '_' && c != '-') out += c;
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whitespace-separated words of `s` with their 1-based columns.
struct Tok {
  std::string text;
  int col = 0;
};
std::vector<Tok> tokenize(const std::string& s, int col_offset = 0) {
  std::vector<Tok> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    out.push_back({s.substr(i, j - i), static_cast<int>(i) + 1 + col_offset});
    i = j;
  }
  return out;
}

bool parse_u64(const std::string& s, std::uint64_t& v) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long x = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  v = static_cast<std::uint64_t>(x);
  return true;
}

bool parse_int(const std::string& s, int& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || x < -1000000000L || x > 1000000000L) return false;
  v = static_cast<int>(x);
  return true;
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  const char c0 = s[0];
  if (!(std::isdigit(static_cast<unsigned char>(c0)) || c0 == '.' || c0 == '-' || c0 == '+')) return false;  // no nan/inf
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(s.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(x)) return false;
  v = x;
  return true;
}

bool is_type_word(const std::string& s) {  // float, half, bfloat16, int8, f8e4m3, ...
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Column positions of the result table, counted from "size" (0).
struct Columns {
  int size = 0, count = 1, type = 2, redop = 3, time = 5, algbw = 6, busbw = 7, wrong = 8;
  int i_min = -1, i_max = -1;
  bool wrong_is_count = true;  // "#wrong" (count) or the pre-2.x "error" (max deviation)
  bool cputime = false;        // -C 1: the time column is host CPU time
  // Every column a row is indexed by, redop included: a header may name it after the numbers.
  int max_index() const { return std::max({size, count, type, redop, time, algbw, busbw, wrong, i_min, i_max}); }
};

// The table header line ("size count type [redop [root]] time algbw busbw #wrong ..."),
// or false when `words` is not one. First occurrences are the out-of-place half.
bool header_columns(const std::vector<Tok>& words, Columns& c) {
  if (words.size() < 6 || words[0].text != "size" || words[1].text != "count" || words[2].text != "type") return false;
  auto find = [&](std::initializer_list<const char*> names) {
    for (std::size_t i = 0; i < words.size(); ++i)
      for (const char* n : names)
        if (words[i].text == n) return static_cast<int>(i);
    return -1;
  };
  Columns r;
  r.size = 0;
  r.count = 1;
  r.type = 2;
  r.redop = find({"redop"});
  r.time = find({"time", "cputime"});
  r.algbw = find({"algbw"});
  r.busbw = find({"busbw"});
  r.wrong = find({"#wrong", "error"});
  r.i_min = find({"i_min"});
  r.i_max = find({"i_max"});
  if (r.time < 0 || r.algbw < 0 || r.busbw < 0) return false;
  r.cputime = words[static_cast<std::size_t>(r.time)].text == "cputime";
  r.wrong_is_count = r.wrong >= 0 && words[static_cast<std::size_t>(r.wrong)].text == "#wrong";
  c = r;
  return true;
}

struct Row {
  int line = 0;
  int col = 0;
  std::vector<std::string> fields;  // from the size column on
  std::vector<int> cols;            // each field's 1-based column
};

// One nccl-tests invocation inside the log.
struct Run {
  int first_line = 0;
  std::string marker;  // binary named by "# Collective test starting:"
  int marker_line = 0, marker_col = 0;
  bool has_nthread = false;
  std::int64_t nthread = 0, ngpus = 0;
  int rank_lines = 0;
  std::vector<int> rank_ids;
  bool has_header = false;
  int header_line = 0;
  Columns cols;
  std::vector<Row> rows;
  bool started() const { return !marker.empty() || has_nthread || rank_lines > 0 || has_header || !rows.empty(); }
};

// nccl-tests' bus bandwidth factor for one of the op names above.
double bus_factor(const std::string& op, int n) {
  const auto cop = collective_op_named(op);
  return n < 1 ? 0.0 : cop ? bus_bandwidth_factor(*cop, n) : 1.0;
}

}  // namespace

std::string nccl_tests_op_name(const std::string& name) {
  std::string s = lower(name);
  const auto slash = s.find_last_of("/\\");
  if (slash != std::string::npos) s = s.substr(slash + 1);
  for (const char* suffix : {".exe", "_mpi", "_perf"})
    if (ends_with(s, suffix)) s.erase(s.size() - std::string(suffix).size());
  s = squash(s);
  if (s == "bcast") s = "broadcast";
  for (const auto& o : known_ops())
    if (s == o) return o;
  return "";
}

std::string nccl_tests_op_from_file_name(const std::string& file_name) {
  std::string base = file_name;
  const auto slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  const std::string s = squash(base);
  // Longer names first: "reduce" is inside "allreduce" and "reducescatter".
  for (const char* o : {"reducescatter", "allreduce", "allgather", "alltoall", "sendrecv", "broadcast", "reduce"})
    if (s.find(o) != std::string::npos) return o;
  return "";
}

NcclTestsImport import_nccl_tests(const std::string& text, const std::string& file_name, const std::string& op,
                                  Diagnostics& diags) {
  NcclTestsImport out;
  const std::size_t errors_before = diags.error_count();
  auto note = [&](int line, const std::string& msg) {
    out.notes.push_back(line > 0 ? fmt::format("{}:{}: {}", file_name, line, msg) : fmt::format("{}: {}", file_name, msg));
  };

  std::string explicit_op;
  if (!op.empty()) {
    explicit_op = nccl_tests_op_name(op);
    if (explicit_op.empty()) {
      std::string hint = closest_match(squash(op), known_ops());
      diags.error({file_name, 1, 1}, "",
                  fmt::format("op '{}' (given with the log) is not an nccl-tests collective rcnsim imports; "
                              "expected one of {}{}",
                              op, known_ops_list(), hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return out;
    }
  }

  // --- pass 1: split into runs, collect header facts and candidate result rows ---
  std::vector<Run> runs(1);
  runs.back().first_line = 1;
  auto new_run = [&](int line) {
    runs.emplace_back();
    runs.back().first_line = line;
  };

  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (nl == text.size()) break;
      continue;
    }
    Run* cur = &runs.back();

    const auto hash = line.find('#');
    if (hash != std::string::npos) {
      // A comment line, possibly behind a launcher prefix ("0: #", "[1,0]<stdout>:#").
      const std::vector<Tok> w = tokenize(line.substr(hash + 1), static_cast<int>(hash) + 1);
      if (w.size() >= 4 && w[0].text == "Collective" && w[1].text == "test" && w[2].text == "starting:") {
        if (cur->started()) new_run(line_no), cur = &runs.back();
        cur->marker = w[3].text;
        cur->marker_line = line_no;
        cur->marker_col = w[3].col;
      } else if (w.size() >= 4 && w[0].text == "nThread" && w[2].text == "nGpus") {
        if (cur->has_nthread || cur->rank_lines > 0 || cur->has_header || !cur->rows.empty())
          new_run(line_no), cur = &runs.back();
        // Bounded before nThread x nGpus is taken (65536 x 65536 overflowed an int to 0 ranks).
        std::optional<std::int64_t> v[2];
        for (int k = 0; k < 2; ++k) {
          const Tok& t = w[1 + 2 * k];
          std::string why;
          v[k] = parse_bounded_integer(t.text, 1, limits::kMaxGpusTotal, &why);
          if (!v[k]) diags.error({file_name, line_no, t.col}, k == 0 ? "nThread" : "nGpus", why);
        }
        if (v[0] && v[1]) {
          cur->has_nthread = true;
          cur->nthread = *v[0];
          cur->ngpus = *v[1];
          if (!bounded_product(*v[0], *v[1], limits::kMaxGpusTotal))
            diags.error({file_name, line_no, w[1].col}, "nThread",
                        fmt::format("nThread {} x nGpus {} = {} ranks; the limit is {}", *v[0], *v[1],
                                    *v[0] * *v[1], limits::kMaxGpusTotal));  // each <= 1.6e7: no overflow
        }
      } else if (w.size() >= 2 && w[0].text == "Rank") {
        int id = 0;
        if (parse_int(w[1].text, id)) {
          if (cur->has_header || !cur->rows.empty()) new_run(line_no), cur = &runs.back();
          ++cur->rank_lines;
          cur->rank_ids.push_back(id);
        }
      } else {
        Columns c;
        if (header_columns(w, c)) {
          if (cur->has_header && !cur->rows.empty()) new_run(line_no), cur = &runs.back();
          cur->has_header = true;
          cur->header_line = line_no;
          cur->cols = c;
        }
      }
      continue;
    }

    // A result row: "<size> <count> <type> ...", possibly behind a prefix.
    const std::vector<Tok> w = tokenize(line);
    std::size_t start = w.size();
    std::uint64_t u = 0;
    for (std::size_t i = 0; i + 2 < w.size(); ++i) {
      if (parse_u64(w[i].text, u) && parse_u64(w[i + 1].text, u) && is_type_word(w[i + 2].text)) {
        start = i;
        break;
      }
    }
    if (start == w.size()) continue;  // not a row: NCCL INFO, MPI chatter, ...
    Row r;
    r.line = line_no;
    r.col = w[start].col;
    for (std::size_t i = start; i < w.size(); ++i) r.fields.push_back(w[i].text), r.cols.push_back(w[i].col);
    cur->rows.push_back(std::move(r));
  }

  // --- pass 2: rows -> points, run by run ---
  bool op_error_reported = false;
  const Run* last_header_run = nullptr;
  std::size_t wrong_dropped = 0, rows_seen = 0;
  for (Run& run : runs) {
    if (run.has_header) last_header_run = &run;
    if (run.rows.empty()) {
      if (run.has_header && &run != &runs.back())
        note(run.header_line, "this run's table has no result rows (did it fail?)");
      continue;
    }

    // Which collective.
    std::string run_op = explicit_op;
    if (!run_op.empty()) {
      if (!run.marker.empty() && nccl_tests_op_name(run.marker) != run_op)
        note(run.marker_line, fmt::format("the log says '{}', imported as '{}' as asked", run.marker, run_op));
    } else if (!run.marker.empty()) {
      run_op = nccl_tests_op_name(run.marker);
      if (run_op.empty()) {
        diags.error({file_name, run.marker_line, run.marker_col}, "",
                    fmt::format("'{}' is not an nccl-tests collective rcnsim imports; expected the binary of one of {}",
                                run.marker, known_ops_list()));
        continue;
      }
    } else {
      run_op = nccl_tests_op_from_file_name(file_name);
      if (run_op.empty()) {
        if (!op_error_reported)
          diags.error({file_name, 1, 1}, "",
                      "cannot tell which collective this log measured: it has no '# Collective test starting:' line "
                      "and the file name names none (all_reduce_perf.txt, alltoall.log, ...); name the op explicitly");
        op_error_reported = true;
        continue;
      }
    }

    // How many ranks.
    int ranks = 0;
    if (run.rank_lines > 0) {
      const std::set<int> distinct(run.rank_ids.begin(), run.rank_ids.end());
      ranks = run.rank_lines;
      if (static_cast<int>(distinct.size()) != run.rank_lines) {
        ranks = static_cast<int>(distinct.size());
        note(run.first_line, fmt::format("{} '# Rank' lines but only {} distinct rank ids (nccl-tests built without "
                                         "MPI but started by mpirun?); using {} ranks",
                                         run.rank_lines, distinct.size(), ranks));
      }
    } else if (run.has_nthread) {
      const auto product = bounded_product(run.nthread, run.ngpus, limits::kMaxGpusTotal);
      if (!product) continue;  // reported on the nThread line
      ranks = static_cast<int>(*product);
      note(run.first_line, fmt::format("no '# Rank' lines; assuming one process: nThread {} x nGpus {} = {} ranks",
                                       run.nthread, run.ngpus, ranks));
    } else {
      diags.error({file_name, run.rows.front().line, run.rows.front().col}, "",
                  "cannot tell how many ranks ran: no '#  Rank N ...' lines and no '# nThread N nGpus N' line "
                  "before these results");
      continue;
    }

    const Columns& c = run.cols;
    if (!run.has_header)
      note(run.rows.front().line, "no table header line before the results; assuming the current column layout "
                                  "(size count type redop root time algbw busbw #wrong ...)");
    if (c.cputime) note(run.header_line, "times are host CPU times (nccl-tests -C 1), not GPU times");
    if (run.has_header && !c.wrong_is_count)
      note(run.header_line, "old nccl-tests layout: its 'error' column is a maximum deviation, not a count of wrong "
                            "elements; rows are not filtered on it");

    std::set<std::string> kinds;  // type/redop pairs seen (-d all, -o all)
    int algbw_off = 0, busbw_off = 0, first_algbw_off = 0, first_busbw_off = 0;
    double busbw_ratio_seen = 0.0;
    for (const Row& r : run.rows) {
      const auto& f = r.fields;
      if (static_cast<int>(f.size()) <= c.max_index()) {
        note(r.line, "skipped a result row with too few columns (truncated output?)");
        continue;
      }
      calibrate::NcclPoint p;
      double time_us = 0.0;
      if (!parse_u64(f[c.size], p.bytes) || !parse_double(f[c.time], time_us) ||
          !parse_double(f[c.algbw], p.algbw) || !parse_double(f[c.busbw], p.busbw)) {
        note(r.line, "skipped a result row whose size/time/algbw/busbw are not numbers");
        continue;
      }
      // Numbers, but impossible ones: an edited or corrupted log, refused rather
      // than fitted (a negative bandwidth would make a negative link speed).
      auto bad = [&](int k, const std::string& name, const std::string& expected) {
        diags.error({file_name, r.line, r.cols[static_cast<std::size_t>(k)]}, name,
                    fmt::format("expected {}, got \"{}\"", expected, quote_input(f[static_cast<std::size_t>(k)])));
      };
      bool row_ok = true;
      if (p.bytes > static_cast<std::uint64_t>(limits::kMaxMeasuredBytes))
        bad(c.size, "size", fmt::format("a size in bytes <= {}", limits::kMaxMeasuredBytes)), row_ok = false;
      if (!(time_us > 0.0)) bad(c.time, c.cputime ? "cputime" : "time", "a time > 0 (us)"), row_ok = false;
      if (p.algbw < 0.0) bad(c.algbw, "algbw", "a bandwidth >= 0 (GB/s)"), row_ok = false;
      if (p.busbw < 0.0) bad(c.busbw, "busbw", "a bandwidth >= 0 (GB/s)"), row_ok = false;
      if (!row_ok) continue;
      ++rows_seen;
      if (c.wrong >= 0 && c.wrong_is_count) {
        const std::string& wr = f[c.wrong];
        std::uint64_t nwrong = 0;
        if (wr != "N/A" && (!parse_u64(wr, nwrong) || nwrong != 0)) {
          note(r.line, fmt::format("skipped size {}: out-of-place #wrong is {} (results failed validation)", p.bytes, wr));
          ++wrong_dropped;
          continue;
        }
      }
      p.op = run_op;
      p.ranks = ranks;
      p.seconds = time_us * 1e-6;
      p.min_s = p.max_s = p.seconds;
      double v = 0.0;
      if (c.i_min >= 0 && parse_double(f[c.i_min], v)) {
        if (v > 0.0) p.min_s = v * 1e-6;
        else bad(c.i_min, "i_min", "a time > 0 (us)");
      }
      if (c.i_max >= 0 && parse_double(f[c.i_max], v)) {
        if (v > 0.0) p.max_s = v * 1e-6;
        else bad(c.i_max, "i_max", "a time > 0 (us)");
      }
      kinds.insert(f[c.type] + (c.redop >= 0 ? "/" + f[c.redop] : std::string()));

      // Cross-checks against nccl-tests' own arithmetic (values are printed to 0.01 GB/s).
      if (p.seconds > 0.0 && p.algbw >= 1.0) {
        const double calc = static_cast<double>(p.bytes) / p.seconds / 1e9;
        if (std::fabs(p.algbw - calc) > 0.05 * calc && algbw_off++ == 0) first_algbw_off = r.line;
        const double fac = bus_factor(run_op, ranks);
        if (std::fabs(p.busbw / p.algbw - fac) > 0.05 * fac + 0.01 && busbw_off++ == 0) {
          first_busbw_off = r.line;
          busbw_ratio_seen = p.busbw / p.algbw;
        }
      }
      out.points.push_back(p);
    }
    if (algbw_off > 0)
      note(first_algbw_off, fmt::format("{} row(s) print an algbw that is not size/time (time not in microseconds?)",
                                        algbw_off));
    if (busbw_off > 0)
      note(first_busbw_off,
           fmt::format("{} row(s) have busbw/algbw = {:.3g}, but nccl-tests' factor for {} on {} ranks is {:.3g}: "
                       "is the rank count right?",
                       busbw_off, busbw_ratio_seen, run_op, ranks, bus_factor(run_op, ranks)));
    if (kinds.size() > 1) {
      std::string list;
      for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
      note(run.first_line, fmt::format("several data types / reductions in one run ({}); their points share sizes", list));
    }
  }

  if (out.points.empty() && diags.error_count() == errors_before) {
    if (wrong_dropped > 0 && wrong_dropped == rows_seen) {
      diags.error({file_name, 1, 1}, "",
                  fmt::format("no usable result rows: all {} rows failed nccl-tests' validation (#wrong != 0)",
                              wrong_dropped));
    } else if (last_header_run != nullptr) {
      diags.error({file_name, last_header_run->header_line, 1}, "",
                  "the nccl-tests result table has no result rows (did the run fail before its first size?)");
    } else {
      diags.error({file_name, 1, 1}, "",
                  "no nccl-tests result rows found (lines such as '1048576  262144  float  sum  -1  35.1  29.87  "
                  "52.27  0 ...' under a '#  size  count  type ...' header); is this an nccl-tests log?");
    }
  }
  return out;
}

}  // namespace rcn
