#!/usr/bin/python3
"""Every `--set PATH=VALUE` suggested in a comment of a shipped scenario validates with it
(the suggestions of one comment line together: they are meant to be given at once).
Usage: check_comment_overrides.py RCNSIM SOURCE_DIR
"""
import glob
import os
import re
import subprocess
import sys


def main():
    rcnsim, src = sys.argv[1:3]
    checked, failed = 0, 0
    for path in sorted(glob.glob(os.path.join(src, "scenarios", "**", "*.yaml"), recursive=True)):
        if "/hardware/" in path or "/sweeps/" in path or "/plans/" in path:
            continue
        for line in open(path, encoding="utf-8"):
            if not line.lstrip().startswith("#"):
                continue
            overrides = re.findall(r"--set\s+'?([^'`\s]+=[^'`\s]+)'?", line)
            if not overrides:
                continue
            checked += 1
            args = [a for o in overrides for a in ("--set", o)]
            r = subprocess.run([rcnsim, "validate", path, *args], capture_output=True, text=True)
            if r.returncode != 0:
                failed += 1
                print(f"{path}: {' '.join(args)} fails:\n{r.stderr}")
    assert checked >= 3, f"only {checked} suggestions found"
    print(f"{checked - failed} of {checked} suggested overrides validate")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
