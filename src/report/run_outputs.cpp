#include "rcn/report/run_outputs.hpp"

#include "rcn/report/html_report.hpp"
#include "rcn/report/result_files.hpp"
#include "rcn/report/trace_json.hpp"

namespace rcn {

void write_run_outputs(OutputDir& out, const SimulationResult& result, const Scenario& scenario,
                       const std::string& scenario_text, double wall_time_s, const std::string& scenario_source) {
  out.write("summary.json", summary_json(result));
  out.write("jobs.csv", jobs_csv(result));
  out.write("sites.csv", sites_csv(result));
  out.write("failures.csv", failures_csv(result));
  out.write("utilisation.csv", utilisation_csv(result));
  out.write("site_energy.csv", site_energy_csv(result));
  if (!result.wan_links.empty()) out.write("wan.csv", wan_csv(result));
  if (!result.cross_site.empty()) out.write("cross_site.csv", cross_site_csv(result));
  if (!result.services.empty()) {
    out.write("inference.csv", inference_csv(result));
    out.write("latency_cdf.csv", latency_cdf_csv(result));
  }
  if (!result.tenants.empty()) out.write("tenants.csv", tenants_csv(result));
  if (!result.training_preemptions.empty()) out.write("training_preemptions.csv", training_preemptions_csv(result));
  if (scenario.outputs.trace) out.write("trace.json", trace_json(result));
  if (scenario.outputs.report) out.write("report.html", html_report(result, scenario, scenario_text));
  out.write("run_info.json", run_info_json(result, wall_time_s, scenario_source));
}

}  // namespace rcn
