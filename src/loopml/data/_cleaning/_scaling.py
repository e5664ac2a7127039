"""Scaling numeric columns with scikit-learn's scalers, learned once from training."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
from sklearn.utils._param_validation import StrOptions

from loopml.data._cleaning._columns import (
    COLUMNS_CONSTRAINT,
    ColumnStep,
    is_numeric,
    require_kind,
    select_columns,
)

_SCALERS: dict[str, Any] = {
    "standard": StandardScaler,
    "minmax": MinMaxScaler,
    "robust": RobustScaler,
}


class ScaleNumeric(ColumnStep):
    """Standardize (``standard``), min-max normalize (``minmax``) or robust-scale (``robust``,
    median and IQR) numeric columns.

    Missing values stay missing. A constant column is left centred at 0 (scikit-learn's rule),
    not divided by zero.

    Args:
        columns: the columns to scale (default: the numeric columns; boolean indicator columns
            are not numeric).
        method: ``standard``, ``minmax`` or ``robust``.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "method": [StrOptions(set(_SCALERS))],
    }

    def __init__(self, columns: list[str] | str | None = None, *, method: str = "standard") -> None:
        self.columns = columns
        self.method = method

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        self.columns_ = select_columns(frame, self.columns, step=self, default=is_numeric)
        require_kind(frame, self.columns_, step=self, kind="numeric", test=is_numeric)
        self.scaler_ = _SCALERS[self.method]()
        if self.columns_:
            self.scaler_.fit(frame[self.columns_].astype("float64").to_numpy())

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.columns_:
            return frame
        scaled = self.scaler_.transform(frame[self.columns_].astype("float64").to_numpy())
        return frame.assign(**{c: scaled[:, i] for i, c in enumerate(self.columns_)})

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return list(input_columns)
