"""What every cleaning step shares: DataFrame checks, column selection and the two step kinds.

There are two kinds of step, and the difference is the rule that keeps serving honest:

- A **column step** (:class:`ColumnStep`, or any scikit-learn transformer) learns its state once
  in ``fit`` and then maps each row on its own in ``transform``. It runs on the training data
  and again, identically, on every row at serving time.
- A **row step** (:class:`RowStep`, or any imbalanced-learn sampler) has ``fit_resample``: it
  drops rows or appends new ones, and never changes a row it keeps. It runs on training data
  only; at serving time a row must neither vanish nor be duplicated, so it is skipped.

Because row steps leave kept rows untouched and column steps map rows one at a time, a row that
survives cleaning comes out of training exactly as the fitted cleaner transforms it at serving.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from loopml.core import InvalidValueError


def step_label(step: object) -> str:
    """The class name a message uses to say which step complained."""
    return type(step).__name__


def as_frame(data: object, *, step: object) -> pd.DataFrame:
    """``data`` if it is a DataFrame with unique string column names, else InvalidValueError."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidValueError(
            f"{step_label(step)} takes a pandas DataFrame (columns are chosen by name), "
            f"not {type(data).__name__}"
        )
    if not all(isinstance(c, str) for c in data.columns):
        raise InvalidValueError(f"{step_label(step)}: column names must be strings")
    if data.columns.duplicated().any():
        dupes = sorted(set(data.columns[data.columns.duplicated()]))
        raise InvalidValueError(f"{step_label(step)}: duplicate column names {dupes}")
    return data


def as_target(y: object, frame: pd.DataFrame, *, step: object) -> pd.Series | None:
    """``y`` as a Series aligned with ``frame`` (same length and index), or None."""
    if y is None:
        return None
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y), name="target")
    if len(series) != len(frame):
        raise InvalidValueError(
            f"{step_label(step)}: the target has {len(series)} values for {len(frame)} rows"
        )
    return series.set_axis(frame.index)


def is_numeric(series: pd.Series) -> bool:
    """True for number columns; booleans (such as missing-value indicators) are not numbers."""
    return bool(pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def is_categorical(series: pd.Series) -> bool:
    """True for text, category and boolean columns: the ones an encoder turns into numbers."""
    dtype = series.dtype
    return bool(
        pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
    )


def is_datetime(series: pd.Series) -> bool:
    """True for date-time columns, with or without a time zone."""
    return bool(pd.api.types.is_datetime64_any_dtype(series.dtype))


COLUMN_KINDS: dict[str, Callable[[pd.Series], bool]] = {
    "numeric": is_numeric,
    "categorical": is_categorical,
    "datetime": is_datetime,
}
# A step's ``columns``: names, a kind of column ("numeric", "categorical", "datetime"), or None
# for the step's own default. Kinds let a config written before the data is seen pick columns.
COLUMNS_CONSTRAINT: list[Any] = [list, StrOptions(set(COLUMN_KINDS)), None]


def select_columns(
    frame: pd.DataFrame,
    columns: Sequence[str] | str | None,
    *,
    step: object,
    default: Callable[[pd.Series], bool],
) -> list[str]:
    """The columns a step works on: ``columns`` as named, those of a kind, or ``default``'s.

    Raises:
        InvalidValueError: some named columns are not in the data (all of them are listed).
    """
    if columns is None or isinstance(columns, str):
        test = default if columns is None else COLUMN_KINDS[columns]
        return [c for c in frame.columns if test(frame[c])]
    chosen = list(columns)
    unknown = [c for c in chosen if c not in frame.columns]
    if unknown:
        raise InvalidValueError(
            f"{step_label(step)}: unknown columns {unknown}; the data has {list(frame.columns)}"
        )
    return chosen


def require_columns(frame: pd.DataFrame, needed: Sequence[str], *, step: object) -> None:
    """Raise InvalidValueError naming every column of ``needed`` that ``frame`` lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InvalidValueError(
            f"{step_label(step)}: the data lacks columns {missing} that were there when it was "
            "fitted"
        )


def require_kind(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    step: object,
    kind: str,
    test: Callable[..., bool],
) -> None:
    """Raise InvalidValueError naming every column of ``columns`` that is not of ``kind``."""
    wrong = [f"{c} ({frame[c].dtype})" for c in columns if not test(frame[c])]
    if wrong:
        raise InvalidValueError(f"{step_label(step)} needs {kind} columns; got {wrong}")


def check_step_params(step: BaseEstimator) -> None:
    """Check ``step``'s parameters against its ``_parameter_constraints`` (scikit-learn's way)."""
    try:
        step._validate_params()
    except InvalidParameterError as exc:
        raise InvalidValueError(str(exc)) from exc


class ColumnStep(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Base of loopml's column steps: DataFrame in, DataFrame out, columns chosen by name.

    Subclasses implement ``_fit(frame, y)`` (learned state ends in ``_`` and must include
    ``columns_``, the columns the step reads), ``_transform(frame)`` and
    ``_output_columns(input_columns)``, which must name exactly what ``_transform`` returns.
    """

    _parameter_constraints: dict[str, list[Any]] = {}

    def fit(self, X: pd.DataFrame, y: Any = None) -> Self:
        """Learn the step's state from training data; return the step."""
        frame = as_frame(X, step=self)
        check_step_params(self)
        self._fit(frame, as_target(y, frame, step=self))
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Apply the learned state to ``X`` (any number of rows, each on its own)."""
        check_is_fitted(self)
        frame = as_frame(X, step=self)
        require_columns(frame, self.columns_, step=self)
        result: pd.DataFrame = self._transform(frame)
        return result

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the columns ``transform`` returns, in order."""
        check_is_fitted(self)
        names = list(self.feature_names_in_ if input_features is None else input_features)
        return np.asarray(self._output_columns(names), dtype=object)

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        raise NotImplementedError

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        raise NotImplementedError


class RowStep(BaseEstimator):  # type: ignore[misc]
    """Base of loopml's row steps: drop or append rows of the training data, never change one.

    ``fit_resample`` follows imbalanced-learn's sampler interface, so a scikit-learn or
    imbalanced-learn pipeline also skips these steps outside fitting. Subclasses implement
    ``_resample(frame, y) -> (kept_mask, new_rows, new_targets)``: a boolean mask of the rows to
    keep and the rows to append (or None). Afterwards ``rows_dropped_`` and ``rows_added_``
    say what happened, for the cleaning report.
    """

    _parameter_constraints: dict[str, list[Any]] = {}

    def fit(self, X: pd.DataFrame, y: Any = None) -> Self:
        """Run :meth:`fit_resample` for its learned state; return the step."""
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X: pd.DataFrame, y: Any = None) -> tuple[pd.DataFrame, pd.Series | None]:
        """The training data with rows dropped or appended, and the target to match."""
        frame = as_frame(X, step=self)
        check_step_params(self)
        target = as_target(y, frame, step=self)
        keep, new_rows, new_targets = self._resample(frame, target)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        kept = frame[keep]
        kept_target = None if target is None else target[keep]
        self.rows_dropped_ = int(len(frame) - len(kept))
        self.rows_added_ = 0 if new_rows is None else len(new_rows)
        if new_rows is None or len(new_rows) == 0:
            return kept, kept_target
        result = pd.concat([kept, new_rows[kept.columns]], ignore_index=True)
        if kept_target is None:
            return result, None
        return result, pd.concat([kept_target, new_targets], ignore_index=True)

    def _resample(
        self, frame: pd.DataFrame, y: pd.Series | None
    ) -> tuple[np.ndarray, pd.DataFrame | None, pd.Series | None]:
        raise NotImplementedError


def is_row_step(step: object) -> bool:
    """True for steps that change the rows of the training data (imbalanced-learn's test)."""
    return callable(getattr(step, "fit_resample", None))
