"""Cross-validation of a model spec: the folds, and the spec's score on each of them.

Selection and tuning score a model on rows it was not fitted on. With one validation set that
score rests on one draw of rows; cross-validation averages it over ``folds`` draws. The fold
kind follows the data: ``stratified`` keeps every class's share in each fold (classification),
``grouped`` keeps one group's rows (a customer's, a patient's) on one side, and ``time`` only
ever validates on rows after the training rows.

Every fold fits what :func:`~loopml.training.train` fits: the cleaner is cloned and fitted on
the fold's training rows only, so nothing is learnt from the rows that score it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

from loopml.core import InvalidValueError
from loopml.evaluation._metric_direction import LOWER_IS_BETTER
from loopml.training._estimators import ModelSpec
from loopml.training._trainers import train

CVKind = Literal["kfold", "stratified", "grouped", "time"]
CV_KINDS: tuple[str, ...] = ("kfold", "stratified", "grouped", "time")
CLASSIFICATION_METRICS = ("roc_auc", "accuracy", "balanced_accuracy", "f1_macro", "log_loss")
REGRESSION_METRICS = ("rmse", "mae", "r2")


@dataclass(frozen=True)
class CrossValidation:
    """How to cut the rows into folds.

    Attributes:
        kind: ``"kfold"``, ``"stratified"`` (classes in proportion), ``"grouped"`` (a group's rows
            never on both sides; needs ``groups``) or ``"time"`` (rows in time order; each fold
            validates on the rows after its training rows, never shuffled).
        folds: how many folds, at least 2.
        shuffle: shuffle the rows before cutting (kfold, stratified, grouped), seeded by ``seed``.

    Example::

        CrossValidation("stratified", folds=5).splits(X, y)
    """

    kind: CVKind = "kfold"
    folds: int = 3
    shuffle: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in CV_KINDS:
            raise InvalidValueError(
                f"unknown cross-validation kind {self.kind!r}; use one of {', '.join(CV_KINDS)}"
            )
        if type(self.folds) is not int or self.folds < 2:
            raise InvalidValueError(
                f"cross-validation needs folds >= 2 (an integer), got {self.folds!r}"
            )
        if not isinstance(self.shuffle, bool):
            raise InvalidValueError(f"shuffle must be true or false, got {self.shuffle!r}")
        if type(self.seed) is not int:
            raise InvalidValueError(
                f"the cross-validation seed must be an integer, got {self.seed!r}"
            )

    def splits(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(train_rows, valid_rows)`` position arrays, one pair per fold.

        Raises:
            InvalidValueError: more folds than rows, than members of the smallest class
                (stratified) or than groups (grouped); grouped without ``groups``; stratified
                without ``y``; lengths that differ.
        """
        rows = len(X)
        if y is not None and len(y) != rows:
            raise InvalidValueError(f"X has {rows} rows but y has {len(y)}")
        if rows < self.folds:
            raise InvalidValueError(
                f"{self.folds} folds need at least {self.folds} rows, got {rows}"
            )
        positions = np.zeros((rows, 1))
        random_state = self.seed if self.shuffle else None
        if self.kind == "kfold":
            cut = KFold(self.folds, shuffle=self.shuffle, random_state=random_state)
            return list(cut.split(positions))
        if self.kind == "stratified":
            labels = self._check_strata(y)
            cut = StratifiedKFold(self.folds, shuffle=self.shuffle, random_state=random_state)
            return list(cut.split(positions, labels))
        if self.kind == "grouped":
            members = self._check_groups(groups, rows)
            grouped = GroupKFold(self.folds, shuffle=self.shuffle, random_state=random_state)
            return list(grouped.split(positions, groups=members))
        if rows <= self.folds:
            raise InvalidValueError(
                f"time-series cross-validation with {self.folds} folds needs more than "
                f"{self.folds} rows, got {rows}"
            )
        return list(TimeSeriesSplit(self.folds).split(positions))

    def _check_strata(self, y: Any) -> np.ndarray:
        if y is None:
            raise InvalidValueError("stratified cross-validation needs y, the class labels")
        labels = np.asarray(y, dtype=object)
        counts = pd.Series(labels).value_counts()
        if len(counts) < 2:
            raise InvalidValueError(
                f"stratified cross-validation needs two or more classes, got {list(counts.index)}"
            )
        smallest, size = counts.index[-1], int(counts.iloc[-1])
        if size < self.folds:
            raise InvalidValueError(
                f"stratified cross-validation with {self.folds} folds needs at least "
                f"{self.folds} rows of every class; class {smallest!r} has {size}"
            )
        return labels.astype(str)

    def _check_groups(self, groups: Any, rows: int) -> np.ndarray:
        if groups is None:
            raise InvalidValueError(
                "grouped cross-validation needs groups: one group label per row"
            )
        members = np.asarray(groups, dtype=object)
        if members.ndim != 1 or len(members) != rows:
            raise InvalidValueError(
                f"groups must be one label per row: X has {rows} rows, groups has {len(members)}"
            )
        if pd.isna(pd.Series(members)).any():
            raise InvalidValueError("groups has missing labels; every row needs a group")
        distinct = len(set(members.tolist()))
        if distinct < self.folds:
            raise InvalidValueError(
                f"grouped cross-validation with {self.folds} folds needs at least "
                f"{self.folds} groups, got {distinct}"
            )
        return members.astype(str)


def as_cross_validation(cv: int | CrossValidation, *, task: str, seed: int = 0) -> CrossValidation:
    """``cv`` as a :class:`CrossValidation`: an int is that many folds, stratified to classify."""
    if isinstance(cv, CrossValidation):
        return cv
    if type(cv) is not int:
        raise InvalidValueError(f"cv must be a number of folds or a CrossValidation, got {cv!r}")
    return CrossValidation("stratified" if task == "classification" else "kfold", cv, seed=seed)


@dataclass(frozen=True)
class CVScores:
    """One metric on every fold: the fold scores, their mean and (population) std."""

    metric: str
    fold_scores: list[float]
    mean: float
    std: float

    @property
    def greater_is_better(self) -> bool:
        """False for loss-like metrics (``rmse``, ``mae``, ``log_loss``)."""
        return self.metric not in LOWER_IS_BETTER


def metric_direction(metric: str) -> Literal["maximize", "minimize"]:
    """Whether tuning should maximise or minimise ``metric``."""
    return "minimize" if metric in LOWER_IS_BETTER else "maximize"


def default_metric(task: str, y: Any) -> str:
    """roc_auc for two classes, accuracy for more, rmse for regression."""
    if task == "regression":
        return "rmse"
    return "roc_auc" if len(pd.unique(np.asarray(y, dtype=object))) == 2 else "accuracy"


def check_metric(metric: str, task: str) -> str:
    """``metric`` if :func:`~loopml.training.validation_metrics` gives it for ``task``."""
    known = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    if metric not in known:
        raise InvalidValueError(f"unknown {task} metric {metric!r}; use one of {', '.join(known)}")
    return metric


def _rows(data: Any, positions: np.ndarray) -> Any:
    if isinstance(data, pd.DataFrame | pd.Series):
        return data.iloc[positions]
    return np.asarray(data)[positions]


def cross_validate_spec(
    spec: ModelSpec,
    X: Any,
    y: Any,
    *,
    cv: int | CrossValidation,
    cleaner: Any = None,
    metric: str | None = None,
    groups: Any = None,
    seed: int = 0,
    on_fold: Callable[[int, float], None] | None = None,
) -> CVScores:
    """Fit ``spec`` (and ``cleaner``) on each fold's training rows; score ``metric`` on the rest.

    Args:
        spec: the model; every fold's estimator is seeded with ``seed``.
        X, y: the rows (DataFrame or array) and the target.
        cv: a number of folds (stratified for classification, kfold for regression) or a
            :class:`CrossValidation`.
        cleaner: a ``loopml.data.Cleaner`` or transformer, cloned and fitted inside each fold.
        metric: one of :func:`~loopml.training.validation_metrics`' names; by default roc_auc
            for two classes, accuracy for more, rmse for regression.
        groups: one group label per row, for ``kind="grouped"``.
        on_fold: called with ``(fold, score)`` after each fold (tuning reports it so a pruner
            can stop a hopeless trial; whatever it raises stops the cross-validation).

    Raises:
        InvalidValueError: a bad ``cv``, metric, groups or data (see :meth:`CrossValidation.splits`
            and :func:`~loopml.training.train`), or a fold whose validation rows cannot give the
            metric (roc_auc on a fold with one class).
    """
    if not isinstance(spec, ModelSpec):
        raise InvalidValueError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    folds = as_cross_validation(cv, task=spec.task)
    if y is None or len(X) != len(y):
        raise InvalidValueError(f"X has {len(X)} rows but y has {'none' if y is None else len(y)}")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InvalidValueError(f"y must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    chosen = check_metric(metric or default_metric(spec.task, y), spec.task)
    return score_on_folds(
        spec,
        X,
        y,
        splits=folds.splits(X, y, groups),
        metric=chosen,
        cleaner=cleaner,
        seed=seed,
        on_fold=on_fold,
    )


def score_on_folds(
    spec: ModelSpec,
    X: Any,
    y: Any,
    *,
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    metric: str,
    cleaner: Any = None,
    seed: int = 0,
    on_fold: Callable[[int, float], None] | None = None,
) -> CVScores:
    """:func:`cross_validate_spec` on folds cut already (tuning cuts them once, for every trial)."""
    scores: list[float] = []
    for fold, (train_rows, valid_rows) in enumerate(splits):
        trained = train(
            spec,
            train=(_rows(X, train_rows), _rows(y, train_rows)),
            valid=(_rows(X, valid_rows), _rows(y, valid_rows)),
            cleaner=cleaner,
            seed=seed,
        )
        value = trained.validation_metrics.get(metric)
        if value is None or not math.isfinite(value):
            raise InvalidValueError(
                f"fold {fold} cannot be scored by {metric}: its validation rows do not allow "
                "it (one class only, or a class unseen in training); use stratified folds, "
                "fewer folds or another metric"
            )
        scores.append(float(value))
        if on_fold is not None:
            on_fold(fold, float(value))
    values = np.asarray(scores)
    return CVScores(
        metric=metric, fold_scores=scores, mean=float(values.mean()), std=float(values.std())
    )
