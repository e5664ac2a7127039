"""The target: which task it implies, and how well each feature alone predicts it.

The single-feature score is what flags a leakage suspect (a feature that alone predicts the
target almost perfectly, e.g. a copy of it or something only known after the fact). It is
computed on the profile's sample, out of sample: half of the sample learns a lookup table from the
feature (its categories, or 20 quantile bins of a number, plus "missing") to the target, the other
half is scored with it. A categorical feature that merely identifies rows (an id) then scores as
chance instead of as perfect. For numbers the rank AUC (Mann-Whitney, either direction) is also
taken, which sees a perfect threshold no matter how fine; the score is the larger of the two.

Scores: ROC AUC for a binary target, the macro one-vs-rest AUC for several classes (0.5 is
chance, 1 is perfect), the absolute Pearson correlation of the predictions with the target for a
numeric target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError
from loopml.data._profile_model import ColumnKind, TargetAssociation, TargetTask
from loopml.data._profile_source import Source, SourceColumn
from loopml.data._profile_stats import TargetSql, value_key

MAX_CLASSES = 20
"""Targets with more classes get no per-feature breakdown (the charts would be unreadable)."""
_QUANTILE_BINS = 20
_SMOOTHING = 1.0  # pseudo-rows of the overall rate added to each lookup cell


@dataclass(frozen=True)
class TargetSpec:
    """The target as the profile uses it."""

    name: str
    task: TargetTask
    classes: list[str] = field(default_factory=list)
    class_counts: list[int] = field(default_factory=list)
    positive_class: str | None = None
    sql: TargetSql | None = None
    note: str = ""
    class_values: list[Any] = field(default_factory=list)  # raw values, parallel to classes

    @property
    def is_classification(self) -> bool:
        """Binary or multiclass."""
        return self.task is not TargetTask.REGRESSION

    def class_codes(self, raw: pd.Series) -> pd.Series:
        """Raw target values -> index in ``classes`` (NaN where there is no target)."""
        return raw.map({value: index for index, value in enumerate(self.class_values)})


def infer_target(source: Source, column: SourceColumn, *, sample_distinct: int) -> TargetSpec:
    """Decide the task from the target's type and values.

    Booleans and text are classes; a number with exactly two values is binary, an integer with at
    most :data:`MAX_CLASSES` values is multiclass, any other number is a regression target.
    ``sample_distinct`` is the number of distinct values the sample holds: beyond
    :data:`MAX_CLASSES` the classes are not counted (a number is then a regression target).

    Raises:
        InvalidValueError: the target is a date/time or a nested column.
    """
    if column.kind in (ColumnKind.DATETIME, ColumnKind.OTHER):
        raise InvalidValueError(
            f"target column {column.name!r} has type {column.sql_type}: a target must be a "
            "number, a boolean or text"
        )
    numeric = column.kind is ColumnKind.NUMERIC
    if numeric and sample_distinct > MAX_CLASSES:
        return _regression(column)
    too_many = (
        f"the target has more than {MAX_CLASSES} classes: features are related to targets of "
        f"at most {MAX_CLASSES} classes"
    )
    if sample_distinct > MAX_CLASSES:
        return TargetSpec(column.name, TargetTask.MULTICLASS, note=too_many)
    label = f"{value_key(column)}::VARCHAR"
    rows = source.query(
        f"SELECT {column.value} AS v, {label}, count(*) FROM src WHERE {column.value} IS NOT NULL "
        f"GROUP BY ALL ORDER BY v LIMIT {MAX_CLASSES + 1}"
    )
    values = [row[0] for row in rows]
    classes = [str(row[1]) for row in rows]
    counts = [int(row[2]) for row in rows]
    if not rows:
        task = TargetTask.REGRESSION if numeric else TargetTask.BINARY
        return TargetSpec(column.name, task, note="the target has no values")
    if numeric and (len(classes) > 2 and (not column.is_integer or len(classes) > MAX_CLASSES)):
        return _regression(column)
    if len(classes) > MAX_CLASSES:
        return TargetSpec(column.name, TargetTask.MULTICLASS, note=too_many)
    task = TargetTask.BINARY if len(classes) <= 2 else TargetTask.MULTICLASS
    note = "the target has a single value" if len(classes) == 1 else ""
    return TargetSpec(
        column.name,
        task,
        classes=classes,
        class_counts=counts,
        positive_class=classes[-1] if task is TargetTask.BINARY else None,
        sql=TargetSql(column.value, classification=True) if len(classes) > 1 else None,
        note=note,
        class_values=values,
    )


def _regression(column: SourceColumn) -> TargetSpec:
    return TargetSpec(
        column.name, TargetTask.REGRESSION, sql=TargetSql(column.number, classification=False)
    )


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """ROC AUC of ``scores`` for the boolean ``positive`` (ties count half); None without both
    positives and negatives."""
    positives = int(positive.sum())
    negatives = positive.size - positives
    if positives == 0 or negatives == 0:
        return None
    _, inverse = np.unique(scores, return_inverse=True)
    return _auc_by_group(inverse, positive, positives, negatives)


def _auc_by_group(
    inverse: np.ndarray, positive: np.ndarray, positives: int, negatives: int
) -> float:
    # inverse: the rank of each row's score among the distinct scores (0 = lowest).
    pos = np.bincount(inverse, weights=positive.astype(np.float64))
    neg = np.bincount(inverse) - pos
    below = np.cumsum(neg) - neg
    return float(np.dot(pos, below + 0.5 * neg) / (positives * negatives))


def _class_aucs(
    scores: np.ndarray, y: np.ndarray, classes: list[int], *, two_sided: bool
) -> float | None:
    _, inverse = np.unique(scores, return_inverse=True)
    aucs = []
    for cls in classes:
        positive = y == cls
        positives = int(positive.sum())
        if positives == 0 or positives == y.size:
            continue
        auc = _auc_by_group(inverse, positive, positives, y.size - positives)
        aucs.append(max(auc, 1.0 - auc) if two_sided else auc)
    return float(np.mean(aucs)) if aucs else None


def _split(rows: int, seed: int) -> np.ndarray:
    """A boolean mask choosing the half of the rows that learns the lookup table."""
    mask = np.zeros(rows, dtype=bool)
    mask[np.random.default_rng(seed).permutation(rows)[: rows // 2]] = True
    return mask


def _lookup_score(
    codes: np.ndarray, y: np.ndarray, train: np.ndarray, spec: TargetSpec, n_classes: int
) -> float | None:
    """Learn target-by-code on ``train`` rows, score the others (codes unseen in training get
    the overall rate)."""
    test = ~train
    if not train.any() or not test.any():
        return None
    size = int(codes.max()) + 1
    if spec.is_classification:
        y_int = y.astype(np.int64)
        cells = np.bincount(codes[train] * n_classes + y_int[train], minlength=size * n_classes)
        counts = cells.reshape(size, n_classes).astype(np.float64)
        prior = counts.sum(axis=0) / counts.sum()
        rates = (counts + _SMOOTHING * prior) / (counts.sum(axis=1, keepdims=True) + _SMOOTHING)
        predicted = rates[codes[test]]
        y_test = y_int[test]
        if spec.task is TargetTask.BINARY:
            return roc_auc(predicted[:, 1], y_test == 1)
        aucs = [
            auc
            for cls in range(n_classes)
            if (auc := roc_auc(predicted[:, cls], y_test == cls)) is not None
        ]
        return float(np.mean(aucs)) if aucs else None
    counts = np.bincount(codes[train], minlength=size).astype(np.float64)
    sums = np.bincount(codes[train], weights=y[train], minlength=size)
    prior_mean = float(y[train].mean())
    predicted = ((sums + _SMOOTHING * prior_mean) / (counts + _SMOOTHING))[codes[test]]
    return _abs_correlation(predicted, y[test])


def _abs_correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(abs(np.corrcoef(x, y)[0, 1]))


def _quantile_codes(x: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Codes of 20 quantile bins learnt on the training half; missing values get their own."""
    present = ~np.isnan(x)
    learnt = x[train & present]
    edges = np.array([])
    if learnt.size:
        edges = np.unique(np.quantile(learnt, np.linspace(0, 1, _QUANTILE_BINS + 1)[1:-1]))
    codes = np.searchsorted(edges, np.where(present, x, 0.0), side="right")
    return np.where(present, codes, edges.size + 1)


def association(
    feature: pd.Series, y: np.ndarray, spec: TargetSpec, *, numeric: bool, seed: int
) -> TargetAssociation:
    """How well ``feature`` alone predicts ``y`` (rows with a target only, in sample order).

    ``y`` holds class codes 0..k-1 (classification, code ``k-1`` is the positive class of a binary
    target) or numbers (regression).
    """
    rows = int(y.size)
    method = {
        TargetTask.BINARY: "auc",
        TargetTask.MULTICLASS: "macro_auc",
        TargetTask.REGRESSION: "correlation",
    }[spec.task]
    if rows < 4:
        return TargetAssociation(score=None, method=method, rows=rows)
    n_classes = len(spec.classes)
    train = _split(rows, seed)
    scores: list[float] = []
    if numeric:
        x = feature.to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(x)
        if present.sum() >= 2:
            if spec.task is TargetTask.REGRESSION:
                rank = _abs_correlation(x[present], y[present])
            else:
                # Binary: one AUC (of the positive class); several classes: one per class.
                classes = [1] if n_classes == 2 else list(range(n_classes))
                rank = _class_aucs(x[present], y[present], classes, two_sided=True)
            if rank is not None:
                scores.append(rank)
        codes = _quantile_codes(x, train)
    else:
        codes, _ = pd.factorize(feature, use_na_sentinel=True)
        codes = np.where(codes < 0, codes.max() + 1, codes)
    lookup = _lookup_score(codes.astype(np.int64), y, train, spec, n_classes)
    if lookup is not None:
        scores.append(lookup)
    return TargetAssociation(score=max(scores) if scores else None, method=method, rows=rows)
