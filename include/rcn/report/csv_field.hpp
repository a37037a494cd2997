#pragma once
// One CSV field as RFC 4180 writes it. Names in result tables come from user
// files (jobs, services, regions), so any of them may hold a comma or a quote.
#include <string>

namespace rcn {

// The text as is, or quoted with its quotes doubled when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace rcn
