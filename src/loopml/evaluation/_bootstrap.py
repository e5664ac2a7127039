"""Bootstrap confidence intervals for a metric: resample rows, recompute, take percentiles.

The method is the plain percentile bootstrap: draw ``n_resamples`` samples of the rows with
replacement, compute the metric on each, and report the ``(1 - confidence) / 2`` and
``(1 + confidence) / 2`` quantiles. It assumes rows are independent; it is not the BCa interval.

Indices are drawn with numpy in chunks (bounded memory), from ``numpy.random.default_rng(seed)``,
so the same seed gives the same interval. Metrics that are a mean over rows (accuracy, MAE, MSE,
RMSE), the label metrics (F1, balanced accuracy: from per-resample confusion counts) and ROC AUC
and average precision (from row multiplicities) are computed for a whole chunk at once; any other
metric is called once per resample.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from loopml.core import InvalidValueError
from loopml.evaluation._metrics import (
    ArrayLike,
    as_labels,
    as_probabilities,
    check_same_length,
    require_two_classes,
)

MetricFunction = Callable[[np.ndarray, np.ndarray], float]

_CHUNK_CELLS = 4_000_000  # indices per chunk: 32 MB of int64, whatever the row count

# Per-row losses whose mean (or root mean) is the metric: these resample without a Python loop.
_MEAN_OF_ROWS: dict[str, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], bool]] = {
    "accuracy": (lambda truth, pred: (truth == pred).astype(float), False),
    "mae": (lambda truth, pred: np.abs(truth.astype(float) - pred.astype(float)), False),
    "mse": (lambda truth, pred: (truth.astype(float) - pred.astype(float)) ** 2, False),
    "rmse": (lambda truth, pred: (truth.astype(float) - pred.astype(float)) ** 2, True),
}

_NAMED: dict[str, MetricFunction] = {
    "balanced_accuracy": skm.balanced_accuracy_score,
    "f1_macro": lambda truth, pred: float(skm.f1_score(truth, pred, average="macro")),
    "f1_weighted": lambda truth, pred: float(skm.f1_score(truth, pred, average="weighted")),
    "r2": skm.r2_score,
    "mape": skm.mean_absolute_percentage_error,
}  # fmt: skip

# Binary metrics whose positive class is the greater label of the WHOLE y_true (fixed before
# resampling, so a resample without positives does not silently flip it).
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray, Any], float]] = {
    "f1": lambda truth, pred, positive: float(
        skm.f1_score(truth, pred, average="binary", pos_label=positive, zero_division=0.0)
    ),
    "roc_auc": lambda truth, scores, positive: float(skm.roc_auc_score(truth == positive, scores)),
    "pr_auc": lambda truth, scores, positive: float(
        skm.average_precision_score(truth == positive, scores)
    ),
}

BOOTSTRAP_METRICS = tuple(sorted([*_MEAN_OF_ROWS, *_NAMED, *_BINARY]))
"""Metric names ``bootstrap_ci`` accepts as a string (besides any callable)."""


def _resample_chunks(rows: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_CELLS // rows)
    done = 0
    while done < n_resamples:
        size = min(per_chunk, n_resamples - done)
        yield rng.integers(0, rows, size=(size, rows))
        done += size


def bootstrap_ci(
    metric: str | MetricFunction,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """The percentile-bootstrap interval ``(low, high)`` of ``metric(y_true, y_pred)``.

    Args:
        metric: a name from ``BOOTSTRAP_METRICS`` or any ``f(y_true, y_pred) -> float``
            (``y_pred`` may be probabilities, e.g. for ROC AUC).
        y_true: true labels or values.
        y_pred: predictions or probabilities, row-aligned with ``y_true`` (2-D allowed).
        n_resamples: how many bootstrap samples (at least 10; 1000 is usual).
        confidence: the interval's coverage, strictly between 0 and 1.
        seed: the random seed: the same seed gives the same interval.

    Resamples on which the metric is undefined (e.g. a single class for ROC AUC) are skipped; if
    more than half are, the interval would mislead and an error is raised instead.

    Raises:
        InvalidValueError: unknown metric name, bad ``n_resamples``/``confidence``, lengths differ,
            NaN in ``y_true``, or the metric undefined on most resamples.
    """
    if not 0 < confidence < 1:
        raise InvalidValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 10:
        raise InvalidValueError(
            f"n_resamples must be an integer of at least 10, got {n_resamples!r}"
        )
    truth = as_labels(y_true, name="y_true")
    predicted = np.asarray(y_pred)
    check_same_length(y_true=truth, y_pred=predicted)
    if isinstance(metric, str):
        per_chunk = _confusion_chunks(metric, truth, predicted)
        if per_chunk is None and metric in ("roc_auc", "pr_auc") and predicted.ndim == 1:
            require_two_classes(truth, needed_for=metric)
            scores = as_probabilities(predicted, name="y_pred")
            per_chunk = _ranking_chunks(metric, truth, scores)
        if per_chunk is not None:
            values = _vectorised(per_chunk, len(truth), n_resamples=n_resamples, seed=seed)
            return _percentiles(values, confidence)
        if metric in _MEAN_OF_ROWS:
            values = _mean_of_rows(metric, truth, predicted, n_resamples=n_resamples, seed=seed)
            return _percentiles(values, confidence)
        if metric in _BINARY:
            binary = _BINARY[metric]
            positive = np.unique(truth)[-1]
            values = _per_resample(
                lambda t, p: binary(t, p, positive),
                truth,
                predicted,
                n_resamples=n_resamples,
                seed=seed,
            )
            return _percentiles(values, confidence)
        if metric not in _NAMED:
            raise InvalidValueError(
                f"unknown bootstrap metric {metric!r}; choose from {list(BOOTSTRAP_METRICS)} "
                "or pass a function f(y_true, y_pred) -> float"
            )
        function: MetricFunction = _NAMED[metric]
    elif callable(metric):
        function = metric
    else:
        raise InvalidValueError(f"metric must be a name or a function, got {type(metric).__name__}")
    values = _per_resample(function, truth, predicted, n_resamples=n_resamples, seed=seed)
    return _percentiles(values, confidence)


def _confusion_chunks(
    name: str, truth: np.ndarray, predicted: np.ndarray
) -> Callable[[np.ndarray], np.ndarray] | None:
    """Label metrics from per-resample confusion counts: one ``bincount`` per chunk, no loop.

    Each returns values per resample with NaN where scikit-learn's metric is undefined, computed
    the way scikit-learn does: only classes present in a resample count (for the macro average
    and balanced accuracy), and zero division gives 0 for F1.
    """
    if name not in ("f1", "f1_macro", "f1_weighted", "balanced_accuracy") or predicted.ndim != 1:
        return None
    try:
        classes = np.unique(np.concatenate([truth, predicted]))
    except TypeError:  # labels of types that do not sort together: leave it to scikit-learn
        return None
    if name == "f1" and len(classes) != 2:
        return None  # scikit-learn's binary F1 refuses these; let it say why
    size = len(classes)
    codes = np.searchsorted(classes, truth) * size + np.searchsorted(classes, predicted)
    positive = int(np.searchsorted(classes, np.unique(truth)[-1]))

    def per_chunk(indices: np.ndarray) -> np.ndarray:
        resamples = len(indices)
        offsets = np.arange(resamples)[:, None] * size * size
        flat = np.bincount((offsets + codes[indices]).ravel(), minlength=resamples * size * size)
        counts = flat.reshape(resamples, size, size).astype(float)
        actual = counts.sum(axis=2)
        called = counts.sum(axis=1)
        hits = np.diagonal(counts, axis1=1, axis2=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "balanced_accuracy":
                recall = np.where(actual > 0, hits / actual, np.nan)
                return np.asarray(np.nanmean(recall, axis=1))
            f1 = np.where(actual + called > 0, 2 * hits / (actual + called), 0.0)
        if name == "f1":
            return np.asarray(f1[:, positive])
        if name == "f1_weighted":
            return np.asarray((f1 * actual).sum(axis=1) / actual.sum(axis=1))
        present = (actual + called) > 0
        return np.asarray((f1 * present).sum(axis=1) / present.sum(axis=1))

    return per_chunk


def _ranking_chunks(
    name: str, truth: np.ndarray, scores: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """ROC AUC or average precision per resample from row multiplicities; one sort for all.

    ROC AUC is the Mann-Whitney statistic (a tie between a positive and a negative counts half),
    which equals the area under scikit-learn's ROC curve. Average precision is scikit-learn's
    step sum: each distinct score adds (its share of the positives) x (precision at that score).
    """
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    is_positive = (truth == np.unique(truth)[-1])[order].astype(float)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    rows = len(truth)

    def per_chunk(indices: np.ndarray) -> np.ndarray:
        resamples = len(indices)
        offsets = np.arange(resamples)[:, None] * rows
        weights = np.bincount((offsets + indices).ravel(), minlength=resamples * rows)
        weights = weights.reshape(resamples, rows)[:, order].astype(float)
        positives = np.add.reduceat(weights * is_positive, starts, axis=1)
        negatives = np.add.reduceat(weights * (1 - is_positive), starts, axis=1)
        total_positive = positives.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "roc_auc":
                below = np.cumsum(negatives, axis=1) - negatives
                pairs = total_positive * negatives.sum(axis=1)
                wins = (positives * (below + 0.5 * negatives)).sum(axis=1)
                return np.where(pairs > 0, wins / pairs, np.nan)
            # Average precision walks the scores from the highest down.
            found = np.cumsum(positives[:, ::-1], axis=1)
            called = found + np.cumsum(negatives[:, ::-1], axis=1)
            precision = np.where(called > 0, found / np.where(called > 0, called, 1), 0.0)
            step_sum = (positives[:, ::-1] * precision).sum(axis=1)
            return np.where(total_positive > 0, step_sum / total_positive, np.nan)

    return per_chunk


def _vectorised(
    per_chunk: Callable[[np.ndarray], np.ndarray], rows: int, *, n_resamples: int, seed: int
) -> np.ndarray:
    values = np.concatenate(
        [per_chunk(indices) for indices in _resample_chunks(rows, n_resamples, seed)]
    )
    undefined = int(np.isnan(values).sum())
    if undefined * 2 > n_resamples:
        raise InvalidValueError(
            f"the metric is undefined on {undefined} of {n_resamples} resamples: too few rows "
            "or too rare a class for a bootstrap interval"
        )
    defined: np.ndarray = values[~np.isnan(values)]
    return defined


def _mean_of_rows(
    name: str, truth: np.ndarray, predicted: np.ndarray, *, n_resamples: int, seed: int
) -> np.ndarray:
    loss, root = _MEAN_OF_ROWS[name]
    try:
        per_row = loss(truth, predicted)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(f"cannot compute {name} on these inputs: {error}") from error
    chunks = [
        per_row[indices].mean(axis=1) for indices in _resample_chunks(len(truth), n_resamples, seed)
    ]
    means = np.concatenate(chunks)
    return np.sqrt(means) if root else means


def _per_resample(
    function: MetricFunction,
    truth: np.ndarray,
    predicted: np.ndarray,
    *,
    n_resamples: int,
    seed: int,
) -> np.ndarray:
    values: list[float] = []
    failures: list[str] = []
    with warnings.catch_warnings():
        # Undefined resamples are counted below; scikit-learn's warning per resample is noise.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for chunk in _resample_chunks(len(truth), n_resamples, seed):
            for indices in chunk:
                try:
                    value = float(function(truth[indices], predicted[indices]))
                except ValueError as error:  # undefined on this resample, e.g. one class only
                    failures.append(str(error))
                    continue
                if np.isnan(value):
                    failures.append("the metric is NaN")
                    continue
                values.append(value)
    if len(failures) * 2 > n_resamples:
        raise InvalidValueError(
            f"the metric is undefined on {len(failures)} of {n_resamples} resamples "
            f"(first: {failures[0]}): too few rows or too rare a class for a bootstrap interval"
        )
    return np.asarray(values)


def _percentiles(values: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def metric_function(metric: str) -> Any:
    """The plain (non-resampled) function behind a bootstrap metric name."""
    if metric in _MEAN_OF_ROWS:
        loss, root = _MEAN_OF_ROWS[metric]

        def mean_of_rows(truth: np.ndarray, predicted: np.ndarray) -> float:
            mean = float(np.mean(loss(truth, predicted)))
            return float(np.sqrt(mean)) if root else mean

        return mean_of_rows
    if metric in _NAMED:
        return _NAMED[metric]
    if metric in _BINARY:
        binary = _BINARY[metric]

        def with_positive(truth: np.ndarray, predicted: np.ndarray) -> float:
            return binary(truth, predicted, np.unique(truth)[-1])

        return with_positive
    raise InvalidValueError(f"unknown metric {metric!r}; choose from {list(BOOTSTRAP_METRICS)}")
