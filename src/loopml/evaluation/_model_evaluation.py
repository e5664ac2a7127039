"""Evaluating one fitted model on one table: metrics, the headline's interval, and the plots.

What ``loopml evaluate`` shows. A model with ``predict_proba`` is a classifier (binary: the
headline is ROC AUC; several classes: accuracy); otherwise a regressor (headline: RMSE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from loopml.core import InvalidValueError
from loopml.evaluation._bootstrap import bootstrap_ci
from loopml.evaluation._metrics import classification_metrics, regression_metrics
from loopml.evaluation._plots import (
    calibration_figure,
    confusion_matrix_figure,
    pr_figure,
    predicted_vs_actual_figure,
    residuals_figure,
    roc_figure,
)


@dataclass(frozen=True)
class ModelEvaluation:
    """Metrics of a model on a table, the headline metric's bootstrap interval, the figures.

    ``predicted`` (the model's predictions) and ``positive_scores`` (a binary classifier's
    scores for its positive class, else None) are kept for the callers that go on to slices,
    fairness or a comparison on the same rows: predicting a large table again costs seconds.
    """

    task: str
    rows: int
    metrics: dict[str, float]
    headline: str
    interval: tuple[float, float]
    figures: list[go.Figure] = field(default_factory=list, repr=False)
    predicted: np.ndarray | None = field(default=None, repr=False, compare=False)
    positive_scores: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (figures left out)."""
        return {
            "task": self.task,
            "rows": self.rows,
            "headline": {
                "metric": self.headline,
                "value": self.metrics[self.headline],
                "interval": list(self.interval),
            },
            "metrics": self.metrics,
        }


def evaluate_model(
    model: Any, frame: pd.DataFrame, *, target: str, n_resamples: int = 1000, seed: int = 0
) -> ModelEvaluation:
    """Score ``model`` on ``frame`` (features plus the ``target`` column).

    Raises:
        InvalidValueError: the target column is missing or the table is empty.
    """
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise InvalidValueError(f"target column {target!r} is not in the data; columns: {columns}")
    if frame.empty:
        raise InvalidValueError("the data has no rows to evaluate on")
    features = frame.drop(columns=[target])
    truth = frame[target].to_numpy()
    predicted = np.asarray(model.predict(features))
    positive: np.ndarray | None = None
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(features))
        scores = proba[:, 1] if proba.ndim == 2 and proba.shape[1] == 2 else proba
        positive = scores if scores.ndim == 1 else None
        metrics = classification_metrics(truth, predicted, scores)
        headline = "roc_auc" if scores.ndim == 1 else "accuracy"
        interval = bootstrap_ci(
            headline,
            truth,
            scores if headline == "roc_auc" else predicted,
            n_resamples=n_resamples,
            seed=seed,
        )
        figures = [
            confusion_matrix_figure(truth, predicted),
            roc_figure(truth, scores),
            pr_figure(truth, scores),
            calibration_figure(truth, scores),
        ]
        task = "classification"
    else:
        metrics = regression_metrics(truth, predicted)
        headline = "rmse"
        interval = bootstrap_ci(headline, truth, predicted, n_resamples=n_resamples, seed=seed)
        figures = [residuals_figure(truth, predicted), predicted_vs_actual_figure(truth, predicted)]
        task = "regression"
    return ModelEvaluation(
        task=task,
        rows=len(frame),
        metrics={k: float(v) for k, v in metrics.items()},
        headline=headline,
        interval=(float(interval[0]), float(interval[1])),
        figures=figures,
        predicted=predicted,
        positive_scores=positive,
    )
