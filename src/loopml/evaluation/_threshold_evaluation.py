"""A decision threshold chosen on one set of rows and checked on another.

Choosing the cut-off on the test set would make the test score optimistic: the threshold is
one more parameter fitted to those rows. So the pipeline chooses it on the validation rows,
for the project's objective, and reports what it gives on the test rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go

from loopml.evaluation._metrics import ArrayLike, as_labels, positive_scores
from loopml.evaluation._plots import threshold_figure
from loopml.evaluation._threshold import Objective, Threshold, select_threshold


@dataclass(frozen=True)
class ThresholdEvaluation:
    """The cut-off chosen on the validation rows and what it gives on the test rows.

    Attributes:
        chosen: the threshold and its scores on the rows it was chosen on.
        test: ``precision``, ``recall``, ``f1``, ``false_positive_rate`` and ``accuracy`` of
            the positive class at that cut-off on the test rows.
        figure: precision, recall and F1 by threshold on the test rows, the cut-off marked.
    """

    chosen: Threshold
    test: dict[str, float]
    figure: go.Figure | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {"chosen_on": "validation", **self.chosen.to_dict(), "test": dict(self.test)}


def evaluate_threshold(
    y_choose: ArrayLike,
    proba_choose: ArrayLike,
    y_test: ArrayLike,
    proba_test: ArrayLike,
    *,
    objective: Objective = "f1",
) -> ThresholdEvaluation:
    """Choose the cut-off on ``(y_choose, proba_choose)`` for ``objective``; score it on the test.

    Raises:
        InvalidValueError: as :func:`select_threshold` (not two classes, bad probabilities, an
            unknown objective, a constraint no threshold meets).
    """
    chosen = select_threshold(y_choose, proba_choose, objective=objective)
    truth = as_labels(y_test, name="y_test")
    scores = positive_scores(np.asarray(proba_test, dtype=float))
    positive = truth == chosen.positive_label
    predicted = scores >= chosen.threshold
    true_positives = int(np.sum(predicted & positive))
    false_positives = int(np.sum(predicted & ~positive))
    precision = true_positives / max(int(predicted.sum()), 1)
    recall = true_positives / max(int(positive.sum()), 1)
    test = {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0,
        "false_positive_rate": false_positives / max(int((~positive).sum()), 1),
        "accuracy": float(np.mean(predicted == positive)),
    }
    figure = threshold_figure(truth, scores, chosen=chosen.threshold)
    return ThresholdEvaluation(chosen=chosen, test=test, figure=figure)
