"""Metrics per slice (each value of chosen columns), with slices far below the whole flagged.

"Far below" is deliberately simple and two-sided so that neither noise nor tiny gaps raise flags:
a slice is flagged when

1. it has at least ``min_rows`` rows (smaller slices are reported, never flagged), and
2. its metric is worse than the whole's by more than ``flag_drop`` (absolute: 0.05 accuracy), and
3. its percentile-bootstrap interval (``confidence``) lies entirely on the worse side of the whole's
   value, i.e. the gap is unlikely to be resampling noise.

"Worse" is lower for scores (accuracy, F1, ROC AUC, R²) and higher for errors (MAE, MSE, RMSE,
MAPE).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.exceptions import UndefinedMetricWarning

from loopml.core import InvalidValueError
from loopml.evaluation._bootstrap import BOOTSTRAP_METRICS, bootstrap_ci, metric_function
from loopml.evaluation._metric_direction import LOWER_IS_BETTER
from loopml.evaluation._metrics import ArrayLike, as_labels, check_same_length

_MISSING = "<missing>"


def slice_metrics(
    frame: pd.DataFrame,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    columns: Sequence[str],
    metric: str = "accuracy",
    min_rows: int = 30,
    flag_drop: float = 0.05,
    confidence: float = 0.95,
    n_resamples: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (column, value): rows, metric, interval, gap to the whole, and a flag.

    Args:
        frame: the features the slices are taken from, row-aligned with ``y_true``/``y_pred``.
        y_true: true labels or values.
        y_pred: predictions, or positive-class probabilities for ``roc_auc``/``pr_auc``.
        columns: the columns of ``frame`` to slice by; missing values form a ``<missing>`` slice.
        metric: a name from ``BOOTSTRAP_METRICS`` (e.g. ``accuracy``, ``f1``, ``roc_auc``, ``mae``).
        min_rows: slices with fewer rows get no interval and are never flagged.
        flag_drop: how much worse than the whole (absolute) a slice must be to be flagged.
        confidence, n_resamples, seed: the bootstrap interval of each slice.

    Returns:
        Columns ``column, value, rows, metric, score, low, high, overall, gap, flagged`` where
        ``gap`` is ``score - overall`` (negative means worse for scores, positive for errors).
        A slice where the metric is undefined (e.g. one class for ROC AUC) has NaN score.

    Raises:
        InvalidValueError: unknown metric or column, lengths differ, bad ``min_rows``/``flag_drop``.
    """
    function = metric_function(metric)
    if metric not in BOOTSTRAP_METRICS:  # pragma: no cover - metric_function already raised
        raise InvalidValueError(f"unknown metric {metric!r}")
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(columns, str) or not columns:
        raise InvalidValueError("columns must be a non-empty list of column names")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InvalidValueError(
            f"slice column(s) {missing} not in the frame; it has {list(frame.columns)[:20]}"
        )
    if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 1:
        raise InvalidValueError(f"min_rows must be a positive integer, got {min_rows!r}")
    if not flag_drop >= 0:
        raise InvalidValueError(f"flag_drop must be zero or more, got {flag_drop!r}")
    truth = as_labels(y_true, name="y_true")
    predicted = np.asarray(y_pred)
    check_same_length(frame=np.empty(len(frame)), y_true=truth, y_pred=predicted)
    overall = float(function(truth, predicted))
    lower_is_better = metric in LOWER_IS_BETTER
    records = []
    for column in columns:
        keys = frame[column].astype(object).where(frame[column].notna(), _MISSING).to_numpy()
        for value in pd.unique(keys):
            rows = np.flatnonzero(keys == value)
            records.append(
                _slice_record(
                    column, value, truth[rows], predicted[rows],
                    function=function, metric=metric, overall=overall,
                    lower_is_better=lower_is_better, min_rows=min_rows, flag_drop=flag_drop,
                    confidence=confidence, n_resamples=n_resamples, seed=seed,
                )
            )  # fmt: skip
    result = pd.DataFrame.from_records(
        records,
        columns=[
            "column", "value", "rows", "metric", "score", "low", "high", "overall", "gap",
            "flagged",
        ],
    )  # fmt: skip
    return result.sort_values(["column", "rows"], ascending=[True, False], ignore_index=True)


def _slice_record(
    column: str,
    value: object,
    truth: np.ndarray,
    predicted: np.ndarray,
    *,
    function: object,
    metric: str,
    overall: float,
    lower_is_better: bool,
    min_rows: int,
    flag_drop: float,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> dict[str, object]:
    assert callable(function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # NaN below says it
        try:
            score = float(function(truth, predicted))
        except ValueError:  # undefined on this slice, e.g. one class for ROC AUC
            score = float("nan")
    low = high = float("nan")
    if len(truth) >= min_rows and not np.isnan(score):
        # The metric may be undefined on most resamples of a slice: then it gets no interval.
        with contextlib.suppress(InvalidValueError):
            low, high = bootstrap_ci(
                metric, truth, predicted, n_resamples=n_resamples, confidence=confidence, seed=seed
            )
    gap = score - overall
    if lower_is_better:
        far = gap > flag_drop and low > overall
    else:
        far = -gap > flag_drop and high < overall
    return {
        "column": column,
        "value": value,
        "rows": len(truth),
        "metric": metric,
        "score": score,
        "low": low,
        "high": high,
        "overall": overall,
        "gap": gap,
        "flagged": bool(far and not np.isnan(low)),
    }
