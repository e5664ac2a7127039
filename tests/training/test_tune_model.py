"""tune_model(): a spec tuned by cross-validation, folds as intermediate values, bad input first."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.datasets import load_breast_cancer, load_diabetes
from loopml.store import Stores
from loopml.tracking import get_run, metric_history, search_runs
from loopml.training import (
    CrossValidation,
    ModelSpec,
    ModelTuningResult,
    cross_validate_spec,
    tune_model,
)

LOGISTIC = ModelSpec(kind="logistic_regression", params={"max_iter": 300})
C_SPACE = {"C": {"float": [1e-4, 10.0], "log": True}}


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    frame = load_breast_cancer().sample(200, random_state=1).reset_index(drop=True)
    features = frame.drop(columns="target")
    return (features - features.mean()) / features.std(), frame["target"]


def test_the_best_spec_is_the_spec_with_the_best_params(
    stores: Stores, cancer: tuple[Any, Any]
) -> None:
    X, y = cancer
    result = tune_model(
        LOGISTIC, space=C_SPACE, X=X, y=y, cv=3, n_trials=5, pruner="none", stores=stores
    )
    assert isinstance(result, ModelTuningResult)
    assert result.metric == "roc_auc" and result.direction == "maximize"
    assert result.best_spec == ModelSpec(
        kind="logistic_regression", params={"max_iter": 300, "C": result.best_params["C"]}
    )
    # The study's score is the cross-validated mean on the same folds, to the last bit.
    again = cross_validate_spec(result.best_spec, X, y, cv=CrossValidation("stratified", 3))
    assert result.best_value == pytest.approx(again.mean, abs=1e-12)
    assert result.best_value == max(result.trials["value"])

    parent = get_run(result.run_id, stores=stores)
    assert parent.params["model.kind"] == "logistic_regression"
    assert parent.params["model.max_iter"] == "300"
    assert parent.params["metric"] == "roc_auc"
    assert parent.params["cv.kind"] == "stratified" and parent.params["cv.folds"] == "3"
    assert parent.params["direction"] == "maximize"
    assert parent.name == "tune-logistic_regression"
    assert {artifact.path for artifact in parent.artifacts} >= {"tuning_report.html"}
    trials = search_runs("tuning", filter=f"parent_run_id = '{result.run_id}'", stores=stores)
    assert len(trials) == 5
    first = trials[trials["name"] == "trial-0"]["run_id"].iloc[0]
    folds = metric_history(first, "intermediate_score", stores=stores)
    assert [point.step for point in folds] == [0, 1, 2]  # one intermediate value per fold


def test_a_loss_is_minimised(sqlite_stores: Stores) -> None:
    frame = load_diabetes().head(120)
    result = tune_model(
        ModelSpec(kind="logistic_regression", task="regression"),
        space={"alpha": {"float": [1e-3, 100.0], "log": True}},
        X=frame.drop(columns="target"),
        y=frame["target"],
        cv=CrossValidation("kfold", 3, seed=4),
        n_trials=4,
        stores=sqlite_stores,
    )
    assert result.metric == "rmse" and result.direction == "minimize"
    assert result.best_value == min(result.trials["value"])
    assert get_run(result.run_id, stores=sqlite_stores).params["direction"] == "minimize"


def test_hopeless_trials_are_pruned_after_their_first_folds(
    sqlite_stores: Stores, cancer: tuple[Any, Any]
) -> None:
    X, y = cancer
    result = tune_model(
        ModelSpec(kind="random_forest", params={"n_estimators": 5}),
        space={"max_depth": {"int": [1, 6]}, "max_features": {"float": [0.05, 1.0]}},
        X=X,
        y=y,
        cv=4,
        n_trials=16,
        sampler="random",
        seed=2,
        stores=sqlite_stores,
    )
    states = result.trials["state"].value_counts()
    assert states.get("PRUNED", 0) >= 1 and states.get("COMPLETE", 0) >= 5


def test_grouped_folds_and_a_chosen_metric(sqlite_stores: Stores, cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    groups = [index % 7 for index in range(len(X))]
    result = tune_model(
        LOGISTIC,
        space=C_SPACE,
        X=X,
        y=y,
        cv=CrossValidation("grouped", 3),
        groups=groups,
        metric="log_loss",
        n_trials=3,
        stores=sqlite_stores,
    )
    assert result.metric == "log_loss" and result.direction == "minimize"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space": {"num_leaves": {"int": [8, 64]}}}, "does not accept search space parameter"),
        ({"space": {"C": {"float": [1.0, 0.1]}}}, "'C': low must be below high"),
        ({"metric": "rmse"}, "unknown classification metric 'rmse'"),
        ({"cv": 1}, "folds >= 2"),
        ({"cv": CrossValidation("grouped")}, "needs groups"),
        ({"n_trials": None}, "give a budget"),
        ({"workers": 0}, "workers must be"),
        ({"sampler": "cmaes"}, "unknown sampler"),
        ({"y": [0, 1]}, "X has 200 rows but y has 2"),
        ({"spec": {"kind": "lightgbm"}}, "spec must be a ModelSpec"),
        ({"storage": "not a url"}, "storage must be a SQLAlchemy database URL"),
    ],
)
def test_bad_input_fails_before_any_training(
    sqlite_stores: Stores, cancer: tuple[Any, Any], kwargs: dict[str, Any], message: str
) -> None:
    X, y = cancer
    arguments: dict[str, Any] = {
        "spec": LOGISTIC,
        "space": C_SPACE,
        "X": X,
        "y": y,
        "n_trials": 2,
        "stores": sqlite_stores,
    } | kwargs
    spec = arguments.pop("spec")
    with pytest.raises(InvalidValueError) as caught:
        tune_model(spec, **arguments)
    assert message in str(caught.value)
    if "num_leaves" in message or "does not accept" in message:
        assert "num_leaves" in str(caught.value) and "C" in str(caught.value)
    assert search_runs(stores=sqlite_stores).empty
