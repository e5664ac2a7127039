"""``loopml evaluate``: a registered model scored on a stored dataset, the report on a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from loopml.cli._render import console, number, print_json, table

EVALUATE_EXAMPLE = (
    "Example: loopml evaluate models:/churn@challenger churn-2026-11 -t churned "
    "--drop customer_id --slice plan --sensitive gender --against models:/churn@champion "
    "--gate gate.yaml --behaviour behaviour.yaml -o report.html"
)


def _gate_rules(path: Path) -> list[Any]:
    """The gate rules in a YAML or JSON file: a list, as in the project file's ``gate``."""
    import yaml

    from loopml.core import InvalidValueError

    if not path.is_file():
        raise InvalidValueError(f"gate file {path} does not exist")
    try:
        rules = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidValueError(f"gate file {path} is not YAML or JSON: {exc}") from None
    if not isinstance(rules, list):
        raise InvalidValueError(
            f"gate file {path} must hold a list of rules, e.g. "
            "[{metric: f1, max_drop: 0.01}, {fairness: must_pass}]"
        )
    return rules


def _behaviour_suite(path: Path) -> Any:
    """The behavioural tests in a file; a minimum-functionality table's path is relative to it."""
    from loopml.pipelines._project import load_behaviour_checks
    from loopml.pipelines._project_evaluation import behaviour_suite

    return behaviour_suite(load_behaviour_checks(path), path.resolve().parent)


def evaluate(
    model: Annotated[str, typer.Argument(help="models:/name@alias, models:/name/3, or a name.")],
    dataset: Annotated[str, typer.Argument(help="Dataset to score it on (features + target).")],
    target: Annotated[str, typer.Option("--target", "-t", help="The target column.")],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Dataset version (default: latest).")
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", help="A column that is not a feature (an id); repeatable."),
    ] = None,
    slices: Annotated[
        list[str] | None,
        typer.Option("--slice", help="Measure the headline metric per value of it; repeatable."),
    ] = None,
    sensitive: Annotated[
        list[str] | None,
        typer.Option("--sensitive", help="A sensitive feature for fairness; repeatable."),
    ] = None,
    max_dp_difference: Annotated[
        float, typer.Option(help="Fairness limit: demographic-parity difference.")
    ] = 0.1,
    min_dp_ratio: Annotated[
        float, typer.Option(help="Fairness limit: demographic-parity ratio.")
    ] = 0.8,
    max_eo_difference: Annotated[
        float, typer.Option(help="Fairness limit: equalized-odds difference.")
    ] = 0.1,
    min_group_size: Annotated[
        int, typer.Option(help="Smaller groups are listed but left out of the fairness verdict.")
    ] = 30,
    against: Annotated[
        str | None,
        typer.Option("--against", help="Compare with this version, e.g. models:/churn@champion."),
    ] = None,
    gate: Annotated[
        Path | None,
        typer.Option("--gate", help="Gate rules (YAML/JSON list); the verdict is recorded."),
    ] = None,
    behaviour: Annotated[
        Path | None,
        typer.Option("--behaviour", help="Behavioural tests (YAML list, as in the project file)."),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain/--no-explain", help="SHAP, permutation importance, shortcuts."),
    ] = True,
    card: Annotated[
        bool,
        typer.Option("--card/--no-card", help="Give a version without a model card one."),
    ] = True,
    intended_use: Annotated[
        str | None, typer.Option("--intended-use", help="What the model is for (on the card).")
    ] = None,
    experiment: Annotated[
        str, typer.Option("--experiment", "-e", help="Where the evaluation run is recorded.")
    ] = "evaluation",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write the report (one offline HTML page) here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score a model on a dataset: every metric, the headline's 95% interval and the plots; per
    slice, fairness, a paired comparison and a gate's verdict on request; explanations. The
    report (HTML + JSON) is stored on an evaluation run."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from loopml.core import write_text_atomically
    from loopml.evaluation import FairnessThresholds, evaluate_version

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("evaluating", total=None)

        def progress(part: str, done: int, total: int) -> None:
            bar.update(task, description=f"evaluating: {part}", completed=done, total=total)

        stored = evaluate_version(
            model,
            dataset,
            target=target,
            dataset_version=version,
            drop=drop or [],
            slices=slices or [],
            sensitive_features=sensitive or [],
            fairness_thresholds=FairnessThresholds(
                max_demographic_parity_difference=max_dp_difference,
                min_demographic_parity_ratio=min_dp_ratio,
                max_equalized_odds_difference=max_eo_difference,
            ),
            min_group_size=min_group_size,
            against=against,
            gate=None if gate is None else _gate_rules(gate),
            behaviour=None if behaviour is None else _behaviour_suite(behaviour),
            explain=explain,
            model_card=card,
            intended_use=intended_use,
            experiment=experiment,
            progress=progress,
        )
    report = stored.report
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(out, report.to_html())
    if as_json:
        print_json(
            report.evaluation.to_dict()
            | {
                "model": {"name": stored.model.name, "version": stored.model.version},
                "run_id": stored.run_id,
                "artifacts": [stored.html_artifact, stored.json_artifact],
                "model_card_written": stored.model_card_written,
                "summary": report.to_dict()["summary"],
            }
            | ({"report": str(out)} if out else {})
        )
        return
    _print_summary(stored, out)


def _print_summary(stored: Any, out: Path | None) -> None:
    report = stored.report
    result = report.evaluation
    low, high = result.interval
    rows = [[name, number(value)] for name, value in result.metrics.items() if "[" not in name]
    console.print(
        table(f"{report.title} ({result.rows:,} rows, {result.task})", ["metric", "value"], rows)
    )
    console.print(
        f"{result.headline} = {number(result.metrics[result.headline])} "
        f"(95% bootstrap interval {number(low)} – {number(high)})"
    )
    if report.fairness is not None:
        console.print(f"fairness: {'passed' if report.fairness.passed else 'FAILED'}")
    if report.behaviour is not None:
        tests = report.behaviour
        console.print(f"behavioural tests: {tests.num_failed} of {len(tests.cases)} cases failed")
    if report.verdict is not None:
        console.print(
            f"gate: {'passed' if report.verdict.passed else 'FAILED'} "
            f"(recorded on {stored.model.name} v{stored.model.version})"
        )
    for line in report.problems():
        console.print(f"  [yellow]![/yellow] {line}", highlight=False)
    console.print(
        f"report stored on run {stored.run_id} ({stored.html_artifact}, {stored.json_artifact})"
        + (f"; page written to {out}" if out else "")
    )
    if stored.model_card_written:
        name, number_ = stored.model.name, stored.model.version
        console.print(
            f"model card written for {name} v{number_}: loopml models card {name} {number_}"
        )
