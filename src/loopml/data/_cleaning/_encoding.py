"""Encoding text and category columns as numbers, with scikit-learn's encoders.

- :class:`OneHotEncode`: one 0/1 column per category; a category unseen in training becomes all
  zeros (or the "infrequent" column), so serving never fails on a new value.
- :class:`OrdinalEncode`: one integer code per category, in a given order; unseen ones get
  ``unknown_value``.
- :class:`TargetEncode`: each category becomes a smoothed mean of the target for it.

Encoded columns replace their source columns and go at the end of the frame. A missing value
is a category of its own for one-hot and target encoding.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder
from sklearn.utils._param_validation import Interval, StrOptions

from loopml.core import InvalidValueError
from loopml.data._cleaning._columns import (
    COLUMNS_CONSTRAINT,
    ColumnStep,
    as_frame,
    as_target,
    check_step_params,
    is_categorical,
    select_columns,
    step_label,
)


def _as_objects(frame: pd.DataFrame) -> np.ndarray:
    # One array type for text of any dtype; pd.NA and None become NaN, which encoders know.
    return np.asarray(frame.astype(object).where(frame.notna(), np.nan).to_numpy())


class _EncoderStep(ColumnStep):
    """Shared by the encoders: fit ``encoder_`` on ``columns_``, swap them for its output."""

    def _select(self, frame: pd.DataFrame) -> list[str]:
        return select_columns(frame, self.columns, step=self, default=is_categorical)

    def _finish_fit(self, frame: pd.DataFrame) -> None:
        self.encoded_columns_ = [
            str(name) for name in self.encoder_.get_feature_names_out(self.columns_)
        ]
        kept = set(frame.columns) - set(self.columns_)
        clashes = [name for name in self.encoded_columns_ if name in kept]
        if clashes:
            raise InvalidValueError(
                f"{step_label(self)}: encoded columns {clashes} would replace existing columns"
            )

    def _with_encoded(self, frame: pd.DataFrame, encoded: Any) -> pd.DataFrame:
        block = pd.DataFrame(
            np.asarray(encoded, dtype="float64"), columns=self.encoded_columns_, index=frame.index
        )
        return pd.concat([frame.drop(columns=self.columns_), block], axis=1)

    def _transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.columns_:
            return frame
        return self._with_encoded(frame, self.encoder_.transform(_as_objects(frame[self.columns_])))

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return [c for c in input_columns if c not in self.columns_] + self.encoded_columns_


class OneHotEncode(_EncoderStep):
    """One 0/1 column per category (``<column>_<category>``); unseen categories handled.

    Args:
        columns: the columns to encode (default: text, category and boolean columns).
        handle_unknown: ``ignore`` (an unseen category is all zeros) or ``infrequent_if_exist``
            (it joins the ``<column>_infrequent_sklearn`` column when there is one).
        min_frequency: categories rarer than this (a count, or a share of rows) are grouped as
            infrequent.
        max_categories: at most this many columns per source column, infrequent included.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "handle_unknown": [StrOptions({"ignore", "infrequent_if_exist"})],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        handle_unknown: str = "ignore",
        min_frequency: int | float | None = None,
        max_categories: int | None = None,
    ) -> None:
        self.columns = columns
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        self.columns_ = self._select(frame)
        self.encoder_ = OneHotEncoder(
            handle_unknown=self.handle_unknown,
            min_frequency=self.min_frequency,
            max_categories=self.max_categories,
            sparse_output=False,
            dtype=np.float64,
        )
        if self.columns_:
            self.encoder_.fit(_as_objects(frame[self.columns_]))
        self.encoded_columns_ = []
        if self.columns_:
            self._finish_fit(frame)


class OrdinalEncode(_EncoderStep):
    """One number per category, in place: ``0, 1, 2...`` in the given or sorted order.

    Args:
        columns: the columns to encode (default: the keys of ``categories`` when it is a dict,
            else text, category and boolean columns).
        categories: ``auto`` (sorted values seen in training) or ``{column: [ordered values]}``.
        unknown_value: the code of a value not among the categories.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "categories": [StrOptions({"auto"}), dict],
        "unknown_value": [Interval(Integral, None, None, closed="neither")],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        categories: str | dict[str, list[Any]] = "auto",
        unknown_value: int = -1,
    ) -> None:
        self.columns = columns
        self.categories = categories
        self.unknown_value = unknown_value

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        given = self.categories if isinstance(self.categories, dict) else None
        columns = self.columns if self.columns is not None or given is None else list(given)
        self.columns_ = select_columns(frame, columns, step=self, default=is_categorical)
        if given is not None:
            lacking = [c for c in self.columns_ if c not in given]
            if lacking:
                raise InvalidValueError(f"{step_label(self)}: no categories given for {lacking}")
            order: Any = [list(given[c]) for c in self.columns_]
        else:
            order = "auto"
        self.encoder_ = OrdinalEncoder(
            categories=order,
            handle_unknown="use_encoded_value",
            unknown_value=self.unknown_value,
            dtype=np.float64,
        )
        self.encoded_columns_ = []
        if self.columns_:
            self.encoder_.fit(_as_objects(frame[self.columns_]))
            self._finish_fit(frame)

    def _output_columns(self, input_columns: list[str]) -> list[str]:
        return list(input_columns)

    def _with_encoded(self, frame: pd.DataFrame, encoded: Any) -> pd.DataFrame:
        # Ordinal codes stay where their column was: one number replaces one value.
        result = frame.copy(deep=False)
        codes = np.asarray(encoded, dtype="float64")
        for index, column in enumerate(self.columns_):
            result[column] = codes[:, index]
        return result


class TargetEncode(_EncoderStep):
    """Each category becomes the smoothed mean of the target for it (scikit-learn's
    ``TargetEncoder``); a multiclass target gives one column per class.

    With ``cross_fit=True`` (the default) the *training* rows are encoded out of fold, as
    scikit-learn does, so a row's own target never leaks into its feature; serving rows use the
    encoding learned from all training rows. That is the one place where a training row's
    cleaned value differs from what serving would give it, on purpose. ``cross_fit=False``
    encodes training rows with the full encoding too (exactly as serving, but leaky).

    Args:
        columns: the columns to encode (default: text, category and boolean columns).
        target_type: ``auto``, ``binary``, ``multiclass`` or ``continuous``.
        smooth: how far rare categories are pulled towards the overall mean, or ``auto``.
        cv: folds for the out-of-fold training encoding.
        cross_fit: encode training rows out of fold.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "target_type": [StrOptions({"auto", "binary", "multiclass", "continuous"})],
        "smooth": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "cross_fit": ["boolean"],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        target_type: str = "auto",
        smooth: str | float = "auto",
        cv: int = 5,
        cross_fit: bool = True,
    ) -> None:
        self.columns = columns
        self.target_type = target_type
        self.smooth = smooth
        self.cv = cv
        self.cross_fit = cross_fit

    def _fit(self, frame: pd.DataFrame, y: pd.Series | None) -> None:
        self._fit_encoder(frame, y, out_of_fold=False)

    def _fit_encoder(self, frame: pd.DataFrame, y: pd.Series | None, *, out_of_fold: bool) -> Any:
        """Fit; with ``out_of_fold`` also return the training rows' out-of-fold encoding."""
        if y is None:
            raise InvalidValueError(
                f"{step_label(self)} needs the target: pass y to fit, or name the target column "
                "with Cleaner(target=...) / the config's 'target'"
            )
        if y.isna().any():
            raise InvalidValueError(f"{step_label(self)}: the target has missing values")
        self.columns_ = self._select(frame)
        self.encoder_ = TargetEncoder(target_type=self.target_type, smooth=self.smooth, cv=self.cv)
        self.encoded_columns_ = []
        if not self.columns_:
            return None
        values, target = _as_objects(frame[self.columns_]), y.to_numpy()
        try:
            if not out_of_fold:
                self.encoder_.fit(values, target)
                encoded = None
            else:
                encoded = self.encoder_.fit_transform(values, target)
        except ValueError as exc:  # e.g. a target type that does not match the values
            raise InvalidValueError(f"{step_label(self)}: {exc}") from exc
        self._finish_fit(frame)
        return encoded

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> pd.DataFrame:
        """Fit, then encode the training rows (out of fold when ``cross_fit``)."""
        if not self.cross_fit:
            result: pd.DataFrame = super().fit_transform(X, y, **fit_params)
            return result
        frame = as_frame(X, step=self)
        check_step_params(self)
        encoded = self._fit_encoder(frame, as_target(y, frame, step=self), out_of_fold=True)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        return frame if encoded is None else self._with_encoded(frame, encoded)
