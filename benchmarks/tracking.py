"""Metric logging throughput: loopml against MLflow, on SQLite and PostgreSQL, in one run.

One run logs 100,000 metric points (10 metrics x 10,000 steps) through loopml (``log_metric``,
queued and written in batches by a background thread, timed to the end of ``flush()``), and
through the latest MLflow from PyPI in its own environment, with ``log_batch`` in chunks of 1,000
and with ``log_metric`` per point (on 10,000 points: it manages only a few hundred a second).
Every measurement is a fresh process on a fresh database; every point is read back and checked.

Targets (issue): on SQLite, loopml's points/s >= 50x MLflow's ``log_batch`` and >= 1,000x its
per-point ``log_metric``. PostgreSQL is reported beside them.

Usage::

    .venv/bin/python benchmarks/tracking.py [--repeats 3] [--json results.json]

Exits 1 when a point does not read back or a measurement fails (and, with ``--fail-on-miss``,
when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The _helpers beside this file import as top-level modules: a script's folder is on sys.path.
from _harness import (
    BenchmarkError,
    loopml_source,
    print_header,
    run_helper,
)
from _peers import peer_python
from _postgres import scratch_schema, server_url, unreachable_reason
from _tracking_workload import Workload
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

HERE = Path(__file__).resolve().parent
MLFLOW_REQUIREMENTS = ("mlflow", "psycopg[binary]")
MLFLOW_BATCH_SIZE = 1000  # the chunk size, and MLflow's maximum metrics per log_batch
SQLITE, POSTGRES = "SQLite", "PostgreSQL"


@dataclass(frozen=True)
class Case:
    """One thing to measure: a system in one mode, logging ``points`` points."""

    system: str  # "loopml" | "mlflow"
    mode: str  # "log_metric" | "batch" | "point"
    points: int

    @property
    def label(self) -> str:
        """How the table names this case."""
        if self.system == "loopml":
            return "loopml log_metric (+ flush)"
        if self.mode == "batch":
            return f"MLflow log_batch ({MLFLOW_BATCH_SIZE:,}/call)"
        return "MLflow log_metric (per point)"


@dataclass(frozen=True)
class Target:
    """A throughput ratio loopml must reach against one MLflow mode on one back end."""

    backend: str
    mode: str
    min_ratio: float


TARGETS = (Target(SQLITE, "batch", 50.0), Target(SQLITE, "point", 1000.0))


@dataclass(frozen=True)
class Summary:
    """The median of a case's repeats on one back end."""

    backend: str
    system: str
    mode: str
    label: str
    points: int
    repeats: int
    log_s: float
    points_per_s: float
    min_points_per_s: float
    max_points_per_s: float
    open_s: float
    start_s: float
    end_s: float
    read_s: float


def measure(case: Case, *, db_url: str | None, mlflow_python: Path) -> dict[str, Any]:
    """Run one case in a fresh process against ``db_url`` (None: a SQLite file in tmp)."""
    if case.system == "loopml":
        command = [sys.executable, str(HERE / "_loopml_tracking.py"), "--points", str(case.points)]
        if db_url:
            command += ["--db-url", db_url]
        return run_helper(command)
    command = [
        str(mlflow_python),
        str(HERE / "_mlflow_tracking.py"),
        "--points",
        str(case.points),
        "--mode",
        case.mode,
        "--batch-size",
        str(MLFLOW_BATCH_SIZE),
    ]
    if db_url:
        command += ["--tracking-uri", db_url]
    # No telemetry: a benchmark sends nothing out, and MLflow does no extra work for it.
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    return run_helper(command, env=env)


@contextmanager
def database(backend: str, pg_url: str) -> Iterator[str | None]:
    """A fresh database for one measurement: None (the helper's own SQLite tmp file) or a schema."""
    context = scratch_schema(pg_url) if backend == POSTGRES else nullcontext(None)
    with context as db_url:
        yield db_url


def summarise(measurements: Sequence[dict[str, Any]], cases: Sequence[Case]) -> list[Summary]:
    """The median of each (back end, case) over the repeats; points/s from the median time."""
    summaries = []
    backends = list(dict.fromkeys(m["backend"] for m in measurements))
    for backend in backends:
        for case in cases:
            runs = [
                m for m in measurements if m["backend"] == backend and m["case"] == asdict(case)
            ]
            if not runs:
                continue
            log_s = statistics.median(m["log_s"] for m in runs)
            rates = [case.points / m["log_s"] for m in runs]
            summaries.append(
                Summary(
                    backend=backend,
                    system=case.system,
                    mode=case.mode,
                    label=case.label,
                    points=case.points,
                    repeats=len(runs),
                    log_s=log_s,
                    points_per_s=case.points / log_s,
                    min_points_per_s=min(rates),
                    max_points_per_s=max(rates),
                    open_s=statistics.median(m["open_s"] for m in runs),
                    start_s=statistics.median(m["start_s"] for m in runs),
                    end_s=statistics.median(m["end_s"] for m in runs),
                    read_s=statistics.median(m["read_s"] for m in runs),
                )
            )
    return summaries


def ratios(summaries: Sequence[Summary]) -> dict[tuple[str, str], float]:
    """``{(back end, MLflow mode): loopml points/s / MLflow points/s}``."""
    loopml = {s.backend: s.points_per_s for s in summaries if s.system == "loopml"}
    return {
        (s.backend, s.mode): loopml[s.backend] / s.points_per_s
        for s in summaries
        if s.system == "mlflow" and s.backend in loopml
    }


def _target_for(backend: str, mode: str) -> Target | None:
    return next((t for t in TARGETS if (t.backend, t.mode) == (backend, mode)), None)


def _verdict(summary: Summary, ratio: float | None) -> str:
    target = _target_for(summary.backend, summary.mode)
    if summary.system == "loopml":
        return ""
    if target is None or ratio is None:
        return "reported"
    if ratio >= target.min_ratio:
        return f"[green]>= {target.min_ratio:,.0f}x met[/green]"
    return f"[red]>= {target.min_ratio:,.0f}x MISSED[/red]"


def render(summaries: Sequence[Summary], console: Console) -> None:
    """Print two tables: throughput with the ratios, then the untimed phases."""
    ratio_of = ratios(summaries)
    throughput = Table(title="Metric logging: first call until every point is durable (median)")
    for column in ("back end", "system · mode", "points", "wall s", "points/s"):
        throughput.add_column(column, justify="left" if column[0] in "bs" else "right")
    for column in ("range (repeats)", "loopml ÷ this", "target"):
        throughput.add_column(column, justify="right")
    phases = Table(title="Outside the timed region (median seconds)")
    for column in ("back end", "system · mode"):
        phases.add_column(column)
    for column in ("store open", "run start", "run end", "read back + check"):
        phases.add_column(column, justify="right")
    for s in summaries:
        ratio = ratio_of.get((s.backend, s.mode))
        spread = f"{s.min_points_per_s:,.0f}–{s.max_points_per_s:,.0f} ({s.repeats})"
        throughput.add_row(
            s.backend,
            s.label,
            f"{s.points:,}",
            f"{s.log_s:.3f}",
            f"{s.points_per_s:,.0f}",
            spread if s.repeats > 1 else "",
            f"{ratio:,.1f}x" if ratio is not None else "",
            _verdict(s, ratio),
        )
        phases.add_row(
            s.backend,
            s.label,
            f"{s.open_s:.3f}",
            f"{s.start_s:.3f}",
            f"{s.end_s:.3f}",
            f"{s.read_s:.3f}",
        )
    console.print(throughput)
    console.print(phases)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (defaults are the issue's)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--points",
        type=int,
        default=100_000,
        help="points logged by loopml and by MLflow log_batch",
    )
    parser.add_argument(
        "--mlflow-per-point-points",
        type=int,
        default=10_000,
        help="points logged by MLflow's per-point log_metric",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="measure every case this many times; the table shows the median",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--upgrade-peers",
        action="store_true",
        help="pip install --upgrade the peer (latest MLflow) before measuring",
    )
    parser.add_argument(
        "--fail-on-miss",
        action="store_true",
        help="exit 1 when a target is missed, not only when a check fails",
    )
    return parser.parse_args(argv)


def choose_backends(*, no_postgres: bool, pg_url: str, console: Console) -> tuple[list[str], str]:
    """The back ends to measure, and why PostgreSQL is skipped ("" when it is not)."""
    if no_postgres:
        return [SQLITE], "--no-postgres given"
    reason = unreachable_reason(pg_url)
    if reason is None:
        return [SQLITE, POSTGRES], ""
    skipped = f"PostgreSQL at {pg_url} is not reachable ({reason})"
    console.print(
        Panel(
            f"{skipped}\nThe PostgreSQL column is SKIPPED; SQLite only.",
            title="PostgreSQL SKIPPED",
            style="bold red",
        )
    )
    return [SQLITE], skipped


def run_cases(
    cases: Sequence[Case],
    *,
    backends: Sequence[str],
    repeats: int,
    pg_url: str,
    mlflow_python: Path,
    console: Console,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Measure every case on every back end, ``repeats`` rounds (interleaved, so drift in the
    machine's speed hits every case alike).

    Returns:
        The measurements, and a description of every failed measurement or readback mismatch.
    """
    measurements: list[dict[str, Any]] = []
    failures: list[str] = []
    for repeat in range(1, repeats + 1):
        for backend in backends:
            for case in cases:
                console.print(
                    f"[dim]repeat {repeat}/{repeats} · {backend} · {case.label} · "
                    f"{case.points:,} points ...[/dim]",
                    end=" ",
                )
                try:
                    with database(backend, pg_url) as db_url:
                        result = measure(case, db_url=db_url, mlflow_python=mlflow_python)
                except BenchmarkError as exc:
                    console.print("[red]failed[/red]")
                    failures.append(str(exc))
                    continue
                result.update(backend=backend, repeat=repeat, case=asdict(case))
                measurements.append(result)
                verdict = "[green]all points read back[/green]"
                if result["problems"]:
                    verdict = "[red]READBACK MISMATCH[/red]"
                    failures.append(f"{backend} {case.label}: " + "; ".join(result["problems"]))
                console.print(
                    f"{result['log_s']:.3f} s, {case.points / result['log_s']:,.0f} points/s, "
                    + verdict
                )
    return measurements, failures


def check_targets(ratio_of: dict[tuple[str, str], float], console: Console) -> list[Target]:
    """Print each target's verdict; return the missed ones (a target not measured is missed)."""
    missed = []
    for target in TARGETS:
        ratio = ratio_of.get((target.backend, target.mode))
        label = Case("mlflow", target.mode, 0).label
        if ratio is None:
            missed.append(target)
            console.print(f"{target.backend}: loopml vs {label}: [red]not measured[/red]")
            continue
        met = ratio >= target.min_ratio
        if not met:
            missed.append(target)
        console.print(
            f"{target.backend}: loopml vs {label}: {ratio:,.1f}x "
            f"(target >= {target.min_ratio:,.0f}x): "
            + ("[green]met[/green]" if met else "[bold red]MISSED[/bold red]")
        )
    return missed


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every case on every reachable back end, print the tables, return the exit code."""
    args = parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    for points in (args.points, args.mlflow_per_point_points):
        Workload(points)  # raises now, before any work, when not a multiple of the metric count
    facts, source = print_header(console, "tracking")
    mlflow_python = peer_python(
        "mlflow",
        requirements=MLFLOW_REQUIREMENTS,
        imports=("mlflow", "psycopg"),
        upgrade=args.upgrade_peers,
        console=console,
    )
    pg_url = server_url()
    backends, pg_skipped = choose_backends(
        no_postgres=args.no_postgres, pg_url=pg_url, console=console
    )
    cases = [
        Case("loopml", "log_metric", args.points),
        Case("mlflow", "batch", args.points),
        Case("mlflow", "point", args.mlflow_per_point_points),
    ]
    measurements, failures = run_cases(
        cases,
        backends=backends,
        repeats=args.repeats,
        pg_url=pg_url,
        mlflow_python=mlflow_python,
        console=console,
    )

    summaries = summarise(measurements, cases)
    render(summaries, console)
    ratio_of = ratios(summaries)
    missed = check_targets(ratio_of, console)
    if pg_skipped:
        console.print(f"[bold red]PostgreSQL skipped:[/bold red] {pg_skipped}")
    source_changed = loopml_source()["digest"] != source["digest"]
    if source_changed:
        console.print(
            Panel(
                "loopml's source changed while the benchmark ran: its numbers may mix two "
                "versions of the code. Run it again on a quiet tree before recording them.",
                title="SOURCE CHANGED",
                style="bold yellow",
            )
        )

    if args.json is not None:
        report = {
            "benchmark": "tracking",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": facts,
            "loopml_source": {**source, "changed_during_run": source_changed},
            "versions": {m["system"]: m["versions"] for m in measurements},
            "config": {
                "points": args.points,
                "mlflow_per_point_points": args.mlflow_per_point_points,
                "mlflow_batch_size": MLFLOW_BATCH_SIZE,
                "repeats": args.repeats,
                "backends": backends,
                "postgres_skipped": pg_skipped or None,
            },
            "summary": [asdict(s) for s in summaries],
            "ratios": [
                {"backend": backend, "mlflow_mode": mode, "loopml_over_mlflow": ratio}
                for (backend, mode), ratio in ratio_of.items()
            ],
            "targets": [
                {**asdict(t), "ratio": ratio_of.get((t.backend, t.mode)), "met": t not in missed}
                for t in TARGETS
            ],
            "measurements": measurements,
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
