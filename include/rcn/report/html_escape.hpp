#pragma once
// Text for an HTML element or attribute. The pages rcnsim writes (report.html,
// plan.html) single-quote their attributes, so ' is escaped too (a job named
// p' onmouseover='...  would otherwise add an attribute). Every string from
// input goes through this; the JSON data block of report.html and compare.html
// is escaped by script_safe_json (report_page.hpp) instead.
#include <string>

namespace rcn {

std::string html_escape(const std::string& s);

}  // namespace rcn
