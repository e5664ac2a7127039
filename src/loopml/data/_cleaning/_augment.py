"""Augmentation of tabular training data: noisy copies of rows, and SMOTE for rare classes.

Both are row steps: they append new rows after the real ones and leave every real row as it
was, so they shape what a model learns from without touching what serving sees.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from loopml.core import InvalidValueError
from loopml.data._cleaning._columns import (
    COLUMNS_CONSTRAINT,
    RowStep,
    is_numeric,
    require_kind,
    select_columns,
    step_label,
)


class AddNoise(RowStep):
    """Append copies of random training rows with Gaussian noise on their numeric columns.

    The noise on a column has standard deviation ``scale`` times that column's own standard
    deviation, so it is small relative to each column's spread whatever its unit. Integer
    columns are rounded back to integers; other columns and the target are copied unchanged.

    Args:
        columns: the columns that get noise (default: the numeric columns).
        fraction: how many rows to append, as a share of the training rows.
        scale: noise standard deviation, as a share of each column's standard deviation.
        random_state: seed, so the same data gives the same copies.
    """

    _parameter_constraints = {
        "columns": COLUMNS_CONSTRAINT,
        "fraction": [Interval(Real, 0, None, closed="neither")],
        "scale": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        columns: list[str] | str | None = None,
        *,
        fraction: float = 1.0,
        scale: float = 0.05,
        random_state: int | None = 0,
    ) -> None:
        self.columns = columns
        self.fraction = fraction
        self.scale = scale
        self.random_state = random_state

    def _resample(
        self, frame: pd.DataFrame, y: pd.Series | None
    ) -> tuple[np.ndarray, pd.DataFrame | None, pd.Series | None]:
        self.columns_ = select_columns(frame, self.columns, step=self, default=is_numeric)
        require_kind(frame, self.columns_, step=self, kind="numeric", test=is_numeric)
        keep = np.ones(len(frame), dtype=bool)
        count = round(self.fraction * len(frame))
        self.noise_std_ = {
            c: float(np.nan_to_num(frame[c].astype("float64").std(ddof=0))) * self.scale
            for c in self.columns_
        }
        if count == 0 or len(frame) == 0:
            return keep, None, None
        rng = np.random.default_rng(self.random_state)
        picks = rng.integers(0, len(frame), size=count)
        copies = frame.iloc[picks].reset_index(drop=True)
        for column in self.columns_:
            noisy = copies[column].astype("float64") + rng.normal(
                0.0, self.noise_std_[column], size=count
            )
            if pd.api.types.is_integer_dtype(frame[column].dtype):
                noisy = noisy.round()
                if not noisy.isna().any():
                    noisy = noisy.astype(frame[column].dtype)
            copies[column] = noisy
        targets = None if y is None else y.iloc[picks].reset_index(drop=True)
        return keep, copies, targets


class SMOTEOversample(RowStep):
    """Append synthetic rows for rare classes with imbalanced-learn's SMOTE.

    Numeric columns only: SMOTE; numeric and categorical: SMOTENC; categorical only: SMOTEN.
    Needs the target (a class label) and no missing values: impute first.

    Args:
        sampling_strategy: imbalanced-learn's ``sampling_strategy``: ``auto`` (every class up
            to the majority), ``minority``, ``not majority``, ``not minority``, ``all``, a
            ratio for a binary target, or ``{class: count}``.
        k_neighbors: neighbours each synthetic row is interpolated from.
        categorical_columns: columns to treat as categories (default: text, category and
            boolean columns).
        random_state: seed, so the same data gives the same rows.
    """

    _parameter_constraints = {
        "sampling_strategy": [
            StrOptions({"auto", "minority", "not majority", "not minority", "all"}),
            Interval(Real, 0, 1, closed="right"),
            dict,
        ],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "categorical_columns": [list, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        sampling_strategy: str | float | dict[Any, int] = "auto",
        k_neighbors: int = 5,
        categorical_columns: list[str] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.k_neighbors = k_neighbors
        self.categorical_columns = categorical_columns
        self.random_state = random_state

    def _resample(
        self, frame: pd.DataFrame, y: pd.Series | None
    ) -> tuple[np.ndarray, pd.DataFrame | None, pd.Series | None]:
        if y is None:
            raise InvalidValueError(
                f"{step_label(self)} needs the target (class labels): name the target column "
                "with Cleaner(target=...) / the config's 'target'"
            )
        categorical = select_columns(
            frame, self.categorical_columns, step=self, default=lambda s: not is_numeric(s)
        )
        numeric = [c for c in frame.columns if c not in categorical]
        require_kind(
            frame,
            numeric,
            step=self,
            kind="numeric (or name them in categorical_columns)",
            test=is_numeric,
        )
        holes = [c for c in frame.columns if frame[c].isna().any()]
        if holes or y.isna().any():
            raise InvalidValueError(
                f"{step_label(self)}: missing values in {holes or ['the target']}; SMOTE "
                "interpolates between rows and needs every value: impute first"
            )
        sampler = self._sampler(categorical, numeric)
        # Only the sampler's name is kept: it never runs at serving, and its fitted state
        # (neighbours of every minority row) would only make the stored cleaner larger.
        self.sampler_name_ = type(sampler).__name__
        try:
            resampled, targets = sampler.fit_resample(frame, y)
        except ValueError as exc:  # too few rows of a class, a continuous target...
            raise InvalidValueError(f"{step_label(self)}: {exc}") from exc
        # imbalanced-learn puts the original rows first, unchanged, then the synthetic ones.
        added = resampled.iloc[len(frame) :].reset_index(drop=True)
        for column in frame.columns:
            if added[column].dtype != frame[column].dtype:
                values = added[column]
                if pd.api.types.is_integer_dtype(frame[column].dtype):
                    values = values.astype("float64").round()
                added[column] = values.astype(frame[column].dtype)
        new_targets = pd.Series(np.asarray(targets)[len(frame) :], name=y.name).astype(y.dtype)
        return np.ones(len(frame), dtype=bool), added, new_targets

    def _sampler(self, categorical: list[str], numeric: list[str]) -> Any:
        from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

        options = {
            "sampling_strategy": self.sampling_strategy,
            "k_neighbors": self.k_neighbors,
            "random_state": self.random_state,
        }
        if not categorical:
            return SMOTE(**options)
        if not numeric:
            return SMOTEN(**options)
        return SMOTENC(categorical_features=categorical, **options)
