"""A Python FIFO policy gives a byte-identical jobs.csv to the C++ fifo (and the same
sites.csv, failures.csv, utilisation.csv and summary.json but for the policy name) on the shipped scenario given as argv[1]
(with optional overrides path=value after it)."""
import sys

import support  # noqa: F401 - sets sys.path
from rcnsim.policies import PythonFifo
from support import check, scenario_path

import rcnsim

scenario = rcnsim.load(scenario_path(sys.argv[1]), overrides=sys.argv[2:])
cpp = rcnsim.run(scenario, policy="fifo")
py = rcnsim.run(scenario, policy=PythonFifo)
started = sum(1 for j in cpp.jobs if j.start_s is not None)
check(started > 0, "no job started: the comparison would prove nothing")
for name in ("jobs.csv", "sites.csv", "failures.csv", "utilisation.csv"):
    check(cpp.files[name] == py.files[name], f"{name} differs between the C++ fifo and the Python FIFO")
# summary.json too, but for the policy's name.
renamed = py.files["summary.json"].replace('"policy": "python:PythonFifo"', '"policy": "fifo"', 1)
check(cpp.files["summary.json"] == renamed, "summary.json differs beyond the policy's name")
# The registered route (scheduler.policy in the scenario) gives the same bytes (checked
# on the small scenarios only, to keep the suite fast).
if len(cpp.jobs) < 50:
    rcnsim.register_policy("python-fifo", PythonFifo)
    by_name = rcnsim.run(scenario.with_overrides({"scheduler.policy": "python-fifo"}))
    check(by_name.files["jobs.csv"] == cpp.files["jobs.csv"], "scheduler.policy: python-fifo differs from fifo")
waited = sum(1 for j in cpp.jobs if j.queue_wait_s)
print(f"{sys.argv[1]}: {len(cpp.jobs)} jobs, {started} started, {waited} waited; identical")
