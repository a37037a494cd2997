#!/usr/bin/python3
"""The libFuzzer dictionary (-dict=) of the YAML fuzz targets, made from the sources.

Byte-level mutation of YAML rarely spells a new valid key, so the YAML targets
(fuzz_scenario_loader, fuzz_scenario_run, fuzz_sweep_spec, fuzz_plan_spec) get a
dictionary of the words the loaders understand, taken from where they are defined so
that it cannot go stale (tests/fuzz/CMakeLists.txt remakes it when a source changes):

- every key the loaders accept: the expect_map lists tests/docs/check_reference_keys.py
  reads (the same function), each as `key` and as `key: `;
- every short word-like string literal of the loaders (src/scenario, src/sweep, src/plan)
  and of the name tables they check against (serving engines in scenario.hpp, policies in
  builtin_policies.cpp): choice values, failure classes, plan metrics, unit names;
- the hardware profile names (scenarios/hardware/*.yaml);
- every unit suffix of src/scenario/units.cpp (Gbps, GB, ms, h, /h, ...);
- YAML punctuation and scalars (flow brackets, anchors, tags, block scalars, null/true/.inf).

Usage: make_dictionary.py SOURCE_DIR OUT     writes the dictionary
       make_dictionary.py SOURCE_DIR --check  checks each source still yields its words
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs"))
from check_reference_keys import loader_keys  # noqa: E402  (one reading of the expect_map lists)

# A string literal the loader may compare input with: one word, no spaces or format marks.
WORD = re.compile(r'"([A-Za-z0-9/][A-Za-z0-9_./+-]{0,39})"')
# src/scenario/units.cpp: {"GB/s", 1e9}, each unit's spelling and its factor.
UNIT = re.compile(r'\{"([^"]+)",\s*[0-9(]')

YAML_TOKENS = [
    ": ", "- ", "\n", "\n  ", "\n  - ", "\n    ", "{", "}", "[", "]", ", ", "{}", "[]", "#", "&a ", "*a", "<<: ",
    "!!str ", "!!int ", "!!float ", "!!map ", "!!seq ", "!!binary ", "? ", "|", "|-", ">", ">-", "---\n", "...\n",
    "'", "\"", "\\u0000", "\\r", "~", "null", "Null", "true", "false", "yes", "no", "on", "off",
    ".inf", "-.inf", ".nan", "0x", "0o", "1e308", "1e-308", "-1", "0", "0.0", "1e9", "2147483647", "2147483648",
    "4294967296", "9223372036854775807", "18446744073709551616", "-0", "1.5", "%YAML 1.2\n", "\t", "\xc2\xa0",
]


def literal_words(src):
    files = []
    for folder in ("scenario", "sweep", "plan"):
        files += glob.glob(os.path.join(src, "src", folder, "*.cpp"))
        files += glob.glob(os.path.join(src, "src", folder, "*.hpp"))
    files += [os.path.join(src, "include", "rcn", "scenario", "scenario.hpp"),
              os.path.join(src, "src", "sched", "builtin_policies.cpp")]
    words = set()
    for path in files:
        for line in open(path, encoding="utf-8"):
            if not line.startswith("#include"):
                words.update(m.group(1) for m in WORD.finditer(line))
    return words


def unit_words(src):
    text = open(os.path.join(src, "src", "scenario", "units.cpp"), encoding="utf-8").read()
    return {u for u in UNIT.findall(text) if u}


def hardware_names(src):
    return {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(src, "scenarios", "hardware", "*.yaml"))}


def entries(src):
    keys = loader_keys(src)
    words = literal_words(src) | hardware_names(src)
    units = unit_words(src)
    out = []
    out += sorted(keys)
    out += [k + ": " for k in sorted(keys)]
    out += sorted(words - keys)
    out += sorted(units - words - keys)
    out += ["1" + u for u in sorted(units)]  # a number with each unit, as the loader reads them
    out += YAML_TOKENS
    seen, unique = set(), []
    for e in out:
        if e not in seen:
            seen.add(e)
            unique.append(e)
    return keys, words, units, unique


def escape(entry):
    """libFuzzer's dictionary syntax: printable ASCII as is, but \\ and \"; every other byte \\xNN."""
    out = []
    for b in entry.encode("utf-8"):
        c = chr(b)
        if c in '\\"':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append(f"\\x{b:02X}")
    return "".join(out)


def check(src):
    """Each source still yields the words the dictionary is for (a regex that finds nothing fails)."""
    keys, words, units, unique = entries(src)
    problems = []
    for what, found, expect in [
        ("keys (expect_map lists)", keys, {"sites", "clusters", "nic_bandwidth", "parallelism", "grid", "variables"}),
        ("choice values (loader literals)", words, {"nvswitch", "fat-tree", "interleaved-1f1b", "site-outage", "llama3",
                                                    "easy-backfill", "vllm-0.5", "weibull", "h100-sxm"}),
        ("unit suffixes (units.cpp)", units, {"Gbps", "GB", "GB/s", "ms", "h", "/h", "km", "TFLOPS", "kW", "µs"}),
    ]:
        missing = sorted(expect - found)
        if missing:
            problems.append(f"{what}: the dictionary no longer has {', '.join(missing)}")
    if len(unique) < 400:
        problems.append(f"only {len(unique)} entries (expected 400 or more): has a source moved?")
    for p in problems:
        print(p)
    if not problems:
        print(f"{len(unique)} entries: {len(keys)} keys, {len(words)} literal words, {len(units)} unit suffixes")
    return 1 if problems else 0


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src = sys.argv[1]
    if sys.argv[2] == "--check":
        return check(src)
    _, _, _, unique = entries(src)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("# Made by tests/fuzz/make_dictionary.py from the loaders' sources; do not edit.\n")
        for i, e in enumerate(unique):
            f.write(f'w{i}="{escape(e)}"\n')
    os.replace(tmp, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
