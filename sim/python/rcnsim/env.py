"""A step-wise scheduling environment in the Gymnasium style (without Gymnasium).

The engine runs its own event loop, so the simulation runs in a forked child
process whose scheduling policy, at every scheduling event, sends the encoded
view to this process and blocks until the agent's action comes back
(multiprocessing pipe, pickled messages). One env.step() is one scheduling event.

Observation (numpy float64, fixed size for a scenario: 4 + 5*C + K*(4 + 3*C),
C clusters in scenario order, K = queue_slots):
  [0:4]     now (s), now / horizon, queued jobs, running jobs
  per cluster c, 5 values: free servers, total servers, GPUs per server,
            electricity price now ($/kWh), grid carbon now (g/kWh)
  per queue slot k (the k-th job in queue order; zeros when the queue is shorter),
            4 values: present (1/0), GPUs, wait so far (s), attained service (GPU-s),
            then per cluster c, 3 values: fits now (1 when allowed there and its
            servers are free), run time there (s), WAN transfer time there (s)
Action: K integers, one per queue slot, each a cluster index 0..C-1 (start the
  job there at its full size) or C (leave it queued). They are applied in slot
  order; one that no longer fits (or names an empty slot) is skipped and counted
  in info["invalid"].
Rewards (reward=...):
  "wait"     per step: -(queue wait in s of the jobs started for the first time by
             this action) / number of training jobs; an episode's sum is
             -sum(jobs.csv queue_wait_s) / len(jobs.csv)
  "cost"     at the last step: -sum(jobs.csv cost)
  "carbon"   at the last step: -sum(sites.csv carbon_kg)
  "goodput"  at the last step: mean goodput (jobs.csv) of the finished jobs
  callable   f(event) -> float, event a StepEvent (now, placed, invalid, done, result, observation)
"""
import collections
import math
import multiprocessing
import os
import shutil
import signal
import tempfile
import traceback

import numpy as np

from . import _core
from ._child import _describe_exit, _flush, raise_child_error

StepEvent = collections.namedtuple("StepEvent", "now placed invalid done result observation")
StepEvent.__doc__ = ("What a reward function sees for one step: placed is a list of (job, cluster, wait_s, "
                     "first_start); result is the run's rcnsim.Result on the last step, else None; observation "
                     "is the next one (None on the last step).")

GLOBALS = 4
PER_CLUSTER = 5
PER_SLOT = 4
PER_SLOT_CLUSTER = 3


def observation_size(clusters, slots):
    return GLOBALS + PER_CLUSTER * clusters + slots * (PER_SLOT + PER_SLOT_CLUSTER * clusters)


class _EnvPolicy:
    """The child's policy: encodes the view, asks the parent, applies the answer."""

    def __init__(self, conn, slots, horizon):
        self.conn = conn
        self.slots = slots
        self.horizon = horizon
        self.started = set()
        self.record = None  # what the previous action did, sent with the next observation

    def encode(self, view):
        clusters = view.clusters
        c_count = len(clusters)
        obs = np.zeros(observation_size(c_count, self.slots))
        queue = view.queue
        obs[0:GLOBALS] = (view.now, view.now / self.horizon, len(queue), len(view.running))
        free = view.free_servers()
        for c, cl in enumerate(clusters):
            base = GLOBALS + PER_CLUSTER * c
            obs[base:base + PER_CLUSTER] = (free[c], cl.total_servers, cl.gpus_per_server, cl.price_per_kwh_now,
                                            cl.carbon_g_per_kwh_now)
        jobs = []
        slot_size = PER_SLOT + PER_SLOT_CLUSTER * c_count
        for k, job in enumerate(queue):
            if k == self.slots:
                break
            jobs.append(job)
            base = GLOBALS + PER_CLUSTER * c_count + k * slot_size
            obs[base:base + PER_SLOT] = (1.0, job.gpus, view.now - job.submit_time, job.attained_service_s)
            runtime, transfer = job.runtime_on, job.transfer_s_to
            for c, cl in enumerate(clusters):
                fits = job.allowed_on(c) and cl.servers_for(job.gpus) <= free[c]
                at = base + PER_SLOT + PER_SLOT_CLUSTER * c
                obs[at:at + PER_SLOT_CLUSTER] = (1.0 if fits else 0.0, runtime[c], transfer[c] if transfer else 0.0)
        return obs, jobs, free

    def decode(self, view, action, jobs, free):
        clusters = view.clusters
        placements, placed, invalid = [], [], 0
        for k, choice in enumerate(list(action)[:self.slots]):
            choice = int(choice)
            if choice == len(clusters):
                continue  # leave it queued
            if k >= len(jobs) or not 0 <= choice < len(clusters):
                invalid += 1
                continue
            job = jobs[k]
            need = clusters[choice].servers_for(job.gpus)
            if not job.allowed_on(choice) or need > free[choice]:
                invalid += 1
                continue
            free[choice] -= need
            first = job.job not in self.started
            self.started.add(job.job)
            placements.append((job.job, choice))
            placed.append((job.job, choice, view.now - job.submit_time, first))
        return placements, {"now": view.now, "placed": placed, "invalid": invalid}

    def schedule(self, view):
        obs, jobs, free = self.encode(view)
        self.conn.send(("obs", obs, view.now, self.record))
        message = self.conn.recv()
        placements, self.record = self.decode(view, message, jobs, free)
        return placements


class SchedulingEnv:
    """reset(seed) -> (observation, info); step(action) -> (observation, reward, terminated,
    truncated, info). See the module's docstring for the encoding and the rewards."""

    POLICY = "rcnsim-env"

    def __init__(self, scenario, queue_slots=8, reward="wait"):
        from . import load  # noqa: PLC0415 - the package imports this module

        self.scenario = load(scenario) if isinstance(scenario, str) else scenario
        self.queue_slots = int(queue_slots)
        if self.queue_slots < 1:
            raise ValueError("queue_slots must be at least 1")
        if not (callable(reward) or reward in ("wait", "cost", "carbon", "goodput")):
            raise ValueError(f"reward must be 'wait', 'cost', 'carbon', 'goodput' or a callable, not {reward!r}")
        self.reward = reward
        self.cluster_names = list(self.scenario._handle.cluster_names)
        self.n_clusters = len(self.cluster_names)
        self.observation_size = observation_size(self.n_clusters, self.queue_slots)
        self.action_nvec = [self.n_clusters + 1] * self.queue_slots  # MultiDiscrete in Gymnasium's terms
        self.n_jobs = len(self.scenario.job_names)
        self._pid = None
        self._conn = None
        self._tmp = None
        self._last_obs = None
        self.result = None

    # -- the episode's child process --------------------------------------------------
    def _start(self, scenario):
        from . import register_policy  # noqa: PLC0415

        parent_conn, child_conn = multiprocessing.Pipe(duplex=True)
        policy = _EnvPolicy(child_conn, self.queue_slots, scenario.horizon)
        register_policy(self.POLICY, lambda *options: policy, "the Python SchedulingEnv's agent")
        self._tmp = tempfile.mkdtemp(prefix="rcnsim-env-")
        target = os.path.join(self._tmp, "results")
        handle = scenario._handle
        _flush()
        pid = os.fork()
        if pid == 0:
            try:
                parent_conn.close()
                try:
                    _core.simulate(handle, target, self.POLICY)
                    from . import _read_results  # noqa: PLC0415

                    child_conn.send(("done", _read_results(target), policy.record))
                except BaseException as exc:  # noqa: BLE001 - reported to the parent
                    child_conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
            except BaseException:  # noqa: BLE001
                pass
            finally:
                _flush()
                os._exit(0)
        child_conn.close()
        self._pid, self._conn = pid, parent_conn

    def _receive(self):
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            self._stop()
            raise _core.SimulationError(f"the environment's simulation process {_describe_exit(status)}") from None

    def _stop(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def close(self):
        self._stop()

    def __del__(self):
        try:
            self._stop()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # -- the Gymnasium-style interface ----------------------------------------------
    def reset(self, seed=None, options=None):
        del options
        self._stop()
        self.result = None
        scenario = self.scenario if seed is None or int(seed) == self.scenario.seed else self.scenario.with_seed(seed)
        self._start(scenario)
        message = self._receive()
        if message[0] == "obs":
            self._last_obs = message[1]
            return message[1], {"now": message[2], "queued": int(message[1][2])}
        return self._finish(message, first=True)[0], {"now": None, "result": self.result}

    def step(self, action):
        if self._conn is None:
            raise RuntimeError("SchedulingEnv.step: the episode is over (or never began); call reset()")
        action = [int(a) for a in action]
        if len(action) != self.queue_slots:
            raise ValueError(f"SchedulingEnv.step: expected {self.queue_slots} choices, got {len(action)}")
        self._conn.send(action)
        message = self._receive()
        if message[0] == "obs":
            _, obs, now, record = message
            self._last_obs = obs
            reward = self._reward(record, done=False, observation=obs)
            return obs, reward, False, False, {"now": now, "placed": record["placed"], "invalid": record["invalid"]}
        obs, reward, record = self._finish(message)
        truncated = any(j.state != "finished" for j in self.result.jobs)
        return obs, reward, not truncated, truncated, {"now": record["now"] if record else None,
                                                     "placed": record["placed"] if record else [],
                                                     "invalid": record["invalid"] if record else 0,
                                                     "result": self.result}

    def _finish(self, message, first=False):
        from .results import Result  # noqa: PLC0415

        self._conn.close()
        self._conn = None
        os.waitpid(self._pid, 0)
        self._pid = None
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None
        if message[0] == "error":
            raise_child_error(*message[1:])
        _, files, record = message
        self.result = Result(files)
        obs = self._last_obs if self._last_obs is not None and not first else np.zeros(self.observation_size)
        return obs, self._reward(record, done=True), record

    def _reward(self, record, done, observation=None):
        placed = record["placed"] if record else []
        if callable(self.reward):
            event = StepEvent(record["now"] if record else None, placed, record["invalid"] if record else 0, done,
                              self.result if done else None, observation)
            return float(self.reward(event))
        if self.reward == "wait":
            return -sum(wait for _, _, wait, first in placed if first) / max(self.n_jobs, 1)
        if not done:
            return 0.0
        if self.reward == "cost":
            return -sum(j.cost for j in self.result.jobs)
        if self.reward == "carbon":
            return -sum(s.carbon_kg for s in self.result.sites)
        finished = [j.goodput for j in self.result.jobs if j.state == "finished" and j.goodput is not None]
        return sum(finished) / len(finished) if finished else 0.0

    # -- helpers for agents -------------------------------------------------------------
    def sample_action(self, rng=None):
        """A uniformly random action (each slot: a cluster or 'leave it')."""
        rng = rng if rng is not None else np.random.default_rng()
        return [int(rng.integers(0, n)) for n in self.action_nvec]

    def decode(self, obs):
        """The observation as named arrays: globals (4,), clusters (C, 5), slots (K, 4) and
        per_cluster (K, C, 3) (fits, run time, transfer time)."""
        c, k = self.n_clusters, self.queue_slots
        clusters = obs[GLOBALS:GLOBALS + PER_CLUSTER * c].reshape(c, PER_CLUSTER)
        slots = obs[GLOBALS + PER_CLUSTER * c:].reshape(k, PER_SLOT + PER_SLOT_CLUSTER * c)
        return {"globals": obs[:GLOBALS], "clusters": clusters, "slots": slots[:, :PER_SLOT],
                "per_cluster": slots[:, PER_SLOT:].reshape(k, c, PER_SLOT_CLUSTER)}

    def greedy_action(self, obs):
        """Each queued job in order to the fitting cluster where run time + transfer is least,
        tracking the servers earlier choices take (a baseline agent)."""
        d = self.decode(obs)
        free = d["clusters"][:, 0].copy()
        per_server = d["clusters"][:, 2]
        action = [self.n_clusters] * self.queue_slots
        for k in range(self.queue_slots):
            present, gpus = d["slots"][k, 0], d["slots"][k, 1]
            if not present:
                break
            best, best_time = None, math.inf
            for c in range(self.n_clusters):
                fits, runtime, transfer = d["per_cluster"][k, c]
                need = math.ceil(gpus / per_server[c])
                if fits and need <= free[c] and runtime + transfer < best_time:
                    best, best_time = c, runtime + transfer
            if best is not None:
                free[best] -= math.ceil(gpus / per_server[best])
                action[k] = best
        return action
