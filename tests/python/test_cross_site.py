"""A Python policy places jobs across sites (places_cross_site = True): it sees them in its
queue (job.across_sites) with the splits offered in view.cross_site_splits, and answers
(job, split). PythonFifo gives byte-identical results to the C++ fifo on a queue where a job
across sites waits at the head; a split that was not offered is a clear error."""
import support  # noqa: F401
from support import check

import rcnsim
from rcnsim.policies import PythonFifo

# big holds all of site a; x (across a and b) waits for it at the head; small (site b) waits
# behind x under FIFO, though b has room (tests/engine/cross_site_test.cpp, the same queue).
YAML = """name: xsite
horizon: 30d
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 4, gpus_per_server: 8}]}
  - {name: b, clusters: [{gpu: h100-sxm, servers: 4, gpus_per_server: 8}]}
wan:
  - {from: a, to: b, bandwidth: 10Gbps, latency: 5ms}
models:
  m: {layers: 4, hidden: 1024, heads: 8, kv_heads: 8, ffn: 4096, vocab: 32000, seq: 1024}
workloads:
  training:
    - {name: big, model: m, gpus: 32, parallelism: {dp: 32}, global_batch: 64, steps: 20000, site: a}
    - {name: x, model: m, submit: 1s, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 10, sites: [a, b]}
    - {name: small, model: m, submit: 2s, gpus: 8, parallelism: {dp: 8}, global_batch: 64, steps: 10, site: b}
"""

scenario = rcnsim.load(YAML)
cpp = rcnsim.run(scenario, policy="fifo")
py = rcnsim.run(scenario, policy=PythonFifo)
for name in ("jobs.csv", "sites.csv", "utilisation.csv"):
    check(cpp.files[name] == py.files[name], f"{name} differs between the C++ fifo and the Python FIFO")
big, x, small = py.jobs
check(x.site == "a+b" and x.start_s == big.end_s and small.start_s == big.end_s,
      f"x across a+b and small start when big ends ({big.end_s} s): got {x.site} {x.start_s}, {small.start_s}")


class WrongSplit(PythonFifo):
    """Places every job across sites on a split of its own making."""

    def schedule(self, view):
        return [(job.job, [0]) for job in view.queue if job.across_sites and view.cross_site_splits]


try:
    rcnsim.run(scenario, policy=WrongSplit)
    check(False, "a split that was not offered must be refused")
except rcnsim.PolicyError as e:
    check("was not offered this split" in str(e), f"unexpected error: {e}")
print(f"x started at {x.start_s:.0f} s on {x.site}, as under the C++ fifo; a wrong split is refused")
