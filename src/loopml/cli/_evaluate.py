"""``loopml evaluate``: a registered model scored on a stored dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, number, print_json, table


def evaluate(
    model: Annotated[str, typer.Argument(help="models:/name@alias, models:/name/3, or a name.")],
    dataset: Annotated[str, typer.Argument(help="Dataset to score it on (features + target).")],
    target: Annotated[str, typer.Option("--target", "-t", help="The target column.")],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Dataset version (default: latest).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the evaluation report (one offline HTML page)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score a model on a dataset: every metric, the headline's 95% interval, the plots."""
    from loopml.core import write_text_atomically
    from loopml.data import get_dataset, load_dataset
    from loopml.evaluation import EvaluationReport, evaluate_model
    from loopml.registry import load_model

    loaded = load_model(model)
    record = get_dataset(dataset, version)
    result = evaluate_model(loaded, load_dataset(record), target=target)
    if out is not None:
        report = EvaluationReport(
            title=f"{model} on {dataset}",
            model=model,
            dataset=f"{record.uri} ({result.rows:,} rows)",
            evaluation=result,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(out, report.to_html())
    if as_json:
        print_json(result.to_dict() | ({"report": str(out)} if out else {}))
        return
    low, high = result.interval
    rows = [[name, number(value)] for name, value in result.metrics.items() if "[" not in name]
    console.print(
        table(
            f"{model} on {dataset} ({result.rows:,} rows, {result.task})", ["metric", "value"], rows
        )
    )
    console.print(
        f"{result.headline} = {number(result.metrics[result.headline])} "
        f"(95% bootstrap interval {number(low)} – {number(high)})"
        + (f"; report in {out}" if out else "")
    )
