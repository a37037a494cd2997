#!/usr/bin/python3
"""Console golden-output tests in the spirit of SimGrid's tesh: a .tesh file holds commands
and the exact text each prints.

  # a comment
  $ rcnsim run ${SCENARIOS}/tutorial/03-with-a-failure.yaml -o ${WORK}/t3
  ! expect return 2            (optional; 0 by default, before its command)
  > every line of stdout and stderr together, in order

${RCNSIM}, ${SCENARIOS} and ${WORK} are replaced before running (through sh, stderr merged
into stdout); in the output the checkout's folder reads ${SRC} and the work folder ${WORK},
and the varying "wall time N s" reads "wall time ... s". Any difference fails with a diff.
Usage: tesh.py RCNSIM SOURCE_DIR WORK_DIR FILE.tesh [--update]
"""
import difflib
import os
import re
import shutil
import subprocess
import sys


def parse(path):
    blocks, expect_rc = [], 0
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith("$ "):
            blocks.append({"cmd": line[2:], "rc": expect_rc, "out": []})
            expect_rc = 0
        elif line.startswith("! expect return "):
            expect_rc = int(line.split()[-1])
        elif line.startswith(">"):
            blocks[-1]["out"].append(line[2:] if line.startswith("> ") else line[1:])
    return blocks


def normalise(text, src, work):
    text = text.replace(work, "${WORK}")  # first: the work folder may lie inside the checkout
    for folder in sorted({os.path.realpath(src), os.path.abspath(src), src}, key=len, reverse=True):
        text = text.replace(folder, "${SRC}")
    return re.sub(r"wall time [0-9.]+ s", "wall time ... s", text)


def main():
    rcnsim, src, work, path = sys.argv[1:5]
    update = "--update" in sys.argv
    work = os.path.abspath(work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    blocks, failed = parse(path), 0
    env = dict(os.environ, LC_ALL="C")
    for b in blocks:
        cmd = (b["cmd"].replace("${RCNSIM}", rcnsim).replace("${SCENARIOS}", os.path.join(src, "scenarios"))
               .replace("${WORK}", work))
        r = subprocess.run(["sh", "-c", cmd + " 2>&1"], stdout=subprocess.PIPE, cwd=work, env=env)
        got = normalise(r.stdout.decode("utf-8", "replace"), src, work).splitlines()
        if update:
            b["out"], b["rc"] = got, r.returncode
            continue
        if got != b["out"] or r.returncode != b["rc"]:
            failed += 1
            print(f"FAILED: $ {b['cmd']}  (exit {r.returncode}, expected {b['rc']})")
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(b["out"], got, "expected", "got", lineterm=""))
    if update:  # rewrite the file's expected lines, keeping its comments and commands
        head = [l for l in open(path, encoding="utf-8").read().split("\n$ ")[0].splitlines() if l.startswith("#")]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(head) + "\n")
            for b in blocks:
                f.write("\n" + (f"! expect return {b['rc']}\n" if b["rc"] else "") + f"$ {b['cmd']}\n")
                f.writelines("> " + l + "\n" if l else ">\n" for l in b["out"])
        print(f"updated {path}")
        return 0
    print(f"{len(blocks) - failed} of {len(blocks)} commands print what {os.path.basename(path)} expects")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
