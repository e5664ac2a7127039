"""Peak memory of ingesting (and, when it exists, profiling) a 2 GB CSV through loopml.

The issue's target: ingesting and profiling a 2 GB CSV keeps peak RSS under 1 GB. This script
writes a CSV of about ``--gb`` GB (the 20 mixed columns of ``_mixed_data.py``: integers, floats
with missing values, categoricals of 5, 50 and 2,000 values, a binary target; deterministic) to
a temporary folder, runs ``loopml.data.ingest_csv`` on it in a fresh process
(``_loopml_ingest_memory.py``) and takes that process's peak RSS from the kernel (``os.wait4``).
Then it checks the answer: the version's row count, and the count, sum and missing count of a
float column read back from the stored Parquet with DuckDB, against what was written.

``--with-profile`` also profiles the version, with ``target`` as the target, in the same process
(``loopml.data.profile_dataset``; reported as skipped if that function does not exist). There is
no peer: the number is compared with the 1 GB limit. The temporary folder is removed at the end.

Usage::

    .venv/bin/python benchmarks/ingest_memory.py [--gb 2] [--with-profile] [--json out.json]

Exits 1 when the ingest fails or its answer does not check out (and, with ``--fail-on-miss``,
when the peak RSS is over the limit).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from _harness import loopml_source, machine

# The _helpers beside this file import as top-level modules: a script's folder is on sys.path.
from _loopml_ingest_memory import RESULT_MARKER
from _mixed_data import mixed_frame
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

HERE = Path(__file__).resolve().parent
CHUNK_ROWS = 500_000
CHECKED_COLUMN = "income"  # a float column with 5 % missing values


@dataclass
class Written:
    """The CSV that was generated, and the facts about it to check the ingest against."""

    path: Path
    bytes: int
    rows: int
    checked_count: int
    checked_sum: float
    seconds: float


def write_csv(path: Path, target_bytes: int, *, seed: int, console: Console) -> Written:
    """Append chunks of the mixed table to ``path`` until it holds ``target_bytes``."""
    started = time.perf_counter()
    rows = count = 0
    total = 0.0
    columns = [
        TextColumn("writing CSV"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    ]
    with (
        Progress(*columns, console=console, transient=True) as progress,
        open(path, "wb") as sink,
    ):
        task = progress.add_task("csv", total=target_bytes)
        writer: pcsv.CSVWriter | None = None
        chunk = 0
        while sink.tell() < target_bytes:
            frame = mixed_frame(CHUNK_ROWS, seed=seed + chunk)
            frame["id"] = np.arange(rows, rows + len(frame), dtype=np.int64)
            table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
            if writer is None:
                writer = pcsv.CSVWriter(sink, table.schema)
            writer.write_table(table)
            values = frame[CHECKED_COLUMN].to_numpy()
            count += int(np.count_nonzero(~np.isnan(values)))
            total += float(np.nansum(values))
            rows += len(frame)
            chunk += 1
            progress.update(task, completed=sink.tell())
        if writer is not None:
            writer.close()
    return Written(path, path.stat().st_size, rows, count, total, time.perf_counter() - started)


def run_ingest(
    csv_path: Path, home: Path, *, with_profile: bool
) -> tuple[dict[str, Any], int, float]:
    """Ingest in a fresh process; return its result line, its peak RSS (bytes) and wall time."""
    command = [sys.executable, str(HERE / "_loopml_ingest_memory.py"), "--csv", str(csv_path)]
    if with_profile:
        command.append("--with-profile")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPML_")}
    env["LOOPML_HOME"] = str(home)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Read the pipes to the end first (the child must never block on a full pipe), then reap it
    # with wait4, which gives this one child's resource usage, peak RSS included.
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [
        line[len(RESULT_MARKER) :]
        for line in stdout.decode().splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if process.returncode != 0 or not lines:
        tail = "\n".join(stderr.decode(errors="replace").strip().splitlines()[-25:])
        raise RuntimeError(f"the ingest exited {process.returncode} without a result:\n{tail}")
    return json.loads(lines[-1]), usage.ru_maxrss * 1024, wall


def check_answer(written: Written, result: dict[str, Any], home: Path) -> list[str]:
    """What does not match between the CSV written and the version stored (empty: all good)."""
    import duckdb

    os.environ["LOOPML_HOME"] = str(home)
    os.environ.pop("LOOPML_DB_URL", None)
    from loopml.data import dataset_path, get_dataset

    problems = []
    if result["rows"] != written.rows:
        problems.append(f"rows: wrote {written.rows:,}, the version has {result['rows']:,}")
    version = get_dataset("ingest-memory")
    with dataset_path(version) as parquet:
        count, total, missing = (
            duckdb.connect()
            .execute(
                f"select count({CHECKED_COLUMN}), sum({CHECKED_COLUMN}), "
                f"count(*) - count({CHECKED_COLUMN}) from read_parquet(?)",
                [str(parquet)],
            )
            .fetchone()
        )  # type: ignore[misc]
    if count != written.checked_count:
        problems.append(
            f"{CHECKED_COLUMN}: {written.checked_count:,} values written, {count:,} read"
        )
    if missing != written.rows - written.checked_count:
        problems.append(f"{CHECKED_COLUMN}: {missing:,} missing read back")
    if not math.isclose(total, written.checked_sum, rel_tol=1e-9):
        problems.append(f"{CHECKED_COLUMN}: sum {written.checked_sum!r} written, {total!r} read")
    return problems


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (defaults are the issue's)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--gb", type=float, default=2.0, help="size of the CSV in GB (10^9 B)")
    parser.add_argument("--limit-gb", type=float, default=1.0, help="the peak RSS target, GB")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument(
        "--with-profile",
        action="store_true",
        help="also profile the version in the same process (when profile_dataset exists)",
    )
    parser.add_argument("--tmp-dir", type=Path, default=None, help="where the CSV is written")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when the peak RSS is over the limit"
    )
    return parser.parse_args(argv)


def render(
    written: Written, result: dict[str, Any], peak: int, limit: int, console: Console
) -> None:
    """The numbers as a table."""
    mb = 1e6
    report = Table(title="Ingest of a CSV through loopml.data.ingest_csv, fresh process")
    report.add_column("measure")
    report.add_column("value", justify="right")
    report.add_row("CSV size", f"{written.bytes / mb:,.0f} MB ({written.rows:,} rows x 20)")
    report.add_row("ingest wall time", f"{result['ingest_s']:.1f} s")
    report.add_row("ingest throughput", f"{written.bytes / mb / result['ingest_s']:,.0f} MB/s")
    report.add_row("stored Parquet", f"{result['stored_bytes'] / mb:,.0f} MB")
    report.add_row("peak RSS after ingest", f"{result['peak_rss_after_ingest_bytes'] / mb:,.0f} MB")
    profile = result["profile"]
    report.add_row(
        "profile",
        f"{profile['seconds']:.1f} s" if profile["ran"] else f"skipped: {profile['reason']}",
    )
    verdict = "[green]met[/green]" if peak < limit else "[bold red]MISSED[/bold red]"
    report.add_row(
        "peak RSS of the process (wait4)",
        f"{peak / mb:,.0f} MB (limit {limit / mb:,.0f} MB: {verdict})",
    )
    console.print(report)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the CSV, ingest it in a fresh process, check it, print the numbers."""
    args = parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    facts = machine()
    source = loopml_source()
    console.print(
        f"[bold]ingest memory benchmark[/bold] — {facts['cpu_count']} cores, "
        f"{facts['platform']}, Python {platform.python_version()}; loopml at commit "
        f"{source['commit']}"
        + (" with uncommitted changes" if source["uncommitted_changes"] else "")
    )
    limit = int(args.limit_gb * 1e9)
    work = Path(tempfile.mkdtemp(prefix="loopml-ingest-memory-", dir=args.tmp_dir))
    failures: list[str] = []
    try:
        written = write_csv(work / "mixed.csv", int(args.gb * 1e9), seed=args.seed, console=console)
        console.print(
            f"wrote {written.bytes / 1e6:,.0f} MB ({written.rows:,} rows) in "
            f"{written.seconds:.1f} s; ingesting in a fresh process ..."
        )
        try:
            result, peak, wall = run_ingest(
                written.path, work / "home", with_profile=args.with_profile
            )
        except RuntimeError as exc:
            console.print(Panel(str(exc), title="FAILED", style="bold red"))
            return 1
        failures = check_answer(written, result, work / "home")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    render(written, result, peak, limit, console)
    met = peak < limit
    if args.json is not None:
        report = {
            "benchmark": "ingest_memory",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": facts,
            "loopml_source": source,
            "config": {"gb": args.gb, "seed": args.seed, "with_profile": args.with_profile},
            "csv": {k: v for k, v in asdict(written).items() if k != "path"},
            "result": result,
            "wall_s": wall,
            "peak_rss_bytes": peak,
            "limit_bytes": limit,
            "met": met,
            "failures": failures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        console.print(f"numbers written to {args.json}")
    for failure in failures:
        console.print(Panel(failure, title="ANSWER MISMATCH", style="bold red"))
    if failures or (args.fail_on_miss and not met):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
