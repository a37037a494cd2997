"""Shared by the Python tests: paths given by ctest, and a tiny assertion helper."""
import os
import sys

SOURCE_DIR = os.environ.get("RCN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
RCNSIM = os.environ.get("RCNSIM_BINARY", "")
sys.path.insert(0, os.path.dirname(__file__))


def scenario_path(relative):
    return os.path.join(SOURCE_DIR, "scenarios", relative)


# The regional scenario cut to 6 simulated hours: 1-2 s per run, queueing included.
REGIONAL = "regional/center-plus-four-nodes.yaml"
REGIONAL_SHORT = {"horizon": "6h"}


def check(condition, message):
    if not condition:
        raise AssertionError(message)
