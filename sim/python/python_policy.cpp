#include "python_policy.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <stdexcept>

#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/policy_registry.hpp"

namespace py = pybind11;

namespace rcn::python {
namespace {

std::string& first_error() {
  static std::string* e = new std::string;  // never destroyed: read after the run, at any exit
  return *e;
}

// Registered classes by name. Never destroyed: Python objects must not be
// released after the interpreter has finalised.
std::map<std::string, py::object>& classes() {
  static auto* m = new std::map<std::string, py::object>;
  return *m;
}

[[noreturn]] void fail(const std::string& message) {
  if (first_error().empty()) first_error() = message;
  throw std::runtime_error(message);
}

// The view of one call: the proxies read it while the call lasts.
class CallScope {
 public:
  CallScope(ViewSlot& slot, const SchedulerView& view) : slot_(slot) {
    slot_.view = &view;
    ++slot_.call;
  }
  ~CallScope() { slot_.view = nullptr; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  ViewSlot& slot_;
};

std::string python_type_name(const py::handle& h) { return py::str(py::type::handle_of(h).attr("__name__")); }

// An index from an integer (numpy's too: anything with __index__), or from a
// PendingJob/RunningJob (.job) or Cluster (.index) proxy.
std::optional<long long> as_index(const py::handle& h) {
  if (PyIndex_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
    const Py_ssize_t v = PyNumber_AsSsize_t(h.ptr(), PyExc_OverflowError);
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return v;
  }
  for (const char* attr : {"job", "index"}) {
    if (!py::hasattr(h, attr)) continue;
    const py::object v = h.attr(attr);
    if (PyIndex_Check(v.ptr())) return as_index(v);
  }
  return std::nullopt;
}

std::string shown(const py::handle& h) { return quote_input(py::repr(h).cast<std::string>(), 80); }

}  // namespace

const std::string& last_policy_error() { return first_error(); }

PythonPolicy::PythonPolicy(std::string name, py::object instance)
    : name_(std::move(name)), instance_(std::move(instance)), slot_(std::make_shared<ViewSlot>()) {
  slot_->policy = name_;
  if (!py::hasattr(instance_, "schedule"))
    throw std::invalid_argument(fmt::format("policy \"{}\": {} has no schedule(view) method", name_,
                                            python_type_name(instance_)));
  has_preempt_ = py::hasattr(instance_, "preempt");
  if (py::hasattr(instance_, "places_cross_site")) {
    const py::object flag = instance_.attr("places_cross_site");
    if (!PyBool_Check(flag.ptr()))
      throw std::invalid_argument(fmt::format("policy \"{}\": {}.places_cross_site must be True or False", name_,
                                              python_type_name(instance_)));
    places_cross_site_ = flag.cast<bool>();
  }
  view_ = make_view(slot_);
}

PythonPolicy::~PythonPolicy() {
  py::gil_scoped_acquire gil;
  view_ = py::object();
  instance_ = py::object();
}

std::string PythonPolicy::describe_call(const char* method) const {
  return fmt::format("policy \"{}\" (Python {}.{}, at t={} s)", name_, python_type_name(instance_), method,
                     slot_->view ? slot_->view->now : 0.0);
}

std::vector<Placement> PythonPolicy::schedule(const SchedulerView& view) {
  py::gil_scoped_acquire gil;
  CallScope scope(*slot_, view);
  try {
    return checked_placements(view);
  } catch (py::error_already_set& e) {  // raised while reading what the policy returned
    fail(describe_call("schedule") + ": reading its answer raised " + e.what());
  }
}

std::vector<Placement> PythonPolicy::checked_placements(const SchedulerView& view) {
  py::object ret;
  try {
    ret = instance_.attr("schedule")(view_);
  } catch (py::error_already_set& e) {
    fail(describe_call("schedule") + " raised " + e.what());
  }
  if (ret.is_none()) fail(describe_call("schedule") + " returned None; expected a list of placements (job, cluster_state[, gpus])");
  if (!py::isinstance<py::iterable>(ret) || py::isinstance<py::str>(ret))
    fail(describe_call("schedule") + " returned " + shown(ret) + "; expected a list of placements (job, cluster_state[, gpus])");

  std::vector<int> free;
  for (const ClusterState& c : view.clusters) free.push_back(c.free_servers);
  std::set<std::size_t> placed;
  std::vector<Placement> out;
  std::size_t i = 0;
  for (const py::handle item : ret) {
    const std::string decision = fmt::format("{} placement #{} {}", describe_call("schedule"), i++, shown(item));
    std::optional<long long> job, cluster;
    long long gpus = 0;
    if (py::isinstance<py::sequence>(item) && !py::isinstance<py::str>(item)) {
      const auto seq = item.cast<py::sequence>();
      if (seq.size() < 2 || seq.size() > 3) fail(decision + ": expected (job, cluster_state[, gpus])");
      job = as_index(seq[0]);
      // (job, split) or rcnsim.Placement(job, split): a job across sites.
      if (py::isinstance<py::sequence>(seq[1]) && !py::isinstance<py::str>(seq[1]) &&
          (seq.size() == 2 || (seq.size() == 3 && as_index(seq[2]) == 0LL))) {
        out.push_back(checked_split(view, decision, job, seq[1].cast<py::sequence>(), free, placed));
        continue;
      }
      cluster = as_index(seq[1]);
      if (seq.size() == 3) {
        if (!PyIndex_Check(seq[2].ptr()) || PyBool_Check(seq[2].ptr())) fail(decision + ": gpus must be an int");
        gpus = *as_index(seq[2]);
      }
    } else {
      fail(decision + ": expected (job, cluster_state[, gpus]) or rcnsim.Placement");
    }
    if (!job || *job < 0) fail(decision + ": the job must be a job index (int) or a PendingJob");
    if (!cluster || *cluster < 0 || static_cast<std::size_t>(*cluster) >= view.clusters.size())
      fail(fmt::format("{}: cluster_state must be a cluster index 0..{}", decision, view.clusters.size() - 1));
    const PendingJob* pj = view.queue.find(static_cast<std::size_t>(*job));
    if (!pj) fail(fmt::format("{}: job {} is not in the queue", decision, *job));
    if (!placed.insert(pj->job).second) fail(fmt::format("{}: job {} \"{}\" is placed twice", decision, pj->job, pj->name));
    const ClusterState& cs = view.clusters[static_cast<std::size_t>(*cluster)];
    // Checked before the conversion: 2**32 + 16 must not wrap around to 16.
    const int size = gpus == 0 ? pj->gpus : gpus > 0 && gpus <= pj->gpus ? static_cast<int>(gpus) : -1;
    const bool size_ok = size == pj->gpus || std::find(pj->shrink_gpus.begin(), pj->shrink_gpus.end(), size) != pj->shrink_gpus.end();
    if (gpus < 0 || !size_ok)
      fail(fmt::format("{}: job \"{}\" takes {} GPUs (or one of its shrink sizes {}), not {}", decision, pj->name, pj->gpus,
                       fmt::join(pj->shrink_gpus, ","), gpus));
    if (!allowed_on(*pj, cs))
      fail(fmt::format("{}: job \"{}\" may not run on {}/{} (its site pin or no layout fits there)", decision, pj->name,
                       cs.site_name, cs.cluster_name));
    const int need = cs.servers_for(size);
    int& left = free[static_cast<std::size_t>(*cluster)];
    if (need > left)
      fail(fmt::format("{}: job \"{}\" needs {} servers on {}/{}, which has {} free after the placements before it",
                       decision, pj->name, need, cs.site_name, cs.cluster_name, left));
    left -= need;
    out.push_back({pj->job, static_cast<std::size_t>(*cluster), size == pj->gpus ? 0 : size});
  }
  return out;
}

// A placement (job, split) of a job across sites: one of the splits offered for it, with room for
// every share after the placements before it.
Placement PythonPolicy::checked_split(const SchedulerView& view, const std::string& decision, std::optional<long long> job,
                                      const py::sequence& split_seq, std::vector<int>& free,
                                      std::set<std::size_t>& placed) const {
  if (!job || *job < 0) fail(decision + ": the job must be a job index (int) or a PendingJob");
  const PendingJob* pj = view.queue.find(static_cast<std::size_t>(*job));
  if (!pj) fail(fmt::format("{}: job {} is not in the queue", decision, *job));
  if (!placed.insert(pj->job).second) fail(fmt::format("{}: job {} \"{}\" is placed twice", decision, pj->job, pj->name));
  std::vector<std::size_t> split;
  for (const py::handle c : split_seq) {
    const auto index = as_index(c);
    if (!index || *index < 0 || static_cast<std::size_t>(*index) >= view.clusters.size())
      fail(fmt::format("{}: a split is a list of cluster indices 0..{}", decision, view.clusters.size() - 1));
    split.push_back(static_cast<std::size_t>(*index));
  }
  const auto offered = view.cross_site_splits.find(pj->job);
  if (!pj->across_sites || offered == view.cross_site_splits.end() ||
      std::find(offered->second.begin(), offered->second.end(), split) == offered->second.end())
    fail(fmt::format("{}: job \"{}\" was not offered this split (view.cross_site_splits)", decision, pj->name));
  if (!split_fits(view, *pj, split, free))
    fail(fmt::format("{}: job \"{}\" has no room for its shares on this split after the placements before it", decision,
                     pj->name));
  return place_split(view, *pj, split, free);
}

std::vector<std::size_t> PythonPolicy::preempt(const SchedulerView& view) {
  if (!has_preempt_) return {};
  py::gil_scoped_acquire gil;
  CallScope scope(*slot_, view);
  try {
    return checked_preemptions(view);
  } catch (py::error_already_set& e) {
    fail(describe_call("preempt") + ": reading its answer raised " + e.what());
  }
}

std::vector<std::size_t> PythonPolicy::checked_preemptions(const SchedulerView& view) {
  py::object ret;
  try {
    ret = instance_.attr("preempt")(view_);
  } catch (py::error_already_set& e) {
    fail(describe_call("preempt") + " raised " + e.what());
  }
  if (ret.is_none() || !py::isinstance<py::iterable>(ret) || py::isinstance<py::str>(ret))
    fail(describe_call("preempt") + " returned " + shown(ret) + "; expected a list of running job indices");
  std::vector<std::size_t> out;
  std::size_t i = 0;
  for (const py::handle item : ret) {
    const std::string decision = fmt::format("{} preemption #{} {}", describe_call("preempt"), i++, shown(item));
    const auto job = as_index(item);
    if (!job || *job < 0) fail(decision + ": expected a job index (int) or a RunningJob");
    const auto it = std::find_if(view.running.begin(), view.running.end(),
                                 [&](const RunningJob& r) { return r.job == static_cast<std::size_t>(*job); });
    if (it == view.running.end()) fail(fmt::format("{}: job {} is not running", decision, *job));
    if (!it->preemptible) fail(fmt::format("{}: job {} does not checkpoint, so it cannot be preempted", decision, *job));
    if (std::find(out.begin(), out.end(), it->job) != out.end())
      fail(fmt::format("{}: job {} is preempted twice", decision, *job));
    out.push_back(it->job);
  }
  return out;
}

void register_python_policy(const std::string& name, py::object cls, const std::string& summary) {
  PolicyRegistry& registry = PolicyRegistry::instance();
  const bool known = classes().count(name) > 0;
  if (!known && registry.contains(name))
    throw std::invalid_argument(fmt::format("\"{}\" is a built-in policy; choose another name", name));
  classes()[name] = std::move(cls);
  if (known) return;  // the registry's entry looks the class up when it builds the policy
  registry.add(name, summary, [name](const PolicyOptions& options) -> std::unique_ptr<SchedulingPolicy> {
    py::gil_scoped_acquire gil;
    py::dict opts;
    for (const std::string& key : options.unread()) opts[py::str(key)] = py::str(*options.get(key));
    const py::object& cls = classes().at(name);
    try {
      py::object instance = opts.empty() ? cls() : cls(opts);
      return std::make_unique<PythonPolicy>(name, std::move(instance));
    } catch (py::error_already_set& e) {
      // Converted here, with the GIL held: the engine may be running without it.
      throw std::runtime_error(fmt::format("policy \"{}\": creating the Python policy raised {}", name, e.what()));
    }
  });
}

}  // namespace rcn::python
