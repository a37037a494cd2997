"""A run from Python writes the same files as `rcnsim run` (run_info.json aside), and
its rows and DataFrames hold exactly the values of those CSV files, read here
independently with the csv module. argv[1]: scenario, then overrides path=value."""
import csv
import io
import math
import os
import subprocess
import sys
import tempfile

import support  # noqa: F401
from support import RCNSIM, check, scenario_path

import rcnsim

path = scenario_path(sys.argv[1])
overrides = sys.argv[2:]
with tempfile.TemporaryDirectory() as tmp:
    cli_dir, py_dir = os.path.join(tmp, "cli"), os.path.join(tmp, "py")
    cmd = [RCNSIM, "run", path, "-o", cli_dir, "--seed", "5"]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, capture_output=True)
    result = rcnsim.run(rcnsim.load(path, overrides=overrides), seed=5, output_dir=py_dir)
    check(result.output_dir == py_dir, "output_dir")
    cli_files = sorted(f for f in os.listdir(cli_dir) if not f.startswith("."))
    check(sorted(result.files) == cli_files, f"files differ: {sorted(result.files)} vs {cli_files}")
    for name in cli_files:
        if name == "run_info.json":
            continue
        with open(os.path.join(cli_dir, name), encoding="utf-8") as f:
            check(f.read() == result.files[name], f"{name} differs from rcnsim run's")
        with open(os.path.join(py_dir, name), encoding="utf-8") as f:
            check(f.read() == result.files[name], f"{name} in output_dir differs from result.files")

    def same(text, value):
        """One CSV field against the DataFrame's or row's value."""
        if text == "":
            return value is None or (isinstance(value, float) and math.isnan(value))
        try:
            number = float(text)
        except ValueError:
            return str(value) == text
        return not isinstance(value, str) and float(value) == number

    tables = {"jobs": result.jobs_df, "sites": result.sites_df, "services": result.services_df,
              "failures": result.failures_df, "wan": result.wan_df, "utilisation": result.utilisation_df,
              "latency_cdf": result.latency_cdf_df, "site_energy": result.site_energy_df}
    compared = 0
    for attr, frame in tables.items():
        file_name = rcnsim.results.TABLES[attr]
        file_path = os.path.join(cli_dir, file_name)
        df, rows = frame(), getattr(result, attr)
        if not os.path.exists(file_path):
            check(df.empty and rows == [], f"{attr}: no {file_name}, yet a table")
            continue
        with open(file_path, encoding="utf-8") as f:
            records = list(csv.reader(io.StringIO(f.read())))
        header, body = records[0], records[1:]
        check(list(df.columns) == header, f"{attr}: columns {list(df.columns)} vs {header}")
        check(len(df) == len(body) == len(rows), f"{attr}: {len(df)} rows, {len(rows)} objects, {len(body)} in the file")
        for i, record in enumerate(body):
            for j, text in enumerate(record):
                check(same(text, df.iat[i, j]), f"{attr} row {i} {header[j]}: DataFrame {df.iat[i, j]!r}, CSV {text!r}")
                check(same(text, rows[i][j]), f"{attr} row {i} {header[j]}: row {rows[i][j]!r}, CSV {text!r}")
                compared += 1
    check(result.summary["seed"] == 5, "summary.json: the seed given to run()")
    print(f"{sys.argv[1]}: {compared} values compared across {len(tables)} tables; files identical")

# Names that look like numbers stay names (a job "007", a site "1", Python's 1_000).
from rcnsim.results import parse_table, table_frame  # noqa: E402

numeric_names = "name,site,gpus,queue_wait_s\n007,1,8,1.5\n1_000,2,16,\n"
rows = parse_table(numeric_names)
check([r.name for r in rows] == ["007", "1_000"] and [r.site for r in rows] == ["1", "2"], f"names as text: {rows}")
check([r.gpus for r in rows] == [8, 16] and rows[1].queue_wait_s is None, f"numbers as numbers: {rows}")
frame = table_frame(numeric_names)
check(list(frame["name"]) == ["007", "1_000"] and list(frame["site"]) == ["1", "2"], f"DataFrame names: {frame}")
check(len(frame[frame.name == "007"]) == 1, "a DataFrame filters by a numeric-looking name")
