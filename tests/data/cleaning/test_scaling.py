"""Scaling: the same numbers as scikit-learn's scalers, on the chosen columns only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from loopml.core import InvalidValueError
from loopml.data import ScaleNumeric

SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}


@pytest.fixture
def numbers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(10, 3, 50),
            "b": rng.integers(0, 100, 50),
            "flag": rng.random(50) < 0.5,
            "name": ["x"] * 50,
        }
    )


@pytest.mark.parametrize("method", list(SCALERS))
def test_matches_scikit_learn(numbers: pd.DataFrame, method: str) -> None:
    out = ScaleNumeric(method=method).fit_transform(numbers)
    expected = SCALERS[method]().fit_transform(numbers[["a", "b"]].astype(float))
    np.testing.assert_allclose(out[["a", "b"]].to_numpy(), expected)
    assert out["flag"].equals(numbers["flag"])  # booleans are not numbers to scale
    assert out["name"].equals(numbers["name"])


def test_missing_values_stay_missing_and_serving_uses_training_stats(
    numbers: pd.DataFrame,
) -> None:
    step = ScaleNumeric(["a"]).fit(numbers)
    row = numbers.iloc[[0]].assign(a=np.nan)
    assert np.isnan(step.transform(row)["a"].iloc[0])
    single = step.transform(numbers.iloc[[3]])["a"].iloc[0]
    assert single == pytest.approx(step.transform(numbers)["a"].iloc[3])


def test_bad_input(numbers: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="'method' parameter of ScaleNumeric"):
        ScaleNumeric(method="zscore").fit(numbers)
    with pytest.raises(InvalidValueError, match=r"needs numeric columns.*name"):
        ScaleNumeric(["name"]).fit(numbers)
    with pytest.raises(InvalidValueError, match="lacks columns"):
        ScaleNumeric().fit(numbers).transform(numbers.drop(columns="b"))
