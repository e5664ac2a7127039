"""Warnings that a model may be taking a shortcut: leaked targets and one-column models.

A model that scores too well is often reading the answer: a column that is the target under
another name (``churned`` next to ``churn_flag``), or one recorded after the outcome (a
``refund_date`` for a fraud label). Three checks, each cheap enough to run on every evaluation:

- ``identical_to_target``: a raw column that is the target, up to a one-to-one relabelling
  ("yes"/"no" for 1/0) for a classifier, or exactly equal to a regression target.
- ``dominant_feature``: the top feature's importance is ``dominance_ratio`` times the next.
- ``single_feature_model``: a small decision tree on that ONE raw column, cross-validated,
  scores within ``near_full_margin`` of the full model: the rest of the table adds little.

None of them proves a leak (a good single predictor exists sometimes); each is a question a data
scientist should answer before trusting the score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from loopml.core import InvalidValueError

ShortcutKind = Literal["dominant_feature", "single_feature_model", "identical_to_target"]
TASKS = ("classification", "regression")
# Rows the one-column models (and the first pass of the identity check) look at: enough for a
# stable 3-fold score, few enough to keep the check well under a second.
SHORTCUT_ROWS = 3000
SINGLE_FEATURE_DEPTH = 4
SINGLE_FEATURE_FOLDS = 3


@dataclass(frozen=True)
class ShortcutWarning:
    """One suspicion, with the numbers behind it.

    Attributes:
        kind: ``identical_to_target``, ``dominant_feature`` or ``single_feature_model``.
        feature: the column (or feature) it is about.
        message: one sentence that says what was seen and what to check.
        evidence: the numbers (scores, importances, ratio...).
    """

    kind: ShortcutKind
    feature: str
    message: str
    evidence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; an infinite or missing number becomes None."""
        return {
            "kind": self.kind,
            "feature": self.feature,
            "message": self.message,
            "evidence": {
                key: (float(value) if math.isfinite(value) else None)
                for key, value in self.evidence.items()
            },
        }


def shortcut_warnings(
    X: pd.DataFrame,
    y: Any,
    *,
    task: str,
    importance: pd.Series | None = None,
    full_score: float | None = None,
    metric: str | None = None,
    dominance_ratio: float = 5.0,
    min_importance: float = 0.0,
    near_full_margin: float = 0.02,
    top_k: int = 3,
    seed: int = 0,
) -> list[ShortcutWarning]:
    """Look for leaked targets and shortcut features in ``(X, y)``; return the warnings found.

    Args:
        X: the raw input columns (as the model takes them).
        y: the target, one value per row.
        task: ``"classification"`` or ``"regression"``.
        importance: feature -> importance (e.g. ``Explanations.permutation`` or
            ``global_importance`` as a Series); enables ``dominant_feature`` and picks the
            ``top_k`` columns for ``single_feature_model``. Names that are not columns of ``X``
            but start with ``<column>_`` (one-hot features) count for that column.
        full_score: the full model's score on ``metric`` (held-out); enables
            ``single_feature_model``. Without ``importance`` every column is tried.
        metric: a scikit-learn scorer name (greater is better); default ``roc_auc`` for two
            classes, ``accuracy`` for more, ``r2`` for regression.
        dominance_ratio: how many times the next feature's importance the top one needs.
        min_importance: and how large it must be itself. With permutation importances (score
            drops) 0.01 is sensible: when shuffling the top column costs less than that, the
            ratio between two tiny drops is noise (a near-perfect model on many redundant
            features), not a model leaning on one column.
        near_full_margin: how close to ``full_score`` a one-column model must come.
        top_k: how many top columns get a one-column model.
        seed: seeds the row sample, the folds and the trees.

    Raises:
        InvalidValueError: ``X`` is not a non-empty DataFrame, ``y`` does not match it or has
            missing values, an unknown task or metric, or an argument out of range.
    """
    target = _check_inputs(X, y, task=task)
    _check_options(
        importance=importance,
        full_score=full_score,
        dominance_ratio=dominance_ratio,
        min_importance=min_importance,
        near_full_margin=near_full_margin,
        top_k=top_k,
        seed=seed,
    )
    metric = metric if metric is not None else _default_metric(task, target)
    if not isinstance(metric, str):
        raise InvalidValueError(f"metric must be a scikit-learn scorer name, got {metric!r}")
    try:
        get_scorer(metric)
    except ValueError as exc:
        raise InvalidValueError(f"unknown metric {metric!r}: {exc}") from exc

    positions = _sample(len(X), seed)
    found = _identical_to_target(X, target, task=task, sample=positions)
    leaked = {warning.feature for warning in found}
    ranked = _ranked(importance) if importance is not None else None
    if ranked is not None:
        found.extend(_dominant_feature(ranked, ratio=dominance_ratio, floor=min_importance))
    if full_score is not None:
        columns = _candidates(X, ranked, top_k=top_k)
        for column in (c for c in columns if c not in leaked):
            warning = _single_feature_model(
                X[column].iloc[positions],
                target[positions],
                name=column,
                task=task,
                metric=metric,
                full_score=float(full_score),
                margin=near_full_margin,
                seed=seed,
            )
            if warning is not None:
                found.append(warning)
    return found


# -- input checks ---------------------------------------------------------------------------------


def _check_inputs(X: Any, y: Any, *, task: str) -> np.ndarray:
    if task not in TASKS:
        raise InvalidValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if not isinstance(X, pd.DataFrame):
        raise InvalidValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if X.empty:
        raise InvalidValueError(f"X is empty ({X.shape[0]} rows, {X.shape[1]} columns)")
    if y is None or isinstance(y, str | bytes) or np.ndim(y) == 0:
        raise InvalidValueError(f"y must be one target per row of X, got {type(y).__name__}")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InvalidValueError(f"y must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    values = np.asarray(y)
    if values.ndim != 1 or len(values) != len(X):
        raise InvalidValueError(f"X has {len(X)} rows but y has shape {values.shape}")
    if pd.isna(pd.Series(values, dtype=object)).any():
        raise InvalidValueError("y has missing values; drop those rows first")
    if task == "regression":
        try:
            return values.astype(float)
        except (TypeError, ValueError):
            raise InvalidValueError(
                "a regression target must be numeric; use task='classification' for labels"
            ) from None
    if len(pd.unique(values)) < 2:
        raise InvalidValueError("the target has one class; shortcuts need two or more")
    return values


def _check_options(
    *,
    importance: Any,
    full_score: Any,
    dominance_ratio: Any,
    min_importance: Any,
    near_full_margin: Any,
    top_k: Any,
    seed: Any,
) -> None:
    if importance is not None:
        if not isinstance(importance, pd.Series):
            raise InvalidValueError(
                f"importance must be a pandas Series (feature -> importance), got "
                f"{type(importance).__name__}"
            )
        if not pd.api.types.is_numeric_dtype(importance) or pd.api.types.is_bool_dtype(importance):
            raise InvalidValueError(f"importance values must be numbers, got {importance.dtype}")
    if full_score is not None and not _is_finite(full_score):
        raise InvalidValueError(f"full_score must be a finite number, got {full_score!r}")
    if not _is_finite(dominance_ratio) or dominance_ratio <= 1:
        raise InvalidValueError(f"dominance_ratio must be a number > 1, got {dominance_ratio!r}")
    if not _is_finite(min_importance) or min_importance < 0:
        raise InvalidValueError(f"min_importance must be a number >= 0, got {min_importance!r}")
    if not _is_finite(near_full_margin) or near_full_margin < 0:
        raise InvalidValueError(f"near_full_margin must be >= 0, got {near_full_margin!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise InvalidValueError(f"top_k must be an int >= 1, got {top_k!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidValueError(f"seed must be an int, got {seed!r}")


def _is_finite(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _default_metric(task: str, target: np.ndarray) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if len(pd.unique(target)) == 2 else "accuracy"


def _sample(count: int, seed: int) -> np.ndarray:
    if count <= SHORTCUT_ROWS:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size=SHORTCUT_ROWS, replace=False))


# -- identical to the target ----------------------------------------------------------------------


def _identical_to_target(
    X: pd.DataFrame, target: np.ndarray, *, task: str, sample: np.ndarray
) -> list[ShortcutWarning]:
    found = []
    for column in X.columns:
        values = X[column]
        # The sample rules most columns out cheaply; a survivor is confirmed on every row.
        sampled = values.iloc[sample]
        if task == "regression":
            if _equals_numbers(sampled, target[sample]) and _equals_numbers(values, target):
                found.append(
                    ShortcutWarning(
                        kind="identical_to_target",
                        feature=str(column),
                        message=(
                            f"Column {str(column)!r} equals the target on all {len(values)} "
                            "rows: it is the answer, not a feature (a leak); drop it."
                        ),
                        evidence={"rows": float(len(values)), "max_abs_difference": 0.0},
                    )
                )
        elif _relabels(sampled, target[sample]) and _relabels(values, target):
            found.append(_relabelling_warning(str(column), values, target))
    return found


def _equals_numbers(values: pd.Series, target: np.ndarray) -> bool:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    return bool(np.array_equal(numbers, target))


def _relabels(values: pd.Series, target: np.ndarray) -> bool:
    """True when values and target determine each other: a one-to-one relabelling."""
    value_codes, value_levels = pd.factorize(values.astype(object), use_na_sentinel=False)
    target_codes, target_levels = pd.factorize(pd.Series(target, dtype=object))
    if len(value_levels) != len(target_levels) or len(target_levels) < 2:
        return False
    pairs = value_codes.astype(np.int64) * len(target_levels) + target_codes
    return len(np.unique(pairs)) == len(target_levels)


def _relabelling_warning(name: str, values: pd.Series, target: np.ndarray) -> ShortcutWarning:
    pairs = (
        pd.DataFrame({"value": values.astype(object).to_numpy(), "target": target})
        .drop_duplicates()
        .head(4)
    )
    mapping = ", ".join(
        f"{_label(v)} -> {_label(t)}" for v, t in zip(pairs["value"], pairs["target"], strict=True)
    )
    levels = values.nunique(dropna=False)
    more = ", ..." if levels > len(pairs) else ""
    return ShortcutWarning(
        kind="identical_to_target",
        feature=name,
        message=(
            f"Column {name!r} is the target under other labels on all {len(values)} rows "
            f"({mapping}{more}): it is the answer, not a feature (a leak); drop it."
        ),
        evidence={"rows": float(len(values)), "distinct_values": float(levels)},
    )


def _label(value: Any) -> str:
    """A value as a data scientist reads it: 'yes', 1 (not np.int64(1))."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


# -- dominant feature -----------------------------------------------------------------------------


def _ranked(importance: pd.Series) -> pd.Series:
    cleaned = importance.astype(float).dropna()
    cleaned.index = [str(name) for name in cleaned.index]
    return cleaned.sort_values(ascending=False, kind="stable")


def _dominant_feature(ranked: pd.Series, *, ratio: float, floor: float) -> list[ShortcutWarning]:
    if len(ranked) < 2:
        return []
    top, second = float(ranked.iloc[0]), float(ranked.iloc[1])
    if top <= 0 or top < floor or top < ratio * second:
        return []
    name, runner_up = str(ranked.index[0]), str(ranked.index[1])
    times = top / second if second > 0 else math.inf
    how_much = f"{times:.1f} times" if math.isfinite(times) else "far more than"
    return [
        ShortcutWarning(
            kind="dominant_feature",
            feature=name,
            message=(
                f"Feature {name!r} has importance {top:.4g}, {how_much} the next feature "
                f"({runner_up!r}: {second:.4g}): the model leans on it almost alone; check it is "
                "known at prediction time and is not a stand-in for the target."
            ),
            evidence={"importance": top, "next_importance": second, "ratio": times},
        )
    ]


# -- one-column models ----------------------------------------------------------------------------


def _candidates(X: pd.DataFrame, ranked: pd.Series | None, *, top_k: int) -> list[str]:
    """The raw columns to try alone: the ``top_k`` by importance, or every column without it."""
    columns = [str(c) for c in X.columns]
    if ranked is None or len(columns) <= top_k:
        return list(X.columns)
    by_name = dict(zip(columns, X.columns, strict=True))
    totals: dict[str, float] = {}
    for name, value in ranked.items():
        column = _raw_column(str(name), columns)
        if column is not None:
            totals[column] = totals.get(column, 0.0) + float(value)
    order = sorted(totals, key=lambda c: -totals[c])
    return [by_name[c] for c in order[:top_k]]


def _raw_column(name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    owners = [c for c in columns if name.startswith(f"{c}_")]  # one-hot: <column>_<category>
    return max(owners, key=len) if owners else None


def _as_one_column(values: pd.Series) -> np.ndarray:
    """One raw column as a numeric matrix a tree can split: numbers as they are, others coded."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values).dt.tz_localize(None) if values.dt.tz else values
        numbers = np.asarray(stamps.to_numpy(dtype="datetime64[ns]").view("int64"), dtype=float)
        numbers[np.asarray(values.isna())] = np.nan
        return numbers.reshape(-1, 1)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return np.asarray(values.to_numpy(dtype=float, na_value=np.nan)).reshape(-1, 1)
    codes, _ = pd.factorize(values.astype(object), sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=float).reshape(-1, 1)


def _single_feature_model(
    values: pd.Series,
    target: np.ndarray,
    *,
    name: Any,
    task: str,
    metric: str,
    full_score: float,
    margin: float,
    seed: int,
) -> ShortcutWarning | None:
    if len(target) < 2 * SINGLE_FEATURE_FOLDS:
        return None  # too few rows for a cross-validated score
    matrix = _as_one_column(values)
    model: DecisionTreeClassifier | DecisionTreeRegressor
    folds: KFold | StratifiedKFold
    if task == "classification":
        model = DecisionTreeClassifier(
            max_depth=SINGLE_FEATURE_DEPTH, min_samples_leaf=5, random_state=seed
        )
        smallest = int(pd.Series(target).value_counts().min())
        folds = (
            StratifiedKFold(SINGLE_FEATURE_FOLDS, shuffle=True, random_state=seed)
            if smallest >= SINGLE_FEATURE_FOLDS
            else KFold(SINGLE_FEATURE_FOLDS, shuffle=True, random_state=seed)
        )
    else:
        model = DecisionTreeRegressor(
            max_depth=SINGLE_FEATURE_DEPTH, min_samples_leaf=5, random_state=seed
        )
        folds = KFold(SINGLE_FEATURE_FOLDS, shuffle=True, random_state=seed)
    try:
        scores = cross_val_score(model, matrix, target, scoring=metric, cv=folds)
    except ValueError as exc:
        raise InvalidValueError(
            f"could not score a one-column model on {str(name)!r} with {metric!r}: {exc}"
        ) from exc
    score = float(np.nanmean(scores)) if not np.isnan(scores).all() else math.nan
    if not math.isfinite(score) or score < full_score - margin:
        return None
    label = str(name)
    return ShortcutWarning(
        kind="single_feature_model",
        feature=label,
        message=(
            f"A depth-{SINGLE_FEATURE_DEPTH} decision tree on {label!r} alone scores {metric} "
            f"{score:.4f} ({SINGLE_FEATURE_FOLDS}-fold cross-validated on {len(target)} rows), "
            f"within {margin:g} of the full model's {full_score:.4f}: the model may be taking a "
            "shortcut through this one column."
        ),
        evidence={"score": score, "full_score": full_score, "gap": full_score - score},
    )
