#pragma once
// Text for an HTML element or attribute. The pages rcnsim writes (report.html,
// plan.html) single-quote their attributes, so ' is escaped too (a job named
// p' onmouseover='...  would otherwise add an attribute). Every string from
// input goes through this; the pages have no <script> or JSON block.
#include <string>

namespace rcn {

std::string html_escape(const std::string& s);

}  // namespace rcn
