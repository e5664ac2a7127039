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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.inspection import permutation_importance
from sklearn.metrics import get_scorer
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from loopml.core import InvalidValueError

# Permutation importance scores the whole model n_features x n_repeats times: bound the rows.
PERMUTATION_MAX_ROWS = 1000
# Feature orders the fallback walks forward and back (one pair is exact for models whose
# features interact at most in pairs; more sharpen the estimate for higher interactions).
FALLBACK_PERMUTATIONS = 2
# The fallback scores every explained row against every background row: rows per model call.
FALLBACK_BATCH_ROWS = 20_000
_TOP_FEATURES = 20
_BEESWARM_FEATURES = 15
_WATERFALL_FEATURES = 10


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


# -- the explained space -----------------------------------------------------------------------


def _split(model: Any) -> tuple[Pipeline | None, Any]:
    """(earlier steps, final estimator) of a pipeline; (None, model) for anything else."""
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return model[:-1], model.steps[-1][1]
    if isinstance(model, Pipeline):
        return None, model.steps[-1][1]
    return None, model


def _features(prefix: Pipeline | None, X: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """``X`` as the final estimator sees it, as a DataFrame (column labels kept as they are).

    Also whether the estimator was given arrays (earlier steps that output arrays): it must
    get arrays again, or scikit-learn warns about feature names on every call.
    """
    if prefix is None:
        return X, False
    try:
        transformed = prefix.transform(X)
    except (TypeError, ValueError, KeyError) as exc:
        raise InvalidValueError(f"the model's pipeline could not transform X: {exc}") from exc
    if isinstance(transformed, pd.DataFrame):
        return transformed, False
    if hasattr(transformed, "toarray"):  # a sparse matrix (e.g. scikit-learn's one-hot)
        transformed = transformed.toarray()
    matrix = np.asarray(transformed)
    try:
        names = [str(name) for name in prefix.get_feature_names_out()]
    except (AttributeError, ValueError, TypeError):
        names = [f"x{i}" for i in range(matrix.shape[1])]
    return pd.DataFrame(matrix, columns=names, index=X.index), True


def _sample(count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` rows (all rows when there are fewer)."""
    if count <= size:
        return np.arange(count)
    return np.sort(rng.choice(count, size=size, replace=False))


# -- SHAP --------------------------------------------------------------------------------------

# (shap values (n, f), per-row base values (n,), output name, per-row class position, method)
_ShapResult = tuple[np.ndarray, np.ndarray, str, np.ndarray, str]


def _tree_shap(estimator: Any, explained: pd.DataFrame, task: str) -> _ShapResult | None:
    """TreeExplainer's values, or None when shap does not support ``estimator`` as a tree model."""
    import shap
    from shap.utils._exceptions import InvalidModelError

    try:
        # No background: "tree_path_dependent" uses the trees' own training counts; exact
        # and fast, and it explains the trees' raw output (log-odds for boosting).
        explainer = shap.TreeExplainer(estimator)
    except InvalidModelError:
        return None
    with warnings.catch_warnings():
        # shap tells every LightGBM binary user its output format changed; ours does not.
        warnings.filterwarnings("ignore", message=".*shap values output has changed.*")
        raw = np.asarray(explainer.shap_values(explained), dtype=float)
    expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
    tree_output = str(getattr(explainer.model, "tree_output", "raw_value"))
    if raw.ndim == 2:
        raw = raw[:, :, None]
    if task == "regression":
        output = "value" if tree_output == "raw_value" else tree_output
    elif tree_output == "log_odds":
        output = "log_odds" if raw.shape[2] <= 2 else "margin"
    else:
        output = tree_output
    values, base_values, positions = _pick_output(raw, expected, task)
    return values, base_values, output, positions, "tree"


def _linear_shap(
    estimator: Any, explained: pd.DataFrame, background: pd.DataFrame, task: str
) -> _ShapResult | None:
    """Exact SHAP values of a linear model (scikit-learn's ``coef_``/``intercept_``), or None.

    With features taken as independent (the interventional view the fallback also takes), a
    linear model's SHAP value is ``coef * (x - mean(background))``: what shap's
    ``LinearExplainer`` computes, here without its start-up cost, and in the model's margin
    (log-odds for a binary classifier). Instant even with hundreds of one-hot columns, where
    permutation sampling would call the model hundreds of times per row.
    """
    from sklearn.base import is_classifier, is_regressor
    from sklearn.linear_model._base import LinearClassifierMixin, LinearModel

    if not isinstance(estimator, LinearClassifierMixin | LinearModel):
        return None
    if not (is_classifier(estimator) or is_regressor(estimator)):
        return None
    try:
        rows = explained.to_numpy(dtype=float)
        base_rows = background.to_numpy(dtype=float)
    except (TypeError, ValueError):
        return None  # text columns reach the model: not a plain linear function of numbers
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))
    intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=float))
    if coef.shape[1] != rows.shape[1]:
        return None
    centre = base_rows.mean(axis=0)
    raw = (rows - centre)[:, :, None] * coef.T[None, :, :]
    expected = intercept + coef @ centre
    margin = "log_odds" if coef.shape[0] == 1 else "margin"
    output = "value" if task == "regression" else margin
    values, base_values, positions = _pick_output(raw, expected, task)
    return values, base_values, output, positions, "linear"


def _pick_output(
    raw: np.ndarray, expected: np.ndarray, task: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One output per row from ``(n, f, k)`` values and ``(k,)`` or ``(n, k)`` base values.

    One output (regression, or a binary model with one margin): it; two (a binary model with a
    column per class): the positive (second) one; more: each row's predicted class, the output
    whose explained total is largest.
    """
    count, outputs = raw.shape[0], raw.shape[2]
    bases = np.broadcast_to(expected, (count, outputs)) if expected.ndim == 1 else expected
    if outputs == 1 or outputs == 2:
        column = outputs - 1
        positions = np.full(count, 1 if task == "classification" else 0)
        return raw[:, :, column], np.asarray(bases[:, column], dtype=float), positions
    totals = bases + raw.sum(axis=1)
    positions = totals.argmax(axis=1)
    rows = np.arange(count)
    return raw[rows, :, positions], np.asarray(bases[rows, positions], dtype=float), positions


class _Codec:
    """Codes a frame's columns as floats for shap's masker, and back to the original types.

    Numbers stay numbers; every other column (text, category, boolean, date) becomes the
    position of its value in that column's list of seen values.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = list(frame.columns)
        self.dtypes = dict(frame.dtypes)
        self.levels: dict[str, np.ndarray] = {}
        for column in self.columns:
            series = frame[column]
            if not _is_number(series):
                self.levels[column] = pd.unique(series.astype(object))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        coded = np.empty((len(frame), len(self.columns)), dtype=float)
        for position, column in enumerate(self.columns):
            series = frame[column]
            if column in self.levels:
                coded[:, position] = pd.Index(self.levels[column]).get_indexer(
                    series.astype(object)
                )
            else:
                coded[:, position] = series.to_numpy(dtype=float, na_value=np.nan)
        return coded

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for position, column in enumerate(self.columns):
            values = matrix[:, position]
            dtype = self.dtypes[column]
            if column in self.levels:
                decoded = pd.Series(self.levels[column][values.astype(int)], dtype=object)
                data[column] = decoded.astype(dtype)
            else:
                data[column] = pd.Series(values).astype(dtype)
        return pd.DataFrame(data, columns=self.columns)


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _model_output(
    estimator: Any, task: str, *, as_arrays: bool
) -> Callable[[pd.DataFrame], np.ndarray]:
    """The explained output as ``(rows, outputs)``: class probabilities, or the prediction."""
    method = estimator.predict if task == "regression" else estimator.predict_proba

    def output(frame: pd.DataFrame) -> np.ndarray:
        values = np.asarray(method(frame.to_numpy() if as_arrays else frame), dtype=float)
        return values.reshape(len(frame), -1)

    return output


def _permutation_shap(
    estimator: Any,
    explained: pd.DataFrame,
    background: pd.DataFrame,
    *,
    task: str,
    seed: int,
    as_arrays: bool,
) -> _ShapResult:
    """SHAP values by antithetic permutation sampling over a background sample.

    The algorithm of shap's ``PermutationExplainer`` with its ``Independent`` masker: along a
    random order of the features, switch them one by one from background values to the row's
    own, and credit each feature with the change in the model's mean output over the
    background rows; then do the same in the reverse order. The credits of one order add up
    exactly to ``f(row) - mean f(background)`` (additivity), and a forward and reverse pass
    give exact SHAP values for models whose features interact at most in pairs. Written here,
    vectorised over the explained rows, because shap's version compiles numba code in each
    new process (seconds) and calls the model once per row and step (slow with a pipeline).
    """
    codec = _Codec(pd.concat([explained, background]))
    predict = _model_output(estimator, task, as_arrays=as_arrays)
    rows, base_rows = codec.encode(explained), codec.encode(background)
    count, width, base_count = rows.shape[0], rows.shape[1], base_rows.shape[0]

    def mean_output(matrix: np.ndarray, groups: int) -> np.ndarray:
        output = predict(codec.decode(matrix))
        return np.asarray(output.reshape(groups, base_count, -1).mean(axis=1))

    base = mean_output(base_rows, 1)[0]
    values = np.zeros((count, width, base.shape[0]))
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(width) for _ in range(FALLBACK_PERMUTATIONS)]
    chunk = max(1, FALLBACK_BATCH_ROWS // base_count)  # bounds the rows per model call
    for start in range(0, count, chunk):
        block = rows[start : start + chunk]
        size = len(block)
        for order in orders:
            for sequence in (order, order[::-1]):
                masked = np.tile(base_rows, (size, 1))
                previous = np.broadcast_to(base, (size, base.shape[0]))
                for feature in sequence:
                    masked[:, feature] = np.repeat(block[:, feature], base_count)
                    current = mean_output(masked, size)
                    values[start : start + size, feature] += current - previous
                    previous = current
    values /= 2 * len(orders)
    picked, base_values, positions = _pick_output(values, base, task)
    output = "probability" if task == "classification" else "value"
    return picked, base_values, output, positions, "permutation"


# -- permutation importance ----------------------------------------------------------------------


class _ClassifierAdapter(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A fitted classifier-like object as scikit-learn's scorers need it (tags, classes_)."""

    def __init__(self, model: Any = None, classes: Any = None) -> None:
        self.model = model
        self.classes = classes

    def fit(self, X: Any, y: Any = None) -> _ClassifierAdapter:  # pragma: no cover - never fit
        return self

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classes)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict_proba(X))


class _RegressorAdapter(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """A fitted regressor-like object as scikit-learn's scorers need it (tags)."""

    def __init__(self, model: Any = None) -> None:
        self.model = model

    def fit(self, X: Any, y: Any = None) -> _RegressorAdapter:  # pragma: no cover - never fit
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict(X))


def _permutation_importance(
    model: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    task: str,
    classes: np.ndarray | None,
    metric: str,
    n_repeats: int,
    rng: np.random.Generator,
    seed: int,
) -> pd.DataFrame:
    scored: Any = model
    if not isinstance(model, BaseEstimator):
        scored = (
            _ClassifierAdapter(model, classes)
            if task == "classification"
            else _RegressorAdapter(model)
        )
    positions = _sample(len(X), PERMUTATION_MAX_ROWS, rng)
    try:
        # random_state=seed: the same shuffles as scikit-learn's own call with that seed.
        result = permutation_importance(
            scored,
            X.iloc[positions],
            y[positions],
            scoring=metric,
            n_repeats=n_repeats,
            random_state=seed,
            n_jobs=None,
        )
    except ValueError as exc:
        raise InvalidValueError(
            f"permutation importance with scoring {metric!r} failed: {exc}"
        ) from exc
    return (
        pd.DataFrame(
            {
                "feature": [str(c) for c in X.columns],
                "importance_mean": np.asarray(result.importances_mean, dtype=float),
                "importance_std": np.asarray(result.importances_std, dtype=float),
            }
        )
        .sort_values("importance_mean", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


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


# -- figures ------------------------------------------------------------------------------------


def _importance_bar(
    frame: pd.DataFrame, *, value: str, error: str | None, axis: str, title: str
) -> go.Figure:
    top = frame.head(_TOP_FEATURES).iloc[::-1]  # plotly draws the first bar at the bottom
    bar = go.Bar(
        x=top[value].to_numpy(dtype=float),
        y=top["feature"].tolist(),
        orientation="h",
        error_x=(
            {"type": "data", "array": top[error].to_numpy(dtype=float).tolist()}
            if error is not None
            else None
        ),
    )
    figure = go.Figure(bar)
    figure.update_layout(
        title=title, xaxis_title=axis, yaxis_title="feature", height=max(300, 24 * len(top) + 120)
    )
    return figure


def _color_scale(series: pd.Series) -> np.ndarray:
    """Each value's rank within its feature, 0 (lowest) to 1 (highest); 0.5 when unrankable."""
    if not _is_number(series):
        series = pd.Series(pd.factorize(series.astype(object), sort=False)[0], index=series.index)
    ranks = series.astype(float).rank(pct=True).to_numpy()
    return np.where(np.isnan(ranks), 0.5, ranks)


def _beeswarm(explanations: Explanations) -> go.Figure:
    features = explanations.global_importance["feature"].head(_BEESWARM_FEATURES).tolist()
    jitter = np.random.default_rng(0)
    figure = go.Figure()
    for level, name in enumerate(reversed(features)):
        column = explanations.features.index(name)
        raw = explanations.rows.iloc[:, column]
        figure.add_trace(
            go.Scatter(
                x=explanations.shap_values[:, column],
                y=level + jitter.uniform(-0.3, 0.3, size=len(raw)),
                mode="markers",
                name=name,
                showlegend=False,
                text=[f"{name} = {value}" for value in raw],
                hovertemplate="%{text}<br>SHAP %{x:.4g}<extra></extra>",
                marker={
                    "color": _color_scale(raw),
                    "colorscale": "Bluered",
                    "cmin": 0,
                    "cmax": 1,
                    "size": 5,
                    "opacity": 0.7,
                    "showscale": level == 0,
                    "colorbar": {
                        "title": "feature value",
                        "tickvals": [0, 1],
                        "ticktext": ["low", "high"],
                    },
                },
            )
        )
    figure.update_layout(
        title="SHAP values per row (colour: the feature's value)",
        xaxis_title=f"SHAP value ({explanations.output})",
        yaxis={"tickvals": list(range(len(features))), "ticktext": list(reversed(features))},
        height=max(300, 30 * len(features) + 120),
    )
    return figure


def _waterfall(explanations: Explanations, position: int) -> go.Figure:
    table = explanations.row_explanation(position)
    shown, rest = table.head(_WATERFALL_FEATURES), table.iloc[_WATERFALL_FEATURES:]
    base = explanations._base_of(position)
    labels = ["base value"] + [
        f"{f} = {_short(v)}" for f, v in zip(shown["feature"], shown["value"], strict=True)
    ]
    steps = [base] + shown["shap"].astype(float).tolist()
    if len(rest):
        labels.append(f"{len(rest)} other features")
        steps.append(float(rest["shap"].sum()))
    labels.append("model output")
    steps.append(0.0)
    measures = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
    figure = go.Figure(go.Waterfall(x=steps, y=labels, measure=measures, orientation="h"))
    label = explanations.rows.index[position]
    suffix = ""
    if explanations.explained_classes is not None:
        suffix = f", class {explanations.explained_classes[position]}"
    figure.update_layout(
        title=f"Explanation of row {label}{suffix} ({explanations.output})",
        xaxis_title=explanations.output,
        yaxis={"autorange": "reversed"},
        height=max(300, 28 * len(labels) + 120),
    )
    return figure


def _short(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."
