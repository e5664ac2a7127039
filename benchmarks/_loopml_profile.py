"""loopml's side of ``profile.py``: profile the Parquet file, write the HTML report, print JSON.

Runs in loopml's environment, one fresh process per measurement. The timed region is what a user
waits for: ``profile_dataset`` (with the benchmark's binary target, so the leakage check and the
feature-by-target breakdowns are part of the work) and ``write_profile_html``. Two inputs:

- ``file``: the Parquet file itself, which DuckDB scans in row groups (how a dataset version is
  profiled: ``loopml data profile`` hands it the stored Parquet file);
- ``frame``: ``pandas.read_parquet`` first (timed), then the DataFrame, as ydata-profiling gets it.

Afterwards (untimed) the per-column statistics are printed for ``profile.py``'s agreement check.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULT_MARKER = "BENCH-RESULT "  # profile.py reads the line that starts with this


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def column_stats(profile: Any) -> dict[str, dict[str, Any]]:
    """``{column: {missing, distinct, distinct_is_exact, mean, std, min, max}}``."""
    stats = {}
    for column in profile.columns:
        numeric = column.numeric
        stats[column.name] = {
            "missing": column.missing,
            "distinct": column.distinct,
            "distinct_is_exact": column.distinct_is_exact,
            "mean": numeric.mean if numeric else None,
            "std": numeric.std if numeric else None,
            "min": numeric.min if numeric else None,
            "max": numeric.max if numeric else None,
            "type": column.kind.value,
        }
    return stats


def _unshadow_stdlib() -> None:
    # This folder holds ``profile.py`` (the benchmark), which would shadow the standard library's
    # ``profile`` module for anything that imports cProfile; this helper needs nothing from here.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]


def main() -> None:
    """Parse the arguments, measure once, print the result line."""
    _unshadow_stdlib()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the Parquet file")
    parser.add_argument("--out-dir", type=Path, required=True, help="where the report goes")
    parser.add_argument("--input", choices=("file", "frame"), default="file")
    parser.add_argument("--target", default="target")
    args = parser.parse_args()

    started_imports = time.perf_counter()
    import pandas as pd

    from loopml.data import profile_dataset, write_profile_html

    imports_s = time.perf_counter() - started_imports
    rss_before_mb = _peak_rss_mb()

    started = time.perf_counter()
    data: Any = args.data
    if args.input == "frame":
        data = pd.read_parquet(args.data)
    loaded = time.perf_counter()
    profile = profile_dataset(data, target=args.target)
    html = write_profile_html(profile, args.out_dir / f"loopml-profile-{args.input}.html")
    finished = time.perf_counter()
    peak_mb = _peak_rss_mb()

    result = {
        "system": "loopml",
        "input": "Parquet file" if args.input == "file" else "DataFrame (pandas.read_parquet)",
        "wall_s": finished - started,
        "read_s": loaded - started,
        "profile_s": finished - loaded,
        "imports_s": imports_s,
        "peak_rss_mb": peak_mb,
        "rss_after_imports_mb": rss_before_mb,
        "html_bytes": html.stat().st_size,
        "rows": profile.num_rows,
        "warnings": [w.message for w in profile.warnings],
        "columns": column_stats(profile),
        "versions": {
            "loopml": version("loopml"),
            "duckdb": version("duckdb"),
            "python": platform.python_version(),
        },
    }
    print(RESULT_MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
