"""Checks a project's data against its file before any training: every problem at once.

Minutes of tuning that end in "column not found" are the most common waste in an ML project.
Everything that can be known from the table and the project file is checked first: the
target (present, no missing values, two classes for a classifier), every column the file
names (slices, sensitive features, split columns, the id, behavioural tests), the sensitive
features (two groups at least, or fairness means nothing), the candidates (known kinds,
accepted parameters and search ranges) and, once split, that no test row is a training row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError
from loopml.pipelines._project import Candidate, Project
from loopml.pipelines._project_settings import headline_metrics, primary_metric, search_space_of
from loopml.training import ModelSpec, SearchSpace
from loopml.training._estimators import accepted_params

# A float target with more distinct values than this is a regression target.
_MAX_CLASSES_FOR_FLOAT_TARGET = 20


class ProjectInputError(InvalidValueError):
    """The data does not fit the project file; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(
            f"the data does not fit the project ({count}; nothing was trained):\n"
            + "\n".join(f"- {p}" for p in self.problems)
        )


def infer_task(project: Project, target: pd.Series) -> str:
    """The project's task: as the file says, else regression for a many-valued float target."""
    if project.data.task is not None:
        return project.data.task
    if pd.api.types.is_float_dtype(target) and target.nunique() > _MAX_CLASSES_FOR_FLOAT_TARGET:
        return "regression"
    return "classification"


CLASSIFICATION_METRICS = frozenset(
    {
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        *(f"{m}_{a}" for m in ("precision", "recall", "f1") for a in ("macro", "weighted")),
        "roc_auc",
        "pr_auc",
        "log_loss",
        "brier",
    }
)
REGRESSION_METRICS = frozenset({"mse", "rmse", "mae", "mape", "r2"})


def _threshold_problems(project: Project, frame: pd.DataFrame, task: str) -> list[str]:
    if project.evaluate.threshold is None or project.data.target not in frame.columns:
        return []
    classes = frame[project.data.target].nunique()
    if task != "classification" or classes != 2:
        return [
            f"evaluate.threshold is for a binary classifier; this is a {task} target "
            + (f"with {classes} classes" if task == "classification" else "")
        ]
    return []


def _metric_problems(project: Project, task: str) -> list[str]:
    known = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    problems = []
    metric = primary_metric(project, task)
    if metric not in known:
        problems.append(
            f"evaluate.primary_metric {metric!r} is not a {task} metric; use one of "
            f"{', '.join(sorted(known))}"
        )
    for name in headline_metrics(project, task):
        if name not in known:
            problems.append(f"evaluate.metrics: {name!r} is not a {task} metric")
    return problems


def _named_columns(project: Project) -> dict[str, list[str]]:
    """Every column the project file names, by the setting that names it."""
    evaluate, split = project.evaluate, project.split
    named: dict[str, list[str]] = {
        "data.id_column": [project.data.id_column] if project.data.id_column else [],
        "data.drop": list(project.data.drop),
        "evaluate.slices": list(evaluate.slices),
        "evaluate.fairness.sensitive_features": (
            list(evaluate.fairness.sensitive_features) if evaluate.fairness else []
        ),
        "evaluate.behaviour": [c.column for c in evaluate.behaviour if c.column is not None],
    }
    for key in ("stratify_by", "group_by", "time_by"):
        value = getattr(split, key)
        if value is not None:
            named[f"split.{key}"] = [value]
    return named


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so messages read ``1``, not ``np.int64(1)``."""
    return value.item() if isinstance(value, np.generic) else value


def _target_problems(project: Project, frame: pd.DataFrame, task: str) -> list[str]:
    target = project.data.target
    if target not in frame.columns:
        return [f"target column {target!r} is not in the data; columns: {', '.join(frame.columns)}"]
    values = frame[target]
    problems = []
    missing = int(values.isna().sum())
    if missing:
        problems.append(
            f"target column {target!r} has {missing} missing value(s); drop those rows first"
        )
    if task == "classification":
        classes = values.dropna().unique()
        if len(classes) < 2:
            shown = repr(_plain(classes[0])) if len(classes) else "none"
            problems.append(
                f"target column {target!r} has one class ({shown}); a classifier needs two or more"
            )
    elif not pd.api.types.is_numeric_dtype(values):
        problems.append(f"target column {target!r} is not numeric; a regression needs numbers")
    return problems


def _column_problems(project: Project, frame: pd.DataFrame) -> list[str]:
    problems = []
    for setting, columns in _named_columns(project).items():
        for column in columns:
            if column not in frame.columns:
                problems.append(f"{setting}: column {column!r} is not in the data")
    if project.data.target in project.data.drop or project.data.target == project.data.id_column:
        problems.append(f"the target {project.data.target!r} cannot be dropped or be the id")
    not_features = {project.data.target, project.data.id_column, *project.data.drop}
    for check in project.evaluate.behaviour:
        if check.column is not None and check.column in not_features:
            problems.append(
                f"evaluate.behaviour: {check.kind} on {check.column!r}, which is not a feature "
                "(the target, the id or dropped)"
            )
    return problems


def _fairness_problems(project: Project, frame: pd.DataFrame) -> list[str]:
    fairness = project.evaluate.fairness
    if fairness is None:
        return []
    problems = []
    for column in fairness.sensitive_features:
        if column in frame.columns:
            groups = frame[column].nunique(dropna=True)
            if groups < 2:
                problems.append(
                    f"sensitive feature {column!r} has {groups} group(s); fairness compares "
                    "two or more"
                )
    return problems


def candidate_spec(candidate: Candidate, task: str) -> ModelSpec:
    """The model spec of a candidate (its fixed params), checked."""
    return ModelSpec.parse({"kind": candidate.kind, "task": task, "params": candidate.params})


def _candidate_problems(project: Project, task: str) -> list[str]:
    problems = []
    for candidate in project.candidates:
        where = f"candidate {candidate.name!r}"
        try:
            spec = candidate_spec(candidate, task)
        except InvalidValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if not candidate.search:
            continue
        try:
            space = SearchSpace.from_dict(search_space_of(candidate)).to_dict()
        except InvalidValueError as exc:
            problems.append(f"{where}: search space: {exc}")
            continue
        unknown = sorted(set(space) - accepted_params(spec.kind, task))
        if unknown:
            problems.append(
                f"{where}: search space: {spec.kind} ({task}) does not accept parameter(s) "
                f"{', '.join(unknown)}"
            )
    return problems


def check_project_data(project: Project, frame: pd.DataFrame) -> str:
    """Check ``frame`` against ``project``; return the task. Raises before anything is trained.

    Raises:
        ProjectInputError: every problem found (target, columns, sensitive groups, candidates).
    """
    if frame.empty:
        raise ProjectInputError(["the data has no rows"])
    task = (
        infer_task(project, frame[project.data.target])
        if project.data.target in frame.columns
        else (project.data.task or "classification")
    )
    problems = (
        _target_problems(project, frame, task)
        + _column_problems(project, frame)
        + _fairness_problems(project, frame)
        + _candidate_problems(project, task)
        + _metric_problems(project, task)
        + _threshold_problems(project, frame, task)
    )
    if problems:
        raise ProjectInputError(problems)
    return task


def check_test_columns(project: Project, train: pd.DataFrame, test: pd.DataFrame) -> None:
    """A separate test table must have the training table's columns.

    Raises:
        ProjectInputError: columns missing from the test table.
    """
    missing = [c for c in train.columns if c not in test.columns]
    if missing:
        raise ProjectInputError([f"the test data lacks column(s) {', '.join(map(str, missing))}"])


def check_no_overlap(
    train: pd.DataFrame, test: pd.DataFrame, *, id_column: str | None = None
) -> None:
    """Refuse a test set that shares rows (or ids) with the training set.

    A test row that is also a training row measures memory, not generalisation: scores on it
    are optimistic by an unknown amount. Rows are compared whole (every column, target
    included), and by ``id_column`` when there is one.

    Raises:
        ProjectInputError: how many test rows (or ids) are in the training data.
    """
    problems = []
    if id_column is not None and id_column in train.columns and id_column in test.columns:
        shared = np.intersect1d(train[id_column].to_numpy(), test[id_column].to_numpy())
        if len(shared):
            problems.append(
                f"{len(shared)} id(s) of {id_column!r} are in both the training and the test "
                f"set (e.g. {shared[0]!r}); the test set overlaps the training set"
            )
    columns = [c for c in train.columns if c in test.columns]
    train_hashes = pd.util.hash_pandas_object(train[columns], index=False).to_numpy()
    test_hashes = pd.util.hash_pandas_object(test[columns], index=False).to_numpy()
    repeated = int(np.isin(test_hashes, train_hashes).sum())
    if repeated:
        problems.append(
            f"{repeated} of {len(test)} test row(s) ({repeated / len(test):.1%}) also appear in "
            "the training set; the test set overlaps the training set (remove duplicate rows "
            "before splitting, e.g. clean: {duplicates: {}}, or split by group)"
        )
    if problems:
        raise ProjectInputError(problems)
