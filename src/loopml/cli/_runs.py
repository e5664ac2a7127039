"""``loopml runs list|show|compare``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from loopml.cli._render import console, duration, number, print_json, table, when

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="Look at tracked runs.",
    no_args_is_help=True,
    epilog='Example: loopml runs list -e churn -f "metrics.f1 > 0.9"',
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command(
    "list", epilog='Example: loopml runs list -e churn -f "metrics.f1 > 0.9" -o "metrics.f1 DESC"'
)
def list_runs(
    experiment: Annotated[
        list[str] | None, typer.Option("--experiment", "-e", help="Only these experiments.")
    ] = None,
    filter: Annotated[
        str,
        typer.Option("--filter", "-f", help="e.g. \"metrics.f1 > 0.9 and params.model = 'lgbm'\""),
    ] = "",
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", "-o", help='e.g. "metrics.f1 DESC".')
    ] = None,
    max_results: Annotated[int, typer.Option("--max", "-n", help="At most this many runs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first, with their latest metrics."""
    from loopml.tracking import search_runs

    frame = search_runs(
        experiment or None, filter=filter, order_by=order_by, max_results=max_results
    )
    if as_json:
        print_json(_frame_records(frame))
        return
    metric_columns = [c for c in frame.columns if c.startswith("metrics.")][:8]
    rows = [
        [
            row["run_id"],
            row["experiment"],
            row["name"],
            row["status"],
            _timestamp(row["start_time"]),
            _span(row["start_time"], row["end_time"]),
            *(number(row[c]) for c in metric_columns),
        ]
        for _, row in frame.iterrows()
    ]
    headers = ["run id", "experiment", "name", "status", "started", "took"]
    console.print(table(f"{len(frame)} runs", headers + [c[8:] for c in metric_columns], rows))


@app.command(
    "show", epilog="Example: loopml runs show 019abc12  (any 6+ leading characters of the id)"
)
def show_run(
    run_id: Annotated[str, typer.Argument(help="The run id, or its first 6+ characters.")],
    as_json: JsonOption = False,
) -> None:
    """Show everything recorded about one run."""
    from loopml.tracking import get_run, resolve_run_id

    record = get_run(resolve_run_id(run_id))
    if as_json:
        print_json(record)
        return
    environment = record.environment
    git = environment.get("git") or {}
    console.print(
        table(
            f"run {record.id}",
            ["field", "value"],
            [
                ["experiment", record.experiment],
                ["name", record.name],
                ["status", record.status.value],
                ["started", when(record.start_time)],
                ["took", duration(record.start_time, record.end_time)],
                ["parent run", record.parent_run_id or ""],
                ["python", environment.get("python", "")],
                ["git commit", (git.get("commit", "") + (" (dirty)" if git.get("dirty") else ""))],
            ],
        )
    )
    _print_mapping("params", record.params)
    _print_mapping("metrics (latest)", {k: number(v) for k, v in record.metrics.items()})
    _print_mapping("tags", record.tags)
    if record.inputs:
        console.print(
            table(
                "inputs",
                ["dataset version", "context"],
                [[i.dataset_version_id, i.context] for i in record.inputs],
            )
        )
    if record.artifacts:
        console.print(
            table(
                "artifacts",
                ["name", "size", "sha256"],
                [[a.path, a.size, a.digest[:16]] for a in record.artifacts],
            )
        )


@app.command("compare", epilog="Example: loopml runs compare 019abc12 019abd34 019abe56")
def compare_runs(
    run_ids: Annotated[
        list[str], typer.Argument(help="Two or more run ids (or 6+ char prefixes).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Put runs side by side: every param and metric, differences marked."""
    from loopml.core import InvalidValueError
    from loopml.tracking import get_run, resolve_run_id

    if len(run_ids) < 2:
        raise InvalidValueError("compare needs at least two run ids")
    records = [get_run(resolve_run_id(r)) for r in run_ids]
    if as_json:
        print_json(records)
        return
    rows = []
    for kind in ("param", "metric"):
        tables = [r.params if kind == "param" else r.metrics for r in records]
        for key in sorted({k for values in tables for k in values}):
            values = [values_of_run.get(key) for values_of_run in tables]
            shown = [number(v) if v is not None else "—" for v in values]
            marker = "≠" if len(set(shown)) > 1 else ""
            rows.append([f"{kind}.{key}", marker, *shown])
    headers = ["", "diff", *(f"{r.name}\n{r.id[:12]}" for r in records)]
    console.print(table("comparison", headers, rows))


def _print_mapping(title: str, values: dict[str, str]) -> None:
    if values:
        console.print(table(title, ["key", "value"], sorted(values.items())))


def _timestamp(value: pd.Timestamp) -> str:
    import pandas as pd

    return "" if pd.isna(value) else value.tz_convert(None).strftime("%Y-%m-%d %H:%M:%S")


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    import pandas as pd

    if pd.isna(start) or pd.isna(end):
        return ""
    return duration(int(start.timestamp() * 1000), int(end.timestamp() * 1000))


def _frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    import pandas as pd

    records = []
    for record in frame.to_dict(orient="records"):
        records.append(
            {
                k: (v.isoformat() if isinstance(v, pd.Timestamp) else (None if v is pd.NaT else v))
                for k, v in record.items()
                if not (k.startswith(("params.", "tags.")) and v is None)
            }
        )
    return records
