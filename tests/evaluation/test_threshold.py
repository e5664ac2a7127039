"""select_threshold: each objective checked against a brute-force search over sklearn's counts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import select_threshold


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 600)
    scores = np.round(np.clip(truth * 0.35 + rng.random(600) * 0.65, 0, 1), 2)  # ties on purpose
    return truth, scores


def _brute_force(truth: np.ndarray, scores: np.ndarray, score_of) -> float:  # type: ignore[no-untyped-def]
    """The threshold (highest among ties) maximising score_of(predicted) over distinct scores."""
    best, chosen = -np.inf, None
    for threshold in np.unique(scores)[::-1]:
        value = score_of((scores >= threshold).astype(int))
        if value > best + 1e-15:
            best, chosen = value, threshold
    return float(chosen)  # type: ignore[arg-type]


def test_f1_threshold_is_the_best_f1(data) -> None:  # type: ignore[no-untyped-def]
    truth, scores = data
    chosen = select_threshold(truth, scores, objective="f1")
    expected = _brute_force(truth, scores, lambda p: skm.f1_score(truth, p))
    assert chosen.threshold == expected
    predicted = (scores >= chosen.threshold).astype(int)
    assert chosen.f1 == pytest.approx(skm.f1_score(truth, predicted), abs=1e-12)
    assert chosen.value == chosen.f1
    assert chosen.precision == pytest.approx(skm.precision_score(truth, predicted), abs=1e-12)
    assert chosen.recall == pytest.approx(skm.recall_score(truth, predicted), abs=1e-12)
    assert chosen.positive_label == 1
    assert chosen.to_dict()["threshold"] == chosen.threshold


def test_youden_matches_the_roc_curve(data) -> None:  # type: ignore[no-untyped-def]
    truth, scores = data
    chosen = select_threshold(truth, scores, objective="youden")
    fpr, tpr, thresholds = skm.roc_curve(truth, scores, drop_intermediate=False)
    best = np.argmax(tpr - fpr)
    assert chosen.threshold == thresholds[best]
    assert chosen.value == pytest.approx((tpr - fpr)[best], abs=1e-12)


def test_precision_at_least_maximises_recall_under_the_constraint(data) -> None:  # type: ignore[no-untyped-def]
    truth, scores = data
    chosen = select_threshold(truth, scores, objective=("precision_at_least", 0.9))
    assert chosen.precision >= 0.9

    def recall_if_precise(predicted: np.ndarray) -> float:
        if skm.precision_score(truth, predicted, zero_division=0.0) < 0.9:
            return -np.inf
        return float(skm.recall_score(truth, predicted))

    assert chosen.threshold == _brute_force(truth, scores, recall_if_precise)
    recall_chosen = select_threshold(truth, scores, objective=("recall_at_least", 0.95))
    assert recall_chosen.recall >= 0.95


def test_cost_objective_minimises_total_cost(data) -> None:  # type: ignore[no-untyped-def]
    truth, scores = data
    costs = {"fp": 1.0, "fn": 5.0}
    chosen = select_threshold(truth, scores, objective=costs)

    def negative_cost(predicted: np.ndarray) -> float:
        tn, fp, fn, tp = skm.confusion_matrix(truth, predicted).ravel()
        return -float(fp * 1.0 + fn * 5.0)

    assert chosen.threshold == _brute_force(truth, scores, negative_cost)
    assert chosen.value == -max(negative_cost((scores >= t).astype(int)) for t in np.unique(scores))
    assert chosen.objective == "cost"


def test_two_columns_and_string_labels() -> None:
    truth = np.array(["no", "yes", "yes", "no", "yes"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3], [0.1, 0.9]])
    chosen = select_threshold(truth, proba)
    assert chosen.positive_label == "yes"
    assert chosen.threshold == 0.6
    assert chosen.f1 == 1.0
    flipped = select_threshold(truth, 1 - proba[:, 1], pos_label="no")
    assert flipped.f1 == 1.0


@pytest.mark.parametrize(
    ("truth", "proba", "objective", "message"),
    [
        ([1, 1, 1], [0.1, 0.5, 0.9], "f1", "single class"),
        ([0, 1, 2], [0.1, 0.5, 0.9], "f1", "two classes"),
        ([0, 1, 1], [0.1, 1.5, 0.9], "f1", "outside"),
        ([0, 1], [0.1, 0.5, 0.9], "f1", "different lengths"),
        ([0, 1, 1], [0.1, 0.5, 0.9], "accuracy", "unknown objective"),
        ([0, 1, 1], [0.1, 0.5, 0.9], ("precision_at_least", 2.0), "bound in"),
        ([0, 1, 1], [0.1, 0.5, 0.9], ("specificity", 0.5), "objective tuple"),
        ([0, 1, 1], [0.1, 0.5, 0.9], {"fp": 1.0}, "needs keys"),
        ([0, 1, 1, 0], [0.9, 0.8, 0.7, 0.1], ("precision_at_least", 1.0), "no threshold reaches"),
    ],
)
def test_bad_input_is_named(truth, proba, objective, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidValueError, match=message):
        select_threshold(truth, proba, objective=objective)
