"""``loopml demo``: the bundled loop, end to end, on a fresh machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, number, table


def demo(
    folder: Annotated[
        Path, typer.Option("--folder", help="Where the example project and its reports go.")
    ] = Path("loopml-demo"),
    quick: Annotated[
        bool,
        typer.Option("--quick", help="The seconds-long first loop instead: breast cancer only."),
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the --quick loop.")] = 42,
) -> None:
    """Run the example project (bundled employment data) with `loopml run`: validate, split,
    tune and train two candidates against baselines, register the best, and evaluate it on the
    test set with a report and a model card. A second run reuses every unchanged step.

    Example: loopml demo --folder /tmp/demo
    """
    if not quick:
        from loopml.cli._run import execute_project
        from loopml.pipelines import write_example_project

        project_file = folder / "loopml.yaml"
        if not project_file.exists():
            folder.mkdir(parents=True, exist_ok=True)
            write_example_project(project_file)
            console.print(f"wrote the example project to {project_file} (edit it and run again)")
        execute_project(project_file)
        from loopml.core import Settings

        # The records live in LOOPML_HOME (default ./.loopml): a rerun reuses the finished
        # steps only when it finds them, so the hint says where they are.
        home = Settings.from_env().home
        console.print(
            f"next: open the reports above · loopml models show {_project_name(project_file)} · "
            f"edit {project_file} and run `loopml run {project_file}` from this folder "
            f"(the records are in {home}; set LOOPML_HOME={home} to use them from elsewhere)",
            markup=False,
        )
        return
    _quick_demo(seed)


def _project_name(path: Path) -> str:
    from loopml.pipelines import load_project

    return load_project(path).project


def _quick_demo(seed: int) -> None:
    """Train three candidates on breast-cancer data with tracking; the best becomes champion."""
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
