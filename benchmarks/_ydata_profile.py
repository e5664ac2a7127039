"""ydata-profiling's side of ``profile.py``: profile the Parquet file in minimal mode, print JSON.

Runs with the Python of ``benchmarks/.envs/ydata_profiling`` (the latest ydata-profiling from
PyPI), one fresh process per measurement. The timed region is what a user waits for: reading the
Parquet file into pandas, ``ProfileReport(df, minimal=True)`` and writing its HTML report.
Afterwards (untimed) the per-column statistics are read from the report's description so
``profile.py`` can check both sides found the same numbers. Standard library, pandas and
ydata-profiling only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULT_MARKER = "BENCH-RESULT "  # profile.py reads the line that starts with this


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def column_stats(description: Any) -> dict[str, dict[str, Any]]:
    """``{column: {missing, distinct, mean, std, min, max}}`` from ydata's description."""
    stats = {}
    for name, variable in description.variables.items():
        stats[name] = {
            "missing": int(variable.get("n_missing", 0)),
            "distinct": int(variable["n_distinct"]) if "n_distinct" in variable else None,
            "mean": _number(variable.get("mean")),
            "std": _number(variable.get("std")),
            "min": _number(variable.get("min")),
            "max": _number(variable.get("max")),
            "type": str(variable.get("type")),
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
    args = parser.parse_args()

    started_imports = time.perf_counter()
    import pandas as pd
    from ydata_profiling import ProfileReport

    imports_s = time.perf_counter() - started_imports
    rss_before_mb = _peak_rss_mb()
    warnings.simplefilter("ignore")

    started = time.perf_counter()
    frame = pd.read_parquet(args.data)
    loaded = time.perf_counter()
    report = ProfileReport(frame, minimal=True, progress_bar=False, title="ydata benchmark")
    html = args.out_dir / "ydata-profile.html"
    report.to_file(html)
    finished = time.perf_counter()
    peak_mb = _peak_rss_mb()

    result = {
        "system": "ydata-profiling",
        "input": "DataFrame (pandas.read_parquet)",
        "wall_s": finished - started,
        "read_s": loaded - started,
        "profile_s": finished - loaded,
        "imports_s": imports_s,
        "peak_rss_mb": peak_mb,
        "rss_after_imports_mb": rss_before_mb,
        "html_bytes": html.stat().st_size,
        "rows": len(frame),
        "columns": column_stats(report.get_description()),
        "versions": {
            "ydata-profiling": version("ydata-profiling"),
            "pandas": version("pandas"),
            "python": platform.python_version(),
        },
    }
    print(RESULT_MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
