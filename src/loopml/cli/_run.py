"""``loopml run``: execute a project file, step by step, and say where the reports are."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from loopml.cli._render import console, number, print_json, table


def run(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("loopml.yaml"),
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Run every step again, even unchanged ones.")
    ] = False,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            help="Where to write the reports and model cards (default: reports/ "
            "next to the project file).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a project: load, validate, split, baselines, tune and train every candidate, select,
    register, and evaluate the finalists on the test set (report + model card each).

    Unchanged steps are reused from earlier runs; a failed run resumes where it stopped when
    run again.
    """
    execute_project(path, use_cache=not no_cache, reports=reports, as_json=as_json)


def execute_project(
    path: Path, *, use_cache: bool = True, reports: Path | None = None, as_json: bool = False
) -> None:
    """Run the project at ``path``, write its reports, and print what happened."""
    from loopml.pipelines import StepStatus, export_reports, run_project
    from loopml.store import default_stores

    stores = default_stores()
    started: dict[str, float] = {}

    def on_step(name: str, status: StepStatus) -> None:
        if as_json:
            return
        if status is StepStatus.RUNNING:
            started[name] = time.perf_counter()
            console.print(f"  • {name} …")
        elif status is StepStatus.REUSED:
            console.print(f"  • {name}: reused (unchanged)")
        else:
            console.print(f"  • {name}: done in {time.perf_counter() - started[name]:.1f} s")

    if not as_json:
        console.print(f"[bold]loopml run[/bold] {path} — records in {stores.metadata!r}")
    begun = time.perf_counter()
    result = run_project(path, use_cache=use_cache, on_step=on_step, stores=stores)
    elapsed = time.perf_counter() - begun
    folder = reports if reports is not None else path.resolve().parent / "reports"
    written = export_reports(result, folder, stores=stores)
    if as_json:
        print_json(_as_document(result, written, elapsed))
        return
    _print_summary(result, written, elapsed)


def _as_document(result: Any, written: list[Path], elapsed: float) -> dict[str, Any]:
    return {
        "project": result.project.project,
        "pipeline_run": result.pipeline.id,
        "seconds": round(elapsed, 3),
        "steps": [
            {
                "name": s.name,
                "status": s.status.value,
                "seconds": round(s.duration_s, 3),
                "warnings": list(s.warnings),
            }
            for s in result.pipeline.steps
        ],
        "reused": result.reused,
        "ranking": result.ranking,
        "finalists": result.finalists,
        "files": [str(p) for p in written],
    }


def _print_summary(result: Any, written: list[Path], elapsed: float) -> None:
    for step in result.pipeline.steps:
        for warning in step.warnings:
            console.print(f"  [yellow]warning[/yellow] in {step.name}: {warning}", highlight=False)
    reused = result.reused
    if len(reused) == len(result.pipeline.steps):
        console.print(f"nothing changed: all {len(reused)} steps reused ({elapsed:.2f} s)")
    elif reused:
        console.print(f"reused {len(reused)} unchanged step(s): {', '.join(reused)}")
    metric = result.pipeline.outputs("select")["metric"]
    console.print(
        table(
            f"candidates on the validation set ({metric})",
            ["candidate", metric, "vs baselines"],
            [
                [
                    r["name"],
                    number(r["score"]),
                    "FLAGGED: " + r["message"] if r["flagged"] else "ok",
                ]
                for r in result.ranking
            ],
        )
    )
    for finalist in result.finalists:
        headline = finalist["headline"]
        low, high = headline["interval"]
        console.print(
            f"[bold]{finalist['model']} v{finalist['version']}[/bold] ({finalist['candidate']}) "
            f"on the test set: {headline['metric']} {number(headline['value'])} "
            f"[95% CI {number(low)}–{number(high)}]; "
            + "".join(
                f"{name} {number(value)}; "
                for name, value in finalist.get("metrics", {}).items()
                if name != headline["metric"] and value is not None
            )
            + "success criteria "
            f"{'met' if finalist['criteria_passed'] else 'NOT met'}"
            + (
                ""
                if finalist["fairness_passed"] is None
                else f"; fairness {'passed' if finalist['fairness_passed'] else 'FAILED'}"
            )
            + (
                ""
                if finalist["gate_passed"] is None
                else f"; gate {'passed' if finalist['gate_passed'] else 'FAILED'}"
            )
            + f"; aliases: {', '.join(finalist['aliases'])}"
        )
        threshold = finalist.get("threshold")
        if threshold:
            test = threshold["test"]
            console.print(
                f"  threshold {number(threshold['threshold'])} (chosen on validation for "
                f"{threshold['objective']}): on the test set precision "
                f"{number(test['precision'])}, recall {number(test['recall'])}"
            )
        for warning in finalist["warnings"]:
            console.print(f"  [yellow]warning:[/yellow] {warning}", markup=True)
    console.print("reports and model cards:")
    for path in written:
        console.print(f"  {path}", markup=False, highlight=False)
    console.print(f"pipeline run {result.pipeline.id} in {elapsed:.1f} s")
