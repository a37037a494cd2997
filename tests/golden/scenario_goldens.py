#!/usr/bin/env python3
"""Golden results: every scenario the "scenario runs" tests run gives byte-identical result files.

Speed work (issue #17) must not change what a run computes. This compares a SHA-256 of each
result file of each scenario (run_info.json and .rcnsim-output aside: they carry the version and
the wall time) with tests/data/golden/scenarios.sha256.

  check, reusing the folders the "scenario runs" ctests wrote:
    scenario_goldens.py --rcnsim build/rcnsim --results build/test-scratch/scenarios
  regenerate on purpose (after a change that is meant to change results), from the source root:
    python3 tests/golden/scenario_goldens.py --rcnsim build/rcnsim --update
"""
import argparse
import hashlib
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden" / "scenarios.sha256"
# Same selection as tests/CMakeLists.txt: hardware profiles and sweeps are not runs, and a
# known-gap scenario (none at present) is refused by design.
SKIP_DIRS = ("hardware/", "sweeps/", "plans/")  # as tests/CMakeLists.txt: not scenarios
REFUSED = set()
NOT_RESULTS = {"run_info.json", ".rcnsim-output"}


def scenarios():
    base = ROOT / "scenarios"
    out = []
    for p in sorted(base.rglob("*.yaml")):
        rel = p.relative_to(base).as_posix()
        if rel.startswith(SKIP_DIRS) or rel in REFUSED:
            continue
        out.append(rel)
    return out


def c_identifier(rel):
    """CMake's string(MAKE_C_IDENTIFIER): the folder name the "scenario runs" test writes to."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", rel)
    return "_" + ident if ident[0].isdigit() else ident


def hashes_of(folder, rel):
    # report.html names the scenario by its absolute path: the checkout's folder is
    # replaced by a placeholder, so the goldens hold in any clone (CI's is elsewhere).
    # Both spellings of the folder: as resolved here, and as given (CMake's
    # PROJECT_SOURCE_DIR keeps a symlinked checkout's path unresolved).
    roots = {str(ROOT).encode(), os.path.abspath(str(pathlib.Path(__file__).parents[2])).encode()}
    rows = []
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name not in NOT_RESULTS:
            data = f.read_bytes()
            for root in sorted(roots, key=len, reverse=True):
                data = data.replace(root, b"<source>")
            rows.append((f"{rel}/{f.name}", hashlib.sha256(data).hexdigest()))
    return rows


def run_one(rcnsim, rel, work):
    out = work / c_identifier(rel)
    done = subprocess.run([rcnsim, "run", str(ROOT / "scenarios" / rel), "-o", str(out)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{rel}: rcnsim run failed with status {done.returncode}: {done.stderr.strip()[-500:]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rcnsim", required=True, help="the rcnsim binary")
    ap.add_argument("--results", help="folder of existing runs, one sub-folder per scenario (ctest's)")
    ap.add_argument("--update", action="store_true", help="run every scenario and rewrite the goldens")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="rcn-golden-") as tmp:
        actual = []
        for rel in scenarios():
            folder = pathlib.Path(args.results) / c_identifier(rel) if args.results and not args.update else None
            if folder is None or not folder.is_dir():
                folder = run_one(args.rcnsim, rel, pathlib.Path(tmp))
            actual.extend(hashes_of(folder, rel))
    if args.update:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text("".join(f"{h}  {name}\n" for name, h in actual))
        print(f"wrote {len(actual)} hashes to {GOLDEN.relative_to(ROOT)}")
        return 0

    expected = {}
    for line in GOLDEN.read_text().splitlines():
        h, name = line.split("  ", 1)
        expected[name] = h
    got = dict(actual)
    problems = []
    for name in sorted(set(expected) | set(got)):
        scenario, _, file = name.rpartition("/")
        if name not in got:
            problems.append(f"{scenario}: {file} is in the goldens but the run did not write it")
        elif name not in expected:
            problems.append(f"{scenario}: {file} was written but has no golden")
        elif got[name] != expected[name]:
            problems.append(f"{scenario}: {file} differs from its golden")
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} result file(s) differ. If the change is meant to change results, regenerate:\n"
              f"  python3 tests/golden/scenario_goldens.py --rcnsim {args.rcnsim} --update")
        return 1
    print(f"{len(got)} result files of {len(scenarios())} scenarios match their goldens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
