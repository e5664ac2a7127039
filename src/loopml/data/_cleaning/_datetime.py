"""Date-time parts: turn a timestamp column into numbers a model can use.

Written by hand because scikit-learn has no such transformer. Each part becomes a float column
``<column>_<part>`` (NaN for a missing timestamp), so training and serving agree on the type
whatever the rows hold.
"""

from __future__ import annotations

import pandas as pd

from loopml.core import InvalidValueError
from loopml.data._cleaning._columns import (
    COLUMNS_CONSTRAINT,
    ColumnStep,
    is_datetime,
    select_columns,
    step_label,
)

DATETIME_PARTS = (
    "year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "second",
    "is_weekend",
)  # fmt: skip
DEFAULT_PARTS = ("year", "month", "day", "dayofweek", "hour")


_ACCESSORS = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}  # pandas' current names


def _part(values: pd.Series, part: str) -> pd.Series:
    accessor = values.dt
    if part == "is_weekend":
        return (accessor.day_of_week >= 5).astype("float64").where(values.notna())
    return getattr(accessor, _ACCESSORS.get(part, part)).astype("float64")


class DateTimeParts(ColumnStep):
    """Replace date-time columns by their parts (year, month, day of week...).

    Args:
        columns: the columns to split (default: the date-time columns). A text column named
            here is parsed as ISO 8601 dates.
        parts: which parts, among ``year, quarter, month, day, dayofweek, dayofyear, hour,
            minute, second, is_weekend``.
        drop_original: remove the source columns.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "parts": [list, tuple],
        "drop_original": ["boolean"],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        parts: list[str] | tuple[str, ...] = DEFAULT_PARTS,
        drop_original: bool = True,
    ) -> None:
        self.columns = columns
        self.parts = parts
        self.drop_original = drop_original

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        unknown = [p for p in self.parts if p not in DATETIME_PARTS]
        if unknown or not self.parts:
            raise InvalidValueError(
                f"{step_label(self)}: unknown date-time parts {unknown}; choose among "
                f"{list(DATETIME_PARTS)}"
            )
        self.columns_ = select_columns(frame, self.columns, step=self, default=is_datetime)
        for column in self.columns_:
            self._as_datetime(frame, column)  # fails now, not at serving, on unparseable text
        self.part_columns_ = [f"{c}_{p}" for c in self.columns_ for p in self.parts]
        kept = set(frame.columns) - (set(self.columns_) if self.drop_original else set())
        clashes = [name for name in self.part_columns_ if name in kept]
        if clashes:
            raise InvalidValueError(
                f"{step_label(self)}: part columns {clashes} would replace existing columns"
            )

    def _as_datetime(self, frame: pd.DataFrame, column: str) -> pd.Series:
        values = frame[column]
        if is_datetime(values):
            return values
        try:
            return pd.to_datetime(values, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise InvalidValueError(
                f"{step_label(self)}: column {column!r} ({values.dtype}) does not hold dates: {exc}"
            ) from exc

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.columns_:
            return frame
        parts = {}
        for column in self.columns_:
            values = self._as_datetime(frame, column)
            for part in self.parts:
                parts[f"{column}_{part}"] = _part(values, part)
        result = frame.drop(columns=self.columns_) if self.drop_original else frame
        return pd.concat([result, pd.DataFrame(parts, index=frame.index)], axis=1)

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        drop = set(self.columns_) if self.drop_original else set()
        return [c for c in input_columns if c not in drop] + self.part_columns_
