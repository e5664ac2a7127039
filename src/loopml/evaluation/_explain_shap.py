"""SHAP values for :func:`explain_model`: the space they are computed in, and three methods.

Three ways to the same kind of numbers, cheapest first: ``shap.TreeExplainer`` for the tree
ensembles shap supports (exact and fast), the closed form of a linear model's values, and for
anything else an antithetic permutation sampler over a background sample. Each returns a
``_ShapResult``, so ``explain_model`` does not care which one answered. The values are computed
in the space the final estimator sees (a pipeline's earlier steps applied first); a plain model's
non-number columns go through ``_Codec`` so the sampler can mask them as numbers. Kept apart from
``_explain.py`` so the numerics can change without touching the public dataclass and checks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from loopml.core import InvalidValueError

# Feature orders the fallback walks forward and back (one pair is exact for models whose
# features interact at most in pairs; more sharpen the estimate for higher interactions).
FALLBACK_PERMUTATIONS = 2
# The fallback scores every explained row against every background row: rows per model call.
FALLBACK_BATCH_ROWS = 20_000


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
