// rcnsim._core: the Python module's native half, over the library the command
// line uses (load and check, run, estimate, the policy registry). The pure
// Python half (rcnsim/__init__.py) forks the child process each run happens in,
// since SimGrid allows one engine per process (docs/python.md).
#include <pybind11/pybind11.h>

#include "symbol_caster.hpp"
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>

#include "python_policy.hpp"
#include "python_view.hpp"
#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"
#include "rcn/report/output_dir.hpp"
#include "rcn/report/run_outputs.hpp"
#include "rcn/report/step_report.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/sched/policy_registry.hpp"

namespace py = pybind11;

namespace {

// A checked scenario and the text its report embeds.
struct LoadedScenario {
  rcn::Scenario scenario;
  std::string text;    // the YAML it came from
  std::string source;  // its path, or the display name of text
};

py::tuple diagnostic_tuple(const rcn::Diagnostic& d) {
  return py::make_tuple(d.severity == rcn::Diagnostic::Severity::Error ? "error" : "warning", d.loc.file, d.loc.line,
                        d.loc.col, d.path, d.message, d.str());
}

// (scenario or None, [(severity, file, line, col, path, message, text), ...])
py::tuple load(const std::string& source, bool is_path, const std::vector<std::string>& overrides,
               std::optional<std::uint64_t> seed, const std::vector<std::string>& allow_paths, const std::string& base_dir) {
  rcn::LoadOptions options{overrides, seed, allow_paths};
  rcn::LoadResult r = is_path ? rcn::load_checked_file(source, options)
                              : rcn::load_checked_text(source, "<text>", options, base_dir);
  py::list diags;
  for (const rcn::Diagnostic& d : r.diagnostics.items()) diags.append(diagnostic_tuple(d));
  if (!r.scenario) return py::make_tuple(py::none(), diags);
  auto loaded = std::make_shared<LoadedScenario>();
  loaded->scenario = std::move(*r.scenario);
  loaded->source = is_path ? source : "<text>";
  if (is_path) {
    std::string why;
    loaded->text = rcn::read_regular_file(source, rcn::limits::kMaxInputFileBytes, why).value_or("");
  } else {
    loaded->text = source;
  }
  return py::make_tuple(py::cast(loaded), diags);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "rcnsim's native half; use the rcnsim package";
  // Never destroyed: Python objects must outlive nothing past the interpreter's end.
  static auto& simulation_error = *new py::exception<void>(m, "SimulationError", PyExc_RuntimeError);
  static auto& policy_error = *new py::exception<void>(m, "PolicyError", simulation_error.ptr());
  static auto& output_dir_error = *new py::exception<void>(m, "OutputDirError", PyExc_OSError);
  rcn::python::bind_view(m);

  py::class_<LoadedScenario, std::shared_ptr<LoadedScenario>>(m, "LoadedScenario")
      .def_property_readonly("name", [](const LoadedScenario& s) { return s.scenario.name; })
      .def_property_readonly("seed", [](const LoadedScenario& s) { return s.scenario.seed; })
      .def_property_readonly("horizon", [](const LoadedScenario& s) { return s.scenario.horizon; })
      .def_property_readonly("policy", [](const LoadedScenario& s) { return s.scenario.scheduler.policy; })
      .def_property_readonly("source", [](const LoadedScenario& s) { return s.source; })
      .def_property_readonly("job_names",
                             [](const LoadedScenario& s) {
                               std::vector<std::string> out;
                               for (const auto& j : s.scenario.training) out.push_back(j.name);
                               return out;
                             })
      .def_property_readonly("site_names",
                             [](const LoadedScenario& s) {
                               std::vector<std::string> out;
                               for (const auto& x : s.scenario.sites) out.push_back(x.name);
                               return out;
                             })
      .def_property_readonly("cluster_names",  // "site/cluster", in the order of a view's clusters
                             [](const LoadedScenario& s) {
                               std::vector<std::string> out;
                               for (const auto& site : s.scenario.sites)
                                 for (const auto& c : site.clusters) out.push_back(site.name + "/" + c.name);
                               return out;
                             })
      .def_property_readonly("service_names", [](const LoadedScenario& s) {
        std::vector<std::string> out;
        for (const auto& x : s.scenario.inference) out.push_back(x.name);
        return out;
      });

  m.def("load", &load, py::arg("source"), py::arg("is_path"), py::arg("overrides"), py::arg("seed"),
        py::arg("allow_paths"), py::arg("base_dir"));

  // Runs in the calling process (rcnsim.run calls it in a forked child): writes the
  // result files into `out_dir` as `rcnsim run -o` does and returns the wall time.
  m.def(
      "simulate",
      [](const LoadedScenario& loaded, const std::string& out_dir, std::optional<std::string> policy) {
        rcn::Scenario s = loaded.scenario;
        if (policy) {
          s.scheduler.policy = *policy;
          s.scheduler.options.clear();
        }
        std::optional<rcn::OutputDir> out;
        try {
          out.emplace(out_dir);
        } catch (const rcn::OutputDirRefused& e) {
          output_dir_error(e.message.c_str());
          throw py::error_already_set();
        }
        const auto t0 = std::chrono::steady_clock::now();
        rcn::SimulationResult result;
        std::string error;
        {
          py::gil_scoped_release nogil;  // re-taken inside Python policy calls
          try {
            result = rcn::run_simulation(s);
          } catch (const rcn::SimulationError& e) {
            error = e.what();
          } catch (const rcn::InputError& e) {  // a scenario problem found late
            for (const auto& d : e.diagnostics.items()) error += (error.empty() ? "" : "\n") + d.str();
          } catch (const std::exception& e) {
            error = e.what();
          }
        }
        if (!error.empty()) {
          (rcn::python::last_policy_error().empty() ? simulation_error : policy_error)(error.c_str());
          throw py::error_already_set();
        }
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        try {
          rcn::write_run_outputs(*out, result, s, loaded.text, wall, loaded.source);
          out->commit();
        } catch (const rcn::OutputDirRefused& e) {
          output_dir_error(e.message.c_str());
          throw py::error_already_set();
        }
        return wall;
      },
      py::arg("scenario"), py::arg("out_dir"), py::arg("policy") = py::none());

  m.def(
      "estimate_json",
      [](const LoadedScenario& loaded, const std::string& job, int search_top) {
        const rcn::Scenario& s = loaded.scenario;
        if (!job.empty() &&
            std::none_of(s.training.begin(), s.training.end(), [&](const auto& j) { return j.name == job; }))
          throw py::key_error("no training job named \"" + job + "\"");
        if (search_top > 0) {
          rcn::Diagnostics d;
          rcn::check_layout_search_spaces(s, [&](const rcn::TrainingJobSpec& j) { return job.empty() || j.name == job; }, d);
          if (d.has_errors()) throw py::value_error(d.items().front().str());
        }
        const auto estimates = rcn::estimate_jobs(s, job, search_top);
        return search_top > 0 ? rcn::layout_search_json(s, estimates) : rcn::estimates_json(estimates);
      },
      py::arg("scenario"), py::arg("job") = "", py::arg("search_top") = 0);

  m.def("register_policy", &rcn::python::register_python_policy, py::arg("name"), py::arg("cls"), py::arg("summary"));
  m.def("policy_names", [] { return rcn::PolicyRegistry::instance().names(); });
  m.def("remove_stale_outputs", &rcn::remove_stale_outputs, py::arg("target"));
  m.def("last_policy_error", &rcn::python::last_policy_error);
}
