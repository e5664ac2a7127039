"""shortcut_warnings: leaked copies of the target, a dominant feature and one-column models, no
false alarm on a healthy table, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from loopml.core import InvalidValueError
from loopml.datasets import load_breast_cancer
from loopml.evaluation import ShortcutWarning, explain_model, shortcut_warnings


def _kinds(found: list[ShortcutWarning]) -> list[tuple[str, str]]:
    return [(w.kind, w.feature) for w in found]


@pytest.fixture(scope="module")
def threshold_table() -> tuple[pd.DataFrame, np.ndarray]:
    """The target is ``score > 0.3``: one column holds the whole answer."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "score": rng.normal(size=600),
            "age": rng.integers(18, 80, 600),
            "noise": rng.normal(size=600),
            "region": rng.choice(["north", "south", "east"], 600),
        }
    )
    return frame, (frame["score"] > 0.3).astype(int).to_numpy()


# -- identical to the target ----------------------------------------------------------------------


def test_a_relabelled_copy_of_the_target_is_a_leak(threshold_table):
    frame, target = threshold_table
    leaky = frame.assign(
        outcome_text=np.where(target == 1, "yes", "no"),
        outcome_flag=target.astype(bool),
        customer_id=np.arange(len(frame)),  # unique values: not a copy of a 0/1 target
    )
    found = shortcut_warnings(leaky, target, task="classification")
    assert _kinds(found) == [
        ("identical_to_target", "outcome_text"),
        ("identical_to_target", "outcome_flag"),
    ]
    assert "'yes' -> 1" in found[0].message and "600 rows" in found[0].message
    assert found[0].evidence == {"rows": 600.0, "distinct_values": 2.0}


def test_a_copy_with_one_disagreement_is_not_identical(threshold_table):
    frame, target = threshold_table
    almost = target.copy()
    almost[7] = 1 - almost[7]
    assert shortcut_warnings(frame.assign(almost=almost), target, task="classification") == []


def test_regression_copy_must_be_exactly_equal():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=200), "row_id": np.arange(200)})
    value = frame["x"] * 3 + rng.normal(size=200)
    found = shortcut_warnings(
        frame.assign(copy=value, rounded=value.round(1), doubled=value * 2),
        value,
        task="regression",
    )
    assert _kinds(found) == [("identical_to_target", "copy")]
    assert found[0].evidence["max_abs_difference"] == 0.0


def test_a_leak_outside_the_sampled_rows_is_confirmed_on_every_row():
    rng = np.random.default_rng(2)
    target = rng.integers(0, 2, 4000)
    late = target.copy()
    frame = pd.DataFrame({"x": rng.normal(size=4000), "copy": target, "late": late})
    # Break "late" on one row only: the 3,000-row sample may match, every row does not.
    frame.loc[3999, "late"] = 1 - frame.loc[3999, "late"]
    assert _kinds(shortcut_warnings(frame, target, task="classification")) == [
        ("identical_to_target", "copy")
    ]


# -- dominant feature and one-column models -------------------------------------------------------


@pytest.fixture(scope="module")
def threshold_importance(threshold_table) -> tuple[pd.Series, float]:
    frame, target = threshold_table
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        frame.drop(columns="region"), target
    )
    explanations = explain_model(
        model, frame.drop(columns="region"), target, max_rows=20, background_rows=20
    )
    importance = explanations.permutation.set_index("feature")["importance_mean"]
    full_score = cross_val_score(model, frame.drop(columns="region"), target, cv=3).mean()
    return importance, float(full_score)


def test_threshold_of_one_column_is_dominant_and_a_one_column_model(
    threshold_table, threshold_importance
):
    frame, target = threshold_table
    importance, _ = threshold_importance
    found = shortcut_warnings(
        frame, target, task="classification", importance=importance, full_score=0.99
    )
    assert _kinds(found) == [
        ("dominant_feature", "score"),
        ("single_feature_model", "score"),
    ]
    dominant, single = found
    assert dominant.evidence["importance"] == importance["score"]
    assert dominant.evidence["ratio"] >= 5
    assert "times the next feature" in dominant.message
    assert single.evidence["score"] > 0.97 and single.evidence["full_score"] == 0.99
    assert "roc_auc" in single.message and "3-fold" in single.message


def test_single_feature_model_is_compared_on_the_given_metric(
    threshold_table, threshold_importance
):
    frame, target = threshold_table
    importance, accuracy = threshold_importance
    found = shortcut_warnings(
        frame,
        target,
        task="classification",
        importance=importance,
        full_score=accuracy,
        metric="accuracy",
        dominance_ratio=1e9,
    )
    assert _kinds(found) == [("single_feature_model", "score")]
    # A full model far better than any one column: no warning.
    assert (
        shortcut_warnings(frame, target, task="classification", full_score=1.5, dominance_ratio=1e9)
        == []
    )


def test_one_hot_importances_count_for_their_raw_column(threshold_table):
    frame, target = threshold_table
    region_target = (frame["region"] == "north").astype(int).to_numpy()
    importance = pd.Series(
        {"score": 0.01, "age": 0.0, "noise": 0.005, "region_north": 0.2, "region_south": 0.02}
    )
    found = shortcut_warnings(
        frame,
        region_target,
        task="classification",
        importance=importance,
        full_score=1.0,
        top_k=1,
    )
    assert _kinds(found) == [
        ("dominant_feature", "region_north"),
        ("single_feature_model", "region"),
    ]


def test_regression_shortcut_uses_r2():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"size": rng.uniform(0, 10, 400), "noise": rng.normal(size=400)})
    price = np.floor(frame["size"]) * 10.0
    found = shortcut_warnings(
        frame,
        price,
        task="regression",
        importance=pd.Series({"size": 1.0, "noise": 0.0}),
        full_score=0.99,
    )
    assert _kinds(found) == [("dominant_feature", "size"), ("single_feature_model", "size")]
    assert "r2" in found[1].message
    data = found[0].to_dict()
    assert data["evidence"]["ratio"] is None  # infinite: the next importance is 0
    assert "far more than" in data["message"]
    json.dumps([w.to_dict() for w in found], allow_nan=False)


def test_healthy_table_raises_no_false_alarm():
    cancer = load_breast_cancer()
    features, target = cancer.drop(columns="target"), cancer["target"]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    full_score = float(cross_val_score(model, features, target, scoring="roc_auc", cv=3).mean())
    model.fit(features, target)
    explanations = explain_model(
        model, features, target, max_rows=20, background_rows=10, n_repeats=2
    )
    for table, column in (
        (explanations.permutation, "importance_mean"),
        (explanations.global_importance, "mean_abs_shap"),
    ):
        importance = table.set_index("feature")[column]
        found = shortcut_warnings(
            features, target, task="classification", importance=importance, full_score=full_score
        )
        assert found == [], [w.message for w in found]


def test_dates_text_and_missing_values_get_one_column_models_too():
    rng = np.random.default_rng(5)
    days = pd.Series(pd.date_range("2024-01-01", periods=300, freq="D"))
    frame = pd.DataFrame(
        {
            "signup": days.where(rng.random(300) > 0.1),  # some NaT
            "plan": pd.Series(rng.choice(["a", "b", None], 300), dtype=object),
            "spend": np.where(rng.random(300) > 0.1, rng.normal(size=300), np.nan),
        }
    )
    late = (days > pd.Timestamp("2024-06-01")).astype(int).to_numpy()
    found = shortcut_warnings(frame, late, task="classification", full_score=0.9)
    assert _kinds(found) == [("single_feature_model", "signup")]


def test_results_repeat_for_a_seed(threshold_table):
    frame, target = threshold_table
    first = shortcut_warnings(frame, target, task="classification", full_score=0.99, seed=4)
    again = shortcut_warnings(frame, target, task="classification", full_score=0.99, seed=4)
    assert [w.to_dict() for w in first] == [w.to_dict() for w in again]


def test_a_dominant_but_tiny_importance_is_no_shortcut_with_a_floor():
    """A near-perfect model on redundant features: shuffling any one column costs almost
    nothing, and a ratio between two such drops (0.0037 vs 0.00067, seen on breast cancer)
    is noise, not a model leaning on one column."""
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, 1.0]})
    importance = pd.Series({"a": 0.0037, "b": 0.00067})
    found = shortcut_warnings(frame, [0, 1, 0, 1], task="classification", importance=importance)
    assert _kinds(found) == [("dominant_feature", "a")]
    floored = shortcut_warnings(
        frame, [0, 1, 0, 1], task="classification", importance=importance, min_importance=0.01
    )
    assert floored == []
    material = shortcut_warnings(
        frame,
        [0, 1, 0, 1],
        task="classification",
        importance=importance * 10,
        min_importance=0.01,
    )
    assert _kinds(material) == [("dominant_feature", "a")]


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task": "ranking"}, "task must be one of"),
        ({"X": np.zeros((3, 2))}, "DataFrame"),
        ({"X": pd.DataFrame({"a": []})}, "empty"),
        ({"y": [0, 1]}, "X has 4 rows but y"),
        ({"y": [0, 1, None, 1]}, "missing values"),
        ({"y": [1, 1, 1, 1]}, "one class"),
        ({"y": ["a", "b", "a", "b"], "task": "regression"}, "must be numeric"),
        ({"importance": {"a": 1.0}}, "pandas Series"),
        ({"importance": pd.Series({"a": "high"})}, "must be numbers"),
        ({"full_score": float("nan")}, "full_score"),
        ({"metric": "best"}, "unknown metric"),
        ({"dominance_ratio": 1.0}, "dominance_ratio"),
        ({"min_importance": -0.01}, "min_importance"),
        ({"min_importance": "some"}, "min_importance"),
        ({"near_full_margin": -0.1}, "near_full_margin"),
        ({"top_k": 0}, "top_k"),
        ({"seed": "zero"}, "seed"),
    ],
)
def test_bad_input_is_named(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "X": pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}),
        "y": [0, 1, 0, 1],
        "task": "classification",
    }
    arguments.update(change)
    with pytest.raises(InvalidValueError, match=message):
        shortcut_warnings(**arguments)  # type: ignore[arg-type]
