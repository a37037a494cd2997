#pragma once
// The comma-separated lines of job and request traces, split into fields that
// remember their column for file:line:col messages. No quoting: trace fields
// are numbers, names and timestamps.
#include <string>
#include <string_view>
#include <vector>

namespace rcn {

struct CsvField {
  std::string text;  // without surrounding spaces (and the line's '\r')
  int col = 1;       // 1-based column where it starts
};

std::vector<CsvField> split_csv(std::string_view line);

// The lines of a text one by one ('\n' ends a line; a '\r' before it is left
// for split_csv to drop), without copying the text.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const std::size_t nl = text_.find('\n', pos_);
    const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  int number() const { return number_; }  // 1-based number of the last line returned

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int number_ = 0;
};

}  // namespace rcn
