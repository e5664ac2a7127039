"""Explanations of a fitted model: SHAP values (global and per row) and permutation importance.

Two questions, two tools. *Which features does the model use, and how, row by row?* SHAP values
answer it: with ``shap.TreeExplainer`` (exact and fast) when the model, or a pipeline's last step,
is a tree ensemble it supports; otherwise with shap's model-agnostic permutation explainer over a
background sample. *Which raw columns does the score depend on?* Permutation importance answers
it: scikit-learn's ``permutation_importance`` shuffles one raw input column at a time and scores
the whole model (cleaner included), so it speaks about the columns a user gave.

SHAP values are computed in the space the final estimator sees: a pipeline's earlier steps (the
loopml Cleaner: imputation, one-hot...) are applied first, so a one-hot column gets its own value
and the tree and fallback methods explain the same features. A plain model is explained on its
raw columns; text, category, boolean and date columns are coded as numbers for shap's masker
and decoded before each call to the model, so any column type works.

The work is split by job: this module holds the public surface (``Explanations``,
``explain_model``, input checks, JSON); ``_explain_shap`` the SHAP computations,
``_explain_importance`` the permutation importance, ``_explain_figures`` the plots.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.metrics import get_scorer
from sklearn.utils.validation import check_is_fitted

from loopml.core import InvalidValueError
from loopml.evaluation._explain_figures import _beeswarm, _importance_bar, _waterfall

# Re-exported: the tuning constants stay importable from this module, as before the split.
from loopml.evaluation._explain_importance import PERMUTATION_MAX_ROWS as PERMUTATION_MAX_ROWS
from loopml.evaluation._explain_importance import _permutation_importance
from loopml.evaluation._explain_shap import FALLBACK_BATCH_ROWS as FALLBACK_BATCH_ROWS
from loopml.evaluation._explain_shap import FALLBACK_PERMUTATIONS as FALLBACK_PERMUTATIONS
from loopml.evaluation._explain_shap import (
    _features,
    _linear_shap,
    _permutation_shap,
    _sample,
    _split,
    _tree_shap,
)


@dataclass(frozen=True, eq=False)
class Explanations:
    """What :func:`explain_model` found; ``to_dict`` for JSON, ``figures`` for plots.

    Attributes:
        method: ``"tree"`` (shap.TreeExplainer), ``"linear"`` (a linear model's exact values)
            or ``"permutation"`` (shap's model-agnostic
            permutation explainer, the fallback).
        task: ``"classification"`` or ``"regression"``.
        features: names of the explained features (after a pipeline's earlier steps).
        global_importance: ``feature, mean_abs_shap`` (mean |SHAP| over the explained rows),
            largest first.
        shap_values: ``(n_rows, n_features)``. Two classes: for the positive class (the second
            of ``classes_``). Several classes: for the class predicted for that row (see
            ``explained_classes``).
        base_value: what the SHAP values of a row start from. Several classes: the mean of
            ``base_values`` (each row has its own class, hence its own base value).
        rows: the explained rows' feature values, in the order of ``shap_values`` (index: the
            rows' labels in ``X``).
        permutation: ``feature, importance_mean, importance_std`` per raw input column, largest
            first.
        permutation_metric: the scikit-learn scorer the permutation importance used.
        output: what ``base_values[i] + shap_values[i].sum()`` equals for row ``i``:
            ``"log_odds"`` (gradient-boosted trees, two classes), ``"margin"`` (their per-class
            raw score, several classes), ``"probability"`` (random forests, and every classifier
            under the fallback), ``"value"`` (regression: the prediction).
        base_values: per row base value (all equal but for several classes).
        explained_classes: per row, the class label explained (classification only).
    """

    method: str
    task: str
    features: list[str]
    global_importance: pd.DataFrame
    shap_values: np.ndarray
    base_value: float
    rows: pd.DataFrame
    permutation: pd.DataFrame
    permutation_metric: str
    output: str = "value"
    base_values: np.ndarray | None = None
    explained_classes: list[str] | None = None

    def _base_of(self, position: int) -> float:
        if self.base_values is None:
            return self.base_value
        return float(self.base_values[position])

    def row_explanation(self, index: int) -> pd.DataFrame:
        """``feature, value, shap`` of the ``index``-th explained row, largest |shap| first.

        Raises:
            InvalidValueError: ``index`` is not a position among the explained rows.
        """
        count = len(self.rows)
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise InvalidValueError(f"index must be an int position, got {type(index).__name__}")
        if not -count <= index < count:
            raise InvalidValueError(f"index {index} is out of range: {count} rows were explained")
        values = self.shap_values[int(index)]
        frame = pd.DataFrame(
            {
                "feature": self.features,
                "value": pd.Series(self.rows.iloc[int(index)].to_numpy(), dtype=object),
                "shap": values.astype(float),
            }
        )
        order = np.argsort(-np.abs(values), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def to_dict(self, *, max_rows: int = 20) -> dict[str, Any]:
        """Plain JSON-ready data (no numpy types, no NaN); per-row values for ``max_rows`` rows."""
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 0:
            raise InvalidValueError(f"max_rows must be an int >= 0, got {max_rows!r}")
        rows = []
        for position in range(min(max_rows, len(self.rows))):
            record: dict[str, Any] = {
                "index": _plain(self.rows.index[position]),
                "base_value": _plain(self._base_of(position)),
                "values": {
                    name: _plain(value)
                    for name, value in zip(self.features, self.rows.iloc[position], strict=True)
                },
                "shap": {
                    name: _plain(value)
                    for name, value in zip(self.features, self.shap_values[position], strict=True)
                },
            }
            if self.explained_classes is not None:
                record["class"] = self.explained_classes[position]
            rows.append(record)
        return {
            "method": self.method,
            "task": self.task,
            "output": self.output,
            "features": list(self.features),
            "base_value": _plain(self.base_value),
            "explained_rows": len(self.rows),
            "global_importance": _records(self.global_importance),
            "permutation_metric": self.permutation_metric,
            "permutation": _records(self.permutation),
            "rows": rows,
        }

    def figures(self) -> dict[str, go.Figure]:
        """Title -> figure: global SHAP bar, SHAP beeswarm, permutation bar, first row waterfall."""
        figures = {
            "Global SHAP importance": _importance_bar(
                self.global_importance,
                value="mean_abs_shap",
                error=None,
                axis=f"mean |SHAP value| ({self.output})",
                title="Global SHAP importance",
            ),
            "SHAP values per row": _beeswarm(self),
            "Permutation importance": _importance_bar(
                self.permutation,
                value="importance_mean",
                error="importance_std",
                axis=f"drop in {self.permutation_metric} when shuffled",
                title="Permutation importance (raw columns)",
            ),
        }
        if len(self.rows):
            figures["Explanation of the first row"] = _waterfall(self, 0)
        return figures


def explain_model(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    max_rows: int = 200,
    background_rows: int = 100,
    n_repeats: int = 5,
    scoring: str | None = None,
    seed: int = 0,
    progress: bool = True,
) -> Explanations:
    """SHAP values for up to ``max_rows`` rows of ``X`` and permutation importance on ``(X, y)``.

    A model with ``predict_proba`` is a classifier (as in :func:`evaluate_model`). The explained
    rows, the fallback's background (``background_rows`` rows of ``X``) and the permutation
    importance rows (at most 1,000 of ``X``) are seeded samples: the same call gives the same
    result.

    Args:
        model: a fitted scikit-learn estimator or Pipeline (e.g. ``TrainedModel.pipeline``), or
            any object with ``predict`` (and ``predict_proba`` for a classifier).
        X: raw input rows, as the model takes them.
        y: the true targets of ``X`` (for permutation importance).
        max_rows: how many rows to explain with SHAP.
        background_rows: the fallback's background sample size (unused by TreeExplainer, which
            follows the trees' own training counts).
        n_repeats: shuffles per column for permutation importance.
        scoring: a scikit-learn scorer name; default ``roc_auc`` for two classes, ``accuracy``
            for more, ``r2`` for regression.
        seed: seeds every sample and shuffle.
        progress: show a progress bar of the two stages (on a terminal only).

    Raises:
        InvalidValueError: ``X`` is not a non-empty DataFrame, ``y`` does not have one value per
            row, the model has no ``predict`` or is not fitted, or an argument is out of range.
    """
    _check_model(model)
    y_values = _check_data(X, y)
    for name, value in (
        ("max_rows", max_rows),
        ("background_rows", background_rows),
        ("n_repeats", n_repeats),
    ):
        _require_positive_int(name, value)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidValueError(f"seed must be an int, got {seed!r}")
    task = "classification" if hasattr(model, "predict_proba") else "regression"
    classes = _classes(model, y_values) if task == "classification" else None
    metric = scoring if scoring is not None else _default_scoring(task, classes)
    _check_scoring(metric)

    with _stages(progress) as stage:
        stage("SHAP values")
        prefix, estimator = _split(model)
        features, as_arrays = _features(prefix, X)
        rows_rng, background_rng, permutation_rng = np.random.default_rng(seed).spawn(3)
        explained = features.iloc[_sample(len(features), max_rows, rows_rng)]
        shap_result = _tree_shap(estimator, explained, task)
        background = features.iloc[_sample(len(features), background_rows, background_rng)]
        if shap_result is None:
            shap_result = _linear_shap(estimator, explained, background, task)
        if shap_result is None:
            shap_result = _permutation_shap(
                estimator, explained, background, task=task, seed=seed, as_arrays=as_arrays
            )
        stage("permutation importance")
        permutation = _permutation_importance(
            model,
            X,
            y_values,
            task=task,
            classes=classes,
            metric=metric,
            n_repeats=n_repeats,
            rng=permutation_rng,
            seed=seed,
        )
    values, base_values, output, class_positions, method = shap_result

    explained_classes = None
    if task == "classification":
        assert classes is not None
        explained_classes = [str(classes[position]) for position in class_positions]
    names = [str(name) for name in features.columns]
    global_importance = (
        pd.DataFrame({"feature": names, "mean_abs_shap": np.abs(values).mean(axis=0)})
        .sort_values("mean_abs_shap", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    return Explanations(
        method=method,
        task=task,
        features=names,
        global_importance=global_importance,
        shap_values=values,
        base_value=float(base_values.mean()),
        rows=explained.set_axis(names, axis=1),
        permutation=permutation,
        permutation_metric=metric,
        output=output,
        base_values=base_values,
        explained_classes=explained_classes,
    )


@contextmanager
def _stages(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A rich bar on stderr over the stages; yields ``stage(name)`` to start the next one.

    Shown only on a terminal: in a pipe, a log or a test it would only add stray lines.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    disabled = not enabled or not console.is_terminal
    columns = (TextColumn("explaining: {task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=disabled) as bar:
        task = bar.add_task("", total=2)
        started = [0]

        def stage(name: str) -> None:
            bar.update(task, description=name, completed=started[0])
            started[0] += 1

        yield stage


# -- input checks ---------------------------------------------------------------------------------


def _check_model(model: Any) -> None:
    if not callable(getattr(model, "predict", None)):
        raise InvalidValueError(
            f"the model ({type(model).__name__}) has no predict method; pass a fitted estimator, "
            "pipeline or any object with predict (and predict_proba for a classifier)"
        )
    if isinstance(model, BaseEstimator):
        try:
            check_is_fitted(model)
        except NotFittedError as exc:
            raise InvalidValueError(f"the model is not fitted: {exc}") from exc


def _check_data(X: Any, y: Any) -> np.ndarray:
    if not isinstance(X, pd.DataFrame):
        raise InvalidValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if X.empty:
        raise InvalidValueError(f"X is empty ({X.shape[0]} rows, {X.shape[1]} columns)")
    repeated = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
    if repeated:
        raise InvalidValueError(f"X has repeated column names: {repeated}")
    if y is None or isinstance(y, str | bytes) or np.ndim(y) == 0:
        raise InvalidValueError(f"y must be one target per row of X, got {type(y).__name__}")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InvalidValueError(f"y must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    values = np.asarray(y)
    if values.ndim != 1:
        raise InvalidValueError(f"y must be one-dimensional, got shape {values.shape}")
    if len(values) != len(X):
        raise InvalidValueError(f"X has {len(X)} rows but y has {len(values)} values")
    if pd.isna(pd.Series(values, dtype=object)).any():
        raise InvalidValueError("y has missing values; drop those rows first")
    return values


def _require_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidValueError(f"{name} must be an int >= 1, got {value!r}")


def _check_scoring(metric: Any) -> None:
    if not isinstance(metric, str):
        raise InvalidValueError(f"scoring must be a scikit-learn scorer name, got {metric!r}")
    try:
        get_scorer(metric)
    except ValueError as exc:
        raise InvalidValueError(f"unknown scoring {metric!r}: {exc}") from exc


def _classes(model: Any, y: np.ndarray) -> np.ndarray:
    classes = getattr(model, "classes_", None)
    return np.asarray(classes) if classes is not None else np.unique(y)


def _default_scoring(task: str, classes: np.ndarray | None) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if classes is not None and len(classes) == 2 else "accuracy"


# -- JSON ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON data: numpy scalars to Python, NaN and infinities to None, others text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(key): _plain(value) for key, value in record.items()}
        for record in frame.to_dict(orient="records")
    ]
