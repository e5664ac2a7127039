"""Trainers: one fitted pipeline per spec, per-iteration curves, reproducibility, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import loopml
from loopml.core import InvalidValueError
from loopml.data import Cleaner, ImputeMissing, OneHotEncode
from loopml.datasets import load_employment
from loopml.registry import load_model, register_model
from loopml.tracking import start_run
from loopml.training import ModelSpec, TrainedModel, build_estimator, model_kinds, train

FEATURES = ["AGEP", "SCHL", "MAR", "DIS", "SEX", "RAC1P"]


@pytest.fixture(scope="module")
def employment() -> tuple[tuple[pd.DataFrame, pd.Series], tuple[pd.DataFrame, pd.Series]]:
    """2,000 real census rows: 1,500 to train, 500 to validate."""
    frame = load_employment().head(2000)
    X, y = frame[FEATURES], frame["employed"]
    return (X.iloc[:1500], y.iloc[:1500]), (X.iloc[1500:], y.iloc[1500:])


def _cleaner() -> Cleaner:
    return Cleaner(
        [
            ("impute", ImputeMissing(["AGEP"], strategy="median")),
            ("onehot", OneHotEncode(["SCHL", "MAR", "DIS", "SEX", "RAC1P"])),
        ]
    )


@pytest.fixture
def regression() -> tuple[tuple[pd.DataFrame, np.ndarray], tuple[pd.DataFrame, np.ndarray]]:
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = 3 * X["a"].to_numpy() - X["b"].to_numpy() + rng.normal(scale=0.1, size=400)
    return (X.iloc[:300], y[:300]), (X.iloc[300:], y[300:])


CLASSIFIERS = [
    ModelSpec(kind="lightgbm", params={"n_estimators": 20, "num_leaves": 8}),
    ModelSpec(kind="xgboost", params={"n_estimators": 20, "max_depth": 3}),
    ModelSpec(kind="logistic_regression", params={"max_iter": 500}),
    ModelSpec(kind="random_forest", params={"n_estimators": 20}),
    ModelSpec(kind="sklearn:sklearn.tree.DecisionTreeClassifier", params={"max_depth": 4}),
]


@pytest.mark.parametrize("spec", CLASSIFIERS, ids=lambda spec: spec.kind)
def test_classifiers_give_one_pipeline_that_beats_chance(employment: Any, spec: ModelSpec) -> None:
    trained = train(spec, train=employment[0], valid=employment[1], cleaner=_cleaner())
    assert isinstance(trained, TrainedModel)
    assert isinstance(trained.pipeline, Pipeline)
    assert [name for name, _ in trained.pipeline.steps] == ["cleaner", "model"]
    # the pipeline takes raw rows (strings, categoricals) and cleans them itself
    predicted = trained.pipeline.predict(employment[1][0])
    assert len(predicted) == 500
    scores = trained.validation_metrics
    assert {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss"} <= set(scores)
    assert scores["roc_auc"] > 0.75


@pytest.mark.parametrize("kind", ["lightgbm", "xgboost", "logistic_regression", "random_forest"])
def test_regressors(regression: Any, kind: str) -> None:
    spec = ModelSpec(kind=kind, task="regression")
    trained = train(spec, train=regression[0], valid=regression[1], cleaner=StandardScaler())
    assert set(trained.validation_metrics) == {"rmse", "mae", "r2"}
    assert trained.validation_metrics["r2"] > 0.8
    assert trained.pipeline.steps[0][0] == "cleaner"
    if kind in ("lightgbm", "xgboost"):  # LightGBM regressors use the eval_X/eval_y API
        [curve] = trained.iteration_metrics.values()
        assert len(curve) == 100 and curve[-1] < curve[0]


def test_without_a_cleaner_the_pipeline_holds_the_estimator_alone(regression: Any) -> None:
    trained = train(
        ModelSpec(kind="random_forest", task="regression"), train=regression[0], valid=regression[1]
    )
    assert [name for name, _ in trained.pipeline.steps] == ["model"]


@pytest.mark.parametrize(
    ("kind", "curve"), [("lightgbm", "binary_logloss"), ("xgboost", "logloss")]
)
def test_iterative_learners_log_validation_curves(
    employment: Any, stores: Any, kind: str, curve: str
) -> None:
    spec = ModelSpec(kind=kind, params={"n_estimators": 15})
    with start_run("training-test", stores=stores) as run:
        trained = train(spec, train=employment[0], valid=employment[1], cleaner=_cleaner(), run=run)
        run.flush()
        history = run.metric_history(f"iter_valid_{curve}")
        final = run.metric_history("valid_roc_auc")
    assert len(trained.iteration_metrics[curve]) == 15
    assert [point.step for point in history] == list(range(15))
    assert [point.value for point in history] == trained.iteration_metrics[curve]
    assert final[-1].value == trained.validation_metrics["roc_auc"]


@pytest.mark.parametrize("spec", CLASSIFIERS[:4], ids=lambda spec: spec.kind)
def test_same_spec_same_data_same_predictions_bit_for_bit(employment: Any, spec: ModelSpec) -> None:
    first = train(spec, train=employment[0], valid=employment[1], cleaner=_cleaner(), seed=7)
    second = train(spec, train=employment[0], valid=employment[1], cleaner=_cleaner(), seed=7)
    X_valid = employment[1][0]
    one = first.pipeline.predict_proba(X_valid)
    two = second.pipeline.predict_proba(X_valid)
    assert one.tobytes() == two.tobytes()
    assert first.validation_metrics == second.validation_metrics


def test_the_seed_reaches_the_estimator() -> None:
    spec = ModelSpec(kind="random_forest")
    assert build_estimator(spec, seed=11).random_state == 11
    assert (
        build_estimator(
            ModelSpec(kind="random_forest", params={"random_state": 3}), seed=11
        ).random_state
        == 3
    )
    assert build_estimator(ModelSpec(kind="lightgbm"), seed=5).get_params()["n_jobs"] == 1


@pytest.mark.parametrize("kind", ["lightgbm", "xgboost"])
def test_the_registry_stores_the_trained_pipeline(employment: Any, stores: Any, kind: str) -> None:
    spec = ModelSpec(kind=kind, params={"n_estimators": 10})
    trained = train(spec, train=employment[0], valid=employment[1], cleaner=_cleaner())
    X_valid = employment[1][0]
    version = register_model(
        trained.pipeline, "employment-lgbm", sample=X_valid.head(), stores=stores
    )
    loaded = load_model(f"models:/employment-lgbm/{version.version}", stores=stores)
    assert (
        loaded.predict_proba(X_valid).tobytes() == trained.pipeline.predict_proba(X_valid).tobytes()
    )


# -- bad input -------------------------------------------------------------------------------


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(pydantic.ValidationError, match="unknown model kind 'catboost'.*lightgbm"):
        ModelSpec(kind="catboost")
    with pytest.raises(InvalidValueError, match="unknown model kind 'catboost'"):
        ModelSpec.parse({"kind": "catboost"})
    assert "xgboost" in model_kinds()


def test_unknown_params_and_fields_are_named() -> None:
    with pytest.raises(InvalidValueError, match="does not accept parameter\\(s\\) n_trees"):
        ModelSpec.parse({"kind": "random_forest", "params": {"n_trees": 5}})
    with pytest.raises(InvalidValueError, match="learning_rat"):
        ModelSpec.parse({"kind": "lightgbm", "params": {"learning_rat": 0.1}})
    with pytest.raises(InvalidValueError, match="model"):
        ModelSpec.parse({"kind": "lightgbm", "model": "x"})  # extra="forbid"
    with pytest.raises(InvalidValueError, match="task"):
        ModelSpec.parse({"kind": "lightgbm", "task": "ranking"})


def test_bad_sklearn_paths() -> None:
    with pytest.raises(InvalidValueError, match="no class 'Nope'"):
        ModelSpec.parse({"kind": "sklearn:sklearn.tree.Nope"})
    with pytest.raises(InvalidValueError, match="cannot import module"):
        ModelSpec.parse({"kind": "sklearn:not_a_module_xyz.Model"})
    with pytest.raises(InvalidValueError, match="not a scikit-learn estimator"):
        ModelSpec.parse({"kind": "sklearn:collections.OrderedDict"})


def test_a_bad_param_value_names_the_estimator(regression: Any) -> None:
    spec = ModelSpec(kind="random_forest", task="regression", params={"n_estimators": -3})
    with pytest.raises(InvalidValueError, match="random_forest could not be fitted.*n_estimators"):
        train(spec, train=regression[0], valid=regression[1])


def test_one_class_target_is_refused(regression: Any) -> None:
    X = regression[0][0]
    with pytest.raises(InvalidValueError, match="one class"):
        train(
            ModelSpec(kind="lightgbm"),
            train=(X, np.zeros(len(X), dtype=int)),
            valid=(X, np.zeros(len(X), dtype=int)),
        )


def test_mismatched_lengths_are_refused(regression: Any) -> None:
    (X, y), valid = regression
    with pytest.raises(InvalidValueError, match="train X has 300 rows but y has 299"):
        train(ModelSpec(kind="lightgbm", task="regression"), train=(X, y[:-1]), valid=valid)
    with pytest.raises(InvalidValueError, match="valid X has 100 rows but y has 3"):
        train(ModelSpec(kind="lightgbm", task="regression"), train=(X, y), valid=(valid[0], y[:3]))
    with pytest.raises(InvalidValueError, match="pair"):
        train(ModelSpec(kind="lightgbm", task="regression"), train=X, valid=valid)


def test_other_bad_targets(regression: Any) -> None:
    (X, y), valid = regression
    labels = pd.Series(np.where(y > 0, "yes", "no"), dtype="str")
    with pytest.raises(InvalidValueError, match="must be numeric"):
        train(ModelSpec(kind="random_forest", task="regression"), train=(X, labels), valid=valid)
    with pytest.raises(InvalidValueError, match="xgboost needs class labels"):
        train(ModelSpec(kind="xgboost"), train=(X, labels), valid=(valid[0], labels[:100]))
    gappy = pd.Series(y).where(y > 0)
    with pytest.raises(InvalidValueError, match="missing values"):
        train(ModelSpec(kind="random_forest", task="regression"), train=(X, gappy), valid=valid)


def test_string_labels_work_where_the_library_encodes_them(regression: Any) -> None:
    (X, y), (X_valid, y_valid) = regression
    labels = pd.Series(np.where(y > 0, "yes", "no"), dtype="str")
    valid_labels = pd.Series(np.where(y_valid > 0, "yes", "no"), dtype="str")
    trained = train(ModelSpec(kind="lightgbm"), train=(X, labels), valid=(X_valid, valid_labels))
    assert set(trained.pipeline.predict(X_valid)) <= {"yes", "no"}
    assert trained.validation_metrics["accuracy"] > 0.8


def test_unencoded_strings_without_a_cleaner_fail_clearly(employment: Any) -> None:
    (X, y), valid = employment
    strings = X.assign(SCHL=X["SCHL"].astype("str"))
    with pytest.raises(InvalidValueError, match="xgboost could not be fitted"):
        train(
            ModelSpec(kind="xgboost"),
            train=(strings, y),
            valid=(valid[0].assign(SCHL=valid[0]["SCHL"].astype("str")), valid[1]),
        )


def test_top_level_package_is_untouched() -> None:
    assert hasattr(loopml, "start_run")


def test_lightgbm_scores_its_curve_against_the_right_labels(regression: Any) -> None:
    """Labels 1/2 must be encoded for the validation curve as for training (LightGBM 4.7)."""
    (X, y), (X_valid, y_valid) = regression
    labels, valid_labels = np.where(y > 0, 2, 1), np.where(y_valid > 0, 2, 1)
    trained = train(
        ModelSpec(kind="lightgbm", params={"n_estimators": 10}),
        train=(X, labels),
        valid=(X_valid, valid_labels),
    )
    curve = trained.iteration_metrics["binary_logloss"]
    assert curve[-1] < curve[0]
    assert abs(curve[-1] - trained.validation_metrics["log_loss"]) < 1e-6


def test_a_cleaner_that_takes_the_target_itself_is_refused(employment: Any) -> None:
    cleaner = Cleaner([("impute", ImputeMissing(["AGEP"]))], target="employed")
    with pytest.raises(InvalidValueError, match="do not pass y too"):
        train(ModelSpec(kind="lightgbm"), train=employment[0], valid=employment[1], cleaner=cleaner)


def test_an_estimator_missing_required_arguments_is_named(regression: Any) -> None:
    spec = ModelSpec(kind="sklearn:sklearn.ensemble.StackingRegressor", task="regression")
    with pytest.raises(
        InvalidValueError, match="sklearn:sklearn.ensemble.StackingRegressor rejected"
    ):
        train(spec, train=regression[0], valid=regression[1])
