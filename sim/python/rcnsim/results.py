"""A run's results as Python objects and pandas DataFrames.

The child process that ran the simulation writes the same files `rcnsim run`
writes (docs/results.md); a Result holds their text and reads its tables from
them, so its rows and DataFrames carry exactly the values of the CSV files
(rcnsim writes every number in its shortest round-trip form, so nothing is lost).
"""
import collections
import csv
import io
import json

# Result attribute -> the file its table comes from.
TABLES = {
    "jobs": "jobs.csv",
    "sites": "sites.csv",
    "services": "inference.csv",
    "failures": "failures.csv",
    "wan": "wan.csv",
    "utilisation": "utilisation.csv",
    "latency_cdf": "latency_cdf.csv",
    "site_energy": "site_energy.csv",
}


# Columns that hold names and words, never numbers, whatever their values look like: a job
# named "007" or a site named "1" stays a string (the header of each file: docs/results.md).
TEXT_COLUMNS = frozenset({
    "name", "model", "state", "site", "cluster", "gpu", "region", "kind", "service", "component",
    "server_ids", "affected_jobs", "interruptions_by_cause", "from", "to", "what", "metric",
    "drop_reasons", "unschedulable_reason", "user",
})


def _column_parser(values, name=None):
    """str for a text column; else int if every non-empty value is an integer, else float if
    every one is a number (Python's own syntax such as 1_000 is not a number here), else str."""
    if name in TEXT_COLUMNS:
        return str
    present = [v for v in values if v != ""]
    if any("_" in v for v in present):
        return str
    for kind in (int, float):
        try:
            for v in present:
                kind(v)
        except ValueError:
            continue
        return kind
    return str


def parse_table(text):
    """CSV text -> list of namedtuples (empty fields are None), typed per column."""
    if not text:
        return []
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    rows = list(reader)
    Row = collections.namedtuple("Row", header, rename=True)
    parsers = [_column_parser([r[i] for r in rows], header[i]) for i in range(len(header))]
    return [Row(*[None if v == "" else p(v) for p, v in zip(parsers, r)]) for r in rows]


def table_frame(text):
    """CSV text -> pandas DataFrame; empty fields are NaN, a name such as "NA" stays a string."""
    import pandas as pd  # only when asked for: the rest works without pandas

    if not text:
        return pd.DataFrame()
    # round_trip: pandas' default fast float parser may be off in the last bit, which
    # would make a DataFrame's value differ from the file's (the tests compare them).
    header = next(csv.reader(io.StringIO(text)))
    text_dtypes = {c: str for c in header if c in TEXT_COLUMNS}
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], float_precision="round_trip",
                       dtype=text_dtypes)


class Result:
    """One run: `summary` (summary.json), tables as lists of rows (jobs, sites, services,
    failures, wan, utilisation, latency_cdf, site_energy) and as DataFrames (jobs_df() ...).

    `files` maps each result file's name to its text; `output_dir` is where they
    were written when rcnsim.run was given one (else None: they lived in a
    temporary folder, now removed).
    """

    def __init__(self, files, output_dir=None):
        self.files = dict(files)
        self.output_dir = output_dir
        self.summary = json.loads(self.files["summary.json"])
        self.run_info = json.loads(self.files.get("run_info.json", "{}"))
        self._rows = {}

    def table(self, name):
        """Rows of one table (a key of TABLES); the same as the attribute of that name."""
        if name not in self._rows:
            self._rows[name] = parse_table(self.files.get(TABLES[name], ""))
        return self._rows[name]

    def frame(self, name):
        """One table as a DataFrame; the same as the `<name>_df()` method."""
        return table_frame(self.files.get(TABLES[name], ""))

    def __repr__(self):
        return f"<rcnsim.Result {len(self.jobs)} jobs, {len(self.sites)} sites, {len(self.services)} service rows>"


def _add_table_accessors():
    """Result.jobs / Result.jobs_df() and the same for every table of TABLES."""
    for name, file_name in TABLES.items():
        setattr(Result, name, property(lambda self, n=name: self.table(n), doc=f"{file_name} as a list of rows"))
        setattr(Result, f"{name}_df", lambda self, n=name: self.frame(n))
        getattr(Result, f"{name}_df").__doc__ = f"{file_name} as a pandas DataFrame"


_add_table_accessors()
