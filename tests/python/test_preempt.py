"""A Python policy's preempt(view) stops the running jobs it names: they checkpoint,
rejoin the queue and finish later, as jobs.csv's preemptions column shows."""
import support  # noqa: F401
from support import check, scenario_path

import rcnsim
from rcnsim.policies import PythonFifo


class PreemptOnce(PythonFifo):
    """FIFO that, the first time a checkpointing job runs while another waits, stops it."""

    def __init__(self):
        self.done = False

    def preempt(self, view):
        if self.done or not view.queue:
            return []
        for r in view.running:
            if r.preemptible and view.now > r.start_time:
                self.done = True
                return [r]  # a RunningJob stands for its index
        return []


scenario = rcnsim.load(scenario_path("tutorial/03-with-a-failure.yaml"))
plain = rcnsim.run(scenario, policy=PythonFifo)
stopped = rcnsim.run(scenario, policy=PreemptOnce)
before = sum(j.preemptions for j in plain.jobs)
after = sum(j.preemptions for j in stopped.jobs)
check(after == before + 1, f"preemptions {before} -> {after}, expected one more")
victim = next(j for j, p in zip(stopped.jobs, plain.jobs) if j.preemptions > p.preemptions)
check(victim.state == "finished", f"the preempted job {victim.name} resumed and finished")
print(f"{victim.name} preempted once and finished at {victim.end_s:.0f} s")
