#!/usr/bin/python3
"""docs/scenario-reference.md lists every key the scenario loader accepts, and no other.

The loaders (scenario, hardware profile, cost, sweep and plan files) name the keys each
mapping accepts in their expect_map(node, path, {"key", ...}) calls, or in the `keys` list
cost_reader.cpp gives it: the one place a key becomes known. The reference names a key in
the first column of a table (`key`, `a.b`), or inside a table row that describes a
mapping (`{file, format: swf}`, keys `write_bandwidth` and `read_bandwidth`).
Every key the loaders accept must appear in the reference; every key of a table's first
column must be accepted by a loader.
Usage: check_reference_keys.py SOURCE_DIR
"""
import glob
import os
import re
import sys


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LISTS = [r"expect_map\([^;{]*\{([^}]*)\}",            # expect_map(n, path, {"a", "b"})
         r"std::vector<std::string> keys\{([^}]*)\}",  # cost_reader.cpp's key list and its additions
         r"keys\.insert\(keys\.end\(\), \{([^}]*)\}", r"keys\.push_back\(([^)]*)\)",
         r"kPrecisions\s*=?\s*\{([^}]*)\}"]


def loader_keys(src):
    keys = set()
    for folder in ("scenario", "sweep", "plan"):
        for path in glob.glob(os.path.join(src, "src", folder, "*.cpp")):
            text = open(path, encoding="utf-8").read()
            for pattern in LISTS:
                for found in re.finditer(pattern, text):
                    keys.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', found.group(1)))
    return keys


def identifiers(cell):
    """Key names in backticks: `a.b[].c` gives a, b, c; `{file, format: swf}` gives file, format."""
    names = set()
    for quoted in re.findall(r"`([^`]+)`", cell):
        if quoted.startswith("{"):
            names.update(m.group(1) for m in re.finditer(r"[{,]\s*([A-Za-z_][A-Za-z0-9_]*)", quoted))
        else:
            names.update(p for p in re.split(r"[.\[\]]+", quoted) if IDENT.fullmatch(p))
    return names


def reference_keys(src):
    """(keys of a table's first column, every key a table row names)."""
    first, anywhere = set(), set()
    key_table = False  # a table whose first column is "Key" (others list values: GPU names, failure kinds)
    previous = ""
    for line in open(os.path.join(src, "docs", "scenario-reference.md"), encoding="utf-8"):
        if line.startswith("|---"):  # the line above was the table's header
            key_table = previous.split("|")[1].strip() == "Key"
        previous = line
        if not line.startswith("| `"):
            continue
        if key_table:
            first |= identifiers(line.split("|")[1])
        anywhere |= identifiers(line)
    return first, anywhere


def main():
    src = sys.argv[1]
    loader = loader_keys(src)
    first, anywhere = reference_keys(src)
    assert len(loader) > 50, f"found only {len(loader)} keys in the loaders: has expect_map changed?"
    undocumented = sorted(loader - anywhere)
    unknown = sorted(first - loader)
    for k in undocumented:
        print(f"accepted by the loader, missing from docs/scenario-reference.md: {k}")
    for k in unknown:
        print(f"listed in docs/scenario-reference.md, not accepted by the loader: {k}")
    if undocumented or unknown:
        return 1
    print(f"{len(loader)} keys: the loader and the reference agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
