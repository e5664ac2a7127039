"""A threshold chosen on validation rows and scored on test rows, equal to scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import (
    EvaluationReport,
    ThresholdEvaluation,
    evaluate_model,
    evaluate_threshold,
    select_threshold,
)


def _scores(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, rows)
    proba = np.clip(0.35 * truth + rng.random(rows) * 0.65, 0, 1)
    return truth, proba


@pytest.mark.parametrize(
    "objective", ["f1", "youden", ("recall_at_least", 0.9), {"fp": 1.0, "fn": 5.0}]
)
def test_the_cut_is_chosen_on_one_set_and_scored_like_sklearn_on_the_other(
    objective: object,
) -> None:
    y_valid, p_valid = _scores(400, 0)
    y_test, p_test = _scores(300, 1)
    result = evaluate_threshold(y_valid, p_valid, y_test, p_test, objective=objective)
    assert result.chosen == select_threshold(y_valid, p_valid, objective=objective)
    predicted = (p_test >= result.chosen.threshold).astype(int)
    expected = {
        "precision": skm.precision_score(y_test, predicted, zero_division=0),
        "recall": skm.recall_score(y_test, predicted),
        "f1": skm.f1_score(y_test, predicted),
        "accuracy": skm.accuracy_score(y_test, predicted),
        "false_positive_rate": float(np.mean(predicted[y_test == 0])),
    }
    for name, value in expected.items():
        assert abs(result.test[name] - value) <= 1e-12, name
    assert result.figure is not None
    document = result.to_dict()
    assert document["chosen_on"] == "validation" and document["test"] == result.test


def test_more_than_two_classes_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="two classes"):
        evaluate_threshold([0, 1, 2, 1], [0.1, 0.5, 0.9, 0.4], [0, 1], [0.2, 0.8])


def test_the_report_shows_the_threshold_section() -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = load_breast_cancer(as_frame=True).frame
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        frame.drop(columns="target"), frame["target"]
    )
    evaluation = evaluate_model(model, frame, target="target", n_resamples=50)
    y_valid, p_valid = _scores(200, 2)
    y_test, p_test = _scores(200, 3)
    threshold = evaluate_threshold(y_valid, p_valid, y_test, p_test)
    report = EvaluationReport(
        title="t", model="m", dataset="d", evaluation=evaluation, threshold=threshold
    )
    assert report.to_dict()["threshold"]["objective"] == "f1"
    assert 'id="threshold"' in report.to_html()
    with pytest.raises(InvalidValueError, match="threshold"):
        EvaluationReport(
            title="t",
            model="m",
            dataset="d",
            evaluation=evaluation,
            threshold=0.5,  # type: ignore[arg-type]
        )
    assert isinstance(threshold, ThresholdEvaluation)
