"""Missing values: drop the rows or columns that have too many, or fill them in.

Filling uses scikit-learn's ``SimpleImputer`` (mean, median, most frequent, constant) and
``KNNImputer``; numeric and text columns get separate imputers so each keeps its type. The
indicator columns (``<column>_missing``, boolean) are added for the columns that had missing
values in the training data, as scikit-learn's ``add_indicator`` does, so serving always gets
the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer, SimpleImputer
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

_NUMERIC_STRATEGIES = frozenset({"mean", "median", "knn"})
INDICATOR_SUFFIX = "_missing"


def _missing_fraction(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    return frame[list(columns)].isna().mean(axis=0)


class DropMissingRows(RowStep):
    """Drop training rows whose fraction of missing values (over ``columns``) is over ``threshold``.

    ``threshold=0`` (the default) drops every row with any missing value.

    Args:
        columns: the columns to look at (default: all).
        threshold: the largest fraction of missing values a row may have and stay.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "threshold": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, columns: list[str] | str | None = None, *, threshold: float = 0.0) -> None:
        self.columns = columns
        self.threshold = threshold

    def _resample(self, frame: pd.DataFrame, y: pd.Series | None) -> tuple[np.ndarray, None, None]:
        self.columns_ = select_columns(frame, self.columns, step=self, default=lambda _: True)
        if not self.columns_:
            return np.ones(len(frame), dtype=bool), None, None
        missing = frame[self.columns_].isna().mean(axis=1).to_numpy()
        return missing <= self.threshold, None, None


class DropMissingColumns(ColumnStep):
    """Drop the columns whose fraction of missing values in training is over ``threshold``.

    The choice is made once, in ``fit``; serving drops the same columns.

    Args:
        columns: the columns that may be dropped (default: all).
        threshold: the largest fraction of missing values a column may have and stay.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "threshold": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, columns: list[str] | str | None = None, *, threshold: float = 0.5) -> None:
        self.columns = columns
        self.threshold = threshold

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        candidates = select_columns(frame, self.columns, step=self, default=lambda _: True)
        fractions = _missing_fraction(frame, candidates)
        self.dropped_columns_ = [c for c in candidates if fractions[c] > self.threshold]
        self.columns_: list[str] = []  # nothing is read: a dropped column may be absent later

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[c for c in self.dropped_columns_ if c in frame.columns])

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return [c for c in input_columns if c not in self.dropped_columns_]


class ImputeMissing(ColumnStep):
    """Fill missing values with a statistic learned from training, optionally flagging them.

    Args:
        columns: the columns to fill (default: the numeric columns for ``mean``, ``median`` and
            ``knn``; all columns for ``most_frequent`` and ``constant``).
        strategy: ``mean``, ``median``, ``most_frequent``, ``constant`` or ``knn`` (the mean of
            the ``n_neighbors`` nearest training rows, on the numeric columns).
        indicator: add a boolean ``<column>_missing`` column for each column that had missing
            values in training.
        fill_value: the value for ``constant`` (default 0 for numbers, ``"missing"`` for text).
        n_neighbors: neighbours for ``knn``.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "strategy": [StrOptions({"mean", "median", "most_frequent", "constant", "knn"})],
        "indicator": ["boolean"],
        "fill_value": [str, Interval(Real, None, None, closed="neither"), None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        strategy: str = "median",
        indicator: bool = False,
        fill_value: str | float | None = None,
        n_neighbors: int = 5,
    ) -> None:
        self.columns = columns
        self.strategy = strategy
        self.indicator = indicator
        self.fill_value = fill_value
        self.n_neighbors = n_neighbors

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        numeric_only = self.strategy in _NUMERIC_STRATEGIES
        self.columns_ = select_columns(
            frame, self.columns, step=self, default=is_numeric if numeric_only else lambda _: True
        )
        if numeric_only:
            require_kind(frame, self.columns_, step=self, kind="numeric", test=is_numeric)
        if self.strategy != "constant":
            empty = [c for c in self.columns_ if frame[c].isna().all()]
            if empty:
                raise InvalidValueError(
                    f"{step_label(self)}: columns {empty} have no values to compute a "
                    f"{self.strategy} from; drop them first (DropMissingColumns)"
                )
        self.numeric_columns_ = [c for c in self.columns_ if is_numeric(frame[c])]
        self.other_columns_ = [c for c in self.columns_ if c not in self.numeric_columns_]
        self.output_dtypes_ = {c: str(frame[c].dtype) for c in self.other_columns_}
        self.numeric_imputer_: Any = None
        self.other_imputer_: Any = None
        if self.numeric_columns_:
            self.numeric_imputer_ = self._new_imputer(numeric=True)
            self.numeric_imputer_.fit(_as_float(frame[self.numeric_columns_]))
        if self.other_columns_:
            self.other_imputer_ = self._new_imputer(numeric=False)
            self.other_imputer_.fit(_as_objects(frame[self.other_columns_]))
        had_missing = frame[self.columns_].isna().any(axis=0)
        self.indicator_columns_ = (
            [c for c in self.columns_ if had_missing[c]] if self.indicator else []
        )
        clashes = [
            c + INDICATOR_SUFFIX for c in self.indicator_columns_ if c + INDICATOR_SUFFIX in frame
        ]
        if clashes:
            raise InvalidValueError(
                f"{step_label(self)}: indicator columns {clashes} would replace existing columns"
            )

    def _new_imputer(self, *, numeric: bool) -> Any:
        if self.strategy == "knn":
            return KNNImputer(n_neighbors=self.n_neighbors, keep_empty_features=True)
        fill_value = self.fill_value
        if self.strategy == "constant" and fill_value is None:
            fill_value = 0.0 if numeric else "missing"
        if self.strategy == "constant" and numeric and isinstance(fill_value, str):
            raise InvalidValueError(
                f"{step_label(self)}: fill_value {fill_value!r} is text but some columns are "
                "numeric; use separate steps for numeric and text columns"
            )
        return SimpleImputer(
            strategy=self.strategy, fill_value=fill_value, keep_empty_features=True
        )

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        changed: dict[str, Any] = {}
        if self.numeric_columns_:
            filled = self.numeric_imputer_.transform(_as_float(frame[self.numeric_columns_]))
            changed.update({c: filled[:, i] for i, c in enumerate(self.numeric_columns_)})
        if self.other_columns_:
            filled = self.other_imputer_.transform(_as_objects(frame[self.other_columns_]))
            for index, column in enumerate(self.other_columns_):
                changed[column] = pd.Series(
                    filled[:, index], index=frame.index, dtype=object
                ).astype(self.output_dtypes_[column])
        for column in self.indicator_columns_:
            changed[column + INDICATOR_SUFFIX] = frame[column].isna().to_numpy()
        return frame.assign(**changed)

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return [*input_columns, *(c + INDICATOR_SUFFIX for c in self.indicator_columns_)]


def _as_float(frame: pd.DataFrame) -> np.ndarray:
    # Nullable integer columns hold pd.NA, which the imputers do not read; NaN they do.
    return np.asarray(frame.astype("float64").to_numpy())


def _as_objects(frame: pd.DataFrame) -> np.ndarray:
    # Text columns may mark missing values as pd.NA or None; the imputers look for NaN.
    return np.asarray(frame.astype(object).where(frame.notna(), np.nan).to_numpy())
