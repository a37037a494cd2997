#include "src/scenario/swf_trace.hpp"

#include <algorithm>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/csv_fields.hpp"
#include "src/scenario/job_trace.hpp"

namespace rcn {
namespace {

constexpr int kFields = 18;

// SWF's fields, 1-based, as the archive numbers them.
constexpr int kJobNumber = 1, kSubmit = 2, kRunTime = 4, kAllocatedProcs = 5, kRequestedProcs = 8, kUserId = 12;
const char* field_name(int f) {
  switch (f) {
    case kJobNumber: return "job number (field 1)";
    case kSubmit: return "submit time (field 2)";
    case kRunTime: return "run time (field 4)";
    case kAllocatedProcs: return "allocated processors (field 5)";
    case kRequestedProcs: return "requested processors (field 8)";
    case kUserId: return "user id (field 12)";
    default: return "field";
  }
}

struct Token {
  std::string_view text;
  int col = 1;
};

std::vector<Token> split_ws(std::string_view line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size() && out.size() <= kFields) {  // at most one past the 18: enough to say "too many"
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    out.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return out;
}

// Plain decimal text: an optional '-', digits, and unless `integer` an optional
// fraction and exponent (SWF permits floating point for time fields only). No hex,
// inf, nan or leading '+', which strtod would take.
bool decimal_text(std::string_view t, bool integer) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-') ++i;
  bool any = digits();
  if (!integer && i < t.size() && t[i] == '.') {
    ++i;
    any = digits() || any;
  }
  if (!any) return false;
  if (!integer && i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// A finite number in plain decimal (an integer when `integer`), or nothing (-1 = missing).
std::optional<double> number(std::string_view t, bool integer = true) {
  if (t.empty() || t.size() > 40 || !decimal_text(t, integer)) return std::nullopt;
  const std::string s(t);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The value of a "; Key: value" header comment, if the line is one.
std::optional<std::pair<std::string_view, std::string_view>> header(std::string_view line) {
  std::size_t i = line.find_first_not_of(" \t;");
  if (i == std::string_view::npos) return std::nullopt;
  const std::size_t colon = line.find(':', i);
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view key = line.substr(i, colon - i);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r' || value.back() == '\t')) value.remove_suffix(1);
  return std::make_pair(key, value);
}

}  // namespace

std::vector<TrainingJobSpec> read_swf_trace(std::string_view text, const std::string& path, const SwfMapping& map,
                                            const Scenario& s, Diagnostics& diags) {
  std::vector<TrainingJobSpec> jobs = reserved_trace_jobs(text);
  const std::size_t errors_before = diags.error_count();
  std::optional<double> max_procs, max_records;
  LineCursor lines(text);
  std::string_view line;
  std::int64_t records = 0;
  std::unordered_map<std::int64_t, int> first_line_of_job;
  while (lines.next(line)) {
    const int lineno = lines.number();
    if (diags.error_count() - errors_before >= limits::kMaxErrorsPerTraceFile) {
      diags.error(SourceLoc{path, lineno, 1}, "", fmt::format("stopping after {} errors in this file", limits::kMaxErrorsPerTraceFile));
      return jobs;
    }
    if (lineno > limits::kMaxTraceRows) {
      diags.error(SourceLoc{path, lineno, 1}, "", fmt::format("more than {} lines; split the trace", limits::kMaxTraceRows));
      return jobs;
    }
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    if (line[first] == ';') {  // header comments; the ones rcnsim uses are checked
      const auto h = header(line);
      if (!h) continue;
      const auto [key, value] = *h;
      if (key == "MaxProcs" || key == "MaxRecords" || key == "MaxJobs" || key == "UnixStartTime") {
        const auto v = number(value);
        if (!v || *v < 0 || *v > 1e15 || *v != std::floor(*v)) {
          diags.error(SourceLoc{path, lineno, static_cast<int>(first) + 1}, std::string(key),
                      "expected a whole number in [0, 1e15]");
          continue;
        }
        if (key == "MaxProcs" && *v > 0) max_procs = *v;
        if ((key == "MaxRecords" || key == "MaxJobs") && *v > 0) max_records = *v;
      }
      continue;
    }
    const auto f = split_ws(line);
    if (f.size() != kFields) {
      diags.error(SourceLoc{path, lineno, 1}, "",
                  fmt::format("expected {} fields (SWF), got {}", kFields, f.size() > kFields ? "more" : std::to_string(f.size())));
      continue;
    }
    ++records;
    if (max_records && records > *max_records) {
      diags.error(SourceLoc{path, lineno, 1}, "", fmt::format("more jobs than the header's MaxRecords/MaxJobs ({:.0f})", *max_records));
      return jobs;
    }
    bool ok = true;
    // Integer fields take decimal integers only; the time fields decimals too.
    auto field = [&](int k, double lo, double hi, bool integer) -> std::optional<double> {
      const Token& t = f[static_cast<std::size_t>(k - 1)];
      const auto v = number(t.text, integer);
      if (v && *v >= lo && *v <= hi) return v;
      diags.error(SourceLoc{path, lineno, t.col}, field_name(k),
                  fmt::format("expected {} in [{}, {}]", integer ? "a decimal integer" : "a decimal number", lo, hi));
      ok = false;
      return std::nullopt;
    };
    const auto id = field(kJobNumber, 0, 1e15, true);
    const auto submit = field(kSubmit, 0, limits::kMaxHorizonSeconds, false);
    const auto run = field(kRunTime, -1, limits::kMaxHorizonSeconds, false);
    const auto alloc = field(kAllocatedProcs, -1, limits::kMaxGpusTotal, true);
    const auto req = field(kRequestedProcs, -1, limits::kMaxGpusTotal, true);
    const auto user = field(kUserId, -1, 1e15, true);
    if (!ok) continue;
    // Job names come from the job numbers: one number, one job.
    if (const auto [at, fresh] = first_line_of_job.emplace(static_cast<std::int64_t>(*id), lineno); !fresh) {
      diags.error(SourceLoc{path, lineno, f[kJobNumber - 1].col}, field_name(kJobNumber),
                  fmt::format("duplicate job number {:.0f} (first on line {})", *id, at->second));
      continue;
    }
    const double procs = *alloc > 0 ? *alloc : *req;
    if (*run <= 0 || procs <= 0) continue;  // cancelled or never ran: nothing to replay
    if (max_procs && procs > *max_procs) {
      const int k = *alloc > 0 ? kAllocatedProcs : kRequestedProcs;
      diags.error(SourceLoc{path, lineno, f[k - 1].col}, field_name(k),
                  fmt::format("{:.0f} processors, more than the header's MaxProcs ({:.0f})", procs, *max_procs));
      continue;
    }
    const double gpus = std::ceil(procs * map.gpus_per_processor);
    if (gpus > limits::kMaxGpusTotal) {
      diags.error(SourceLoc{path, lineno, f[kAllocatedProcs - 1].col}, field_name(kAllocatedProcs),
                  fmt::format("{:.0f} GPUs at {} per processor, more than {}", gpus, map.gpus_per_processor,
                              limits::kMaxGpusTotal));
      continue;
    }
    TrainingJobSpec j;
    j.loc = SourceLoc{path, lineno, 1};
    j.name = fmt::format("swf-{:.0f}", *id);
    j.user = *user >= 0 ? fmt::format("user{:.0f}", *user) : "";
    j.submit = *submit;  // seconds from the trace's start (UnixStartTime), rcnsim's time 0
    j.gpus = static_cast<int>(gpus);
    j.model = map.model;
    j.duration = *run;
    j.site = map.site;
    set_trace_job_layout(j);
    if (const auto why = trace_job_too_big(j, s)) {
      diags.error(SourceLoc{path, lineno, f[kAllocatedProcs - 1].col}, field_name(kAllocatedProcs), *why);
      continue;
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

}  // namespace rcn
