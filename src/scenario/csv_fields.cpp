#include "src/scenario/csv_fields.hpp"

namespace rcn {

std::vector<CsvField> split_csv(std::string_view line) {
  std::vector<CsvField> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
    out.push_back({std::string(line.substr(start, end - start)), static_cast<int>(start) + 1});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (auto& f : out) {
    while (!f.text.empty() && (f.text.back() == '\r' || f.text.back() == ' ')) f.text.pop_back();
    while (!f.text.empty() && f.text.front() == ' ') f.text.erase(0, 1), ++f.col;
  }
  return out;
}

}  // namespace rcn
