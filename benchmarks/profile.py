"""Profiling speed and memory: loopml against ydata-profiling (minimal mode), in one run.

Both sides profile the same deterministic table, 1,000,000 rows x 20 mixed columns from
``_mixed_data.py`` (integers, floats with missing values, categoricals of 5, 50 and 2,000 values,
a binary target), written once to a Parquet file, and write an HTML report. Each measurement is a
fresh process, so wall time and peak RSS (``ru_maxrss``) belong to that side alone:

- loopml, from the Parquet file (what ``loopml data profile`` does with a dataset version), with
  ``target="target"``: statistics, histograms, correlations, duplicates, feature-by-target
  breakdowns and leakage scores;
- loopml, from a DataFrame (``pandas.read_parquet`` inside the timed region);
- ydata-profiling (latest from PyPI, its own environment under ``benchmarks/.envs``) with
  ``minimal=True``, from ``pandas.read_parquet`` inside the timed region.

The timed region runs from reading the data to the written report; interpreter start and imports
are outside it and reported apart. Afterwards every column's missing count, distinct count, mean,
std, min and max are compared between the sides: a disagreement makes the script exit 1.

Targets (issue): loopml >= 10x faster than ydata-profiling, and a lower peak memory.

Usage::

    .venv/bin/python benchmarks/profile.py [--rows 1000000] [--repeats 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import (
    BenchmarkError,
    loopml_source,
    print_header,
    run_helper,
)

# The _helpers beside this file import as top-level modules: a script's folder is on sys.path.
from _mixed_data import DEFAULT_ROWS, DEFAULT_SEED, write_mixed_parquet
from _peers import peer_python
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

HERE = Path(__file__).resolve().parent
YDATA_REQUIREMENTS = ("ydata-profiling", "pyarrow")
TARGET_SPEEDUP = 10.0
MEAN_TOLERANCE = 1e-6  # relative, for mean/std/min/max
DISTINCT_TOLERANCE = 0.06  # relative, when loopml's distinct count is a HyperLogLog estimate


@dataclass(frozen=True)
class Case:
    """One thing to measure."""

    key: str  # "loopml-file" | "loopml-frame" | "ydata"
    label: str


CASES = (
    Case("loopml-file", "loopml · Parquet file"),
    Case("loopml-frame", "loopml · DataFrame"),
    Case("ydata", "ydata-profiling minimal · DataFrame"),
)


@dataclass(frozen=True)
class Summary:
    """The median of a case's repeats."""

    case: str
    label: str
    repeats: int
    wall_s: float
    read_s: float
    profile_s: float
    peak_rss_mb: float
    imports_s: float
    html_bytes: int
    min_wall_s: float
    max_wall_s: float


def measure(case: Case, *, data: Path, out_dir: Path, ydata_python: Path) -> dict[str, Any]:
    """Run one case in a fresh process."""
    if case.key == "ydata":
        env = {**os.environ, "MPLBACKEND": "Agg", "DO_NOT_TRACK": "1", "YDATA_SUPPRESS_BANNER": "1"}
        command = [str(ydata_python), str(HERE / "_ydata_profile.py")]
        return run_helper([*command, "--data", str(data), "--out-dir", str(out_dir)], env=env)
    source = "file" if case.key == "loopml-file" else "frame"
    command = [sys.executable, str(HERE / "_loopml_profile.py"), "--input", source]
    return run_helper([*command, "--data", str(data), "--out-dir", str(out_dir)])


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return True  # one side does not report it (ydata: no mean for a categorical)
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12)


def check_agreement(loopml: dict[str, Any], ydata: dict[str, Any]) -> list[str]:
    """Where loopml's and ydata-profiling's per-column statistics differ (empty: they agree)."""
    problems = []
    if loopml["rows"] != ydata["rows"]:
        problems.append(f"rows: loopml {loopml['rows']:,}, ydata {ydata['rows']:,}")
    for name, ours in loopml["columns"].items():
        theirs = ydata["columns"].get(name)
        if theirs is None:
            problems.append(f"{name}: not in ydata-profiling's report")
            continue
        if ours["missing"] != theirs["missing"]:
            problems.append(f"{name}: missing {ours['missing']:,} vs {theirs['missing']:,}")
        if theirs["distinct"] is not None:
            tolerance = 0.0 if ours["distinct_is_exact"] else DISTINCT_TOLERANCE
            if not _close(float(ours["distinct"]), float(theirs["distinct"]), tolerance):
                problems.append(f"{name}: distinct {ours['distinct']:,} vs {theirs['distinct']:,}")
        for stat in ("mean", "std", "min", "max"):
            if not _close(ours[stat], theirs[stat], MEAN_TOLERANCE):
                problems.append(f"{name}: {stat} {ours[stat]!r} vs {theirs[stat]!r}")
    return problems


def summarise(measurements: Sequence[dict[str, Any]]) -> list[Summary]:
    """The median of each case over the repeats."""
    summaries = []
    for case in CASES:
        runs = [m for m in measurements if m["case"] == case.key]
        if not runs:
            continue
        walls = [m["wall_s"] for m in runs]
        summaries.append(
            Summary(
                case=case.key,
                label=case.label,
                repeats=len(runs),
                wall_s=statistics.median(walls),
                read_s=statistics.median(m["read_s"] for m in runs),
                profile_s=statistics.median(m["profile_s"] for m in runs),
                peak_rss_mb=statistics.median(m["peak_rss_mb"] for m in runs),
                imports_s=statistics.median(m["imports_s"] for m in runs),
                html_bytes=int(statistics.median(m["html_bytes"] for m in runs)),
                min_wall_s=min(walls),
                max_wall_s=max(walls),
            )
        )
    return summaries


def ratios(summaries: Sequence[Summary]) -> dict[str, dict[str, float]]:
    """Per loopml case: ydata's wall time and peak RSS divided by loopml's."""
    ydata = next((s for s in summaries if s.case == "ydata"), None)
    if ydata is None:
        return {}
    return {
        s.case: {
            "speedup": ydata.wall_s / s.wall_s,
            "memory_ratio": ydata.peak_rss_mb / s.peak_rss_mb,
        }
        for s in summaries
        if s.case != "ydata"
    }


def render(summaries: Sequence[Summary], console: Console) -> None:
    """Print the table of medians and ratios."""
    ratio_of = ratios(summaries)
    result = Table(title="Profiling 1 table: read + profile + HTML report (median)")
    result.add_column("system · input")
    for column in ("wall s", "range", "read s", "peak RSS MB", "imports s", "report KB"):
        result.add_column(column, justify="right")
    result.add_column("ydata ÷ this: time", justify="right")
    result.add_column("memory", justify="right")
    for s in summaries:
        ratio = ratio_of.get(s.case)
        result.add_row(
            s.label,
            f"{s.wall_s:.2f}",
            f"{s.min_wall_s:.2f}–{s.max_wall_s:.2f} ({s.repeats})" if s.repeats > 1 else "",
            f"{s.read_s:.2f}",
            f"{s.peak_rss_mb:,.0f}",
            f"{s.imports_s:.2f}",
            f"{s.html_bytes / 1024:,.0f}",
            f"{ratio['speedup']:.1f}x" if ratio else "",
            f"{ratio['memory_ratio']:.1f}x" if ratio else "",
        )
    console.print(result)


def check_targets(summaries: Sequence[Summary], console: Console) -> list[str]:
    """Print each target's verdict for loopml's Parquet-file case; return the missed ones."""
    ratio = ratios(summaries).get("loopml-file")
    if ratio is None:
        console.print("[red]targets not measured[/red]")
        return ["speed", "memory"]
    missed = []
    for name, met, text in (
        ("speed", ratio["speedup"] >= TARGET_SPEEDUP, f"{ratio['speedup']:.1f}x faster"),
        ("memory", ratio["memory_ratio"] > 1.0, f"{ratio['memory_ratio']:.1f}x less peak memory"),
    ):
        goal = f">= {TARGET_SPEEDUP:.0f}x faster" if name == "speed" else "less peak memory"
        verdict = "[green]met[/green]" if met else "[bold red]MISSED[/bold red]"
        console.print(
            f"loopml (Parquet file) vs ydata-profiling: {text} (target {goal}): {verdict}"
        )
        if not met:
            missed.append(name)
    return missed


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (defaults are the issue's)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the table")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the table")
    parser.add_argument("--repeats", type=int, default=1, help="measure every case this often")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument(
        "--upgrade-peers", action="store_true", help="pip install --upgrade ydata-profiling first"
    )
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when a target is missed"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every case, print the tables, return the exit code."""
    args = parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 130)
    facts, source = print_header(console, "profile")
    ydata_python = peer_python(
        "ydata_profiling",
        requirements=YDATA_REQUIREMENTS,
        imports=("ydata_profiling", "pyarrow"),
        upgrade=args.upgrade_peers,
        console=console,
    )
    measurements: list[dict[str, Any]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="loopml-bench-profile-") as tmp:
        data = write_mixed_parquet(Path(tmp) / "mixed.parquet", args.rows, seed=args.seed)
        console.print(
            f"table: {args.rows:,} rows x 20 columns (seed {args.seed}), "
            f"{data.stat().st_size / 1e6:.1f} MB of Parquet"
        )
        for repeat in range(1, args.repeats + 1):
            for case in CASES:
                console.print(
                    f"[dim]repeat {repeat}/{args.repeats} · {case.label} ...[/dim]", end=" "
                )
                out_dir = Path(tmp) / f"{case.key}-{repeat}"
                out_dir.mkdir()
                try:
                    result = measure(case, data=data, out_dir=out_dir, ydata_python=ydata_python)
                except BenchmarkError as exc:
                    console.print("[red]failed[/red]")
                    failures.append(str(exc))
                    continue
                result.update(case=case.key, repeat=repeat)
                measurements.append(result)
                console.print(f"{result['wall_s']:.2f} s, peak {result['peak_rss_mb']:,.0f} MB")
    ydata_runs = [m for m in measurements if m["case"] == "ydata"]
    for m in measurements:
        if m["case"] != "ydata" and ydata_runs:
            for problem in check_agreement(m, ydata_runs[0]):
                failures.append(f"{m['case']} disagrees with ydata-profiling: {problem}")

    summaries = summarise(measurements)
    render(summaries, console)
    missed = check_targets(summaries, console)
    source_changed = loopml_source()["digest"] != source["digest"]
    if source_changed:
        console.print(
            Panel(
                "loopml's source changed while the benchmark ran: run it again on a quiet tree "
                "before recording the numbers.",
                title="SOURCE CHANGED",
                style="bold yellow",
            )
        )
    if args.json is not None:
        report = {
            "benchmark": "profile",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": facts,
            "loopml_source": {**source, "changed_during_run": source_changed},
            "versions": {m["case"]: m["versions"] for m in measurements},
            "config": {"rows": args.rows, "seed": args.seed, "repeats": args.repeats},
            "summary": [asdict(s) for s in summaries],
            "ratios": ratios(summaries),
            "targets": {
                "speedup": TARGET_SPEEDUP,
                "missed": missed,
            },
            "measurements": [{k: v for k, v in m.items() if k != "columns"} for m in measurements],
            "failures": failures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        console.print(f"numbers written to {args.json}")
    for failure in failures:
        console.print(Panel(failure, title="FAILED", style="bold red"))
    if failures or (args.fail_on_miss and missed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
