#pragma once
// The texts report.html and compare.html inline, so that each page is one file
// that works offline: Chart.js from Debian's libjs-chart.js and the page's own
// script and style sheet (src/report/assets). All are embedded at build time
// (cmake/embed_report_assets.cmake), which also checks that none can end its
// <script> or <style> element early.
#include <string_view>

namespace rcn {

std::string_view chartjs_source();
std::string_view report_script();
std::string_view report_style();

}  // namespace rcn
