#include "rcn/report/html_report.hpp"

#include "rcn/report/report_data.hpp"
#include "rcn/report/report_page.hpp"

namespace rcn {

std::string html_report(const SimulationResult& r, const Scenario& s, const std::string& scenario_text) {
  nlohmann::ordered_json run = report_run_data(r, &s, r.scenario);
  run["scenario_file"] = s.source_file;
  run["scenario_text"] = scenario_text;
  nlohmann::ordered_json data;
  data["mode"] = "report";
  data["title"] = "rcnsim report: " + r.scenario;
  data["runs"] = nlohmann::ordered_json::array({run});
  return report_page("rcnsim report: " + r.scenario, data);
}

}  // namespace rcn
