"""``loopml data profile``: a dataset version's profile as an HTML report (and JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, error_console, table

DEFAULT_SAMPLE_ROWS = 50_000  # loopml.data._profile.DEFAULT_SAMPLE_ROWS, without importing it

_EXAMPLE = "Example: loopml data profile customers --target churned --out customers.html"


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command(s) to the ``data`` group."""
    app.command("profile", epilog=_EXAMPLE)(profile)


def profile(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version number (default: latest).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", "-t", help="Column a model would predict (adds leakage checks)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML report to write (default: NAME-vN-profile.html)."),
    ] = None,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows", help="Rows sampled for quantiles, correlations and leakage scores."
        ),
    ] = DEFAULT_SAMPLE_ROWS,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the profile as JSON (the report is still written)."),
    ] = False,
) -> None:
    """Profile a dataset version: statistics, charts, correlations, target, warnings.

    Writes a self-contained HTML report that works offline.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from loopml.data import get_dataset, profile_dataset, write_profile_html

    record = get_dataset(dataset, version)
    destination = out or Path(f"{record.dataset}-v{record.version}-profile.html")
    with Progress(
        TextColumn("[bold]profiling[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
    ) as bar:
        task = bar.add_task(record.uri, total=None)

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        result = profile_dataset(record, target=target, sample_rows=sample_rows, progress=advance)
        bar.update(task, description="writing the report")
        written = write_profile_html(result, destination)
    if as_json:
        print(result.to_json())
        error_console.print(f"report written to {written}", highlight=False)
        return
    console.print(
        f"[bold]{record.uri}[/bold]: {result.num_rows:,} rows, {result.num_columns} columns, "
        f"{result.duplicates.duplicate_rows:,} duplicate rows, profiled in {result.elapsed_s:.1f} s"
    )
    if result.warnings:
        console.print(
            table(
                f"{len(result.warnings)} warnings",
                ["kind", "column", "finding"],
                [
                    [w.kind.value.replace("_", " "), w.column or "", w.message]
                    for w in result.warnings
                ],
            )
        )
    else:
        console.print("no warnings")
    console.print(f"report written to {written}", highlight=False)
