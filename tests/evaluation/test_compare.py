"""compare_models: paired deltas equal to scikit-learn's, bootstrap intervals, paired tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from loopml.core import InvalidValueError
from loopml.datasets import load_breast_cancer, load_diabetes
from loopml.evaluation import compare_models


@pytest.fixture(scope="module")
def cancer_predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = load_breast_cancer()
    features, target = data.drop(columns="target"), data["target"].to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.4, random_state=0, stratify=target
    )
    champion = DecisionTreeClassifier(max_depth=1, random_state=0).fit(x_train, y_train)
    challenger = make_pipeline(StandardScaler(), LogisticRegression()).fit(x_train, y_train)
    return y_test, champion.predict(x_test), challenger.predict(x_test)


def test_classification_deltas_equal_scikit_learn(cancer_predictions) -> None:
    truth, champion, challenger = cancer_predictions
    names = ["accuracy", "balanced_accuracy", "f1", "precision", "recall", "f1_macro"]
    result = compare_models(
        truth, champion, challenger, task="classification", metrics=names, n_resamples=500
    )
    scorers = {
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "f1": skm.f1_score,
        "precision": skm.precision_score,
        "recall": skm.recall_score,
        "f1_macro": lambda t, p: skm.f1_score(t, p, average="macro"),
    }
    for name, scorer in scorers.items():
        delta = result.metric(name)
        assert abs(delta.champion - scorer(truth, champion)) <= 1e-12
        assert abs(delta.challenger - scorer(truth, challenger)) <= 1e-12
        assert abs(delta.delta - (delta.challenger - delta.champion)) <= 1e-12
        assert delta.delta_low <= delta.delta <= delta.delta_high
    assert result.num_rows == len(truth)
    assert result.to_dict()["metrics"][0]["metric"] == "accuracy"


def test_the_bootstrap_matches_a_plain_loop_with_scikit_learn(cancer_predictions) -> None:
    """The vectorised resampling computes the same numbers as scikit-learn on each resample."""
    truth, champion, challenger = cancer_predictions
    result = compare_models(
        truth, champion, challenger, task="classification", metrics=["f1"], n_resamples=200, seed=5
    )
    rng = np.random.default_rng(5)
    picks = rng.integers(0, len(truth), size=(200, len(truth)))
    deltas = [
        skm.f1_score(truth[i], challenger[i], zero_division=0)
        - skm.f1_score(truth[i], champion[i], zero_division=0)
        for i in picks
    ]
    low, high = np.quantile(deltas, [0.025, 0.975])
    assert result.metric("f1").delta_low == pytest.approx(low, abs=1e-12)
    assert result.metric("f1").delta_high == pytest.approx(high, abs=1e-12)


def test_mcnemar_is_the_exact_binomial_test_on_discordant_rows(cancer_predictions) -> None:
    truth, champion, challenger = cancer_predictions
    result = compare_models(truth, champion, challenger, task="classification")
    only_challenger = int(np.sum((challenger == truth) & (champion != truth)))
    only_champion = int(np.sum((champion == truth) & (challenger != truth)))
    expected = stats.binomtest(only_challenger, only_challenger + only_champion, 0.5).pvalue
    assert result.test.name == "mcnemar_exact"
    assert result.test.p_value == pytest.approx(expected, abs=1e-12)
    assert result.test.favours == ("challenger" if only_challenger > only_champion else "champion")
    same = compare_models(truth, champion, champion, task="classification")
    assert (same.test.p_value, same.test.favours) == (1.0, "neither")
    assert same.metric("accuracy").delta == 0.0


def test_regression_uses_wilcoxon_on_absolute_errors() -> None:
    data = load_diabetes()
    features, target = data.drop(columns="target"), data["target"].to_numpy()
    champion = np.full_like(target, target.mean(), dtype=float)
    challenger = LinearRegression().fit(features, target).predict(features)
    result = compare_models(target, champion, challenger, task="regression", n_resamples=300)
    assert [d.metric for d in result.metrics] == ["rmse", "mae", "r2"]
    rmse = result.metric("rmse")
    assert abs(rmse.challenger - skm.root_mean_squared_error(target, challenger)) <= 1e-12
    assert not rmse.higher_is_better and rmse.improvement > 0
    r2 = result.metric("r2")
    assert abs(r2.challenger - skm.r2_score(target, challenger)) <= 1e-12
    assert r2.delta_low > 0
    expected = stats.wilcoxon(np.abs(target - champion), np.abs(target - challenger))
    assert result.test.name == "wilcoxon"
    assert result.test.p_value == pytest.approx(expected.pvalue, abs=1e-12)
    assert result.test.favours == "challenger"
    tie = compare_models(target, challenger, challenger, task="regression", metrics=["mse"])
    assert (tie.test.p_value, tie.test.favours) == (1.0, "neither")


def test_bad_input_is_refused() -> None:
    y = np.array([0, 1, 0, 1])
    with pytest.raises(InvalidValueError, match="task"):
        compare_models(y, y, y, task="ranking")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="unknown classification metric"):
        compare_models(y, y, y, task="classification", metrics=["rmse"])
    with pytest.raises(InvalidValueError, match="same length"):
        compare_models(y, y[:3], y, task="classification")
    with pytest.raises(InvalidValueError, match="at least 2 rows"):
        compare_models([1], [1], [1], task="classification")
    with pytest.raises(InvalidValueError, match="binary"):
        compare_models([0, 1, 2], [0, 1, 2], [0, 1, 1], task="classification", metrics=["f1"])
    with pytest.raises(InvalidValueError, match="numeric"):
        compare_models(["a", "b"], ["a", "b"], ["a", "b"], task="regression")
    with pytest.raises(InvalidValueError, match="finite"):
        compare_models([1.0, np.nan], [1.0, 2.0], [1.0, 2.0], task="regression")
    with pytest.raises(InvalidValueError, match="n_resamples"):
        compare_models(y, y, y, task="classification", n_resamples=10)
    with pytest.raises(InvalidValueError, match="confidence"):
        compare_models(y, y, y, task="classification", confidence=1.5)
    result = compare_models(y, y, y, task="classification")
    with pytest.raises(InvalidValueError, match="was not compared"):
        result.metric("recall")


def test_multiclass_bootstrap_matches_scikit_learn_per_resample() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 120)
    champion = np.where(rng.random(120) < 0.6, truth, rng.integers(0, 3, 120))
    challenger = np.where(rng.random(120) < 0.7, truth, rng.integers(0, 3, 120))
    names = ["f1_macro", "balanced_accuracy", "accuracy"]
    result = compare_models(
        truth, champion, challenger, task="classification", metrics=names, n_resamples=100, seed=2
    )
    picks = np.random.default_rng(2).integers(0, 120, size=(100, 120))
    scorers = {
        "f1_macro": lambda t, p: skm.f1_score(t, p, average="macro", zero_division=0),
        "balanced_accuracy": skm.balanced_accuracy_score,
        "accuracy": skm.accuracy_score,
    }
    for name, scorer in scorers.items():
        deltas = [scorer(truth[i], challenger[i]) - scorer(truth[i], champion[i]) for i in picks]
        low, high = np.quantile(deltas, [0.025, 0.975])
        assert result.metric(name).delta_low == pytest.approx(low, abs=1e-12)
        assert result.metric(name).delta_high == pytest.approx(high, abs=1e-12)
        assert (
            abs(
                result.metric(name).delta
                - scorers[name](truth, challenger)
                + scorers[name](truth, champion)
            )
            <= 1e-12
        )


def test_regression_bootstrap_matches_scikit_learn_per_resample() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(0, 1, 150)
    champion = truth + rng.normal(0, 0.5, 150)
    challenger = truth + rng.normal(0, 0.4, 150)
    names = ["mse", "rmse", "mae", "r2"]
    result = compare_models(
        truth, champion, challenger, task="regression", metrics=names, n_resamples=100, seed=3
    )
    picks = np.random.default_rng(3).integers(0, 150, size=(100, 150))
    scorers = {
        "mse": skm.mean_squared_error,
        "rmse": skm.root_mean_squared_error,
        "mae": skm.mean_absolute_error,
        "r2": skm.r2_score,
    }
    for name, scorer in scorers.items():
        deltas = [scorer(truth[i], challenger[i]) - scorer(truth[i], champion[i]) for i in picks]
        low, high = np.quantile(deltas, [0.025, 0.975])
        assert result.metric(name).delta_low == pytest.approx(low, abs=1e-9)
        assert result.metric(name).delta_high == pytest.approx(high, abs=1e-9)
