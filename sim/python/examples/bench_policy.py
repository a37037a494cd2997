"""What a Python policy costs against the C++ one (docs/performance.md): runs a scenario
with the C++ fifo and with rcnsim.policies.PythonFifo (byte-identical results), each
`repeat` times, and prints the CPU time (user + system) of the child process each run
happens in; the least of the repeats counts, as the machine may be shared.

    PYTHONPATH=build/python /usr/bin/python3 sim/python/examples/bench_policy.py sim/bench/regional-day.yaml 3
"""
import os
import sys
import time

import rcnsim
from rcnsim.policies import PythonFifo


class CountingFifo(PythonFifo):
    """Counts its calls; the count is written to a file when the child drops the policy."""

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0

    def schedule(self, view):
        self.calls += 1
        t0 = time.process_time()
        out = super().schedule(view)
        self.seconds += time.process_time() - t0
        return out

    def __del__(self):
        with open(COUNT_FILE, "w") as f:
            f.write(f"{self.calls} {self.seconds}")


def child_cpu(fn):
    before = os.times()
    wall = time.perf_counter()
    result = fn()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return cpu, time.perf_counter() - wall, result


path = sys.argv[1] if len(sys.argv) > 1 else "sim/bench/regional-day.yaml"
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
scenario = rcnsim.load(path)
best = {}
results = {}
for _ in range(repeat):
    for name, policy in (("C++ fifo", "fifo"), ("Python FIFO", PythonFifo)):
        cpu, wall, results[name] = child_cpu(lambda: rcnsim.run(scenario, policy=policy))
        best[name] = min(best.get(name, (cpu, wall)), (cpu, wall))
same = results["C++ fifo"].files["jobs.csv"] == results["Python FIFO"].files["jobs.csv"]
COUNT_FILE = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"rcnsim-bench-calls-{os.getpid()}")
rcnsim.run(scenario, policy=CountingFifo)
with open(COUNT_FILE) as f:
    calls, inside = f.read().split()
    calls, inside = int(calls), float(inside)
os.remove(COUNT_FILE)
jobs = results["C++ fifo"].jobs
print(f"{path}: {len(jobs)} jobs, {sum(j.start_s is not None for j in jobs)} started; jobs.csv identical: {same}")
for name, (cpu, wall) in best.items():
    print(f"{name:>12}: {cpu:.2f} s CPU, {wall:.2f} s wall (best of {repeat})")
print(f"schedule() calls: {calls}, {inside:.3f} s of CPU inside them ({inside / calls * 1e6:.1f} us per call)")
print(f"ratio Python / C++ (CPU): {best['Python FIFO'][0] / best['C++ fifo'][0]:.2f}")
