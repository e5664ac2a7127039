"""explain_model: SHAP values equal to shap's own, additivity, the fallback, permutation importance
equal to scikit-learn's, determinism, JSON, figures, and bad input."""

from __future__ import annotations

import json

import lightgbm
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shap
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression

from loopml.core import InvalidValueError
from loopml.data import OneHotEncode, make_cleaner
from loopml.evaluation import Explanations, explain_model
from loopml.training import ModelSpec, train

ROWS = 300


def _table(rows: int = ROWS, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Numbers, a text column that matters, a missing value, and a binary 0/1 target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "income": rng.normal(50, 10, rows),
            "age": rng.integers(18, 80, rows),
            "noise": rng.normal(size=rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows),
        }
    )
    logit = (frame["income"] - 50) / 5 + np.where(frame["plan"] == "pro", 1.5, 0.0)
    target = pd.Series((logit + rng.normal(size=rows) > 0).astype(int), name="churned")
    frame.loc[3, "income"] = np.nan
    return frame, target


def _trained(
    kind: str, params: dict[str, object], *, fill: bool = False
) -> tuple[object, pd.DataFrame, pd.Series]:
    frame, target = _table()
    if fill:
        frame = frame.fillna({"income": 50.0})
    model = train(
        ModelSpec(kind=kind, task="classification", params=params),
        train=(frame, target),
        valid=(frame, target),
        cleaner=make_cleaner(OneHotEncode()),
    )
    return model.pipeline, frame, target


@pytest.fixture(scope="module")
def lightgbm_case() -> tuple[object, pd.DataFrame, pd.Series, Explanations]:
    pipeline, frame, target = _trained("lightgbm", {"n_estimators": 20})
    return pipeline, frame, target, explain_model(pipeline, frame, target, max_rows=50)


@pytest.fixture(scope="module")
def logistic_case() -> tuple[object, pd.DataFrame, pd.Series, Explanations]:
    # The cleaner's one-hot columns are 0/1 and the rest raw: unscaled, so give it iterations.
    pipeline, frame, target = _trained(
        "sklearn:sklearn.linear_model.LogisticRegression", {"max_iter": 2000}, fill=True
    )
    explanations = explain_model(pipeline, frame, target, max_rows=40, background_rows=30)
    return pipeline, frame, target, explanations


# -- the tree explainer ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:LightGBM binary classifier:UserWarning")
def test_tree_model_in_a_pipeline_matches_shap_on_the_cleaned_features(lightgbm_case):
    pipeline, frame, _, explanations = lightgbm_case
    assert explanations.method == "tree"
    assert explanations.task == "classification"
    assert explanations.output == "log_odds"
    features = pipeline[:-1].transform(frame.loc[explanations.rows.index])
    assert explanations.features == [str(c) for c in features.columns]
    assert "plan_pro" in explanations.features

    direct = shap.TreeExplainer(pipeline[-1])
    values = np.asarray(direct.shap_values(features))
    np.testing.assert_allclose(explanations.shap_values, values, rtol=0, atol=1e-12)
    assert explanations.base_value == pytest.approx(float(direct.expected_value), abs=1e-12)
    importance = explanations.global_importance.set_index("feature")["mean_abs_shap"]
    expected = pd.Series(np.abs(values).mean(axis=0), index=explanations.features)
    np.testing.assert_allclose(importance[expected.index], expected, rtol=0, atol=1e-12)
    assert importance.is_monotonic_decreasing
    pd.testing.assert_frame_equal(
        explanations.rows, features.set_axis(explanations.features, axis=1)
    )


def test_tree_values_add_up_to_the_log_odds(lightgbm_case):
    pipeline, frame, _, explanations = lightgbm_case
    features = pipeline[:-1].transform(frame.loc[explanations.rows.index])
    margin = pipeline[-1].predict(features, raw_score=True)
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    np.testing.assert_allclose(total, margin, rtol=0, atol=1e-9)


def test_random_forest_is_explained_in_probabilities_and_adds_up():
    frame, target = _table()
    numbers = frame[["income", "age", "noise"]].fillna(50.0)
    forest = RandomForestClassifier(n_estimators=15, max_depth=4, random_state=0)
    forest.fit(numbers, target)
    explanations = explain_model(forest, numbers, target, max_rows=30, n_repeats=2)
    assert (explanations.method, explanations.output) == ("tree", "probability")
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    expected = forest.predict_proba(explanations.rows)[:, 1]
    np.testing.assert_allclose(total, expected, rtol=0, atol=1e-9)
    assert explanations.explained_classes == ["1"] * 30


def test_regression_tree_adds_up_to_the_prediction_and_scores_r2():
    frame, _ = _table()
    numbers = frame[["income", "age", "noise"]].fillna(50.0)
    value = numbers["income"] * 2 + numbers["noise"]
    forest = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0)
    forest.fit(numbers, value)
    explanations = explain_model(forest, numbers, value, max_rows=25, n_repeats=2)
    assert (explanations.task, explanations.output) == ("regression", "value")
    assert explanations.permutation_metric == "r2"
    assert explanations.explained_classes is None
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    np.testing.assert_allclose(total, forest.predict(explanations.rows), rtol=0, atol=1e-9)
    assert explanations.permutation["feature"].iloc[0] == "income"


def test_several_classes_explain_each_rows_predicted_class():
    rng = np.random.default_rng(1)
    numbers = pd.DataFrame(rng.normal(size=(240, 3)), columns=["a", "b", "c"])
    labels = np.array(["low", "mid", "high"])[np.digitize(numbers["a"], [-0.5, 0.5])]
    model = lightgbm.LGBMClassifier(n_estimators=10, verbose=-1, random_state=0, n_jobs=1)
    model.fit(numbers, labels)
    explanations = explain_model(model, numbers, labels, max_rows=40, n_repeats=2)
    assert explanations.output == "margin"
    assert explanations.permutation_metric == "accuracy"
    assert explanations.explained_classes == list(model.predict(explanations.rows))
    margins = model.predict(explanations.rows, raw_score=True)
    positions = [list(model.classes_).index(c) for c in explanations.explained_classes]
    assert explanations.base_values is not None
    total = explanations.base_values + explanations.shap_values.sum(axis=1)
    np.testing.assert_allclose(total, margins[np.arange(40), positions], rtol=0, atol=1e-9)


# -- the model-agnostic fallback ------------------------------------------------------------------


def test_a_linear_pipeline_gets_exact_values_that_add_up_to_the_log_odds(logistic_case):
    pipeline, frame, _, explanations = logistic_case
    assert (explanations.method, explanations.output) == ("linear", "log_odds")
    assert "plan_pro" in explanations.features
    log_odds = pipeline.decision_function(frame.loc[explanations.rows.index])
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    np.testing.assert_allclose(total, log_odds, rtol=0, atol=1e-10)
    top = explanations.global_importance["feature"].iloc[0]
    assert top == "income"


def test_fallback_explains_a_pipeline_and_adds_up_to_the_probability():
    pipeline, frame, target = _trained(
        "sklearn:sklearn.neighbors.KNeighborsClassifier", {"n_neighbors": 15}, fill=True
    )
    explanations = explain_model(pipeline, frame, target, max_rows=30, background_rows=20)
    assert (explanations.method, explanations.output) == ("permutation", "probability")
    probability = pipeline.predict_proba(frame.loc[explanations.rows.index])[:, 1]
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    np.testing.assert_allclose(total, probability, rtol=0, atol=1e-10)


class _Opaque:
    """A linear regression the explainer cannot see into: only ``predict``."""

    def __init__(self, model: LinearRegression) -> None:
        self.model = model

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict(frame))


def test_linear_values_and_the_fallback_both_equal_shaps_exact_values():
    # For a linear model, SHAP values over a background are coef * (x - background mean);
    # shap's LinearExplainer gives those; the linear path computes them directly and the
    # permutation walk (on a model it cannot see into) must find them exactly.
    frame, _ = _table(rows=80)
    numbers = frame[["income", "age", "noise"]].fillna(50.0)
    value = numbers @ np.array([2.0, -0.5, 3.0]) + 1.0
    model = LinearRegression().fit(numbers, value)
    linear = shap.LinearExplainer(model, shap.maskers.Independent(numbers, max_samples=100))
    expected = linear.shap_values(numbers)
    direct = explain_model(model, numbers, value, background_rows=100, n_repeats=1)
    walked = explain_model(_Opaque(model), numbers, value, background_rows=100, n_repeats=1)
    assert (direct.method, walked.method) == ("linear", "permutation")
    np.testing.assert_allclose(direct.shap_values, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(walked.shap_values, expected, rtol=0, atol=1e-9)


class _TextRule:
    """Not a scikit-learn estimator: reads raw text, category and boolean columns itself."""

    classes_ = np.array(["no", "yes"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        # The explainer hands the model its columns with their own types, never codes.
        assert pd.api.types.is_string_dtype(frame["plan"])
        assert isinstance(frame["tier"].dtype, pd.CategoricalDtype)
        assert pd.api.types.is_bool_dtype(frame["active"])
        score = (
            0.4 * (frame["plan"] == "pro").to_numpy()
            + 0.2 * (frame["tier"] == "gold").to_numpy()
            + 0.1 * frame["active"].to_numpy(dtype=float)
            + 0.02 * frame["age"].to_numpy(dtype=float) / 10
        )
        positive = np.clip(0.1 + score, 0, 1)
        return np.column_stack([1 - positive, positive])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(frame)[:, 1] > 0.5).astype(int)]


def test_fallback_handles_text_category_and_boolean_columns_of_any_model():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["basic", "pro"], 120),
            "tier": pd.Categorical(rng.choice(["gold", "silver"], 120)),
            "active": rng.choice([True, False], 120),
            "age": rng.integers(20, 60, 120),
        }
    )
    model = _TextRule()
    labels = model.predict(frame)
    explanations = explain_model(model, frame, labels, max_rows=20, background_rows=20)
    assert explanations.method == "permutation"
    assert explanations.features == ["plan", "tier", "active", "age"]
    pd.testing.assert_frame_equal(explanations.rows, frame.loc[explanations.rows.index])
    total = explanations.base_value + explanations.shap_values.sum(axis=1)
    expected = model.predict_proba(explanations.rows)[:, 1]
    np.testing.assert_allclose(total, expected, rtol=0, atol=1e-12)
    # The model is additive: each feature's SHAP value is its own term minus its mean.
    pro = 0.4 * (explanations.rows["plan"] == "pro").to_numpy()
    assert np.abs(explanations.shap_values[:, 0] - (pro - pro.mean())).max() < 0.2
    assert explanations.permutation["feature"].iloc[0] == "plan"


def test_column_labels_that_are_not_text_reach_the_model_unchanged():
    frame, _ = _table(rows=60)
    numbers = frame[["income", "age", "noise"]].fillna(50.0).set_axis([10, 20, 30], axis=1)
    value = numbers[10] * 2 - numbers[30]
    model = LinearRegression().fit(numbers, value)
    explanations = explain_model(model, numbers, value, max_rows=10, background_rows=10)
    assert explanations.features == ["10", "20", "30"]
    assert explanations.permutation["feature"].iloc[0] == "10"


# -- permutation importance -----------------------------------------------------------------------


def test_permutation_importance_equals_scikit_learns(lightgbm_case):
    pipeline, frame, target, explanations = lightgbm_case
    assert explanations.permutation_metric == "roc_auc"
    expected = permutation_importance(
        pipeline, frame, target, scoring="roc_auc", n_repeats=5, random_state=0
    )
    table = explanations.permutation.set_index("feature")
    assert list(table.index) == list(
        pd.Series(expected.importances_mean, index=frame.columns)
        .sort_values(ascending=False, kind="stable")
        .index
    )
    np.testing.assert_allclose(
        table.loc[frame.columns, "importance_mean"], expected.importances_mean, atol=1e-12
    )
    np.testing.assert_allclose(
        table.loc[frame.columns, "importance_std"], expected.importances_std, atol=1e-12
    )
    assert table.index[0] == "income"


def test_scoring_can_be_chosen(logistic_case):
    pipeline, frame, target, _ = logistic_case
    explanations = explain_model(
        pipeline, frame, target, max_rows=5, background_rows=5, n_repeats=2, scoring="accuracy"
    )
    expected = permutation_importance(
        pipeline, frame, target, scoring="accuracy", n_repeats=2, random_state=0
    )
    table = explanations.permutation.set_index("feature")
    np.testing.assert_allclose(
        table.loc[frame.columns, "importance_mean"], expected.importances_mean, atol=1e-12
    )


# -- sampling, determinism ------------------------------------------------------------------------


def test_max_rows_is_a_seeded_sample_and_results_repeat(logistic_case):
    pipeline, frame, target, first = logistic_case
    again = explain_model(pipeline, frame, target, max_rows=40, background_rows=30)
    assert len(first.rows) == 40 and first.shap_values.shape == (40, len(first.features))
    assert set(first.rows.index) <= set(frame.index)
    np.testing.assert_array_equal(first.shap_values, again.shap_values)
    pd.testing.assert_frame_equal(first.permutation, again.permutation)
    other = explain_model(pipeline, frame, target, max_rows=40, background_rows=30, seed=7)
    assert list(other.rows.index) != list(first.rows.index)


# -- output ---------------------------------------------------------------------------------------


def test_to_dict_is_json_without_nan(lightgbm_case):
    _, frame, _, explanations = lightgbm_case
    data = explanations.to_dict(max_rows=3)
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["method"] == "tree" and data["explained_rows"] == 50
    assert len(data["rows"]) == 3 and data["rows"][0]["class"] == "1"
    assert [r["feature"] for r in data["global_importance"]] == list(
        explanations.global_importance["feature"]
    )
    assert data["permutation_metric"] == "roc_auc"
    # A missing feature value is null, not NaN.
    forced = explain_model_with_missing(explanations)
    assert None in forced["rows"][0]["values"].values()


def explain_model_with_missing(explanations: Explanations) -> dict[str, object]:
    rows = explanations.rows.copy()
    rows.iloc[0, 0] = np.nan
    return Explanations(
        method=explanations.method,
        task=explanations.task,
        features=explanations.features,
        global_importance=explanations.global_importance,
        shap_values=explanations.shap_values,
        base_value=explanations.base_value,
        rows=rows,
        permutation=explanations.permutation,
        permutation_metric=explanations.permutation_metric,
    ).to_dict(max_rows=1)


def test_row_explanation_is_sorted_by_absolute_shap(lightgbm_case):
    _, _, _, explanations = lightgbm_case
    table = explanations.row_explanation(0)
    assert list(table.columns) == ["feature", "value", "shap"]
    assert table["shap"].abs().is_monotonic_decreasing
    by_feature = table.set_index("feature")
    for position, name in enumerate(explanations.features):
        assert by_feature.loc[name, "shap"] == explanations.shap_values[0, position]
    with pytest.raises(InvalidValueError, match="out of range"):
        explanations.row_explanation(50)
    with pytest.raises(InvalidValueError, match="int position"):
        explanations.row_explanation("0")  # type: ignore[arg-type]


def test_figures_are_the_four_plots(lightgbm_case):
    _, _, _, explanations = lightgbm_case
    figures = explanations.figures()
    assert list(figures) == [
        "Global SHAP importance",
        "SHAP values per row",
        "Permutation importance",
        "Explanation of the first row",
    ]
    assert all(isinstance(f, go.Figure) for f in figures.values())
    bar = figures["Permutation importance"].data[0]
    assert bar.error_x.array is not None and len(bar.y) == 4
    assert bar.y[-1] == explanations.permutation["feature"].iloc[0]  # largest on top
    waterfall = figures["Explanation of the first row"].data[0]
    assert isinstance(waterfall, go.Waterfall)
    assert sum(waterfall.x[:-1]) == pytest.approx(
        explanations.base_value + explanations.shap_values[0].sum(), abs=1e-9
    )
    swarm = figures["SHAP values per row"]
    assert len(swarm.data) == len(explanations.features)


# -- bad input ------------------------------------------------------------------------------------


def test_bad_input_is_named(lightgbm_case):
    pipeline, frame, target, _ = lightgbm_case
    with pytest.raises(InvalidValueError, match="DataFrame"):
        explain_model(pipeline, frame.to_numpy(), target)
    with pytest.raises(InvalidValueError, match="empty"):
        explain_model(pipeline, frame.iloc[:0], target.iloc[:0])
    with pytest.raises(InvalidValueError, match=r"repeated column names: \['age'\]"):
        explain_model(pipeline, pd.concat([frame, frame[["age"]]], axis=1), target)
    with pytest.raises(InvalidValueError, match="300 rows but y has 299"):
        explain_model(pipeline, frame, target.iloc[:-1])
    with pytest.raises(InvalidValueError, match="no predict"):
        explain_model(object(), frame, target)
    with pytest.raises(InvalidValueError, match="not fitted"):
        explain_model(RandomForestClassifier(), frame, target)
    with pytest.raises(InvalidValueError, match="max_rows"):
        explain_model(pipeline, frame, target, max_rows=0)
    with pytest.raises(InvalidValueError, match="unknown scoring"):
        explain_model(pipeline, frame, target, scoring="best")
    with pytest.raises(InvalidValueError, match="missing values"):
        explain_model(pipeline, frame, target.astype(float).where(target.index != 5))
    with pytest.raises(InvalidValueError, match="max_rows"):
        explain_model(pipeline, frame, target, max_rows=2).to_dict(max_rows=-1)
