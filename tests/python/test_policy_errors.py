"""A Python policy that raises, returns nonsense or keeps its view past the call gives a
clear rcnsim.PolicyError naming the policy and the decision; the parent never hangs or
crashes, even when the child process dies."""
import os
import signal

import support  # noqa: F401
from support import check, scenario_path

import rcnsim

scenario = rcnsim.load(scenario_path("tutorial/02-center-and-nodes.yaml"))


def expect_error(policy, *fragments, error=rcnsim.PolicyError):
    try:
        rcnsim.run(scenario, policy=policy)
    except error as e:
        text = str(e)
        for fragment in fragments:
            check(fragment in text, f"{fragment!r} missing from the error:\n{text}")
        return text
    raise AssertionError(f"{policy} should have failed with {error.__name__}")


class Raises:
    def schedule(self, view):
        raise ZeroDivisionError("my policy divided by zero")


expect_error(Raises, 'policy "python:Raises"', "Raises.schedule", "ZeroDivisionError", "my policy divided by zero")


class ReturnsNone:
    def schedule(self, view):
        pass


expect_error(ReturnsNone, "ReturnsNone.schedule", "returned None")


class ReturnsText:
    def schedule(self, view):
        return "job0 on the center"


expect_error(ReturnsText, "returned 'job0 on the center'")


class UnknownJob:
    def schedule(self, view):
        return [(9999, 0)]


expect_error(UnknownJob, "placement #0 (9999, 0)", "job 9999 is not in the queue")


class BadCluster:
    def schedule(self, view):
        return [(view.queue.front().job, 42)]


expect_error(BadCluster, "cluster_state must be a cluster index 0..")


class TooBig:
    """Every queued job onto cluster 0, however full."""

    def schedule(self, view):
        return [rcnsim.Placement(j.job, 0) for j in view.queue]


# Two 256-GPU jobs (32 servers each) and a 48-server cluster: the second does not fit.
with open(scenario_path("tutorial/01-one-cluster.yaml"), encoding="utf-8") as f:
    text = f.read()
job = text[text.index("    - name: pretrain"):text.index("scheduler:")]
two_jobs = rcnsim.load(text.replace(job, job + job.replace("name: pretrain", "name: second")),
                       overrides={"sites[0].clusters[0].servers": 48})
try:
    rcnsim.run(two_jobs, policy=TooBig)
except rcnsim.PolicyError as e:
    check('Placement(job=1, cluster_state=0, gpus=0): job "second" needs 32 servers on campus/main, '
          "which has 16 free after the placements before it" in str(e), str(e))
else:
    raise AssertionError("an overfull placement was accepted")


class Twice:
    def schedule(self, view):
        j = view.queue.front()
        return [(j.job, 0), (j.job, 0)]


expect_error(Twice, "is placed twice")


class BadShape:
    def schedule(self, view):
        return [(view.queue.front().job,)]


expect_error(BadShape, "expected (job, cluster_state[, gpus])")


class WrongSize:
    def schedule(self, view):
        j = view.queue.front()
        return [(j.job, 0, j.gpus + 1)]


expect_error(WrongSize, "shrink sizes")


class KeepsView:
    """Reads a job it kept from an earlier call: refused, not a dangling read."""

    kept = None

    def schedule(self, view):
        if KeepsView.kept is not None:
            KeepsView.kept.gpus  # noqa: B018
        KeepsView.kept = view.queue.front()
        return []


expect_error(KeepsView, "used after the schedule() or preempt() call it came from returned")


class BadPreempt:
    def preempt(self, view):
        return [12345]

    def schedule(self, view):
        return []


expect_error(BadPreempt, "BadPreempt.preempt", "job 12345 is not running")


class NoSchedule:
    pass


expect_error(NoSchedule, "has no schedule(view) method", error=rcnsim.SimulationError)


class Dies:
    def schedule(self, view):
        os.kill(os.getpid(), signal.SIGKILL)


expect_error(Dies, "was killed by signal SIGKILL", error=rcnsim.SimulationError)

# Registration mistakes are refused at once.
for bad in (lambda: rcnsim.register_policy("fifo", Raises), lambda: rcnsim.register_policy("", Raises)):
    try:
        bad()
    except ValueError as e:
        check("built-in" in str(e) or "non-empty" in str(e), str(e))
    else:
        raise AssertionError("a bad registration was accepted")

# A policy with options gets them as a dict of strings.
seen = {}


class WithOptions:
    def __init__(self, options):
        seen.update(options)

    def schedule(self, view):
        return []


rcnsim.register_policy("with-options", WithOptions)
rcnsim.load(scenario_path("tutorial/02-center-and-nodes.yaml"),
            overrides={"scheduler.policy": "with-options", "scheduler.options.depth": 3})
check(seen == {"depth": "3"}, f"options seen: {seen}")
print("every bad policy gave a clear error")
