"""The Cleaner: an ordered list of cleaning steps, fitted once on training data.

The rule that keeps serving honest: **row steps** (anything with ``fit_resample``: dropping rows
with missing values, duplicates or outliers, noise copies, SMOTE) run only while fitting, on the
training data, and are reported; **column steps** (imputers, clipping, scalers, encoders,
date-time parts, or any scikit-learn transformer) are fitted once and then run on every row,
in training and at serving. ``Cleaner.transform`` therefore never drops or adds a row.

Row steps may come anywhere in the list (drop duplicates first, SMOTE after imputation...).
Because they never change a row they keep, and column steps map each row on its own, a row
that survives cleaning gets exactly what ``transform`` gives it later. The one deliberate
exception is :class:`TargetEncode` with ``cross_fit=True``, which encodes training rows out of
fold to keep their own target out of their features.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from loopml.core import InvalidValueError, LoopmlError
from loopml.data._cleaning._columns import ColumnStep, as_frame, check_step_params, is_row_step
from loopml.data._cleaning._report import (
    CleaningReport,
    StepReport,
    column_step_report,
    row_step_report,
)

StepCallback = Callable[[str], None]


class Cleaner(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Cleaning steps in order; the target column, if any, rides along untouched.

    Args:
        steps: ``(name, step)`` pairs, or bare steps (named after their class).
        target: the target column of the training frame. Steps that need it (target encoding,
            SMOTE, duplicate detection over whole rows) get it as ``y``; it is never scaled or
            encoded and is put back as the last column. Serving rows need not have it.

    After fitting: ``steps_`` (the fitted copies), ``feature_names_in_``, ``report_``.
    """

    _parameter_constraints = {"steps": [list, tuple], "target": [str, None]}

    def __init__(self, steps: Sequence[Any] = (), *, target: str | None = None) -> None:
        self.steps = steps
        self.target = target

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: Any = None) -> Self:
        """Fit every step on ``X`` (row steps shape what column steps learn from); return self."""
        self._fit_clean(X, y, on_step=None)
        return self

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> pd.DataFrame:
        """Fit, and return every row of ``X`` cleaned, as a scikit-learn pipeline needs.

        Without row steps these are the values fitting produced (target-encoded columns out of
        fold, as scikit-learn's own pipelines give them). With row steps the rows fitting kept
        would not line up with ``y``, so it is ``fit(X, y).transform(X)``.
        """
        features, _ = self._fit_clean(X, y, on_step=None)
        if any(is_row_step(step) for _, step in self.steps_):
            return self.transform(X)
        if self.target is not None:
            features = features.assign(**{self.target: X[self.target].set_axis(features.index)})
        return features

    def fit_clean(self, X: pd.DataFrame, *, on_step: StepCallback | None = None) -> pd.DataFrame:
        """Fit on the training frame and return it cleaned: the new dataset's content.

        Rows dropped or added by row steps are gone or there; the target column (``target``)
        comes last. ``on_step(name)`` is called before each step (for a progress bar).
        """
        features, y = self._fit_clean(X, None, on_step=on_step)
        if y is not None and self.target is not None:
            if self.target in features.columns:
                raise InvalidValueError(
                    f"a cleaning step made a column named like the target {self.target!r}"
                )
            features = features.assign(**{self.target: y.set_axis(features.index)})
        return features.reset_index(drop=True)

    def _fit_clean(
        self, X: Any, y: Any, *, on_step: StepCallback | None
    ) -> tuple[pd.DataFrame, pd.Series | None]:
        frame = as_frame(X, step=self)
        check_step_params(self)
        named = _named_steps(self.steps)
        frame, target = self._split_target(frame, y)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        self.input_dtypes_ = [str(dtype) for dtype in frame.dtypes]
        columns_in, rows_in = list(frame.columns), len(frame)
        fitted: list[tuple[str, Any]] = []
        reports: list[StepReport] = []
        for name, step in named:
            if on_step is not None:
                on_step(name)
            step = clone(step)
            before, before_rows = frame, len(frame)
            with _blame(name, step):
                if is_row_step(step):
                    frame, target = _resample(step, frame, target)
                    report = row_step_report(
                        step=name, estimator=step, rows_in=before_rows, rows_out=len(frame)
                    )
                else:
                    if not isinstance(step, ColumnStep) and hasattr(step, "set_output"):
                        step.set_output(transform="pandas")  # ours return DataFrames already
                    frame = _checked_output(step.fit_transform(frame, target), before, step)
                    report = column_step_report(
                        step=name, estimator=step, before=before, after=frame
                    )
            fitted.append((name, step))
            reports.append(report)
        self.steps_ = fitted
        self.feature_names_out_ = np.asarray(frame.columns, dtype=object)
        self.report_records_ = [vars(r).copy() for r in reports]
        self.report_shape_: dict[str, Any] = {
            "rows_in": rows_in,
            "rows_out": len(frame),
            "columns_in": columns_in,
        }
        return frame, target

    def _split_target(self, frame: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, pd.Series | None]:
        if self.target is None:
            if y is None:
                return frame, None
            values = np.asarray(y)
            if values.ndim != 1 or len(values) != len(frame):
                raise InvalidValueError(f"y has shape {values.shape} for {len(frame)} rows")
            name = y.name if isinstance(y, pd.Series) else "target"
            return frame, pd.Series(values, index=frame.index, name=name)
        if y is not None:
            raise InvalidValueError(
                f"the Cleaner takes its target from column {self.target!r}; do not pass y too"
            )
        if self.target not in frame.columns:
            raise InvalidValueError(
                f"target column {self.target!r} is not in the data; it has {list(frame.columns)}"
            )
        return frame.drop(columns=[self.target]), frame[self.target]

    # -- serving ------------------------------------------------------------------------------

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Apply the fitted column steps to any rows, one by one; no row is dropped or added.

        ``X`` needs the columns the cleaner was fitted on (the target may be absent; when it is
        there it passes through, last). Values are converted to the training types first, so a
        row from JSON (ints for floats, None for NaN) is cleaned as its training twin was.

        Raises:
            InvalidValueError: columns are missing, unexpected, or hold unconvertible values.
        """
        check_is_fitted(self)
        frame = as_frame(X, step=self)
        target = None
        if self.target is not None and self.target in frame.columns:
            target = frame[self.target]
            frame = frame.drop(columns=[self.target])
        frame = _conform(frame, list(self.feature_names_in_), self.input_dtypes_)
        for name, step in self.steps_:
            if is_row_step(step):
                continue
            with _blame(name, step):
                frame = _checked_output(step.transform(frame), frame, step)
        if target is not None:
            frame = frame.assign(**{str(self.target): target.set_axis(frame.index)})
        return frame

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the columns ``transform`` returns (without the target)."""
        check_is_fitted(self)
        return np.asarray(self.feature_names_out_, dtype=object)

    # -- what happened ------------------------------------------------------------------------

    @property
    def report_(self) -> CleaningReport:
        """What each step changed in the training data during fitting."""
        check_is_fitted(self)
        columns_out = list(self.feature_names_out_)
        if self.target is not None:
            columns_out.append(self.target)
        return CleaningReport(
            steps=[StepReport(**record) for record in self.report_records_],
            rows_in=int(self.report_shape_["rows_in"]),
            rows_out=int(self.report_shape_["rows_out"]),
            columns_in=list(self.report_shape_["columns_in"]),
            columns_out=columns_out,
        )

    def describe_steps(self) -> list[dict[str, Any]]:
        """``[{name, estimator, kind, params}]`` for the dataset version's source record."""
        described = []
        for name, step in _named_steps(self.steps):
            params = step.get_params(deep=False) if hasattr(step, "get_params") else {}
            described.append(
                {
                    "name": name,
                    "estimator": f"{type(step).__module__}.{type(step).__qualname__}",
                    "kind": "rows" if is_row_step(step) else "columns",
                    "params": {k: _plain(v) for k, v in sorted(params.items())},
                }
            )
        return described


def make_cleaner(*steps: Any, target: str | None = None) -> Cleaner:
    """A :class:`Cleaner` of ``steps``, each named after its class (like ``make_pipeline``)."""
    return Cleaner(list(steps), target=target)


def _named_steps(steps: Sequence[Any]) -> list[tuple[str, Any]]:
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise InvalidValueError("Cleaner steps must be a list of steps or (name, step) pairs")
    named: list[tuple[str, Any]] = []
    automatic: dict[str, int] = {}
    for item in steps:
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[0], str) or not item[0]:
                raise InvalidValueError(f"a Cleaner step pair must be (name, step), not {item!r}")
            name, step = item
        else:
            step, base = item, type(item).__name__.lower()
            automatic[base] = automatic.get(base, 0) + 1
            name = base if automatic[base] == 1 else f"{base}-{automatic[base]}"
        if not (is_row_step(step) or callable(getattr(step, "transform", None))):
            raise InvalidValueError(
                f"Cleaner step {name!r} ({type(step).__name__}) has neither transform (a column "
                "step) nor fit_resample (a row step)"
            )
        named.append((name, step))
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise InvalidValueError(f"Cleaner step names must be unique; got {names}")
    return named


@contextmanager
def _blame(name: str, step: object) -> Iterator[None]:
    """Turn a step's failure into an InvalidValueError that names the step."""
    try:
        yield
    except InvalidValueError as exc:
        raise InvalidValueError(f"cleaning step {name!r}: {exc}") from exc
    except LoopmlError:
        raise
    except (ValueError, TypeError, KeyError) as exc:  # from the library a step wraps
        raise InvalidValueError(
            f"cleaning step {name!r} ({type(step).__name__}) failed: {type(exc).__name__}: {exc}"
        ) from exc


def _resample(
    step: Any, frame: pd.DataFrame, target: pd.Series | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    result = step.fit_resample(frame, target)
    features, new_target = result[0], result[1]
    if not isinstance(features, pd.DataFrame):
        features = pd.DataFrame(features, columns=frame.columns)
    if new_target is not None and not isinstance(new_target, pd.Series):
        new_target = pd.Series(np.asarray(new_target), name=getattr(target, "name", None))
    if new_target is not None:
        new_target = new_target.set_axis(features.index)
    return features, new_target


def _checked_output(output: Any, before: pd.DataFrame, step: object) -> pd.DataFrame:
    if not isinstance(output, pd.DataFrame):
        raise InvalidValueError(
            f"{type(step).__name__} returned {type(output).__name__}, not a DataFrame; column "
            "steps must return DataFrames (scikit-learn transformers: set_output='pandas')"
        )
    if len(output) != len(before):
        raise InvalidValueError(
            f"{type(step).__name__} changed the number of rows in transform ({len(before)} -> "
            f"{len(output)}); a step that drops or adds rows must be a row step (fit_resample)"
        )
    return output


def _conform(frame: pd.DataFrame, names: list[str], dtypes: list[str]) -> pd.DataFrame:
    """``frame`` with the training columns, in training order and with the training types."""
    missing = [c for c in names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in set(names)]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"missing columns {missing} that the cleaner was fitted on")
        if extra:
            problems.append(f"columns {extra} the cleaner was not fitted on")
        raise InvalidValueError("cannot clean these rows: " + " and ".join(problems))
    frame = frame[names]
    changed = {}
    for name, dtype in zip(names, dtypes, strict=True):
        if str(frame[name].dtype) != dtype:
            changed[name] = _convert(frame[name], dtype)
    return frame.assign(**changed) if changed else frame


def _convert(values: pd.Series, dtype: str) -> pd.Series:
    try:
        if dtype.startswith(("int", "uint", "float")):
            numbers = pd.to_numeric(values.astype(object).where(values.notna(), np.nan))
            if dtype.startswith(("int", "uint")) and numbers.isna().any():
                return numbers.astype("float64")  # a missing integer: an imputer's job
            return numbers.astype(dtype)
        if dtype.startswith("datetime64"):
            return pd.to_datetime(values, format="ISO8601").astype(dtype)
        if dtype == "bool" and values.isna().any():
            return values.astype(object)
        return values.astype(dtype)
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(
            f"column {values.name!r}: cannot read {values.dtype} values as {dtype}, the type it "
            f"had in training ({exc})"
        ) from exc


def _plain(value: Any) -> Any:
    """A parameter value as JSON-friendly data (what the source record can hold)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)
