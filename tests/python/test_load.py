"""rcnsim.load checks like `rcnsim validate`: every diagnostic with file:line:col and the
field path; overrides as --set; YAML text; estimate as `rcnsim estimate --json`."""
import json
import subprocess

import support  # noqa: F401
from support import RCNSIM, check, scenario_path

import rcnsim

bad = "name: broken\nhorizon: 2x\nsites:\n  - name: a\n    clusters: [{name: c, gpu: h100-sxm, servers: -4}]\n"
try:
    rcnsim.load(bad)
except rcnsim.ScenarioError as e:
    errors = [d for d in e.diagnostics if d.severity == "error"]
    check(len(errors) >= 2, f"expected every error, got {[d.text for d in errors]}")
    check(any(d.path == "horizon" and d.line == 2 and d.col > 0 and d.file == "<text>" for d in errors),
          f"no horizon error at line 2: {[d.text for d in errors]}")
    check(any("servers" in d.path and d.line == 5 for d in errors), "no servers error at line 5")
    check(str(e).splitlines()[0] == errors[0].text, "the message starts with the first diagnostic")
else:
    raise AssertionError("a broken scenario loaded")

# The same diagnostics as the command line for a file with a bad override.
path = scenario_path("tutorial/01-one-cluster.yaml")
try:
    rcnsim.load(path, overrides={"sites[0].clusters[0].servers": "many"})
except rcnsim.ScenarioError as e:
    cli = subprocess.run([RCNSIM, "validate", path, "--set", "sites[0].clusters[0].servers=many"],
                         capture_output=True, text=True)
    check(cli.returncode == 2, "the CLI refused too")
    for d in e.diagnostics:
        check(d.text in cli.stderr, f"{d.text!r} not in the CLI's output:\n{cli.stderr}")
else:
    raise AssertionError("a bad override was accepted")

s = rcnsim.load(path, overrides={"seed": 9})
check(s.seed == 9 and s.with_seed(4).seed == 4, "seed override")
check(len(s.job_names) > 0 and s.site_names, "names")

est = rcnsim.estimate(scenario_path("validation/gpt3-175b-1024-a100.yaml"))
cli = json.loads(subprocess.run([RCNSIM, "estimate", scenario_path("validation/gpt3-175b-1024-a100.yaml"), "--json"],
                                capture_output=True, text=True, check=True).stdout)
check(est == cli, "estimate differs from rcnsim estimate --json")
print("load and estimate agree with the command line")

# run(output_dir=...) follows `rcnsim run -o`'s rule: a folder holding files rcnsim did not
# write is refused (before simulating), and left as it was.
import os  # noqa: E402
import tempfile  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    mine = os.path.join(tmp, "notes.txt")
    with open(mine, "w") as f:
        f.write("my notes")
    try:
        rcnsim.run(rcnsim.load(path), output_dir=tmp)
    except rcnsim.OutputDirError as e:
        check("is not an rcnsim results folder" in str(e), str(e))
    else:
        raise AssertionError("a user's folder was accepted as output_dir")
    check(sorted(os.listdir(tmp)) == ["notes.txt"], f"the folder changed: {os.listdir(tmp)}")
print("output_dir refuses a user's folder")

# One line without "key: value" is a path: a missing file says so.
try:
    rcnsim.load("no/such/scenario")
except rcnsim.ScenarioError as e:
    check(str(e).startswith("no/such/scenario: error: cannot read the scenario file"), str(e))
else:
    raise AssertionError("a missing file loaded")
