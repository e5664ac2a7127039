"""Outliers: IQR and z-score bounds learned once (clip or drop), isolation forest (drop)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import ClipOutliers, DropOutliers


@pytest.fixture
def spiky() -> pd.DataFrame:
    values = [float(v) for v in range(1, 21)]
    return pd.DataFrame(
        {"x": [*values[:-1], 1000.0], "y": [float(v % 5) for v in range(20)], "name": ["n"] * 20}
    )


def test_iqr_bounds_are_tukeys_fences(spiky: pd.DataFrame) -> None:
    step = ClipOutliers(["x"], method="iqr").fit(spiky)
    q1, q3 = np.quantile(spiky["x"], [0.25, 0.75])
    assert step.lower_["x"] == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert step.upper_["x"] == pytest.approx(q3 + 1.5 * (q3 - q1))
    out = step.transform(spiky)
    assert out["x"].iloc[-1] == pytest.approx(step.upper_["x"])
    assert out["x"].iloc[:-1].tolist() == spiky["x"].iloc[:-1].tolist()
    assert step.count_clipped(spiky) == {"x": 1}


def test_clip_uses_training_bounds_at_serving(spiky: pd.DataFrame) -> None:
    step = ClipOutliers(["x"], method="zscore", threshold=2.0).fit(spiky)
    serving = step.transform(pd.DataFrame({"x": [-1e9, 5.0], "y": [0.0, 0.0], "name": "n"}))
    assert serving["x"].tolist() == [pytest.approx(step.lower_["x"]), 5.0]


def test_missing_values_are_not_outliers(spiky: pd.DataFrame) -> None:
    frame = spiky.assign(x=spiky["x"].where(spiky.index != 3))
    assert ClipOutliers(["x"]).fit_transform(frame)["x"].isna().sum() == 1
    kept, _ = DropOutliers(["x"]).fit_resample(frame)
    assert 3 in kept.index and 19 not in kept.index


def test_drop_with_iqr_and_zscore(spiky: pd.DataFrame) -> None:
    for method in ("iqr", "zscore"):
        step = DropOutliers(method=method)
        kept, _ = step.fit_resample(spiky)
        assert step.columns_ == ["x", "y"]  # numeric by default, text left alone
        assert list(kept.index) == list(range(19)), method
        assert step.rows_dropped_ == 1


def test_isolation_forest_drops_the_planted_outlier_reproducibly() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    frame.loc[50] = [8.0, -8.0, 8.0]
    first, _ = DropOutliers(method="isolation_forest", contamination=0.01).fit_resample(frame)
    again, _ = DropOutliers(method="isolation_forest", contamination=0.01).fit_resample(frame)
    assert 50 not in first.index
    assert list(first.index) == list(again.index)


def test_a_constant_column_has_no_z_score(spiky: pd.DataFrame) -> None:
    frame = spiky.assign(flat=3.0)
    with pytest.raises(InvalidValueError, match=r"'flat' is constant \(standard deviation 0\)"):
        ClipOutliers(["x", "flat"], method="zscore").fit(frame)
    with pytest.raises(InvalidValueError, match="constant"):
        DropOutliers(["flat"], method="zscore").fit_resample(frame)


def test_bad_input(spiky: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="'method' parameter of ClipOutliers"):
        ClipOutliers(method="isolation_forest").fit(spiky)
    with pytest.raises(InvalidValueError, match=r"needs numeric columns.*name"):
        ClipOutliers(["name"]).fit(spiky)
    with pytest.raises(InvalidValueError, match="unknown columns"):
        DropOutliers(["nope"]).fit_resample(spiky)
    with pytest.raises(InvalidValueError, match="lacks columns"):
        ClipOutliers(["x"]).fit(spiky).transform(spiky.drop(columns="x"))
