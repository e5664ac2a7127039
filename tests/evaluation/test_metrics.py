"""classification_metrics and regression_metrics equal scikit-learn's to 1e-12; bad input named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import classification_metrics, regression_metrics


def _proba(rng: np.random.Generator, rows: int, classes: int) -> np.ndarray:
    raw = rng.random((rows, classes)) + 0.05
    return raw / raw.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_metrics_equal_sklearn(weighted: bool) -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 500)
    scores = np.clip(truth * 0.3 + rng.random(500) * 0.7, 0, 1)
    predicted = (scores >= 0.5).astype(int)
    weights = rng.random(500) + 0.1 if weighted else None

    got = classification_metrics(truth, predicted, scores, sample_weight=weights)

    expected = {
        "accuracy": skm.accuracy_score(truth, predicted, sample_weight=weights),
        "balanced_accuracy": skm.balanced_accuracy_score(truth, predicted, sample_weight=weights),
        "precision_macro": skm.precision_score(
            truth, predicted, average="macro", sample_weight=weights
        ),
        "recall_weighted": skm.recall_score(
            truth, predicted, average="weighted", sample_weight=weights
        ),
        "f1_macro": skm.f1_score(truth, predicted, average="macro", sample_weight=weights),
        "f1_weighted": skm.f1_score(truth, predicted, average="weighted", sample_weight=weights),
        "f1[1]": skm.f1_score(truth, predicted, sample_weight=weights),
        "precision[0]": skm.precision_score(truth, predicted, pos_label=0, sample_weight=weights),
        "recall[1]": skm.recall_score(truth, predicted, sample_weight=weights),
        "roc_auc": skm.roc_auc_score(truth, scores, sample_weight=weights),
        "pr_auc": skm.average_precision_score(truth, scores, sample_weight=weights),
        "log_loss": skm.log_loss(truth, scores, sample_weight=weights),
        "brier": skm.brier_score_loss(truth, scores, sample_weight=weights),
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name
    support = (truth == 1).sum() if weights is None else weights[truth == 1].sum()
    assert got["support[1]"] == pytest.approx(support, abs=1e-9)


def test_two_column_proba_and_string_labels_equal_sklearn() -> None:
    rng = np.random.default_rng(2)
    truth = pd.Series(rng.choice(["no", "yes"], 300), dtype="str")
    proba = _proba(rng, 300, 2)

    got = classification_metrics(truth, y_proba=proba)

    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, proba[:, 1]), abs=1e-12)
    assert got["log_loss"] == pytest.approx(skm.log_loss(truth, proba), abs=1e-12)
    predicted = np.where(proba[:, 1] >= 0.5, "yes", "no")
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted), abs=1e-12)
    assert "f1[yes]" in got


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_metrics_equal_sklearn(weighted: bool) -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 800)
    proba = _proba(rng, 800, 4)
    predicted = proba.argmax(axis=1)
    weights = rng.random(800) if weighted else None

    got = classification_metrics(truth, y_proba=proba, sample_weight=weights)

    onehot = np.eye(4)[truth]
    expected = {
        "accuracy": skm.accuracy_score(truth, predicted, sample_weight=weights),
        "f1_macro": skm.f1_score(truth, predicted, average="macro", sample_weight=weights),
        "precision_weighted": skm.precision_score(
            truth, predicted, average="weighted", sample_weight=weights
        ),
        "recall[2]": skm.recall_score(truth, predicted, average=None, sample_weight=weights)[2],
        "roc_auc": skm.roc_auc_score(truth, proba, multi_class="ovr", sample_weight=weights),
        "pr_auc": skm.average_precision_score(onehot, proba, sample_weight=weights),
        "log_loss": skm.log_loss(truth, proba, sample_weight=weights),
        "brier": skm.brier_score_loss(truth, proba, labels=[0, 1, 2, 3], sample_weight=weights),
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


def test_labels_fix_the_column_order_of_the_probabilities() -> None:
    truth = np.array(["b", "a", "c", "b", "a", "c"])
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1],
         [0.3, 0.3, 0.4]]
    )  # fmt: skip
    got = classification_metrics(truth, y_proba=proba, labels=["b", "a", "c"])
    assert got["accuracy"] == 1.0
    assert got["log_loss"] == pytest.approx(skm.log_loss(truth, proba[:, [1, 0, 2]]), abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_equal_sklearn(weighted: bool) -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(10, 3, 1000)
    predicted = truth + rng.normal(0, 1, 1000)
    weights = rng.random(1000) if weighted else None

    got = regression_metrics(truth, predicted, sample_weight=weights)

    assert got == pytest.approx(
        {
            "mse": skm.mean_squared_error(truth, predicted, sample_weight=weights),
            "rmse": skm.root_mean_squared_error(truth, predicted, sample_weight=weights),
            "mae": skm.mean_absolute_error(truth, predicted, sample_weight=weights),
            "mape": skm.mean_absolute_percentage_error(truth, predicted, sample_weight=weights),
            "r2": skm.r2_score(truth, predicted, sample_weight=weights),
        },
        abs=1e-12,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [0, 1, 1], "y_pred": [0, 1]}, "different lengths"),
        ({"y_true": [0, np.nan, 1], "y_pred": [0, 1, 1]}, "missing value"),
        (
            {"y_true": pd.Series(["a", None, "b"], dtype="str"), "y_pred": ["a", "a", "b"]},
            "missing",
        ),
        ({"y_true": [1, 1, 1], "y_proba": [0.2, 0.4, 0.9]}, "single class"),
        ({"y_true": [0, 1, 1], "y_proba": [0.2, 1.4, 0.9]}, "outside \\[0, 1\\]"),
        ({"y_true": [0, 1], "y_proba": [[0.2, 0.3], [0.5, 0.5]]}, "sum to 1"),
        ({"y_true": [0, 1, 2], "y_proba": [[0.5, 0.5]] * 3}, "2 columns but there are 3"),
        ({"y_true": [0, 1, 2], "y_proba": [0.1, 0.5, 0.9]}, "1-D y_proba"),
        ({"y_true": [0, 1]}, "nothing to evaluate"),
        ({"y_true": [0, 1, "a"], "y_pred": [0, 1, 1]}, "cannot compute classification metrics"),
        ({"y_true": [], "y_pred": []}, "empty"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2], "labels": [0, 1]}, "not in labels"),
    ],
)
def test_classification_bad_input_is_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        classification_metrics(**kwargs)  # type: ignore[arg-type]


def test_regression_bad_input_is_named() -> None:
    with pytest.raises(InvalidValueError, match="different lengths"):
        regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InvalidValueError, match="NaN or infinite"):
        regression_metrics([1.0, np.nan, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(InvalidValueError, match="must be numbers"):
        regression_metrics(["a", "b"], [1.0, 2.0])
    with pytest.raises(InvalidValueError, match="at least two rows"):
        regression_metrics([1.0], [1.0])


def test_binary_metrics_also_name_the_positive_class_scores_plainly() -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    truth = np.array([0, 1, 1, 0, 1, 1, 0, 0, 1, 0])
    predicted = np.array([0, 1, 0, 0, 1, 1, 1, 0, 1, 1])
    scores = classification_metrics(truth, predicted)
    assert abs(scores["f1"] - f1_score(truth, predicted)) <= 1e-12
    assert abs(scores["precision"] - precision_score(truth, predicted)) <= 1e-12
    assert abs(scores["recall"] - recall_score(truth, predicted)) <= 1e-12
    assert "f1" not in classification_metrics([0, 1, 2, 1], [0, 1, 2, 2])
