#include "python_view.hpp"

#include <pybind11/stl.h>

#include "rcn/sched/builtin_policies.hpp"

namespace py = pybind11;

namespace rcn::python {
namespace {

[[noreturn]] void expired(const ViewSlot& slot) {
  throw py::value_error("policy \"" + slot.policy +
                        "\": a view object was used after the schedule() or preempt() call it came from returned "
                        "(copy what you need to keep)");
}

const SchedulerView& live_view(const ViewSlot& slot) {
  if (!slot.view) expired(slot);
  return *slot.view;
}

// Proxies of clusters stay valid from call to call (the cluster list is fixed
// for a run); those of queued and running jobs only within their call.
struct ClusterRef {
  std::shared_ptr<ViewSlot> slot;
  std::size_t index = 0;
  const ClusterState& get() const { return live_view(*slot).clusters.at(index); }
};

struct JobRef {
  std::shared_ptr<ViewSlot> slot;
  std::uint64_t call = 0;
  const PendingJob* job = nullptr;
  const PendingJob& get() const {
    if (!slot->view || slot->call != call) expired(*slot);
    return *job;
  }
};

struct RunningRef {
  std::shared_ptr<ViewSlot> slot;
  std::uint64_t call = 0;
  std::size_t index = 0;
  const RunningJob& get() const {
    if (!slot->view || slot->call != call) expired(*slot);
    return slot->view->running.at(index);
  }
};

struct QueueRef {
  std::shared_ptr<ViewSlot> slot;
  std::uint64_t call = 0;
  const PendingQueue& get() const {
    if (!slot->view || slot->call != call) expired(*slot);
    return slot->view->queue;
  }
};

struct QueueIter {
  QueueRef queue;
  PendingQueue::const_iterator it, end;
};

struct ViewRef {
  std::shared_ptr<ViewSlot> slot;
  py::object clusters;  // tuple of Cluster, built on first use
};

template <class T>
py::tuple to_tuple(const std::vector<T>& v) {
  py::tuple t(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) t[i] = py::cast(v[i]);
  return t;
}

std::size_t cluster_index(const py::handle& c) {
  if (py::isinstance<ClusterRef>(c)) return c.cast<const ClusterRef&>().index;
  return c.cast<std::size_t>();
}

}  // namespace

void bind_view(py::module_& m) {
  py::class_<ClusterRef>(m, "Cluster", "A cluster as the policy sees it now (ClusterState in C++)")
      .def_property_readonly("index", [](const ClusterRef& c) { return c.index; })
      .def_property_readonly("site", [](const ClusterRef& c) { return c.get().site; })
      .def_property_readonly("cluster", [](const ClusterRef& c) { return c.get().cluster; })
      .def_property_readonly("site_name", [](const ClusterRef& c) { return c.get().site_name; })
      .def_property_readonly("cluster_name", [](const ClusterRef& c) { return c.get().cluster_name; })
      .def_property_readonly("region", [](const ClusterRef& c) { return c.get().region; })
      .def_property_readonly("gpu", [](const ClusterRef& c) { return c.get().gpu; })
      .def_property_readonly("kind", [](const ClusterRef& c) { return std::string(to_string(c.get().kind)); })
      .def_property_readonly("gpus_per_server", [](const ClusterRef& c) { return c.get().gpus_per_server; })
      .def_property_readonly("total_servers", [](const ClusterRef& c) { return c.get().total_servers; })
      .def_property_readonly("free_servers", [](const ClusterRef& c) { return c.get().free_servers; })
      .def_property_readonly("price_per_kwh_now", [](const ClusterRef& c) { return c.get().price_per_kwh_now; })
      .def_property_readonly("carbon_g_per_kwh_now", [](const ClusterRef& c) { return c.get().carbon_g_per_kwh_now; })
      .def("servers_for", [](const ClusterRef& c, int gpus) { return c.get().servers_for(gpus); }, py::arg("gpus"))
      .def("__repr__", [](const ClusterRef& c) {
        const ClusterState& s = c.get();
        return "<Cluster " + std::to_string(c.index) + " " + s.site_name + "/" + s.cluster_name + " free " +
               std::to_string(s.free_servers) + "/" + std::to_string(s.total_servers) + ">";
      });

  py::class_<JobRef>(m, "PendingJob", "A queued training job (PendingJob in C++); valid during its call only")
      .def_property_readonly("job", [](const JobRef& j) { return j.get().job; })
      .def_property_readonly("name", [](const JobRef& j) { return j.get().name; })
      .def_property_readonly("gpus", [](const JobRef& j) { return j.get().gpus; })
      .def_property_readonly("submit_time", [](const JobRef& j) { return j.get().submit_time; })
      .def_property_readonly("site", [](const JobRef& j) { return j.get().site; })
      .def_property_readonly("runtime_on", [](const JobRef& j) { return to_tuple(j.get().runtime_on); })
      .def_property_readonly("shrink_gpus", [](const JobRef& j) { return to_tuple(j.get().shrink_gpus); })
      .def_property_readonly("sizes",
                             [](const JobRef& j) {
                               const PendingJob& p = j.get();
                               std::vector<int> s{p.gpus};
                               s.insert(s.end(), p.shrink_gpus.begin(), p.shrink_gpus.end());
                               return to_tuple(s);
                             },
                             "the full size, then the smaller sizes it accepts now")
      .def_property_readonly("attained_service_s", [](const JobRef& j) { return j.get().attained_service_s; })
      .def_property_readonly("data_site", [](const JobRef& j) { return j.get().data_site; })
      .def_property_readonly("transfer_s_to", [](const JobRef& j) { return to_tuple(j.get().transfer_s_to); })
      .def_property_readonly("not_allowed_on", [](const JobRef& j) { return j.get().not_allowed_on; })
      .def_property_readonly("across_sites", [](const JobRef& j) { return j.get().across_sites; },
                             "a job across sites: it starts on one of view.cross_site_splits[job]")
      .def_property_readonly("share_clusters", [](const JobRef& j) { return j.get().share_clusters; })
      .def_property_readonly("split_counts", [](const JobRef& j) { return to_tuple(j.get().split_counts); })
      // The name before residency barred clusters too (rcnsim 0.x policies read it).
      .def_property_readonly("no_layout_on", [](const JobRef& j) { return j.get().not_allowed_on; })
      .def(
          "allowed_on",
          [](const JobRef& j, const py::handle& c) {
            const PendingJob& p = j.get();
            return allowed_on(p, live_view(*j.slot).clusters.at(cluster_index(c)));
          },
          py::arg("cluster"), "its site pin and layouts allow cluster (a Cluster or its index)")
      .def("__repr__", [](const JobRef& j) {
        const PendingJob& p = j.get();
        return "<PendingJob " + std::to_string(p.job) + " \"" + p.name + "\" " + std::to_string(p.gpus) + " GPUs>";
      });

  py::class_<RunningRef>(m, "RunningJob", "A running training job (RunningJob in C++); valid during its call only")
      .def_property_readonly("job", [](const RunningRef& r) { return r.get().job; })
      .def_property_readonly("cluster_state", [](const RunningRef& r) { return r.get().cluster_state; })
      .def_property_readonly("servers", [](const RunningRef& r) { return r.get().servers; })
      .def_property_readonly("start_time", [](const RunningRef& r) { return r.get().start_time; })
      .def_property_readonly("expected_end", [](const RunningRef& r) { return r.get().expected_end; })
      .def_property_readonly("attained_service_s", [](const RunningRef& r) { return r.get().attained_service_s; })
      .def_property_readonly("preemptible", [](const RunningRef& r) { return r.get().preemptible; });

  py::class_<QueueIter>(m, "_QueueIterator")
      .def("__iter__", [](QueueIter& it) -> QueueIter& { return it; })
      .def("__next__", [](QueueIter& it) {
        it.queue.get();  // still the same call
        if (it.it == it.end) throw py::stop_iteration();
        const PendingJob* job = &*it.it;
        ++it.it;
        return JobRef{it.queue.slot, it.queue.call, job};
      });

  py::class_<QueueRef>(m, "Queue", "The pending queue in submission order (PendingQueue in C++)")
      .def("__len__", [](const QueueRef& q) { return q.get().size(); })
      .def("__bool__", [](const QueueRef& q) { return !q.get().empty(); })
      .def("__iter__", [](const QueueRef& q) {
        const PendingQueue& pq = q.get();
        return QueueIter{q, pq.begin(), pq.end()};
      })
      .def("front",
           [](const QueueRef& q) -> py::object {
             const PendingQueue& pq = q.get();
             if (pq.empty()) return py::none();
             return py::cast(JobRef{q.slot, q.call, &pq.front()});
           })
      .def(
          "find",
          [](const QueueRef& q, std::size_t job) -> py::object {
            const PendingJob* p = q.get().find(job);
            if (!p) return py::none();
            return py::cast(JobRef{q.slot, q.call, p});
          },
          py::arg("job"));

  py::class_<ViewRef>(m, "View", "What a policy sees (SchedulerView in C++), read-only")
      .def_property_readonly("now", [](const ViewRef& v) { return live_view(*v.slot).now; })
      .def_property_readonly("clusters",
                             [](ViewRef& v) {
                               if (!v.clusters) {
                                 const std::size_t n = live_view(*v.slot).clusters.size();
                                 py::tuple t(n);
                                 for (std::size_t c = 0; c < n; ++c) t[c] = py::cast(ClusterRef{v.slot, c});
                                 v.clusters = t;
                               }
                               return v.clusters;
                             })
      .def_property_readonly("queue",
                             [](const ViewRef& v) {
                               live_view(*v.slot);
                               return QueueRef{v.slot, v.slot->call};
                             })
      .def_property_readonly("running",
                             [](const ViewRef& v) {
                               const std::size_t n = live_view(*v.slot).running.size();
                               py::tuple t(n);
                               for (std::size_t i = 0; i < n; ++i) t[i] = py::cast(RunningRef{v.slot, v.slot->call, i});
                               return t;
                             })
      .def_property_readonly(
          "cross_site_splits",
          [](const ViewRef& v) {
            py::dict out;
            for (const auto& [job, splits] : live_view(*v.slot).cross_site_splits) {
              py::tuple t(splits.size());
              for (std::size_t i = 0; i < splits.size(); ++i) t[i] = to_tuple(splits[i]);
              out[py::int_(job)] = t;
            }
            return out;
          },
          "{job: splits it may start on now, best first}, each split a tuple of cluster indices (one per site "
          "share); only for a policy whose places_cross_site is True")
      .def_property_readonly(
          "cross_site_time_s",
          [](const ViewRef& v) {
            py::dict out;
            for (const auto& [job, times] : live_view(*v.slot).cross_site_time_s) out[py::int_(job)] = to_tuple(times);
            return out;
          },
          "{job: estimated time to train on each offered split, same order}")
      .def(
          "free_servers",
          [](const ViewRef& v) {
            const SchedulerView& s = live_view(*v.slot);
            py::list out(s.clusters.size());
            for (std::size_t c = 0; c < s.clusters.size(); ++c) out[c] = py::int_(s.clusters[c].free_servers);
            return out;
          },
          "a new list of every cluster's free servers, for the policy's own bookkeeping");
}

py::object make_view(const std::shared_ptr<ViewSlot>& slot) { return py::cast(ViewRef{slot, py::object()}); }

}  // namespace rcn::python
