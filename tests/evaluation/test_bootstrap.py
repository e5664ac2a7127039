"""bootstrap_ci: the percentile bootstrap, reproducible, fast paths equal the per-resample one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation import BOOTSTRAP_METRICS, bootstrap_ci


@pytest.fixture
def binary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    scores = np.clip(truth * 0.4 + rng.random(400) * 0.6, 0, 1)
    return truth, (scores >= 0.5).astype(int), scores


def _reference(function, truth, predicted, *, n_resamples, confidence, seed):  # type: ignore[no-untyped-def]
    """The textbook percentile bootstrap, one resample at a time, with the same index stream."""
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(truth), size=(n_resamples, len(truth)))
    values = [function(truth[row], predicted[row]) for row in indices]
    tail = (1 - confidence) / 2 * 100
    return tuple(np.percentile(values, [tail, 100 - tail]))


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("accuracy", skm.accuracy_score),
        ("balanced_accuracy", skm.balanced_accuracy_score),
        ("f1", skm.f1_score),
    ],
)
def test_label_metrics_match_the_textbook_bootstrap(binary, name, function) -> None:  # type: ignore[no-untyped-def]
    truth, predicted, _ = binary
    got = bootstrap_ci(name, truth, predicted, n_resamples=200, confidence=0.9, seed=7)
    expected = _reference(function, truth, predicted, n_resamples=200, confidence=0.9, seed=7)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    point = function(truth, predicted)
    assert got[0] <= point <= got[1]


def test_probability_and_callable_metrics(binary) -> None:  # type: ignore[no-untyped-def]
    truth, _, scores = binary
    scores = np.round(scores, 2)  # ties count half in ROC AUC
    named = bootstrap_ci("roc_auc", truth, scores, n_resamples=100, seed=1)
    given = bootstrap_ci(skm.roc_auc_score, truth, scores, n_resamples=100, seed=1)
    assert named == pytest.approx(given, abs=1e-12)
    assert named[0] < skm.roc_auc_score(truth, scores) < named[1]
    named = bootstrap_ci("pr_auc", truth, scores, n_resamples=100, seed=1)
    given = bootstrap_ci(skm.average_precision_score, truth, scores, n_resamples=100, seed=1)
    assert named == pytest.approx(given, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("f1_macro", lambda t, p: skm.f1_score(t, p, average="macro", zero_division=0.0)),
        ("f1_weighted", lambda t, p: skm.f1_score(t, p, average="weighted", zero_division=0.0)),
        ("balanced_accuracy", skm.balanced_accuracy_score),
    ],
)
def test_multiclass_label_metrics_with_rare_classes(name, function) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    truth = rng.choice(["a", "b", "c", "d"], 120, p=[0.5, 0.3, 0.18, 0.02])
    predicted = np.where(rng.random(120) < 0.7, truth, rng.choice(["a", "b", "c", "e"], 120))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns on resamples missing a class
        expected = _reference(function, truth, predicted, n_resamples=150, confidence=0.95, seed=3)
    got = bootstrap_ci(name, truth, predicted, n_resamples=150, seed=3)
    np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("name", ["mae", "mse", "rmse", "r2", "mape"])
def test_regression_metrics_match_the_textbook_bootstrap(name: str) -> None:
    rng = np.random.default_rng(3)
    truth = rng.normal(5, 2, 300)
    predicted = truth + rng.normal(0, 1, 300)
    function = {
        "mae": skm.mean_absolute_error,
        "mse": skm.mean_squared_error,
        "rmse": skm.root_mean_squared_error,
        "r2": skm.r2_score,
        "mape": skm.mean_absolute_percentage_error,
    }[name]
    got = bootstrap_ci(name, truth, predicted, n_resamples=150, seed=2)
    expected = _reference(function, truth, predicted, n_resamples=150, confidence=0.95, seed=2)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_same_seed_same_interval_and_chunking_keeps_the_stream(binary) -> None:  # type: ignore[no-untyped-def]
    truth, predicted, _ = binary
    first = bootstrap_ci("accuracy", truth, predicted, seed=5)
    assert bootstrap_ci("accuracy", truth, predicted, seed=5) == first
    assert bootstrap_ci("accuracy", truth, predicted, seed=6) != first
    # Enough rows that the indices come in several chunks: still the one reference stream.
    rng = np.random.default_rng(9)
    big_truth = rng.integers(0, 2, 50_000)
    big_pred = np.where(rng.random(50_000) < 0.8, big_truth, 1 - big_truth)
    got = bootstrap_ci("accuracy", big_truth, big_pred, n_resamples=100, seed=0)
    expected = _reference(
        skm.accuracy_score, big_truth, big_pred, n_resamples=100, confidence=0.95, seed=0
    )
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_every_listed_metric_is_accepted(binary) -> None:  # type: ignore[no-untyped-def]
    truth, predicted, scores = binary
    for name in BOOTSTRAP_METRICS:
        second = scores if name in ("roc_auc", "pr_auc", "mae", "mse", "rmse", "r2") else predicted
        truth_values = truth + 1.0 if name == "mape" else truth
        low, high = bootstrap_ci(name, truth_values, second, n_resamples=20)
        assert low <= high, name


def test_bad_input_is_named(binary) -> None:  # type: ignore[no-untyped-def]
    truth, predicted, scores = binary
    with pytest.raises(InvalidValueError, match="unknown bootstrap metric"):
        bootstrap_ci("auc", truth, predicted)
    with pytest.raises(InvalidValueError, match="confidence"):
        bootstrap_ci("accuracy", truth, predicted, confidence=95)
    with pytest.raises(InvalidValueError, match="n_resamples"):
        bootstrap_ci("accuracy", truth, predicted, n_resamples=5)
    with pytest.raises(InvalidValueError, match="different lengths"):
        bootstrap_ci("accuracy", truth, predicted[:-1])
    with pytest.raises(InvalidValueError, match="missing"):
        bootstrap_ci("accuracy", [0.0, np.nan, 1.0], [0, 1, 1])
    with pytest.raises(InvalidValueError, match="single class"):
        bootstrap_ci("roc_auc", np.zeros(200, dtype=int), np.linspace(0, 1, 200), n_resamples=50)
    with pytest.raises(InvalidValueError, match="undefined on"):
        bootstrap_ci(lambda t, p: float("nan"), truth, predicted, n_resamples=50)
    with pytest.raises(InvalidValueError, match="name or a function"):
        bootstrap_ci(3, truth, predicted)  # type: ignore[arg-type]
