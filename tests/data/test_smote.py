"""SMOTE oversampling (oversample_smote) of tables made by make_synthetic."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import LogisticTarget, Normal, Poisson, make_synthetic, oversample_smote
from tests.data.test_synthetic import COLUMNS


@pytest.fixture
def imbalanced() -> pd.DataFrame:
    rule = LogisticTarget({"age": 0.08, "plan=pro": 1.5}, intercept=-7.0)
    columns = {k: COLUMNS[k] for k in ("age", "kids", "plan", "active")}
    frame = make_synthetic(600, columns=columns, target=rule, seed=11)
    frame["city"] = frame["plan"].map({"basic": "Boston", "pro": "Lowell"}).astype("str")
    return frame


def test_smote_balances_numeric_features(imbalanced: pd.DataFrame) -> None:
    numeric = imbalanced[["age", "kids", "target"]]
    counts = numeric["target"].value_counts()
    assert counts[1] < counts[0] / 4
    out = oversample_smote(numeric, target="target", indicator="synthetic")
    assert out["target"].value_counts().to_dict() == {0: counts[0], 1: counts[0]}
    assert out.iloc[: len(numeric)].drop(columns="synthetic").equals(numeric)
    assert (
        not out["synthetic"].iloc[: len(numeric)].any()
        and out["synthetic"].iloc[len(numeric) :].all()
    )
    new = out[out["synthetic"]]
    minority = numeric[numeric["target"] == 1]
    assert new["age"].between(minority["age"].min(), minority["age"].max()).all()
    assert out["kids"].dtype == "int64"
    assert out.equals(oversample_smote(numeric, target="target", indicator="synthetic"))


def test_smote_nc_keeps_categories_and_dtypes(imbalanced: pd.DataFrame) -> None:
    out = oversample_smote(imbalanced, target="target", sampling_strategy=0.5, seed=3)
    counts = out["target"].value_counts()
    assert counts[1] == int(counts[0] * 0.5)
    assert out.dtypes.equals(imbalanced.dtypes)
    assert set(out["plan"].unique()) <= {"basic", "pro"}
    assert set(out["city"].unique()) <= {"Boston", "Lowell"}
    assert out["active"].dtype == "bool"


def test_smote_n_for_categorical_only_and_text_labels(imbalanced: pd.DataFrame) -> None:
    frame = imbalanced[["plan", "city", "active"]].assign(
        label=imbalanced["target"].map({0: "stay", 1: "leave"}).astype("str")
    )
    out = oversample_smote(frame, target="label", sampling_strategy={"leave": 100})
    assert out["label"].value_counts()["leave"] == 100
    assert out["label"].dtype == frame["label"].dtype


def test_smote_many_classes_and_chosen_categorical_columns() -> None:
    frame = make_synthetic(
        300,
        columns={"x": Normal(), "y": Normal(), "code": Poisson(2)},
        seed=2,
    )
    frame["label"] = np.where(frame["x"] > 1, "high", np.where(frame["x"] < -1.2, "low", "mid"))
    out = oversample_smote(frame, target="label", categorical=["code"])
    assert out["label"].value_counts().nunique() == 1
    assert set(out["code"]) <= set(frame["code"])


def test_nothing_to_add_returns_the_frame() -> None:
    frame = pd.DataFrame({"x": np.arange(20.0), "y": [0, 1] * 10})
    out = oversample_smote(frame, target="y")
    assert out.equals(frame)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"target": "churn"}, "target 'churn' is not a column"),
        (lambda f: f.assign(target=0), {}, "single class"),
        (
            lambda f: f.assign(target=f["target"].astype(float).where(f.index > 0)),
            {},
            "missing values",
        ),
        (lambda f: f.assign(age=f["age"].where(f.index > 0)), {}, "impute or drop them first"),
        (lambda f: f.assign(day=pd.Timestamp("2024-01-01")), {}, "cannot interpolate"),
        (lambda f: f[["target"]], {}, "at least one feature"),
        (None, {"k_neighbors": 0}, "k_neighbors must be an integer >= 1"),
        (None, {"k_neighbors": 500}, "too few rows to oversample: class 1 has"),
        (None, {"indicator": "age"}, "exists already"),
        (None, {"categorical": ["nope"]}, "not features"),
        (None, {"sampling_strategy": 0.01}, "sampling_strategy 0.01"),
        (None, {"sampling_strategy": "most"}, "sampling_strategy 'most'"),
        (lambda f: f["age"], {}, "expected a DataFrame"),
    ],
)
def test_smote_refuses_bad_input(
    imbalanced: pd.DataFrame, change: Any, kwargs: dict[str, Any], message: str
) -> None:
    frame = change(imbalanced) if change else imbalanced
    arguments = {"target": "target", **kwargs}
    with pytest.raises(InvalidValueError, match=message):
        oversample_smote(frame, **arguments)


def test_too_few_minority_rows_names_the_class() -> None:
    frame = pd.DataFrame({"x": np.arange(13.0), "y": ["a"] * 10 + ["rare"] * 3})
    with pytest.raises(InvalidValueError, match=r"class 'rare' has 3.*at least 6 rows"):
        oversample_smote(frame, target="y")
    assert oversample_smote(frame, target="y", k_neighbors=2)["y"].value_counts()["rare"] == 10
