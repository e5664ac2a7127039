"""Permutation importance for :func:`explain_model`: the score's drop per shuffled raw column.

SHAP speaks about the features the final estimator sees; this speaks about the columns the user
gave. scikit-learn's ``permutation_importance`` shuffles one raw input column at a time and scores
the whole model (cleaner included). Objects that only look like an estimator (``predict``, maybe
``predict_proba``) are wrapped in an adapter, because scikit-learn's scorers need its tags.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.inspection import permutation_importance

from loopml.core import InvalidValueError
from loopml.evaluation._explain_shap import _sample

# Permutation importance scores the whole model n_features x n_repeats times: bound the rows.
PERMUTATION_MAX_ROWS = 1000


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
