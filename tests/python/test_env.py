"""SchedulingEnv: an episode conserves jobs (every job the agent started appears started
in jobs.csv, once, and no other did) and its rewards sum to the metric computed from
the results (argv[1]: greedy or random)."""
import math
import sys

import numpy as np

import support  # noqa: F401
from support import REGIONAL, REGIONAL_SHORT, check, scenario_path

import rcnsim
from rcnsim.env import observation_size

agent = sys.argv[1]
# The center cut to 128 servers, so that even the greedy agent leaves jobs waiting.
scenario = rcnsim.load(scenario_path(REGIONAL), overrides=dict(REGIONAL_SHORT, **{"sites[0].clusters[0].servers": 128}))
env = rcnsim.SchedulingEnv(scenario, queue_slots=6, reward="wait")
check(env.observation_size == observation_size(env.n_clusters, 6) == 4 + 5 * 5 + 6 * (4 + 3 * 5), "size")
rng = np.random.default_rng(1)
obs, info = env.reset(seed=2)
check(obs.shape == (env.observation_size,), "observation shape")
total, steps, started, invalid = 0.0, 0, {}, 0
done = False
while not done:
    action = env.greedy_action(obs) if agent == "greedy" else env.sample_action(rng)
    obs, reward, terminated, truncated, info = env.step(action)
    check(obs.shape == (env.observation_size,) and np.all(np.isfinite(obs)), "observation")
    total += reward
    steps += 1
    invalid += info["invalid"]
    for job, cluster, wait, first in info["placed"]:
        check(wait >= 0 and 0 <= cluster < env.n_clusters, "placement record")
        if first:
            check(job not in started, f"job {job} started for the first time twice")
            started[job] = wait
    done = terminated or truncated
result = info["result"]
jobs = result.jobs
check(len(jobs) == env.n_jobs == len(scenario.job_names), "every training job is in jobs.csv")
in_results = {i: j.queue_wait_s for i, j in enumerate(jobs) if j.start_s is not None}
check(set(in_results) == set(started), f"started by the agent {len(started)}, in jobs.csv {len(in_results)}")
for i, wait in started.items():
    # jobs.csv keeps times to the millisecond (docs/results.md): within half of one.
    check(abs(wait - in_results[i]) <= 0.0005 + 1e-9, f"job {i}: wait {wait} vs {in_results[i]}")
states = {}
for j in jobs:
    states[j.state] = states.get(j.state, 0) + 1
check(sum(states.values()) == env.n_jobs, "states")
metric = -sum(in_results.values()) / len(jobs)
check(abs(total - metric) <= 0.0005 * len(in_results) / len(jobs) + 1e-9, f"rewards sum {total}, metric {metric}")
check(steps > 10 and len(started) > 10, f"a real episode: {steps} steps, {len(started)} jobs started")
check(total < 0 and any(w > 0 for w in started.values()), "some jobs waited, so the sum is not trivially 0")
check(truncated == (states.get("finished", 0) < env.n_jobs), "truncated when jobs were left at the horizon")
if agent == "random":
    check(invalid > 0, "a random agent makes invalid choices, counted")
env.close()

# Terminal rewards: cost and a user function.
env = rcnsim.SchedulingEnv(scenario, queue_slots=4, reward="cost")
obs, _ = env.reset()
rewards = []
while True:
    obs, r, terminated, truncated, info = env.step(env.greedy_action(obs))
    rewards.append(r)
    if terminated or truncated:
        break
check(all(r == 0 for r in rewards[:-1]), "cost is a terminal reward")
check(math.isclose(rewards[-1], -sum(j.cost for j in info["result"].jobs)), "cost reward")
# Stopping mid-episode and starting again works (the child is killed, not waited on).
events = []
env = rcnsim.SchedulingEnv(scenario, queue_slots=4, reward=lambda e: events.append(e) or len(e.placed))
obs, _ = env.reset()
for _ in range(3):
    obs, r, terminated, truncated, info = env.step(env.greedy_action(obs))
    check(r == len(info["placed"]), "user reward")
    check(events[-1].observation is obs and events[-1].observation[2] >= 0, "the event carries the next observation")
obs, _ = env.reset()
check(obs.shape == (env.observation_size,), "reset after a partial episode")
env.close()
print(f"{agent}: {steps} steps, {len(started)} jobs started, {invalid} invalid choices, return {total:.1f}")
