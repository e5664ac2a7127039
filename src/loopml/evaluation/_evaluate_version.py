"""A registered model version evaluated on a stored dataset, its report stored on a run.

What ``loopml evaluate`` does, as one SDK call: the pipeline's evaluate step does the same for
its finalists, from the project file. Every metric with the headline's bootstrap interval and
the plots always; on request, metrics per slice, fairness per sensitive feature, a paired
comparison with another version (the champion, usually) and a gate's verdict, recorded on the
evaluated version; explanations and shortcut warnings unless switched off. The report (HTML +
JSON) is stored on an evaluation run with the test metrics and the dataset as the run's input,
so "which data was this model judged on, and how did it do?" has a recorded answer.

Every argument is checked before the model is loaded or a row scored: a column the dataset
lacks, fairness on a regression target, a gate without a model to compare against.

Example::

    from loopml.evaluation import evaluate_version

    stored = evaluate_version(
        "models:/churn@challenger", "churn-2026-11", target="churned",
        slices=["plan"], sensitive_features=["gender"], against="models:/churn@champion",
        gate=[{"metric": "f1", "max_drop": 0.01}, {"fairness": "must_pass"}],
    )
    print(stored.run_id, stored.verdict.passed if stored.verdict else None)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from loopml.core import InvalidValueError
from loopml.evaluation._evaluation_parts import (
    comparison_metrics,
    explain_and_check,
    slice_metric,
)

if TYPE_CHECKING:
    import pandas as pd

    from loopml.evaluation._behaviour import BehaviourSuite
    from loopml.evaluation._fairness import FairnessThresholds
    from loopml.evaluation._gate import Gate, GateVerdict
    from loopml.evaluation._report import EvaluationReport
    from loopml.registry import ModelVersion
    from loopml.store import Stores

# Explanations and shortcut checks look at a seeded sample: their cost grows with the rows
# and a few thousand rows give the same ranking.
_EXPLAIN_ROWS = 2000
# Behavioural tests edit and re-score rows: the first few thousand show a broken invariance.
_BEHAVIOUR_ROWS = 2000


@dataclass(frozen=True)
class StoredEvaluation:
    """The result of :func:`evaluate_version`: the report and where it is stored."""

    report: EvaluationReport
    model: ModelVersion
    run_id: str
    html_artifact: str
    json_artifact: str
    verdict: GateVerdict | None = None
    model_card_written: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the report's facts and the stored artifacts."""
        return {
            "model": {"name": self.model.name, "version": self.model.version},
            "run_id": self.run_id,
            "artifacts": {"html": self.html_artifact, "json": self.json_artifact},
            "model_card_written": self.model_card_written,
            "report": self.report.to_dict(),
        }


def _column_list(value: Sequence[str], name: str) -> list[str]:
    if isinstance(value, str) or not all(isinstance(c, str) and c for c in value):
        raise InvalidValueError(f"{name} must be a list of column names, got {value!r}")
    return list(value)


def _check_columns(
    frame: pd.DataFrame, *, target: str, groups: Mapping[str, Sequence[str]]
) -> None:
    problems = []
    if target not in frame.columns:
        problems.append(f"target column {target!r} is not in the data")
    for setting, columns in groups.items():
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            problems.append(f"{setting}: {', '.join(map(repr, missing))} not in the data")
    if problems:
        available = ", ".join(map(str, frame.columns))
        raise InvalidValueError("; ".join(problems) + f" (columns: {available})")


def _resolve(reference: str, stores: Stores) -> ModelVersion:
    """The version a URI or a name stands for, read the way ``load_model`` reads it."""
    from loopml.registry import get_model_version
    from loopml.registry._load import model_reference

    uri = model_reference(reference)
    return get_model_version(uri.name, uri.version or uri.alias or "latest", stores=stores)


def evaluate_version(
    model: str,
    dataset: str,
    *,
    target: str,
    dataset_version: int | None = None,
    drop: Sequence[str] = (),
    slices: Sequence[str] = (),
    sensitive_features: Sequence[str] = (),
    fairness_thresholds: FairnessThresholds | None = None,
    min_group_size: int = 30,
    against: str | None = None,
    gate: Gate | Sequence[Mapping[str, Any]] | None = None,
    behaviour: BehaviourSuite | None = None,
    explain: bool = True,
    model_card: bool = True,
    intended_use: str | None = None,
    experiment: str = "evaluation",
    progress: Callable[[str, int, int], None] | None = None,
    stores: Stores | None = None,
) -> StoredEvaluation:
    """Evaluate a registered model version on a stored dataset and store the report on a run.

    Args:
        model: ``models:/name/3``, ``models:/name@alias`` or a name (its latest version).
        dataset, dataset_version: the stored dataset (default: its latest version).
        target: the label column. ``drop``: columns that are not features (an id, a date),
            kept for ``slices`` and ``sensitive_features`` but not shown to the model.
        slices: columns to measure the headline metric per value of (weak slices flagged).
        sensitive_features: columns for the fairness report (binary classifiers), judged
            against ``fairness_thresholds`` (the usual limits when None); groups smaller than
            ``min_group_size`` are listed but left out of the verdict.
        against: another version (usually ``models:/name@champion``) scored on the same rows:
            metric deltas with intervals and a paired test (McNemar or Wilcoxon).
        gate: rules the evaluated version must meet against ``against`` (a :class:`Gate` or
            its config, e.g. ``[{"metric": "f1", "max_drop": 0.01}]``); the verdict is
            recorded on the evaluated version.
        behaviour: behavioural tests (invariance, directional, minimum functionality), run
            on the first 2,000 rows; reported pass/fail per case.
        explain: SHAP and permutation importance, and shortcut/leakage warnings.
        model_card: give a version that has no model card one, built from this evaluation
            (``loopml run`` cards its versions from the project; a version registered from
            code gets its card here). An existing card is left as it is.
        intended_use: what the model is for, on the card (default: the version's
            description).
        experiment: where the evaluation run is recorded.
        progress: called with (what starts now, how many parts are done, how many in all)
            as each part of the evaluation starts, and once more at the end (the CLI's bar).

    Raises:
        InvalidValueError: a column the dataset lacks, fairness asked of a regression or a
            multi-class target, a gate without ``against``, a malformed argument.
        NotFoundError: no such model, version, alias or dataset (the message lists what is).
        IntegrityError: a model file no longer matches its recorded sha256.
    """
    import numpy as np
    import pandas as pd

    from loopml.data import get_dataset, load_dataset
    from loopml.evaluation._fairness import FairnessThresholds
    from loopml.evaluation._gate import Gate
    from loopml.registry import load_model
    from loopml.store import default_stores
    from loopml.tracking._experiments import check_experiment_name

    stores = stores or default_stores()
    check_experiment_name(experiment)
    drop, slices = _column_list(drop, "drop"), _column_list(slices, "slices")
    sensitive = _column_list(sensitive_features, "sensitive_features")
    if intended_use is not None and not isinstance(intended_use, str):
        raise InvalidValueError(f"intended_use must be text, got {intended_use!r}")
    from loopml.evaluation._behaviour import BehaviourSuite

    if behaviour is not None and not isinstance(behaviour, BehaviourSuite):
        raise InvalidValueError(f"behaviour must be a BehaviourSuite, got {behaviour!r}")
    if gate is not None and against is None:
        raise InvalidValueError("a gate judges a model against another: give `against` too")
    rules = gate if gate is None or isinstance(gate, Gate) else Gate.from_config(gate)
    thresholds = fairness_thresholds if fairness_thresholds is not None else FairnessThresholds()
    size = min_group_size
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise InvalidValueError(f"min_group_size must be a positive whole number, got {size!r}")

    version = _resolve(model, stores)
    champion = _resolve(against, stores) if against is not None else None
    record = get_dataset(dataset, dataset_version, stores=stores)
    frame = load_dataset(record, stores=stores)
    _check_columns(
        frame,
        target=target,
        groups={"drop": drop, "slices": slices, "sensitive_features": sensitive},
    )
    y = frame[target].reset_index(drop=True)
    if sensitive and y.nunique() != 2:  # a regression target has many values, not two
        raise InvalidValueError(
            "sensitive_features: the fairness report is for binary classifiers; "
            f"{target!r} has {y.nunique()} distinct values"
        )

    asked = {
        "slices": bool(slices),
        "fairness": bool(sensitive),
        "comparison": champion is not None,
        "behaviour": behaviour is not None,
        "explanations": explain,
    }
    parts = ["scoring", *(part for part, wanted in asked.items() if wanted), "storing the report"]

    def announce(part: str) -> None:
        if progress is not None:  # "done" is past the last part
            progress(part, parts.index(part) if part in parts else len(parts), len(parts))

    announce("scoring")
    loaded = load_model(version, stores=stores)
    X = frame.drop(columns=[target, *drop]).reset_index(drop=True)
    evaluation = _evaluate(loaded, X, y, target)
    task = evaluation.task
    # The rows are predicted once, in evaluate_model: on a large table each pass costs seconds.
    predicted = np.asarray(evaluation.predicted)
    scores = evaluation.positive_scores if task == "classification" else None
    positive = sorted(pd.unique(y))[-1]
    context = frame.reset_index(drop=True)

    slice_table = None
    if slices:
        from loopml.evaluation._slices import slice_metrics

        announce("slices")
        metric = slice_metric(evaluation.headline, task, scores)
        slice_table = slice_metrics(
            context,
            y.to_numpy(),
            scores if metric in ("roc_auc", "pr_auc") else predicted,
            columns=slices,
            metric=metric,
            n_resamples=200,
        )
    fairness = None
    if sensitive:
        from loopml.evaluation._fairness import fairness_report

        announce("fairness")
        fairness = fairness_report(
            y.to_numpy(),
            predicted,
            sensitive_features=context[sensitive],
            thresholds=thresholds,
            pos_label=positive,
            min_group_size=min_group_size,
        )
    comparison = verdict = None
    if champion is not None:
        from loopml.evaluation._compare import compare_models

        announce("comparison")
        champion_predicted = np.asarray(load_model(champion, stores=stores).predict(X))
        gate_metrics = [r.metric for r in (rules.rules if rules else ()) if hasattr(r, "metric")]
        comparison = compare_models(
            y.to_numpy(),
            champion_predicted,
            predicted,
            task="regression" if task == "regression" else "classification",
            metrics=comparison_metrics(task, y.nunique() == 2, gate_metrics),
            pos_label=positive,
        )
        if rules is not None:
            verdict = rules.evaluate(comparison, fairness=fairness)
    tests = None
    if behaviour is not None:
        announce("behaviour")
        tests = behaviour.run(loaded, X.head(_BEHAVIOUR_ROWS))
    explanations: Any = None
    warnings: list[Any] = []
    if explain:
        announce("explanations")
        explanations, warnings = explain_and_check(
            loaded, X, y, evaluation.metrics, task, sample_rows=_EXPLAIN_ROWS, progress=False
        )

    from loopml.evaluation._report import EvaluationReport

    label = f"{version.name} v{version.version}"
    report = EvaluationReport(
        title=f"{label} on {record.dataset} v{record.version}",
        model=label if champion is None else f"{label} (against v{champion.version})",
        dataset=f"{record.uri} ({len(frame):,} rows)",
        evaluation=evaluation,
        slices=slice_table,
        fairness=fairness,
        comparison=comparison,
        verdict=verdict,
        behaviour=tests,
        explanations=explanations,
        warnings=warnings,
    )
    announce("storing the report")
    stored = _store(report, version, record, evaluation, verdict, experiment, stores)
    if verdict is not None:
        # After the report is stored: a recorded verdict always has its evidence on a run.
        from loopml.evaluation._gate import record_gate_verdict

        record_gate_verdict(version.name, version.version, verdict, stores=stores)
    if model_card and _needs_card(version):
        _write_card(stored, record, len(frame), intended_use, stores)
        stored = replace(stored, model_card_written=True)
    announce("done")
    return stored


def _needs_card(version: ModelVersion) -> bool:
    from loopml.evaluation._model_card import MARKDOWN_TAG

    return MARKDOWN_TAG not in version.tags


def _write_card(
    stored: StoredEvaluation, record: Any, rows: int, intended_use: str | None, stores: Stores
) -> None:
    """The version's model card from this evaluation: the evaluation data, the lineage."""
    from loopml.evaluation._model_card import build_model_card, save_model_card

    version = stored.model
    use = (
        intended_use
        or version.description
        or ("not stated: pass intended_use (loopml evaluate --intended-use) to say what it is for")
    )
    data = {
        "role": "evaluation",
        "name": record.dataset,
        "version": record.version,
        "rows": rows,
        "content_hash": record.content_hash[:16],
    }
    lineage = {
        "source run": version.source_run_id or "not recorded",
        "evaluation run": stored.run_id,
        "evaluation data": record.id,
    }
    card = build_model_card(
        model_name=version.name,
        version=version.version,
        report=stored.report,
        intended_use=use,
        data=[data],
        lineage=lineage,
    )
    save_model_card(card, stores=stores)


def _evaluate(model: Any, X: pd.DataFrame, y: pd.Series, target: str) -> Any:
    from loopml.evaluation._model_evaluation import evaluate_model

    return evaluate_model(model, X.assign(**{target: y.to_numpy()}), target=target)


def _store(
    report: EvaluationReport,
    version: ModelVersion,
    record: Any,
    evaluation: Any,
    verdict: GateVerdict | None,
    experiment: str,
    stores: Stores,
) -> StoredEvaluation:
    import math

    from loopml.tracking import start_run

    with start_run(
        experiment,
        name=f"evaluate-{version.name}-v{version.version}",
        tags={"loopml.model": f"{version.name}/{version.version}", "loopml.dataset": record.uri},
        stores=stores,
    ) as run:
        run.log_input(record.id, context="evaluation")
        run.log_metrics(
            {
                f"test_{name}": value
                for name, value in evaluation.metrics.items()
                if "[" not in name and math.isfinite(value)
            }
        )
        html_name, json_name = report.save(run)
    return StoredEvaluation(
        report=report,
        model=version,
        run_id=run.id,
        html_artifact=html_name,
        json_artifact=json_name,
        verdict=verdict,
    )
