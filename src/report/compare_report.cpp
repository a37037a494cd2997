#include "rcn/report/compare_report.hpp"

#include "rcn/report/report_data.hpp"
#include "rcn/report/report_page.hpp"

namespace rcn {

std::string compare_report(const std::vector<std::pair<std::string, SimulationResult>>& runs) {
  nlohmann::ordered_json data;
  data["mode"] = "compare";
  data["title"] = "rcnsim comparison of " + std::to_string(runs.size()) + " runs";
  data["runs"] = nlohmann::ordered_json::array();
  for (const auto& [label, r] : runs) data["runs"].push_back(report_run_data(r, nullptr, label));
  return report_page(data["title"].get<std::string>(), data);
}

}  // namespace rcn
