"""Evaluation plots as plotly figures, and one self-contained offline HTML page holding them.

Each function takes data and returns a ``plotly.graph_objects.Figure``; nothing is written until
``figures_to_html``, which embeds plotly.js once (no CDN) so the page opens offline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve as sk_calibration_curve

from loopml.core import InvalidValueError, write_text_atomically
from loopml.evaluation._metrics import (
    ArrayLike,
    as_labels,
    as_numbers,
    as_probabilities,
    check_same_length,
    positive_scores,
    require_two_classes,
)
from loopml.evaluation._threshold import threshold_curve


def _classes_and_proba(
    y_true: ArrayLike, y_proba: ArrayLike, labels: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    truth = as_labels(y_true, name="y_true")
    proba = as_probabilities(y_proba)
    check_same_length(y_true=truth, y_proba=proba)
    require_two_classes(truth, needed_for="this curve")
    classes = np.unique(truth) if labels is None else np.asarray(list(labels))
    if proba.ndim == 2 and proba.shape[1] != len(classes):
        raise InvalidValueError(
            f"y_proba has {proba.shape[1]} columns for {len(classes)} classes: pass labels="
        )
    if proba.ndim == 1 and len(classes) != 2:
        raise InvalidValueError("1-D y_proba is for two classes: pass one column per class")
    return truth, proba, classes


def _one_vs_rest(
    truth: np.ndarray, proba: np.ndarray, classes: np.ndarray
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, is_this_class, score) per curve: one for two classes, one per class otherwise."""
    if len(classes) == 2:
        return [(str(classes[-1]), truth == classes[-1], positive_scores(proba))]
    return [
        (str(label), truth == label, proba[:, index])
        for index, label in enumerate(classes)
        if (truth == label).any()
    ]


def confusion_matrix_figure(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: Sequence[Any] | None = None,
    normalize: bool = False,
) -> go.Figure:
    """Heat map of counts (or of shares of each true class when ``normalize``)."""
    truth = as_labels(y_true, name="y_true")
    predicted = as_labels(y_pred, name="y_pred")
    check_same_length(y_true=truth, y_pred=predicted)
    classes = (
        np.unique(np.concatenate([truth, predicted])) if labels is None else np.asarray(labels)
    )
    matrix = skm.confusion_matrix(
        truth, predicted, labels=classes, normalize="true" if normalize else None
    )
    names = [str(label) for label in classes]
    text = [[f"{value:.2f}" if normalize else f"{int(value)}" for value in row] for row in matrix]
    figure = go.Figure(
        go.Heatmap(
            z=matrix, x=names, y=names, text=text, texttemplate="%{text}", colorscale="Blues",
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
        )
    )  # fmt: skip
    figure.update_layout(
        title="Confusion matrix" + (" (share of each true class)" if normalize else " (counts)"),
        xaxis_title="predicted",
        yaxis_title="true",
        yaxis_autorange="reversed",
    )
    return figure


def roc_figure(
    y_true: ArrayLike, y_proba: ArrayLike, *, labels: Sequence[Any] | None = None
) -> go.Figure:
    """ROC curve with the AUC in the legend; one curve per class (one-vs-rest) for several."""
    truth, proba, classes = _classes_and_proba(y_true, y_proba, labels)
    figure = go.Figure()
    for name, is_class, scores in _one_vs_rest(truth, proba, classes):
        fpr, tpr, _ = skm.roc_curve(is_class, scores)
        auc = skm.roc_auc_score(is_class, scores)
        figure.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=f"{name} (AUC {auc:.3f})"))
    figure.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dot"})
    )
    figure.update_layout(
        title="ROC curve", xaxis_title="false positive rate", yaxis_title="true positive rate"
    )
    return figure


def pr_figure(
    y_true: ArrayLike, y_proba: ArrayLike, *, labels: Sequence[Any] | None = None
) -> go.Figure:
    """Precision-recall curve with average precision in the legend (one-vs-rest for several)."""
    truth, proba, classes = _classes_and_proba(y_true, y_proba, labels)
    figure = go.Figure()
    for name, is_class, scores in _one_vs_rest(truth, proba, classes):
        precision, recall, _ = skm.precision_recall_curve(is_class, scores)
        average = skm.average_precision_score(is_class, scores)
        figure.add_trace(
            go.Scatter(
                x=recall, y=precision, mode="lines", name=f"{name} (AP {average:.3f})",
                line={"shape": "hv"},
            )
        )  # fmt: skip
    figure.update_layout(
        title="Precision-recall curve", xaxis_title="recall", yaxis_title="precision"
    )
    return figure


def calibration_figure(
    y_true: ArrayLike,
    y_proba: ArrayLike,
    *,
    labels: Sequence[Any] | None = None,
    n_bins: int = 10,
) -> go.Figure:
    """Reliability curve: observed share of positives against mean predicted probability."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 2:
        raise InvalidValueError(f"n_bins must be an integer of at least 2, got {n_bins!r}")
    truth, proba, classes = _classes_and_proba(y_true, y_proba, labels)
    figure = go.Figure()
    for name, is_class, scores in _one_vs_rest(truth, proba, classes):
        observed, predicted = sk_calibration_curve(is_class, scores, n_bins=n_bins)
        figure.add_trace(go.Scatter(x=predicted, y=observed, mode="lines+markers", name=name))
    figure.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line={"dash": "dot"}
        )
    )
    figure.update_layout(
        title="Calibration (reliability) curve",
        xaxis_title="mean predicted probability",
        yaxis_title="observed share of positives",
    )
    return figure


def threshold_figure(
    y_true: ArrayLike, y_proba: ArrayLike, *, chosen: float | None = None
) -> go.Figure:
    """Precision, recall and F1 against the threshold, with the chosen one marked."""
    curve, positive = threshold_curve(y_true, y_proba)
    figure = go.Figure()
    for name, values in (
        ("precision", curve.precision),
        ("recall", curve.recall),
        ("F1", curve.f1),
    ):
        figure.add_trace(go.Scatter(x=curve.thresholds, y=values, mode="lines", name=name))
    if chosen is not None:
        figure.add_vline(x=chosen, line_dash="dash", annotation_text=f"chosen {chosen:.3f}")
    figure.update_layout(
        title=f"Metrics by threshold (positive class {positive})",
        xaxis_title="threshold on predicted probability",
        yaxis_title="value",
    )
    return figure


def _regression_inputs(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    truth = as_numbers(y_true, name="y_true")
    predicted = as_numbers(y_pred, name="y_pred")
    check_same_length(y_true=truth, y_pred=predicted)
    return truth, predicted


def residuals_figure(y_true: ArrayLike, y_pred: ArrayLike) -> go.Figure:
    """Residuals (true - predicted) against the prediction; a pattern means missed structure."""
    truth, predicted = _regression_inputs(y_true, y_pred)
    figure = go.Figure(
        go.Scattergl(x=predicted, y=truth - predicted, mode="markers", marker={"opacity": 0.5})
    )
    figure.add_hline(y=0, line_dash="dot")
    figure.update_layout(
        title="Residuals", xaxis_title="predicted", yaxis_title="residual (true - predicted)"
    )
    return figure


def predicted_vs_actual_figure(y_true: ArrayLike, y_pred: ArrayLike) -> go.Figure:
    """Predicted against true values, with the diagonal where they would be equal."""
    truth, predicted = _regression_inputs(y_true, y_pred)
    low = float(min(truth.min(), predicted.min()))
    high = float(max(truth.max(), predicted.max()))
    figure = go.Figure(
        go.Scattergl(x=truth, y=predicted, mode="markers", marker={"opacity": 0.5}, name="rows")
    )
    figure.add_trace(
        go.Scatter(x=[low, high], y=[low, high], mode="lines", name="y = x", line={"dash": "dot"})
    )
    figure.update_layout(title="Predicted vs actual", xaxis_title="actual", yaxis_title="predicted")
    return figure


def figures_to_html(figures: Sequence[go.Figure], path: str | Path, *, title: str) -> Path:
    """Write the figures to ONE self-contained HTML file (plotly.js embedded once, no CDN).

    The file is written to a temporary name and renamed, so a failure leaves nothing behind.

    Raises:
        InvalidValueError: no figures, or something that is not a plotly figure.
    """
    if not figures:
        raise InvalidValueError("figures_to_html needs at least one figure")
    for index, figure in enumerate(figures):
        if not isinstance(figure, go.Figure):
            raise InvalidValueError(
                f"figures[{index}] is a {type(figure).__name__}, not a plotly Figure"
            )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    parts = [
        figure.to_html(full_html=False, include_plotlyjs=index == 0)
        for index, figure in enumerate(figures)
    ]
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        + "\n".join(f'<div class="figure">{part}</div>' for part in parts)
        + "\n</body></html>\n"
    )
    return write_text_atomically(target, page)
