#include "src/scenario/request_trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/csv_fields.hpp"

namespace rcn {

namespace {

const std::vector<std::string> kColumns{"TIMESTAMP", "ContextTokens", "GeneratedTokens"};
// Optional: the conversation a request is a turn of (prefix caching, docs/inference.md).
const std::string kConversationColumn = "ConversationId";

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (March-based
// years, so the leap day is the last day of its year).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                  // [0, 399]
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          // [0, 146096]
  return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// A fixed-width run of digits at `pos`, or -1.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

struct Timestamp {
  std::int64_t seconds = 0;  // whole seconds since 1970-01-01 00:00:00
  double fraction = 0;       // [0, 1)
};

// "YYYY-MM-DD HH:MM:SS[.f...]" (or a 'T' between date and time).
std::optional<Timestamp> parse_timestamp(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      sec < 0 || sec > 60)  // 60: a leap second
    return std::nullopt;
  Timestamp t;
  t.seconds = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
  if (s.size() > 19) {
    if (s[19] != '.' || s.size() == 20) return std::nullopt;
    double scale = 0.1;
    for (std::size_t i = 20; i < s.size(); ++i, scale /= 10) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      t.fraction += (s[i] - '0') * scale;
    }
  }
  return t;
}

}  // namespace

std::vector<TraceRequest> parse_request_trace(std::string_view text, const std::string& file, Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  auto error = [&](int line, int col, const std::string& path, const std::string& message) {
    diags.error(SourceLoc{file, line, col}, path, message);
  };
  LineCursor lines(text);
  std::string_view line;
  if (!lines.next(line) || line.find_first_not_of(" \r") == std::string_view::npos) {
    error(1, 1, "", fmt::format("expected a header line naming the columns {}, got {}", fmt::join(kColumns, ","),
                                text.empty() ? "an empty file" : "an empty line"));
    return {};
  }
  const auto header = split_csv(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (std::find(kColumns.begin(), kColumns.end(), header[i].text) == kColumns.end() &&
        header[i].text != kConversationColumn) {
      std::vector<std::string> known = kColumns;
      known.push_back(kConversationColumn);
      const std::string near = closest_match(header[i].text, known);
      error(1, header[i].col, quote_input(header[i].text),
            near.empty() ? fmt::format("unknown column (expected {})", fmt::join(known, ", "))
                         : fmt::format("unknown column, did you mean {}?", near));
    } else if (!col.emplace(header[i].text, i).second) {
      error(1, header[i].col, header[i].text, "column given twice");
    }
  }
  for (const auto& need : kColumns)
    if (!col.count(need)) error(1, 1, "", fmt::format("missing column '{}'", need));
  if (diags.error_count() > errors_before) return {};

  struct Row {
    Timestamp t;
    double prompt, output;
    std::uint64_t conversation;
  };
  std::vector<Row> rows;
  bool have_earliest = false;
  Timestamp earliest;
  while (lines.next(line)) {
    const int lineno = lines.number();
    if (diags.error_count() - errors_before >= limits::kMaxErrorsPerTraceFile) {
      error(lineno, 1, "", fmt::format("stopping after {} errors in this file", limits::kMaxErrorsPerTraceFile));
      return {};
    }
    // Every line counts, blank ones too, so the loop is bounded by the row limit.
    if (lineno - 1 > limits::kMaxTraceRows) {
      error(lineno, 1, "", fmt::format("more than {} rows; split the trace", limits::kMaxTraceRows));
      return {};
    }
    if (line.find_first_not_of(" \r") == std::string_view::npos) continue;
    const auto f = split_csv(line);
    bool ok = true;
    auto field = [&](const std::string& name) -> const CsvField* {
      const std::size_t i = col.at(name);
      if (i < f.size() && !f[i].text.empty()) return &f[i];
      error(lineno, i < f.size() ? f[i].col : static_cast<int>(line.size()) + 1, name, "missing value");
      ok = false;
      return nullptr;
    };
    Row r{};
    if (const CsvField* fd = field("TIMESTAMP")) {
      if (auto t = parse_timestamp(fd->text)) {
        r.t = *t;
      } else {
        error(lineno, fd->col, "TIMESTAMP",
              fmt::format("expected a date and time YYYY-MM-DD HH:MM:SS[.fraction], got \"{}\"", quote_input(fd->text)));
        ok = false;
      }
    }
    auto tokens = [&](const char* name, std::int64_t least, double& out) {
      const CsvField* fd = field(name);
      if (!fd) return;
      std::string why;
      if (auto v = parse_bounded_integer(fd->text, least, static_cast<std::int64_t>(limits::kMaxRequestTokens), &why)) {
        out = static_cast<double>(*v);
      } else {
        error(lineno, fd->col, name, why);
        ok = false;
      }
    };
    tokens("ContextTokens", 1, r.prompt);
    tokens("GeneratedTokens", 0, r.output);
    if (col.count(kConversationColumn)) {
      double id = 0;
      tokens(kConversationColumn.c_str(), 1, id);
      r.conversation = static_cast<std::uint64_t>(id);
    }
    if (!ok) continue;
    if (!have_earliest || r.t.seconds < earliest.seconds ||
        (r.t.seconds == earliest.seconds && r.t.fraction < earliest.fraction))
      earliest = r.t, have_earliest = true;
    rows.push_back(r);
  }
  if (diags.error_count() > errors_before) return {};
  if (rows.empty()) {
    error(1, 1, "", "the trace has no requests after its header");
    return {};
  }
  std::vector<TraceRequest> out;
  out.reserve(rows.size());
  for (const Row& r : rows)  // whole seconds subtracted exactly, then the fractions
    out.push_back({static_cast<double>(r.t.seconds - earliest.seconds) + (r.t.fraction - earliest.fraction),
                   r.prompt, r.output, r.conversation});
  std::stable_sort(out.begin(), out.end(), [](const TraceRequest& a, const TraceRequest& b) { return a.at < b.at; });
  return out;
}

}  // namespace rcn
