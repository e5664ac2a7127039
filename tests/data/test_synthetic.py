"""Synthetic tables (make_synthetic)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import (
    Boolean,
    Categorical,
    Dates,
    LinearTarget,
    LogisticTarget,
    LogNormal,
    Normal,
    Poisson,
    Uniform,
    make_synthetic,
)

COLUMNS = {
    "age": Normal(40, 10),
    "score": Uniform(1, 2),
    "income": LogNormal(10, 0.5),
    "kids": Poisson(1.5),
    "plan": Categorical({"basic": 0.7, "pro": 0.3}),
    "active": Boolean(0.25),
    "joined": Dates("2024-01-01", "2025-01-01"),
}


def test_each_distribution_has_its_shape_and_dtype() -> None:
    frame = make_synthetic(20_000, columns=COLUMNS, seed=1)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["age"].mean() == pytest.approx(40, abs=0.3)
    assert frame["age"].std() == pytest.approx(10, abs=0.3)
    assert frame["score"].between(1, 2).all()
    assert (frame["income"] > 0).all()
    assert np.log(frame["income"]).mean() == pytest.approx(10, abs=0.02)
    assert frame["kids"].dtype == "int64" and frame["kids"].mean() == pytest.approx(1.5, abs=0.05)
    assert list(frame["plan"].cat.categories) == ["basic", "pro"]
    assert (frame["plan"] == "pro").mean() == pytest.approx(0.3, abs=0.015)
    assert frame["active"].dtype == "bool" and frame["active"].mean() == pytest.approx(
        0.25, abs=0.015
    )
    assert pd.api.types.is_datetime64_any_dtype(frame["joined"])
    assert frame["joined"].min() >= pd.Timestamp("2024-01-01")
    assert frame["joined"].max() < pd.Timestamp("2025-01-01")
    assert frame.notna().all().all()


def test_missing_rates_and_nullable_dtypes() -> None:
    columns = {name: type(d)(**{**vars(d), "missing": 0.2}) for name, d in COLUMNS.items()}
    frame = make_synthetic(10_000, columns=columns, seed=2)
    for name in columns:
        assert frame[name].isna().mean() == pytest.approx(0.2, abs=0.02), name
    assert frame["kids"].dtype == "Int64" and frame["active"].dtype == "boolean"


def test_same_seed_same_table_and_columns_are_independent() -> None:
    first = make_synthetic(500, columns=COLUMNS, seed=7)
    assert first.equals(make_synthetic(500, columns=COLUMNS, seed=7))
    assert not first["age"].equals(make_synthetic(500, columns=COLUMNS, seed=8)["age"])
    fewer = make_synthetic(500, columns={"plan": COLUMNS["plan"], "age": COLUMNS["age"]}, seed=7)
    assert fewer["age"].equals(first["age"]) and fewer["plan"].equals(first["plan"])


def test_logistic_target_follows_its_rule() -> None:
    rule = LogisticTarget({"age": 0.1, "plan=pro": 2.0, "active": 1.0}, intercept=-5.0)
    frame = make_synthetic(20_000, columns=COLUMNS, target=rule, seed=3)
    assert set(frame["target"].unique()) == {0, 1}
    older = frame["age"] > 50
    assert frame.loc[older, "target"].mean() > frame.loc[~older, "target"].mean() + 0.2
    pro = frame["plan"] == "pro"
    assert frame.loc[pro, "target"].mean() > frame.loc[~pro, "target"].mean() + 0.2
    rare = LogisticTarget({"age": 0.0}, intercept=-4.0, name="churned")
    churned = make_synthetic(20_000, columns=COLUMNS, target=rare, seed=3)["churned"]
    assert churned.mean() == pytest.approx(1 / (1 + np.exp(4)), abs=0.005)


def test_linear_target_recovers_its_weights() -> None:
    rule = LinearTarget({"age": 2.0, "plan=pro": -3.0}, intercept=5.0, noise=0.5, name="y")
    frame = make_synthetic(5_000, columns=COLUMNS, target=rule, seed=4)
    design = np.column_stack([np.ones(len(frame)), frame["age"], frame["plan"] == "pro"])
    coefficients, *_ = np.linalg.lstsq(design.astype(float), frame["y"], rcond=None)
    assert coefficients == pytest.approx([5.0, 2.0, -3.0], abs=0.1)


def test_target_is_made_before_values_go_missing() -> None:
    rule = LogisticTarget({"age": 0.05}, intercept=-2.0)
    complete = make_synthetic(1_000, columns={"age": Normal(40, 10)}, target=rule, seed=5)
    holes = make_synthetic(1_000, columns={"age": Normal(40, 10, missing=0.5)}, target=rule, seed=5)
    assert holes["age"].isna().any() and holes["target"].notna().all()
    assert holes["target"].equals(complete["target"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Normal(0, -1), "std must be >= 0"),
        (lambda: Normal(float("nan")), "mean must be a finite number"),
        (lambda: Uniform(2, 1), "low < high"),
        (lambda: LogNormal(0, -1), "sigma must be >= 0"),
        (lambda: Poisson(-1), "lam must be >= 0"),
        (lambda: Categorical({"a": 0.5, "b": 0.4}), "add up to 1, they add up to 0.9"),
        (lambda: Categorical({"a": 1.5, "b": -0.5}), "numbers >= 0"),
        (lambda: Categorical({}), "non-empty mapping"),
        (lambda: Boolean(1.5), "p must be in"),
        (lambda: Dates("2025-01-01", "2024-01-01"), "start must come before end"),
        (lambda: Dates("not a date", "2024-01-01"), "must be dates"),
        (lambda: Dates("2024-01-01", "2025-01-01", missing=1.0), "missing must be a rate"),
        (lambda: Normal(missing=-0.1), "missing must be a rate"),
    ],
)
def test_bad_distributions_are_refused(make: Any, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_rows": 0}, "n_rows must be a positive integer"),
        ({"n_rows": 2.5}, "n_rows must be a positive integer"),
        ({"columns": {}}, "non-empty mapping"),
        ({"columns": {"x": "normal"}}, "expected a distribution"),
        ({"seed": -1}, "seed must be an integer"),
        ({"target": LogisticTarget({"age": 1.0}, name="age")}, "also a column"),
        ({"target": LogisticTarget({"height": 1.0})}, "'height' names no column"),
        ({"target": LogisticTarget({"plan=gold": 1.0})}, "has no label 'gold'"),
        ({"target": LogisticTarget({"age=3": 1.0})}, "is for categorical columns"),
        ({"target": LogisticTarget({"joined": 1.0})}, "dates cannot be weighed"),
        ({"target": LinearTarget({"age": 1.0}, noise=-1)}, "noise must be >= 0"),
        ({"target": "age > 3"}, "target must be a rule"),
    ],
)
def test_bad_tables_are_refused(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"n_rows": 10, "columns": COLUMNS, **kwargs}
    n_rows = arguments.pop("n_rows")
    with pytest.raises(InvalidValueError, match=message):
        make_synthetic(n_rows, **arguments)
