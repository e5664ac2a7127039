"""CrossValidation and cross_validate_spec: sklearn's folds, fold scores, cleaners, bad input."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

from loopml.core import InvalidValueError
from loopml.datasets import load_breast_cancer, load_diabetes, load_wine
from loopml.training import CrossValidation, ModelSpec, build_estimator, cross_validate_spec

LOGISTIC = ModelSpec(kind="logistic_regression", params={"max_iter": 500})


def standardised(frame: pd.DataFrame) -> pd.DataFrame:
    """Scaled features: lbfgs converges in a few iterations, which keeps these tests fast."""
    return (frame - frame.mean()) / frame.std()


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    frame = load_breast_cancer().sample(240, random_state=0).reset_index(drop=True)
    return standardised(frame.drop(columns="target")), frame["target"]


def same_splits(ours: list[Any], theirs: Any) -> bool:
    pairs = list(theirs)
    return len(ours) == len(pairs) and all(
        np.array_equal(a, c) and np.array_equal(b, d)
        for (a, b), (c, d) in zip(ours, pairs, strict=True)
    )


def test_each_kind_cuts_the_folds_sklearn_cuts() -> None:
    X = np.arange(40).reshape(20, 2)
    y = np.array([0, 1] * 10)
    groups = np.repeat(np.arange(5), 4)
    assert same_splits(
        CrossValidation("kfold", 4, seed=3).splits(X, y),
        KFold(4, shuffle=True, random_state=3).split(X),
    )
    assert same_splits(
        CrossValidation("stratified", 5, shuffle=False).splits(X, y),
        StratifiedKFold(5).split(X, y),
    )
    assert same_splits(
        CrossValidation("grouped", 5, seed=1).splits(X, y, groups),
        GroupKFold(5, shuffle=True, random_state=1).split(X, y, groups),
    )
    assert same_splits(CrossValidation("time", 3).splits(X, y), TimeSeriesSplit(3).split(X))


def test_grouped_folds_keep_a_group_on_one_side_and_time_folds_look_ahead() -> None:
    X = np.zeros((30, 1))
    groups = np.repeat(["a", "b", "c", "d", "e", "f"], 5)
    for train_rows, valid_rows in CrossValidation("grouped", 3).splits(X, groups=groups):
        assert not set(groups[train_rows]) & set(groups[valid_rows])
    for train_rows, valid_rows in CrossValidation("time", 4).splits(X):
        assert train_rows.max() < valid_rows.min()


@pytest.mark.parametrize(
    ("kwargs", "call", "message"),
    [
        ({"folds": 1}, {}, "folds >= 2"),
        ({"folds": 2.5}, {}, "folds >= 2"),
        ({"kind": "loo"}, {}, "unknown cross-validation kind 'loo'"),
        ({"shuffle": "yes"}, {}, "shuffle must be"),
        ({"folds": 11}, {}, "11 folds need at least 11 rows, got 10"),
        ({"kind": "stratified", "folds": 4}, {}, "class 'rare' has 3"),
        ({"kind": "stratified"}, {"y": None}, "stratified cross-validation needs y"),
        ({"kind": "grouped"}, {}, "grouped cross-validation needs groups"),
        ({"kind": "grouped", "folds": 3}, {"groups": ["g1", "g2"] * 5}, "got 2"),
        ({"kind": "grouped"}, {"groups": ["g1"] * 3}, "groups has 3"),
        ({"kind": "time", "folds": 10}, {}, "needs more than 10 rows"),
    ],
)
def test_bad_folds_are_named(kwargs: dict[str, Any], call: dict[str, Any], message: str) -> None:
    X = np.zeros((10, 1))
    arguments = {"y": np.array(["common"] * 7 + ["rare"] * 3)} | call
    with pytest.raises(InvalidValueError) as caught:
        CrossValidation(**kwargs).splits(X, **arguments)
    assert message in str(caught.value)


def test_fold_scores_equal_sklearn_on_the_same_folds(cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    folds = CrossValidation("stratified", 3, seed=5)
    scores = cross_validate_spec(LOGISTIC, X, y, cv=folds, seed=2)
    assert scores.metric == "roc_auc" and scores.greater_is_better
    expected = []
    for train_rows, valid_rows in folds.splits(X, y):
        model = build_estimator(LOGISTIC, seed=2).fit(X.iloc[train_rows], y.iloc[train_rows])
        proba = model.predict_proba(X.iloc[valid_rows])[:, 1]
        expected.append(roc_auc_score(y.iloc[valid_rows], proba))
    assert scores.fold_scores == pytest.approx(expected, abs=1e-12)
    assert scores.mean == pytest.approx(np.mean(expected), abs=1e-12)
    assert scores.std == pytest.approx(np.std(expected), abs=1e-12)
    assert cross_validate_spec(LOGISTIC, X, y, cv=folds, seed=2) == scores  # deterministic


def test_default_metrics_follow_the_task() -> None:
    wine = load_wine()
    multi = cross_validate_spec(
        LOGISTIC, standardised(wine.drop(columns="target")), wine["target"], cv=3, metric=None
    )
    assert multi.metric == "accuracy" and len(multi.fold_scores) == 3
    diabetes = load_diabetes().head(150)
    X, y = diabetes.drop(columns="target"), diabetes["target"]
    ridge = ModelSpec(kind="logistic_regression", task="regression")
    seen: list[tuple[int, float]] = []
    rmse = cross_validate_spec(ridge, X, y, cv=3, on_fold=lambda f, v: seen.append((f, v)))
    assert rmse.metric == "rmse" and not rmse.greater_is_better
    assert [fold for fold, _ in seen] == [0, 1, 2]
    expected = []
    for train_rows, valid_rows in KFold(3, shuffle=True, random_state=0).split(X):
        model = build_estimator(ridge).fit(X.iloc[train_rows], y.iloc[train_rows])
        expected.append(
            mean_squared_error(y.iloc[valid_rows], model.predict(X.iloc[valid_rows])) ** 0.5
        )
    assert rmse.fold_scores == pytest.approx(expected, abs=1e-12)
    accuracy = cross_validate_spec(LOGISTIC, X, y > 140, cv=3, metric="accuracy")
    assert all(0 <= value <= 1 for value in accuracy.fold_scores)
    assert accuracy_score([1], [1]) == 1.0


class RecordingScaler(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Centres columns and remembers which rows every fitted copy learnt from."""

    fitted_on: ClassVar[list[set[int]]] = []

    def fit(self, X: pd.DataFrame, y: Any = None) -> RecordingScaler:
        RecordingScaler.fitted_on.append(set(X.index))
        self.mean_ = X.mean()
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X - self.mean_


def test_the_cleaner_is_fitted_in_each_fold_on_its_training_rows_only(
    cancer: tuple[Any, Any],
) -> None:
    X, y = cancer
    RecordingScaler.fitted_on.clear()
    folds = CrossValidation("kfold", 3)
    cross_validate_spec(LOGISTIC, X, y, cv=folds, cleaner=RecordingScaler())
    expected = [set(X.index[train_rows]) for train_rows, _ in folds.splits(X, y)]
    assert RecordingScaler.fitted_on == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "auc"}, "unknown classification metric 'auc'"),
        ({"metric": "rmse"}, "unknown classification metric 'rmse'"),
        ({"cv": 1}, "folds >= 2"),
        ({"cv": "five"}, "cv must be a number of folds"),
        ({"cv": CrossValidation("grouped")}, "needs groups"),
    ],
)
def test_bad_arguments_fail_before_training(
    cancer: tuple[Any, Any], kwargs: dict[str, Any], message: str
) -> None:
    X, y = cancer
    with pytest.raises(InvalidValueError) as caught:
        cross_validate_spec(LOGISTIC, X, y, **({"cv": 3} | kwargs))
    assert message in str(caught.value)


def test_bad_data_is_named(cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    with pytest.raises(InvalidValueError, match="X has 240 rows but y has 10"):
        cross_validate_spec(LOGISTIC, X, y.head(10), cv=3)
    with pytest.raises(InvalidValueError, match="spec must be a ModelSpec"):
        cross_validate_spec({"kind": "lightgbm"}, X, y, cv=3)  # type: ignore[arg-type]
    one_class_folds = CrossValidation("time", 2)  # the last rows hold one class
    ordered = y.sort_values()
    with pytest.raises(InvalidValueError, match="cannot be scored by roc_auc|one class"):
        cross_validate_spec(LOGISTIC, X.loc[ordered.index], ordered, cv=one_class_folds)
