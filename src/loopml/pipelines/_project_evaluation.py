"""The evaluate step's work for one finalist: everything the report and the model card show.

The test rows are scored here and nowhere else. One finalist gets: every metric with the
headline's bootstrap interval, slices, fairness per sensitive feature, behavioural tests,
explanations and shortcut warnings, the goal's success criteria, and, when the model already
has a champion, the paired comparison and the gate's verdict (recorded on the version). A
first version that meets its criteria and fairness limits becomes the champion; later ones
stay challengers until the loop's promotion step (or a person) moves the alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import LoopmlError, NotFoundError
from loopml.evaluation._evaluation_parts import positive_scores
from loopml.pipelines._fitted_models import load_fitted
from loopml.pipelines._steps import StepContext
from loopml.tracking import get_run, start_run

CHAMPION = "champion"
CHALLENGER = "challenger"
_SAMPLE_FOR_CHECKS = 2000


def _slices(
    project: Any, test: pd.DataFrame, y: pd.Series, predicted: np.ndarray, scores: Any, task: str
) -> pd.DataFrame | None:
    from loopml.evaluation import slice_metrics
    from loopml.evaluation._evaluation_parts import slice_metric
    from loopml.pipelines._project_settings import primary_metric

    if not project.evaluate.slices:
        return None
    metric = slice_metric(primary_metric(project, task), task, scores)
    values = scores if metric in ("roc_auc", "pr_auc") else predicted
    return slice_metrics(
        test.reset_index(drop=True),
        y.to_numpy(),
        values,
        columns=project.evaluate.slices,
        metric=metric,
        n_resamples=200,
    )


def _fairness(project: Any, test: pd.DataFrame, y: pd.Series, predicted: np.ndarray) -> Any:
    from loopml.evaluation import FairnessThresholds, fairness_report

    section = project.evaluate.fairness
    if section is None:
        return None
    thresholds = FairnessThresholds(
        max_demographic_parity_difference=section.max_demographic_parity_difference,
        min_demographic_parity_ratio=section.min_demographic_parity_ratio,
        max_equalized_odds_difference=section.max_equalized_odds_difference,
    )
    positive = sorted(pd.unique(y))[-1]
    return fairness_report(
        y.to_numpy(),
        predicted,
        sensitive_features=test[section.sensitive_features].reset_index(drop=True),
        thresholds=thresholds,
        pos_label=positive,
        min_group_size=section.min_group_size,
    )


def behaviour_suite(checks: Sequence[Any], folder: Path) -> Any:
    """The :class:`BehaviourSuite` of a project file's ``evaluate.behaviour`` entries (or a
    behaviour file's, for ``loopml evaluate --behaviour``); None when there are none. A
    minimum-functionality table's path is relative to ``folder``."""
    from loopml.evaluation import BehaviourSuite, Directional, Invariance, MinimumFunctionality

    built: list[Any] = []
    for check in checks:
        if check.kind == "invariance":
            built.append(Invariance(check.column, tuple(check.values), check.tolerance, check.name))
        elif check.kind == "directional":
            built.append(
                Directional(check.column, check.change, check.expect, check.tolerance, check.name)
            )
        else:
            path = Path(check.file)
            cases = pd.read_csv(path if path.is_absolute() else folder / path)
            built.append(MinimumFunctionality(cases, check.expected, check.name))
    return BehaviourSuite(tuple(built)) if built else None


def _behaviour(project: Any, model: Any, X: pd.DataFrame, folder: Path) -> Any:
    suite = behaviour_suite(project.evaluate.behaviour, folder)
    return None if suite is None else suite.run(model, X.head(_SAMPLE_FOR_CHECKS))


def _explanations(
    project: Any, model: Any, X: pd.DataFrame, y: pd.Series, metrics: Mapping[str, float], task: str
) -> tuple[Any, list[Any]]:
    from loopml.evaluation._evaluation_parts import explain_and_check

    if not project.evaluate.explain:
        return None, []
    return explain_and_check(model, X, y, metrics, task)


def _champion_comparison(
    project: Any,
    model_name: str,
    version: int,
    X: pd.DataFrame,
    y: pd.Series,
    predicted: np.ndarray,
    task: str,
    fairness: Any,
    stores: Any,
) -> tuple[Any, Any, str | None]:
    """Compare with the current champion and apply the gate; (comparison, verdict, note)."""
    from loopml.evaluation import Gate, compare_models, record_gate_verdict
    from loopml.evaluation._evaluation_parts import comparison_metrics
    from loopml.registry import load_model

    try:
        champion = load_model(f"models:/{model_name}@{CHAMPION}", stores=stores)
    except NotFoundError:
        return None, None, None
    try:
        champion_predicted = np.asarray(champion.predict(X))
    except Exception as exc:  # an older champion on other columns: say so, do not fail
        return (
            None,
            None,
            f"the champion could not score this test set ({type(exc).__name__}: {exc})",
        )
    gate_metrics = [rule["metric"] for rule in project.evaluate.gate if "metric" in rule]
    binary = task == "classification" and y.nunique() == 2
    comparison = compare_models(
        y.to_numpy(),
        champion_predicted,
        predicted,
        task="regression" if task == "regression" else "classification",
        metrics=comparison_metrics(task, binary, gate_metrics),
        pos_label=sorted(pd.unique(y))[-1],
    )
    verdict = None
    if project.evaluate.gate:
        verdict = Gate.from_config(project.evaluate.gate).evaluate(comparison, fairness=fairness)
        record_gate_verdict(model_name, version, verdict, stores=stores)
    return comparison, verdict, None


def _artifact_digest(run_id: str, path: str, stores: Any) -> str:
    for artifact in get_run(run_id, stores=stores).artifacts:
        if artifact.path == path:
            return artifact.digest
    raise LoopmlError(f"run {run_id} has no artifact {path!r}")


def _data_summary(
    role: str, reference: Mapping[str, Any], frame: pd.DataFrame, target: str
) -> dict[str, Any]:
    missing = float(frame.isna().to_numpy().mean()) if frame.size else 0.0
    summary: dict[str, Any] = {
        "role": role,
        "name": reference["name"],
        "version": reference["version"],
        "rows": int(len(frame)),
        "columns": int(frame.shape[1]),
        # A prefix names the content; the version id in the lineage names it exactly.
        "content_hash": reference["content_hash"][:16],
        "missing_cells": f"{missing:.2%}",
    }
    if target in frame.columns and frame[target].nunique() <= 20:
        shares = frame[target].value_counts(normalize=True).sort_index()
        summary["target"] = ", ".join(f"{k}: {v:.1%}" for k, v in shares.items())
    return summary


def _column_line(column: Any) -> str:
    """One line of a training column's profile for the model card."""
    parts = [column.kind, f"{column.missing_fraction:.1%} missing", f"{column.distinct:,} distinct"]
    stats = column.numeric
    if stats is not None and stats.mean is not None:
        parts.append(f"mean {stats.mean:.4g} (min {stats.min:.4g}, max {stats.max:.4g})")
    elif column.top_values:
        top = column.top_values[0]
        share = top.count / column.present if column.present else 0.0
        parts.append(f"most often {top.value!r} ({share:.1%})")
    return ", ".join(parts)


def _training_profile(reference: Mapping[str, Any], target: str, stores: Any) -> dict[str, str]:
    """The training data's profile, as the card shows it: a line per column and the warnings.

    The same profile ``loopml data profile`` makes (DuckDB, every row), summarised: the card
    says what the model learnt from, column by column, and what looked wrong in it.
    """
    from loopml.data import get_dataset, profile_dataset

    version = get_dataset(reference["name"], reference["version"], stores=stores)
    profile = profile_dataset(version, target=target, stores=stores)
    lines = {column.name: _column_line(column) for column in profile.columns}
    if profile.duplicates.duplicate_rows:
        lines["duplicate rows"] = f"{profile.duplicates.duplicate_rows:,}"
    for index, warning in enumerate(profile.warnings, start=1):
        lines[f"warning {index}"] = warning.message
    return lines


def evaluate_finalist(
    context: StepContext,
    entry: Mapping[str, Any],
    candidate: Mapping[str, Any],
    frames: Mapping[str, pd.DataFrame],
) -> dict[str, Any]:
    """Evaluate one registered finalist on the test rows; store its report and model card.

    ``frames`` holds the split's train, validation and test rows, loaded once for every
    finalist by the evaluate step."""
    from loopml.evaluation import (
        EvaluationReport,
        build_model_card,
        check_success,
        evaluate_model,
        evaluate_threshold,
        save_model_card,
    )
    from loopml.pipelines._project import Project
    from loopml.pipelines._project_settings import headline_metrics
    from loopml.pipelines._project_steps import _split_xy, baseline_scores
    from loopml.registry import get_model, set_alias

    config, stores = context.config, context.stores
    project = Project.model_validate(config["project"])
    task = context.inputs["validate"]["task"]
    split = context.inputs["split"]
    model_name, version = entry["model"], entry["version"]
    model = load_fitted(candidate["model"], stores=stores)
    test = frames["test"]
    X, y = _split_xy(test, config)
    frame = X.assign(**{project.data.target: y})
    evaluation = evaluate_model(model, frame, target=project.data.target)
    predicted = np.asarray(evaluation.predicted)  # predicted once, in evaluate_model
    scores = evaluation.positive_scores if task == "classification" else None
    slices = _slices(project, test, y, predicted, scores, task)
    fairness = _fairness(project, test, y, predicted) if task == "classification" else None
    behaviour = _behaviour(project, model, X, Path(config["folder"]))
    explanations, warnings = _explanations(project, model, X, y, evaluation.metrics, task)
    comparison, verdict, note = _champion_comparison(
        project, model_name, version, X, y, predicted, task, fairness, stores
    )
    threshold = None
    if project.evaluate.threshold is not None and scores is not None:
        X_valid, y_valid = _split_xy(frames["validation"], config)
        threshold = evaluate_threshold(
            y_valid.to_numpy(),
            positive_scores(model, X_valid),
            y.to_numpy(),
            scores,
            objective=project.evaluate.threshold.as_objective(),
        )
    criteria = check_success(project.goal.success, evaluation.metrics)
    report = EvaluationReport(
        title=f"{project.project}: {entry['candidate']} on the test set",
        model=f"{model_name} v{version} ({entry['candidate']})",
        dataset=f"{split['test']['name']} v{split['test']['version']} ({len(test):,} rows)",
        evaluation=evaluation,
        goal=project.goal.kpi,
        criteria=criteria,
        baselines=baseline_scores(
            context,
            part="test",
            rule=project.baselines.rule,
            folder=config["folder"],
            frames=frames,
        ),
        slices=slices,
        fairness=fairness,
        comparison=comparison,
        verdict=verdict,
        behaviour=behaviour,
        explanations=explanations,
        warnings=warnings,
        threshold=threshold,
    )
    with start_run(
        project.project,
        name=f"evaluate-{entry['candidate']}",
        tags={
            "loopml.pipeline_run": context.pipeline_run_id,
            "loopml.model": f"{model_name}/{version}",
        },
        stores=stores,
    ) as run:
        run.log_input(split["test"]["id"], context="test")
        run.log_metrics(
            {
                f"test_{k}": v
                for k, v in evaluation.metrics.items()
                if "[" not in k and np.isfinite(v)
            }
        )
        html_name, json_name = report.save(run)
    data = [
        _data_summary(role, split[role], frames[role], project.data.target)
        for role in ("train", "validation")
    ] + [_data_summary("test", split["test"], test, project.data.target)]
    data[0]["profile"] = _training_profile(split["train"], project.data.target, stores)
    limitations = list(project.evaluate.limitations)
    if note:
        limitations.append(note)
    card = build_model_card(
        model_name=model_name,
        version=version,
        report=report,
        intended_use=(project.description + "\n\n" if project.description else "")
        + f"Business KPI: {project.goal.kpi}",
        data=data,
        limitations=limitations,
        lineage={
            "pipeline_run": context.pipeline_run_id,
            "candidate_run": candidate["run_id"],
            "tuning_run": (candidate.get("tuning") or {}).get("run_id"),
            "evaluation_run": run.id,
            "spec": candidate["spec"],
            "datasets": {role: split[role]["id"] for role in ("train", "validation", "test")},
            "project_digest": config.get("project_digest", ""),
        },
    )
    card_digests = save_model_card(card, stores=stores)
    fairness_passed = None if fairness is None else bool(fairness.passed)
    criteria_passed = all(c.passed for c in criteria)
    # The register step made the model, so it exists; a first champion needs no gate.
    has_champion = CHAMPION in get_model(model_name, stores=stores).aliases
    aliases = [CHALLENGER]
    if not has_champion and criteria_passed and fairness_passed is not False:
        aliases.append(CHAMPION)
    for alias in aliases:
        set_alias(model_name, alias, version=version, stores=stores)
    return {
        "candidate": entry["candidate"],
        "model": model_name,
        "version": version,
        "run_id": run.id,
        "headline": {
            "metric": evaluation.headline,
            "value": evaluation.metrics[evaluation.headline],
            "interval": list(evaluation.interval),
        },
        "metrics": {name: evaluation.metrics.get(name) for name in headline_metrics(project, task)},
        "threshold": None if threshold is None else threshold.to_dict(),
        "criteria_passed": criteria_passed,
        "fairness_passed": fairness_passed,
        "gate_passed": None if verdict is None else bool(verdict.passed),
        "aliases": aliases,
        "warnings": [w.message for w in warnings],
        "report": {
            "html": _artifact_digest(run.id, html_name, stores),
            "json": _artifact_digest(run.id, json_name, stores),
        },
        "model_card": card_digests,
    }
