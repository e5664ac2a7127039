"""Choices an evaluation makes the same way wherever it runs: the pipeline's evaluate step and
``evaluate_version`` (``loopml evaluate``) both use these, so a report means the same thing
whichever produced it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# The permutation importance (a score drop) the top feature needs before "the model leans on
# it almost alone" is worth saying: below it, a ratio between two tiny drops is noise.
MIN_SHORTCUT_IMPORTANCE = 0.01


def positive_scores(model: Any, X: pd.DataFrame) -> np.ndarray | None:
    """A binary classifier's scores for its second (positive) class; None for anything else."""
    import numpy as np

    if not hasattr(model, "predict_proba"):
        return None
    proba = np.asarray(model.predict_proba(X), dtype=float)
    return proba[:, 1] if proba.ndim == 2 and proba.shape[1] == 2 else None


def slice_metric(headline: str, task: str, scores: Any) -> str:
    """The metric slices are measured with: the headline when it can be bootstrapped per slice
    (ROC/PR AUC only with scores), else accuracy (classification) or MAE (regression)."""
    from loopml.evaluation._bootstrap import BOOTSTRAP_METRICS

    if headline in BOOTSTRAP_METRICS and not (headline in ("roc_auc", "pr_auc") and scores is None):
        return headline
    return "accuracy" if task == "classification" else "mae"


def shortcut_metric(metrics: Mapping[str, float], task: str) -> str:
    """The score a one-feature model is held against in the shortcut check."""
    if task == "classification":
        return "roc_auc" if "roc_auc" in metrics else "accuracy"
    return "r2"


def comparison_metrics(task: str, binary: bool, gate_metrics: Sequence[str] = ()) -> list[str]:
    """The metrics a champion/challenger comparison reports: the task's usual ones and every
    metric a gate rule names."""
    default = (
        ["accuracy", "f1"]
        if binary
        else (["accuracy"] if task == "classification" else ["rmse", "mae", "r2"])
    )
    return sorted(set(default) | set(gate_metrics))


def explain_and_check(
    model: Any,
    X: pd.DataFrame,
    y: pd.Series,
    metrics: Mapping[str, float],
    task: str,
    *,
    sample_rows: int | None = None,
    progress: bool = True,
) -> tuple[Any, list[Any]]:
    """Explanations (SHAP, permutation importance) and the shortcut/leakage warnings drawn
    from them, on a seeded ``sample_rows`` of the rows when given (all of them otherwise)."""
    from loopml.evaluation._explain import explain_model
    from loopml.evaluation._shortcuts import shortcut_warnings

    if sample_rows is not None and len(X) > sample_rows:
        sample = X.sample(n=sample_rows, random_state=0).index
        X, y = X.loc[sample].reset_index(drop=True), y.loc[sample].reset_index(drop=True)
    explanations = explain_model(model, X, y, progress=progress)
    importance = explanations.permutation.set_index("feature")["importance_mean"]
    metric = shortcut_metric(metrics, task)
    warnings = shortcut_warnings(
        X,
        y,
        task=task,
        importance=importance,
        full_score=metrics.get(metric),
        metric=metric,
        min_importance=MIN_SHORTCUT_IMPORTANCE,
    )
    return explanations, warnings
