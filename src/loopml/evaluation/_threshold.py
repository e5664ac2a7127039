"""Choosing the probability cut-off of a binary classifier for a stated objective.

Every distinct predicted probability is a candidate cut-off; a row is predicted positive when its
probability is ``>= threshold``. Counts at all candidates come from one sort and two cumulative sums
(as scikit-learn's ROC and PR curves do), so choosing among 10^6 candidates costs one sort.

Objectives:
    ``"f1"``: the best F1 of the positive class.
    ``"youden"``: the best Youden's J = TPR - FPR (sensitivity + specificity - 1).
    ``("precision_at_least", p)``: the best recall among cut-offs whose precision is at least p.
    ``("recall_at_least", r)``: the best precision among cut-offs whose recall is at least r.
    a cost dict ``{"fp": c1, "fn": c2}`` (optionally ``"tp"``, ``"tn"``): the least total cost.
Ties go to the highest threshold (the more conservative positive call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from loopml.core import InvalidValueError
from loopml.evaluation._metrics import (
    ArrayLike,
    as_labels,
    as_probabilities,
    check_same_length,
    positive_scores,
    require_two_classes,
)

Objective = str | tuple[str, float] | dict[str, float]


@dataclass(frozen=True)
class ThresholdCurve:
    """Counts and rates at every candidate threshold, highest threshold first."""

    thresholds: np.ndarray
    true_positives: np.ndarray
    false_positives: np.ndarray
    positives: int
    negatives: int

    @property
    def precision(self) -> np.ndarray:
        called = self.true_positives + self.false_positives
        precision: np.ndarray = np.divide(
            self.true_positives, called, out=np.zeros(len(called)), where=called > 0
        )
        return precision

    @property
    def recall(self) -> np.ndarray:
        return self.true_positives / self.positives

    @property
    def false_positive_rate(self) -> np.ndarray:
        return self.false_positives / self.negatives

    @property
    def f1(self) -> np.ndarray:
        total = self.positives + self.true_positives + self.false_positives
        f1: np.ndarray = 2 * self.true_positives / total
        return f1


@dataclass(frozen=True)
class Threshold:
    """The chosen cut-off and what it gives: predict positive when probability >= ``threshold``."""

    threshold: float
    objective: str
    value: float
    precision: float
    recall: float
    f1: float
    false_positive_rate: float
    positive_label: Any

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        label = self.positive_label
        return {
            "threshold": self.threshold,
            "objective": self.objective,
            "value": self.value,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_positive_rate": self.false_positive_rate,
            "positive_label": label.item() if isinstance(label, np.generic) else label,
        }


def threshold_curve(
    y_true: ArrayLike, y_proba: ArrayLike, *, pos_label: Any = None
) -> tuple[ThresholdCurve, Any]:
    """Counts at each distinct probability (the candidate thresholds) and the positive label."""
    truth = as_labels(y_true, name="y_true")
    proba = as_probabilities(y_proba)
    check_same_length(y_true=truth, y_proba=proba)
    require_two_classes(truth, needed_for="threshold selection")
    classes = np.unique(truth)
    if len(classes) > 2:
        raise InvalidValueError(
            f"threshold selection is for two classes; y_true has {len(classes)}"
        )
    positive = classes[-1] if pos_label is None else pos_label
    if positive not in classes.tolist():
        raise InvalidValueError(f"pos_label {positive!r} is not in y_true {classes.tolist()}")
    scores = positive_scores(proba)
    is_positive = (truth == positive).astype(np.int64)
    order = np.argsort(scores, kind="mergesort")[::-1]
    sorted_scores = scores[order]
    sorted_positive = is_positive[order]
    # The last row of each run of equal scores: the counts there include every tie.
    ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    true_positives = np.cumsum(sorted_positive)[ends]
    false_positives = (ends + 1) - true_positives
    curve = ThresholdCurve(
        thresholds=sorted_scores[ends],
        true_positives=true_positives,
        false_positives=false_positives,
        positives=int(is_positive.sum()),
        negatives=int(len(is_positive) - is_positive.sum()),
    )
    return curve, positive


def _objective_values(curve: ThresholdCurve, objective: Objective) -> tuple[str, np.ndarray]:
    """Scores per candidate, higher is better (-inf where a constraint is not met)."""
    if isinstance(objective, str):
        if objective == "f1":
            return "f1", curve.f1
        if objective == "youden":
            return "youden", curve.recall - curve.false_positive_rate
        raise InvalidValueError(
            f"unknown objective {objective!r}: use 'f1', 'youden', ('precision_at_least', p), "
            "('recall_at_least', r) or a cost dict {'fp': ..., 'fn': ...}"
        )
    if isinstance(objective, tuple):
        if len(objective) != 2 or objective[0] not in ("precision_at_least", "recall_at_least"):
            raise InvalidValueError(
                f"objective tuple must be ('precision_at_least', p) or ('recall_at_least', r), "
                f"got {objective!r}"
            )
        kind, bound = objective
        if isinstance(bound, bool) or not isinstance(bound, int | float) or not 0 <= bound <= 1:
            raise InvalidValueError(f"{kind} needs a bound in [0, 1], got {bound!r}")
        constrained, optimised = (
            (curve.precision, curve.recall)
            if kind == "precision_at_least"
            else (curve.recall, curve.precision)
        )
        return f"{kind}={bound:g}", np.where(constrained >= bound, optimised, -np.inf)
    if isinstance(objective, dict):
        unknown = set(objective) - {"tp", "fp", "tn", "fn"}
        if unknown or not {"fp", "fn"} <= set(objective):
            raise InvalidValueError(
                f"a cost objective needs keys 'fp' and 'fn' (optionally 'tp', 'tn'), got "
                f"{sorted(objective)}"
            )
        costs = {key: float(objective.get(key, 0.0)) for key in ("tp", "fp", "tn", "fn")}
        if not all(np.isfinite(value) for value in costs.values()):
            raise InvalidValueError(f"costs must be finite numbers, got {objective!r}")
        tp, fp = curve.true_positives, curve.false_positives
        fn, tn = curve.positives - tp, curve.negatives - fp
        total = costs["tp"] * tp + costs["fp"] * fp + costs["tn"] * tn + costs["fn"] * fn
        return "cost", -total
    raise InvalidValueError(f"objective must be a name, a tuple or a cost dict, got {objective!r}")


def select_threshold(
    y_true: ArrayLike,
    y_proba: ArrayLike,
    *,
    objective: Objective = "f1",
    pos_label: Any = None,
) -> Threshold:
    """The cut-off on the positive-class probability that best serves ``objective``.

    ``y_proba`` is the positive-class probability (1-D) or two columns (the second is used);
    the positive label is the greater label unless ``pos_label`` is given. For a cost objective
    ``value`` is the total cost (lower is better); otherwise it is the objective's score.

    Raises:
        InvalidValueError: more or fewer than two classes, bad probabilities, lengths differ,
            an unknown objective, or a constraint no threshold meets (the message says the best
            reachable value).
    """
    curve, positive = threshold_curve(y_true, y_proba, pos_label=pos_label)
    name, scores = _objective_values(curve, objective)
    if not np.isfinite(scores).any():
        assert isinstance(objective, tuple)
        reachable = curve.precision if objective[0] == "precision_at_least" else curve.recall
        raise InvalidValueError(
            f"no threshold reaches {objective[0]} {objective[1]:g}; the best is "
            f"{float(reachable.max()):.4g}"
        )
    best = int(np.argmax(scores))  # first maximum = highest threshold among ties
    value = float(-scores[best]) if name == "cost" else float(scores[best])
    return Threshold(
        threshold=float(curve.thresholds[best]),
        objective=name,
        value=value,
        precision=float(curve.precision[best]),
        recall=float(curve.recall[best]),
        f1=float(curve.f1[best]),
        false_positive_rate=float(curve.false_positive_rate[best]),
        positive_label=positive,
    )
