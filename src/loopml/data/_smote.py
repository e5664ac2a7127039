"""SMOTE oversampling of a minority class, for tables with numeric and categorical features.

imbalanced-learn does the work: SMOTE for numeric features, SMOTE-NC for a mix, SMOTE-N for
categorical only. This module picks the variant from the column types, refuses what SMOTE
cannot use with a message that names the problem, and keeps the original rows first and
unchanged, with every column's dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidValueError(message)


def _plain(label: Any) -> Any:
    """A numpy scalar as the Python value it holds, so messages read ``1``, not ``np.int64(1)``."""
    return label.item() if isinstance(label, np.generic) else label


def _is_categorical(values: pd.Series) -> bool:
    return (
        isinstance(values.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(values)
        or pd.api.types.is_string_dtype(values)
        or pd.api.types.is_object_dtype(values)
    )


def _smote_columns(
    frame: pd.DataFrame, target: str, categorical: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """Split the feature columns into (numeric, categorical), refusing what SMOTE cannot use."""
    features = [c for c in frame.columns if c != target]
    _check(bool(features), "oversample_smote needs at least one feature column besides the target")
    if categorical is None:
        chosen = [c for c in features if _is_categorical(frame[c])]
    else:
        unknown = [c for c in categorical if c not in features]
        _check(
            not unknown,
            f"categorical names columns that are not features: {unknown}; "
            f"features: {', '.join(map(str, features))}",
        )
        chosen = [c for c in features if c in set(categorical)]
    numeric = [c for c in features if c not in chosen]
    not_numbers = [
        c
        for c in numeric
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]
    _check(
        not not_numbers,
        f"SMOTE cannot interpolate columns {not_numbers} "
        f"({', '.join(str(frame[c].dtype) for c in not_numbers)}): convert them to numbers, "
        "mark them categorical, or drop them",
    )
    with_missing = [c for c in features if frame[c].isna().any()]
    _check(
        not with_missing,
        f"SMOTE cannot use rows with missing values; impute or drop them first (columns "
        f"{with_missing})",
    )
    return numeric, chosen


def _targeted_classes(
    y: np.ndarray, sampling_strategy: float | str | Mapping[Any, int]
) -> dict[Any, int]:
    """Rows to add per class (classes that get none are left out)."""
    from imblearn.utils import check_sampling_strategy

    try:
        wanted = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    except ValueError as exc:
        raise InvalidValueError(f"sampling_strategy {sampling_strategy!r}: {exc}") from exc
    return {label: int(n) for label, n in wanted.items() if n > 0}


def oversample_smote(
    frame: pd.DataFrame,
    *,
    target: str,
    sampling_strategy: float | str | Mapping[Any, int] = "auto",
    k_neighbors: int = 5,
    categorical: Sequence[str] | None = None,
    indicator: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """``frame`` with synthetic rows of the rare classes appended (SMOTE, imbalanced-learn).

    Each new row interpolates between a row of a rare class and one of its ``k_neighbors``
    nearest neighbours of the same class. Numeric features only: SMOTE; numeric and categorical:
    SMOTE-NC (categorical values are taken from the neighbours by majority); categorical only:
    SMOTE-N. Categorical columns are those given, else every category, text, object and boolean
    column. The original rows come first, unchanged; the synthetic rows keep the columns' dtypes
    (integer columns are rounded). ``indicator`` names a boolean column added to tell them apart.

    Args:
        sampling_strategy: as in imbalanced-learn: ``"auto"`` (every class but the majority up
            to the majority's count), ``"minority"``, a float ratio minority / majority (two
            classes), or ``{label: rows wanted}``.

    Raises:
        InvalidValueError: the target is missing or has missing values, there is one class
            only, a class to oversample has no more rows than ``k_neighbors``, a feature has
            missing values or cannot be interpolated (dates, text marked numeric), or the
            sampling strategy is unusable.
    """
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

    _check(isinstance(frame, pd.DataFrame), f"expected a DataFrame, got {type(frame).__name__}")
    _check(
        not frame.columns.duplicated().any(),
        f"duplicate column names: {sorted(set(frame.columns[frame.columns.duplicated()]))}",
    )
    _check(
        target in frame.columns,
        f"target {target!r} is not a column; columns: {', '.join(map(str, frame.columns))}",
    )
    _check(
        isinstance(k_neighbors, int) and not isinstance(k_neighbors, bool) and k_neighbors >= 1,
        f"k_neighbors must be an integer >= 1, got {k_neighbors!r}",
    )
    _check(
        indicator is None or indicator not in frame.columns,
        f"indicator column {indicator!r} exists already",
    )
    labels = frame[target]
    _check(not labels.isna().any(), f"target {target!r} has {labels.isna().sum()} missing values")
    counts = labels.value_counts()
    _check(
        len(counts) >= 2,
        f"target {target!r} has a single class"
        + (f" ({_plain(counts.index[0])!r})" if len(counts) else "")
        + "; nothing to balance",
    )
    numeric, categorical_columns = _smote_columns(frame, target, categorical)
    y = (
        labels.to_numpy(dtype=object)
        if not pd.api.types.is_numeric_dtype(labels)
        else labels.to_numpy()
    )
    to_generate = _targeted_classes(y, sampling_strategy)
    # imbalanced-learn reads a dict as the rows wanted in all, not the rows to add.
    targeted = {label: int(counts[label]) + n for label, n in to_generate.items()}
    too_small = {label: int(counts[label]) for label in targeted if counts[label] <= k_neighbors}
    _check(
        not too_small,
        "too few rows to oversample: "
        + ", ".join(f"class {_plain(label)!r} has {n}" for label, n in too_small.items())
        + f"; SMOTE with k_neighbors={k_neighbors} needs at least {k_neighbors + 1} rows per "
        "class (lower k_neighbors or collect more rows)",
    )
    if not targeted:
        result = frame.reset_index(drop=True)
        return result.assign(**{indicator: False}) if indicator else result

    features = [c for c in frame.columns if c != target]
    uniques: dict[str, pd.Index] = {}
    matrix = np.empty((len(frame), len(features)), dtype=float)
    for position, column in enumerate(features):
        if column in categorical_columns:
            codes, uniques[column] = pd.factorize(frame[column], sort=True)
            matrix[:, position] = codes
        else:
            matrix[:, position] = frame[column].to_numpy(dtype=float)
    categorical_positions = [features.index(c) for c in categorical_columns]
    sampler: SMOTE | SMOTENC | SMOTEN
    if not categorical_positions:
        sampler = SMOTE(sampling_strategy=targeted, k_neighbors=k_neighbors, random_state=seed)
    elif len(categorical_positions) < len(features):
        sampler = SMOTENC(
            categorical_positions,
            sampling_strategy=targeted,
            k_neighbors=k_neighbors,
            random_state=seed,
        )
    else:
        sampler = SMOTEN(sampling_strategy=targeted, k_neighbors=k_neighbors, random_state=seed)
    try:
        resampled, resampled_y = sampler.fit_resample(matrix, y)
    except ValueError as exc:
        raise InvalidValueError(f"SMOTE could not oversample this data: {exc}") from exc

    new_rows = slice(len(frame), None)
    synthetic = {}
    for position, column in enumerate(features):
        values = resampled[new_rows, position]
        original = frame[column]
        if column in uniques:
            decoded = uniques[column].take(np.rint(values).astype(np.int64))
            synthetic[column] = pd.Series(decoded).astype(original.dtype)
        elif pd.api.types.is_integer_dtype(original):
            synthetic[column] = pd.Series(np.rint(values)).astype(original.dtype)
        else:
            synthetic[column] = pd.Series(values).astype(original.dtype)
    synthetic[target] = pd.Series(resampled_y[new_rows]).astype(labels.dtype)
    added = pd.DataFrame(synthetic)[list(frame.columns)]
    result = pd.concat([frame, added], ignore_index=True)
    if indicator:
        result[indicator] = np.arange(len(result)) >= len(frame)
    return result
