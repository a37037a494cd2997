#include "rcn/report/report_page.hpp"

#include "rcn/report/html_escape.hpp"
#include "rcn/report/report_assets.hpp"

namespace rcn {

std::string script_safe_json(const nlohmann::ordered_json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    // Outside JSON strings these characters never occur, so escaping every one is exact.
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string report_page(const std::string& title, const nlohmann::ordered_json& data) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += kReportGenerator;
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += html_escape(title);
  out += "</title>\n<style>";
  out += report_style();
  out += "</style></head><body>\n<noscript><p>This report draws its tables and charts with JavaScript; the same "
         "numbers are in summary.json and the CSV files next to it.</p></noscript>\n<main id=\"report\"></main>\n"
         "<p id=\"rcn-status\" data-state=\"loading\"></p>\n<script type=\"application/json\" id=\"rcn-data\">";
  out += script_safe_json(data);
  out += "</script>\n<script>";
  out += chartjs_source();
  out += "</script>\n<script>";
  out += report_script();
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace rcn
