"""A random and a greedy agent on the regional scenario through rcnsim.SchedulingEnv
(docs/python.md). Nothing is trained: it shows the loop a learning agent would use.

    PYTHONPATH=build/python /usr/bin/python3 sim/python/examples/env_agents.py [scenario.yaml] [horizon]
"""
import sys

import numpy as np

import rcnsim

path = sys.argv[1] if len(sys.argv) > 1 else "scenarios/regional/center-plus-four-nodes.yaml"
horizon = sys.argv[2] if len(sys.argv) > 2 else "6h"
scenario = rcnsim.load(path, overrides={"horizon": horizon})
env = rcnsim.SchedulingEnv(scenario, queue_slots=8, reward="wait")
rng = np.random.default_rng(0)
agents = {"random": lambda obs: env.sample_action(rng), "greedy": env.greedy_action}
for name, act in agents.items():
    obs, info = env.reset(seed=1)
    ret, steps = 0.0, 0
    while True:
        obs, reward, terminated, truncated, info = env.step(act(obs))
        ret += reward
        steps += 1
        if terminated or truncated:
            break
    jobs = info["result"].jobs_df()
    print(f"{name:>6}: {steps} decisions, {jobs.start_s.notna().sum()} of {len(jobs)} jobs started, "
          f"return {ret:.1f} (total queue wait / jobs, s), mean wait of started jobs {jobs.queue_wait_s.mean():.0f} s")
env.close()
