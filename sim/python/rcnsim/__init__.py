"""rcnsim from Python: load and check scenarios, run them, read results as
DataFrames, write scheduling policies in Python, and step through scheduling
decisions as an environment (docs/python.md).

    import rcnsim
    s = rcnsim.load("scenarios/regional/center-plus-four-nodes.yaml", overrides={"horizon": "6h"})
    r = rcnsim.run(s, seed=3)
    r.jobs_df().queue_wait_s.mean()

Every run happens in a child process forked for it (SimGrid allows one engine
per process); see docs/python.md for what that means in a notebook.
"""
import collections
import json
import os
import shutil
import tempfile

from . import _core
from ._child import call_in_child
from ._core import OutputDirError, PolicyError, SimulationError
from .results import Result

__all__ = [
    "load", "run", "estimate", "register_policy", "policy_names", "Scenario", "Result", "Placement",
    "Diagnostic", "ScenarioError", "SimulationError", "PolicyError", "OutputDirError", "SchedulingEnv",
]

Diagnostic = collections.namedtuple("Diagnostic", "severity file line col path message text")
Diagnostic.__doc__ = "One problem found in a scenario: text is 'file:line:col: error: path: message'."

Placement = collections.namedtuple("Placement", "job cluster_state gpus", defaults=(0,))
Placement.__doc__ = ("What schedule(view) returns a list of: start queued job `job` (its index) on cluster "
                     "`cluster_state` (an index into view.clusters); gpus 0 = its full size, else one of its "
                     "shrink_gpus. A plain tuple (job, cluster_state[, gpus]) works too.")


class ScenarioError(ValueError):
    """The scenario has errors; `diagnostics` holds every one (and the warnings)."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        lines = [d.text for d in errors]
        lines.append(f"{len(errors)} error{'' if len(errors) == 1 else 's'} found")
        super().__init__("\n".join(lines))


def _override_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _overrides_list(overrides):
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{k}={_override_text(v)}" for k, v in overrides.items()]
    return [str(o) for o in overrides]  # already "path=value"


class Scenario:
    """A checked scenario, as `rcnsim validate` accepts it. Read-only; `with_seed`
    and `with_overrides` load it again with more changes."""

    def __init__(self, handle, diagnostics, load_args):
        self._handle = handle
        self.warnings = [d for d in diagnostics if d.severity == "warning"]
        self._load_args = load_args

    name = property(lambda self: self._handle.name)
    seed = property(lambda self: self._handle.seed)
    horizon = property(lambda self: self._handle.horizon, doc="seconds")
    policy = property(lambda self: self._handle.policy, doc="scheduler.policy")
    source = property(lambda self: self._handle.source)
    job_names = property(lambda self: list(self._handle.job_names), doc="training jobs, in index order")
    site_names = property(lambda self: list(self._handle.site_names))
    service_names = property(lambda self: list(self._handle.service_names))

    def with_seed(self, seed):
        args = dict(self._load_args, seed=int(seed))
        return load(**args)

    def with_overrides(self, overrides):
        args = dict(self._load_args)
        args["overrides"] = list(args["overrides"]) + _overrides_list(overrides)
        return load(**args)

    def __repr__(self):
        return (f"<rcnsim.Scenario {self.name!r}: {len(self.site_names)} sites, {len(self.job_names)} training jobs, "
                f"policy {self.policy}, seed {self.seed}>")


def load(source, overrides=None, seed=None, allow_paths=(), base_dir=None):
    """A scenario file's path, or YAML text, -> the checked Scenario.

    overrides: {"field.path": value} or ["path=value"], as `rcnsim run --set`.
    Raises ScenarioError carrying every diagnostic (file:line:col, field path, message).
    YAML text resolves its file references (traces, hardware) from base_dir (default: the
    working directory)."""
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError("rcnsim.load: expected a path or YAML text")
    # One line without "key: value" is a path (a missing file is then reported as one).
    is_path = "\n" not in source and (source.endswith((".yaml", ".yml")) or os.path.exists(source)
                                      or ": " not in source)
    override_list = _overrides_list(overrides)
    handle, diags = _core.load(source, is_path, override_list, None if seed is None else int(seed),
                               [os.fspath(p) for p in allow_paths], base_dir or os.getcwd())
    diagnostics = [Diagnostic(*d) for d in diags]
    if handle is None:
        raise ScenarioError(diagnostics)
    load_args = dict(source=source, overrides=override_list, seed=seed, allow_paths=tuple(allow_paths),
                     base_dir=base_dir)
    return Scenario(handle, diagnostics, load_args)


def policy_names():
    """Every policy scheduler.policy may name: the built-in ones and those registered from Python."""
    return list(_core.policy_names())


def register_policy(name, policy_class, summary=None):
    """Makes `scheduler.policy: name` build policy_class() (or policy_class(options) when the
    scenario gives scheduler.options, a dict of strings). Registering a name again replaces
    the class; a built-in policy's name is refused. Register before loading scenarios that
    name it (loading checks the name)."""
    if not isinstance(name, str) or not name:
        raise ValueError("rcnsim.register_policy: the name must be a non-empty string")
    if not callable(policy_class):
        raise TypeError("rcnsim.register_policy: expected a class (or a callable returning a policy object)")
    if summary is None:
        doc = (getattr(policy_class, "__doc__", None) or "").strip()
        summary = doc.splitlines()[0] if doc else "a policy written in Python"
    _core.register_policy(name, policy_class, summary)


def _policy_name(policy):
    if isinstance(policy, str):
        if policy not in _core.policy_names():
            raise ValueError(f"unknown policy {policy!r} (known: {', '.join(_core.policy_names())})")
        return policy
    if isinstance(policy, type) or not hasattr(policy, "schedule"):
        name = "python:" + getattr(policy, "__qualname__", type(policy).__name__)
        register_policy(name, policy)
    else:  # an instance: every run of this name uses that very object
        name = "python:" + type(policy).__qualname__ + f"@{id(policy):x}"
        register_policy(name, lambda *options: policy)
    return name


def _read_results(folder):
    files = {}
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if entry.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            files[entry] = f.read()
    return files


def run(scenario, seed=None, output_dir=None, policy=None):
    """Simulates `scenario` in a child process and returns its Result.

    seed: as `rcnsim run --seed` (the scenario is loaded again with it).
    output_dir: also keep the result files there, as `rcnsim run -o` writes them.
    policy: a policy name, or a Python policy class or object, replacing scheduler.policy
    (and its options) for this run.
    Raises SimulationError (PolicyError when a Python policy failed) with the engine's message."""
    if isinstance(scenario, str):
        scenario = load(scenario)
    if seed is not None and int(seed) != scenario.seed:
        scenario = scenario.with_seed(seed)
    policy_name = None if policy is None else _policy_name(policy)
    tmp = tempfile.mkdtemp(prefix="rcnsim-run-")
    try:
        target = os.path.abspath(output_dir) if output_dir is not None else os.path.join(tmp, "results")
        handle = scenario._handle
        # A child killed mid-run leaves its <target>.tmp-<pid>: removed at once (rcnsim's marker checked).
        call_in_child(lambda: _core.simulate(handle, target, policy_name),
                      on_killed=lambda: _core.remove_stale_outputs(target))
        files = _read_results(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Result(files, output_dir=target if output_dir is not None else None)


def estimate(scenario, job=None, search_top=0):
    """`rcnsim estimate --json` as Python data: per training job its step time breakdown,
    memory and time to train (search_top > 0: the fastest layouts, as --search --top)."""
    if isinstance(scenario, str):
        scenario = load(scenario)
    return json.loads(_core.estimate_json(scenario._handle, job or "", int(search_top)))


from .env import SchedulingEnv  # noqa: E402  (uses the names above)
