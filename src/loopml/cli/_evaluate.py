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
        Path | None, typer.Option("--out", "-o", help="Write the plots to this HTML file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score a model on a dataset: every metric, the headline's 95% interval, the plots."""
    from loopml.data import load_dataset
    from loopml.evaluation import evaluate_model, figures_to_html
    from loopml.registry import load_model

    result = evaluate_model(load_model(model), load_dataset(dataset, version), target=target)
    if out is not None:
        figures_to_html(result.figures, out, title=f"{model} on {dataset}")
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
        + (f"; plots in {out}" if out else "")
    )
