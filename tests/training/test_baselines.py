"""Baselines: the dummy and the rule are scored like models; unclear winners are flagged."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.training import (
    DummyBaseline,
    ModelSpec,
    RuleBaseline,
    compare_with_baselines,
    score_baselines,
    train,
)


@pytest.fixture
def churn() -> tuple[tuple[pd.DataFrame, pd.Series], tuple[pd.DataFrame, pd.Series]]:
    """Churn is mostly 'spend under 20', plus noise: a rule gets far, the dummy does not."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"spend": rng.gamma(2.0, 20.0, 600), "plan": rng.choice(["free", "pro"], 600)}
    )
    churn = ((frame["spend"] < 20) ^ (rng.random(600) < 0.1)).astype(int)
    return (frame.iloc[:450], churn.iloc[:450]), (frame.iloc[450:], churn.iloc[450:])


def low_spenders_churn(frame: pd.DataFrame) -> np.ndarray:
    churned: np.ndarray = (frame["spend"] < 20).astype(int).to_numpy()
    return churned


def test_dummy_predicts_the_most_frequent_class_and_the_mean() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    classifier = DummyBaseline("classification").fit(X, ["b", "a", "b", "b"])
    assert list(classifier.predict(X)) == ["b"] * 4
    assert classifier.predict_proba(X)[0].tolist() == [0.25, 0.75]
    regressor = DummyBaseline("regression").fit(X, [1.0, 2.0, 3.0, 6.0])
    assert regressor.predict(X).tolist() == [3.0] * 4


def test_rule_baseline_calls_the_plain_function(churn: Any) -> None:
    (X, y), _ = churn
    rule = RuleBaseline(low_spenders_churn).fit(X, y)
    assert rule.predict(X).tolist() == low_spenders_churn(X).tolist()
    assert rule.classes_.tolist() == [0, 1]


def test_score_baselines_and_flag_a_candidate_that_does_not_beat_the_rule(churn: Any) -> None:
    baselines = score_baselines(
        task="classification", train=churn[0], valid=churn[1], rule=low_spenders_churn
    )
    assert set(baselines) == {"dummy", "rule"}
    assert baselines["rule"]["accuracy"] > baselines["dummy"]["accuracy"] + 0.1
    assert "roc_auc" not in baselines["rule"]  # a rule gives labels, not probabilities

    # a shallow tree on spend learns the rule and no more: it does not CLEARLY beat it
    stump = train(
        ModelSpec(kind="sklearn:sklearn.tree.DecisionTreeClassifier", params={"max_depth": 1}),
        train=churn[0],
        valid=churn[1],
        cleaner=_drop_plan(),
    )
    [comparison] = compare_with_baselines(
        {"stump": stump.validation_metrics}, baselines, metric="accuracy", margin=0.05
    )
    assert comparison.best_baseline == "rule"
    assert comparison.flagged
    assert "does NOT clearly beat" in comparison.message


def _drop_plan() -> Any:
    from sklearn.compose import ColumnTransformer

    return ColumnTransformer([("spend", "passthrough", ["spend"])])


def test_compare_uses_the_metrics_direction_and_margin() -> None:
    baselines = {
        "dummy": {"accuracy": 0.70, "log_loss": 0.60},
        "rule": {"accuracy": 0.80, "log_loss": 0.9},
    }
    candidates = {
        "clear": {"accuracy": 0.85, "log_loss": 0.30},
        "close": {"accuracy": 0.805, "log_loss": 0.595},
        "worse": {"accuracy": 0.75, "log_loss": 0.70},
    }
    by_accuracy = compare_with_baselines(candidates, baselines, metric="accuracy")
    assert [c.flagged for c in by_accuracy] == [False, True, True]
    assert by_accuracy[0].best_baseline == "rule"
    assert math.isclose(by_accuracy[0].improvement, 0.05)
    by_loss = compare_with_baselines(candidates, baselines, metric="log_loss")
    assert by_loss[0].best_baseline == "dummy"  # lower is better for log loss
    assert [c.flagged for c in by_loss] == [False, True, True]
    relaxed = compare_with_baselines(candidates, baselines, metric="accuracy", margin=0.0)
    assert [c.flagged for c in relaxed] == [False, False, True]
    custom = compare_with_baselines(
        {"m": {"cost": 1.0}}, {"dummy": {"cost": 2.0}}, metric="cost", greater_is_better=False
    )
    assert not custom[0].flagged


def test_a_nan_candidate_is_flagged() -> None:
    [comparison] = compare_with_baselines(
        {"broken": {"r2": float("nan")}}, {"dummy": {"r2": 0.0}}, metric="r2"
    )
    assert comparison.flagged


def test_regression_baselines() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=100)})
    y = 2 * X["a"] + 1
    scores = score_baselines(
        task="regression", train=(X, y), valid=(X, y), rule=lambda f: 2 * f["a"] + 1
    )
    assert scores["rule"]["rmse"] == pytest.approx(0.0)
    assert scores["dummy"]["r2"] == pytest.approx(0.0)


# -- bad input -------------------------------------------------------------------------------


def test_compare_refuses_bad_input() -> None:
    with pytest.raises(InvalidValueError, match="no baseline scores"):
        compare_with_baselines({"m": {"accuracy": 1.0}}, {}, metric="accuracy")
    with pytest.raises(InvalidValueError, match="margin"):
        compare_with_baselines({}, {"dummy": {"accuracy": 1.0}}, metric="accuracy", margin=-1)
    with pytest.raises(InvalidValueError, match="m has no score for metric 'f1'"):
        compare_with_baselines({"m": {"accuracy": 1.0}}, {"dummy": {"f1": 1.0}}, metric="f1")
    with pytest.raises(InvalidValueError, match="every baseline scored NaN"):
        compare_with_baselines({}, {"dummy": {"r2": float("nan")}}, metric="r2")


def test_bad_rules_and_tasks(churn: Any) -> None:
    (X, y), _ = churn
    with pytest.raises(InvalidValueError, match="needs a function"):
        RuleBaseline("spend < 20").fit(X, y)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="one prediction per row"):
        RuleBaseline(lambda frame: [1, 0]).fit(X, y).predict(X)
    with pytest.raises(InvalidValueError, match="the rule oops failed: KeyError"):

        def oops(frame: pd.DataFrame) -> Any:
            return frame["no_such_column"]

        RuleBaseline(oops).fit(X, y).predict(X)
    with pytest.raises(InvalidValueError, match="unknown task 'ranking'"):
        DummyBaseline("ranking").fit(X, y)
    with pytest.raises(InvalidValueError, match="no probabilities"):
        DummyBaseline("regression").fit(X, y).predict_proba(X)
    with pytest.raises(InvalidValueError, match="train X has 450 rows but y has 3"):
        score_baselines(task="classification", train=(X, y[:3]), valid=churn[1])
