#pragma once
// The one self-contained HTML page behind report.html and compare.html: its
// data as JSON in <script type="application/json" id="rcn-data">, then
// Chart.js and the page's script (report_assets.hpp), which build every
// section from that JSON in the browser. Nothing is fetched over the network.
//
// Every name in the data comes from a scenario or a results folder and is
// untrusted: the JSON has `<`, `>` and `&` written as \u003c, \u003e and
// \u0026, so no text in it can end its <script> element, and the script
// inserts names with textContent only (never as HTML).
#include <string>

#include <nlohmann/json.hpp>

namespace rcn {

// Marks a page rcnsim wrote (compare refuses to replace a file without it).
inline constexpr const char* kReportGenerator = "<meta name=\"generator\" content=\"rcnsim report\">";

// `data`: {"mode": "report" | "compare", "title": ..., "runs": [report_run_data(...), ...]}.
std::string report_page(const std::string& title, const nlohmann::ordered_json& data);

// JSON text safe inside a <script> element (see above); invalid UTF-8 in names becomes U+FFFD.
std::string script_safe_json(const nlohmann::ordered_json& data);

}  // namespace rcn
