"""``loopml demo``: the bundled loop, end to end, on a fresh machine."""

from __future__ import annotations

import typer

from loopml.cli._render import console, number, table


def demo(
    seed: int = typer.Option(42, help="Random seed for the split and the models."),
) -> None:
    """Train three candidates on breast-cancer data with tracking, register the best as champion.

    Example: loopml demo --seed 7
    """
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from loopml.pipelines import run_demo
    from loopml.store import default_stores
    from loopml.tracking import search_runs

    stores = default_stores()
    console.print(
        f"[bold]loopml demo[/bold] — records in {stores.metadata!r}, blobs in {stores.artifacts!r}"
    )
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("training candidates", total=5)

        def on_step(message: str) -> None:
            progress.console.print(f"  • {message}")
            progress.advance(task)

        result = run_demo(seed=seed, stores=stores, on_step=on_step)
    runs = search_runs(
        result.experiment,
        filter="parent_run_id != ''",
        order_by="metrics.roc_auc DESC",
        stores=stores,
    )
    runs = runs[runs["run_id"].isin(result.run_ids)]
    metric_columns = ["metrics.roc_auc", "metrics.f1", "metrics.accuracy", "metrics.log_loss"]
    rows = [
        [
            ("★ " if row["run_id"] == result.champion_run_id else "  ") + row["name"],
            row["run_id"],
            *(number(row[c]) for c in metric_columns),
        ]
        for _, row in runs.iterrows()
    ]
    console.print(
        table(
            f"candidates in experiment {result.experiment!r}",
            ["model", "run id", "roc_auc", "f1", "accuracy", "log_loss"],
            rows,
        )
    )
    console.print(
        f"champion: [bold]{result.model_uri}[/bold] (version {result.champion_version})\n"
        "next: loopml runs list -e breast-cancer-demo · loopml models show breast-cancer-classifier"
    )
