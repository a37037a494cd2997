#include "src/scenario/job_trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/scenario/units.hpp"
#include "src/scenario/csv_fields.hpp"

namespace rcn {

std::vector<TrainingJobSpec> read_job_trace(std::string_view text, const std::string& path, const Scenario& s,
                                            Diagnostics& diags) {
  std::vector<TrainingJobSpec> jobs = reserved_trace_jobs(text);
  const std::size_t errors_before = diags.error_count();
  LineCursor lines(text);
  std::string_view line;
  if (!lines.next(line) || line.find_first_not_of(" \r") == std::string_view::npos) {
    diags.error(SourceLoc{path, 1, 1}, "",
                fmt::format("expected a header line naming the columns, got {}",
                            text.empty() ? "an empty file" : "an empty line"));
    return jobs;
  }
  const auto header = split_csv(line);
  std::map<std::string, std::size_t> col;
  const std::vector<std::string> known{"name", "submit", "user", "gpus", "model", "tokens", "duration",
                                       "region", "dataset_size", "dataset_site", "site"};
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (std::find(known.begin(), known.end(), header[i].text) == known.end()) {
      const std::string near = closest_match(header[i].text, known);
      diags.error(SourceLoc{path, 1, header[i].col}, quote_input(header[i].text),
                  near.empty() ? "unknown column" : fmt::format("unknown column, did you mean {}?", near));
    } else if (!col.emplace(header[i].text, i).second) {
      diags.error(SourceLoc{path, 1, header[i].col}, header[i].text, "column given twice");
    }
  }
  for (const char* need : {"submit", "gpus", "model"})
    if (!col.count(need)) diags.error(SourceLoc{path, 1, 1}, "", fmt::format("missing column '{}'", need));
  if (!col.count("tokens") && !col.count("duration"))
    diags.error(SourceLoc{path, 1, 1}, "", "missing column 'tokens' or 'duration'");
  if (diags.error_count() > errors_before) return jobs;
  while (lines.next(line)) {
    const int lineno = lines.number();
    if (diags.error_count() - errors_before >= limits::kMaxErrorsPerTraceFile) {
      diags.error(SourceLoc{path, lineno, 1}, "", fmt::format("stopping after {} errors in this file", limits::kMaxErrorsPerTraceFile));
      return jobs;
    }
    // Every line counts, blank ones too, so the loop is bounded by the row limit.
    if (lineno - 1 > limits::kMaxTraceRows) {
      diags.error(SourceLoc{path, lineno, 1}, "", fmt::format("more than {} rows; split the trace", limits::kMaxTraceRows));
      return jobs;
    }
    if (line.find_first_not_of(" \r") == std::string_view::npos) continue;
    const auto f = split_csv(line);
    auto get = [&](const char* name) -> const CsvField* {
      auto it = col.find(name);
      if (it == col.end() || it->second >= f.size() || f[it->second].text.empty()) return nullptr;
      return &f[it->second];
    };
    bool ok = true;
    // A finite quantity, > 0 or >= 0 (parse_quantity refuses non-finite values).
    auto quantity = [&](const char* name, Quantity kind, bool positive) -> std::optional<double> {
      const CsvField* fd = get(name);
      if (!fd) return std::nullopt;
      std::string why;
      auto v = parse_quantity(fd->text, kind, &why);
      if (v && (positive ? *v <= 0 : *v < 0))
        why = fmt::format("expected a value {} 0, got \"{}\"", positive ? ">" : ">=", quote_input(fd->text));
      else if (v && kind == Quantity::Duration && *v > limits::kMaxHorizonSeconds)
        why = fmt::format("expected at most {} s, got \"{}\"", limits::kMaxHorizonSeconds, quote_input(fd->text));
      else if (v)
        return v;
      diags.error(SourceLoc{path, lineno, fd->col}, name, why);
      ok = false;
      return std::nullopt;
    };
    TrainingJobSpec j;
    j.loc = SourceLoc{path, lineno, 1};
    j.name = get("name") ? get("name")->text : fmt::format("trace-{}", lineno - 1);
    j.user = get("user") ? get("user")->text : "";
    j.submit = quantity("submit", Quantity::Duration, false).value_or(0);
    if (const CsvField* fd = get("gpus")) {
      std::string why;
      if (auto g = parse_bounded_integer(fd->text, 1, limits::kMaxInt, &why)) {
        j.gpus = static_cast<int>(*g);
      } else {
        diags.error(SourceLoc{path, lineno, fd->col}, "gpus", why);
        ok = false;
      }
    } else {
      diags.error(SourceLoc{path, lineno, 1}, "gpus", "missing value");
      ok = false;
    }
    // Checked before it becomes a Symbol: the table of interned words never shrinks,
    // so a hostile trace's made-up names must not enter it.
    const std::string model = get("model") ? get("model")->text : "";
    if (s.find_model(model)) {
      j.model = model;
    } else {
      diags.error(SourceLoc{path, lineno, get("model") ? get("model")->col : 1}, "model",
                  fmt::format("unknown model \"{}\"", quote_input(model)));
      ok = false;
    }
    j.tokens = quantity("tokens", Quantity::Count, true);
    j.duration = quantity("duration", Quantity::Duration, true);
    if (!j.tokens && !j.duration && !get("tokens") && !get("duration")) {
      diags.error(SourceLoc{path, lineno, 1}, "", "give tokens or duration");
      ok = false;
    }
    if (j.tokens && j.duration) j.tokens.reset();  // a duration says how long it ran
    set_trace_job_layout(j);
    j.dataset_bytes = quantity("dataset_size", Quantity::Bytes, false).value_or(0);
    for (const char* key : {"dataset_site", "site"}) {
      const CsvField* fd = get(key);
      if (!fd) continue;
      if (!s.find_site(fd->text)) {
        diags.error(SourceLoc{path, lineno, fd->col}, key, fmt::format("unknown site \"{}\"", quote_input(fd->text)));
        ok = false;
        continue;
      }
      if (std::string(key) == "site") j.site = fd->text;
      else j.dataset_site = fd->text;
    }
    if (!ok) continue;
    if (const auto why = trace_job_too_big(j, s)) {
      diags.error(SourceLoc{path, lineno, get("gpus")->col}, "gpus", *why);
      continue;
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::vector<TrainingJobSpec> reserved_trace_jobs(std::string_view text) {
  std::vector<TrainingJobSpec> jobs;
  jobs.reserve(std::min<std::size_t>(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1,
                                     limits::kMaxTraceRowsReserved));
  return jobs;
}

void set_trace_job_layout(TrainingJobSpec& j) {
  j.global_batch = j.gpus;
  j.parallelism.dp = j.gpus;
  j.parallelism.zero = 3;
  j.parallelism.recompute = "full";
}

std::optional<std::string> trace_job_too_big(const TrainingJobSpec& j, const Scenario& s) {
  int biggest = 0;
  for (const auto& site : s.sites)
    for (const auto& c : site.clusters)
      if (!j.site || *j.site == site.name) biggest = std::max(biggest, c.gpus());
  if (j.gpus <= biggest) return std::nullopt;
  return fmt::format("the job asks for {} GPUs but the largest cluster it may use has {}", j.gpus, biggest);
}

std::optional<std::string> check_trace_generate_args(std::int64_t jobs, double rate, std::int64_t max_gpus) {
  if (jobs < 1 || jobs > limits::kMaxTraceRows)
    return fmt::format("--jobs {}: expected {}", jobs, describe_integer_range(1, limits::kMaxTraceRows));
  if (max_gpus < 8 || max_gpus > limits::kMaxGpusTotal || (max_gpus & (max_gpus - 1)) != 0)
    return fmt::format("--max-gpus {}: expected a power of two in [8, {}]", max_gpus, limits::kMaxGpusTotal);
  // The mean span; beyond the longest horizon a scenario accepts, the trace is useless.
  if (!(rate > 0) || static_cast<double>(jobs) / rate > limits::kMaxHorizonSeconds)
    return fmt::format("--rate: {} jobs at this rate span {}; the limit is {}", jobs,
                       format_duration(static_cast<double>(jobs) / rate), format_duration(limits::kMaxHorizonSeconds));
  return std::nullopt;
}

std::string generate_job_trace(int jobs, double rate, int max_gpus, const std::string& model,
                               const std::vector<std::string>& sites, std::uint64_t seed) {
  SplitMix64 rng(stream_seed(seed, "job-trace"));
  std::vector<int> sizes;
  // 64-bit so the doubling ends for every int max_gpus (an int would overflow at 2^31 and loop forever).
  for (std::int64_t g = 8; g <= std::max(8, max_gpus); g *= 2) sizes.push_back(static_cast<int>(g));
  std::string out = "name,submit,user,gpus,model,duration,dataset_size,dataset_site\n";
  double t = 0;
  for (int i = 0; i < jobs; ++i) {
    t += -std::log(1 - rng.uniform()) / rate;
    // Size: 8 GPUs half the time, 16 a quarter, and so on (the largest takes the rest).
    std::size_t k = 0;
    while (k + 1 < sizes.size() && rng.uniform() < 0.5) ++k;
    // Duration: log-normal with median 2 h and sigma 1.2 (Box-Muller), from 5 min to 7 days.
    const double z = std::sqrt(-2 * std::log(1 - rng.uniform())) * std::cos(2 * M_PI * rng.uniform());
    const double duration = std::clamp(7200 * std::exp(1.2 * z), 300.0, 7 * 86400.0);
    std::string dataset_size, dataset_site;
    if (!sites.empty() && rng.uniform() < 0.3) {
      dataset_size = fmt::format("{:.0f}TB", 1 + 49 * rng.uniform());
      dataset_site = sites[static_cast<std::size_t>(rng.uniform() * sites.size()) % sites.size()];
    }
    out += fmt::format("job{},{:.0f}s,user{},{},{},{:.0f}s,{},{}\n", i, t, static_cast<int>(rng.uniform() * 20),
                       sizes[k], model, duration, dataset_size, dataset_site);
  }
  return out;
}

}  // namespace rcn
