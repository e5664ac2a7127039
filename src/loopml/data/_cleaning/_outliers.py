"""Outliers: clip values to bounds learned in training, or drop the rows that hold them.

- ``iqr``: bounds ``Q1 - factor * IQR`` and ``Q3 + factor * IQR`` (Tukey's fences, factor 1.5).
- ``zscore``: bounds ``mean ± threshold * std`` (threshold 3); a constant column has no z-score.
- ``isolation_forest`` (drop only): scikit-learn's ``IsolationForest`` marks whole rows as
  outlying from all selected columns together; there is no per-column bound to clip to.

Missing values are neither outliers nor counted: they pass through for an imputer to fill.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.utils._param_validation import Interval, StrOptions

from loopml.core import InvalidValueError
from loopml.data._cleaning._columns import (
    COLUMNS_CONSTRAINT,
    ColumnStep,
    RowStep,
    is_numeric,
    require_kind,
    select_columns,
    step_label,
)


def outlier_bounds(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    method: str,
    factor: float,
    threshold: float,
    step: object,
) -> tuple[dict[str, float], dict[str, float]]:
    """Lower and upper bounds per column, learned from the non-missing training values."""
    lower, upper, problems = {}, {}, []
    for column in columns:
        values = frame[column].astype("float64").to_numpy()
        values = values[~np.isnan(values)]
        if values.size == 0:
            problems.append(f"{column!r} has no values")
            continue
        if method == "iqr":
            q1, q3 = np.quantile(values, [0.25, 0.75])
            spread = factor * (q3 - q1)
            lower[column], upper[column] = float(q1 - spread), float(q3 + spread)
        else:
            mean, std = float(values.mean()), float(values.std())
            if std == 0.0:
                problems.append(
                    f"{column!r} is constant (standard deviation 0), so its z-scores are undefined"
                )
                continue
            lower[column], upper[column] = mean - threshold * std, mean + threshold * std
    if problems:
        raise InvalidValueError(f"{step_label(step)} ({method}): " + "; ".join(problems))
    return lower, upper


def _numeric_columns(step: Any, frame: pd.DataFrame) -> list[str]:
    columns = select_columns(frame, step.columns, step=step, default=is_numeric)
    require_kind(frame, columns, step=step, kind="numeric", test=is_numeric)
    return columns


class ClipOutliers(ColumnStep):
    """Clip each column to bounds learned from training (``iqr`` or ``zscore``).

    Args:
        columns: the columns to clip (default: the numeric columns).
        method: ``iqr`` or ``zscore``.
        factor: the IQR multiple for ``iqr``.
        threshold: the number of standard deviations for ``zscore``.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "method": [StrOptions({"iqr", "zscore"})],
        "factor": [Interval(Real, 0, None, closed="right")],
        "threshold": [Interval(Real, 0, None, closed="right")],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        method: str = "iqr",
        factor: float = 1.5,
        threshold: float = 3.0,
    ) -> None:
        self.columns = columns
        self.method = method
        self.factor = factor
        self.threshold = threshold

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        self.columns_ = _numeric_columns(self, frame)
        self.lower_, self.upper_ = outlier_bounds(
            frame,
            self.columns_,
            method=self.method,
            factor=self.factor,
            threshold=self.threshold,
            step=self,
        )

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.columns_:
            return frame
        values = frame[self.columns_].astype("float64").to_numpy()
        lower = np.array([self.lower_[c] for c in self.columns_])
        upper = np.array([self.upper_[c] for c in self.columns_])
        clipped = np.clip(values, lower, upper)  # NaN stays NaN
        return frame.assign(**{c: clipped[:, i] for i, c in enumerate(self.columns_)})

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return list(input_columns)

    def count_clipped(self, frame: pd.DataFrame) -> dict[str, int]:
        """How many values of each column ``transform`` would move onto a bound."""
        counts = {}
        for column in self.columns_:
            values = frame[column].astype("float64")
            counts[column] = int(
                ((values < self.lower_[column]) | (values > self.upper_[column])).sum()
            )
        return counts


class DropOutliers(RowStep):
    """Drop training rows with an outlying value (``iqr``, ``zscore``) or that are outlying
    as a whole (``isolation_forest``).

    Args:
        columns: the columns to look at (default: the numeric columns).
        method: ``iqr``, ``zscore`` or ``isolation_forest``.
        factor: the IQR multiple for ``iqr``.
        threshold: the number of standard deviations for ``zscore``.
        contamination: the expected share of outliers for ``isolation_forest``, or ``auto``.
        random_state: seed of the isolation forest, so the same data drops the same rows.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "method": [StrOptions({"iqr", "zscore", "isolation_forest"})],
        "factor": [Interval(Real, 0, None, closed="right")],
        "threshold": [Interval(Real, 0, None, closed="right")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        method: str = "iqr",
        factor: float = 1.5,
        threshold: float = 3.0,
        contamination: str | float = "auto",
        random_state: int | None = 0,
    ) -> None:
        self.columns = columns
        self.method = method
        self.factor = factor
        self.threshold = threshold
        self.contamination = contamination
        self.random_state = random_state

    def _resample(self, frame: pd.DataFrame, y: pd.Series | None) -> tuple[np.ndarray, None, None]:
        self.columns_ = _numeric_columns(self, frame)
        if not self.columns_:
            return np.ones(len(frame), dtype=bool), None, None
        if self.method == "isolation_forest":
            forest = IsolationForest(
                contamination=self.contamination, random_state=self.random_state
            )
            # The forest is not kept: it judged the training rows and never runs at serving,
            # and its trees would make the stored cleaner megabytes larger.
            labels = forest.fit_predict(frame[self.columns_].astype("float64"))
            return np.asarray(labels == 1), None, None
        self.lower_, self.upper_ = outlier_bounds(
            frame,
            self.columns_,
            method=self.method,
            factor=self.factor,
            threshold=self.threshold,
            step=self,
        )
        outlying = np.zeros(len(frame), dtype=bool)
        for column in self.columns_:
            values = frame[column].astype("float64")
            outlying |= ((values < self.lower_[column]) | (values > self.upper_[column])).to_numpy()
        return ~outlying, None, None
