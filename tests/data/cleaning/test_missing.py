"""Missing values: dropping rows and columns over a threshold, imputing with indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import KNNImputer

from loopml.core import InvalidValueError
from loopml.data import DropMissingColumns, DropMissingRows, ImputeMissing


@pytest.fixture
def gappy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0],
            "b": [10.0, 20.0, np.nan, 40.0, np.nan, 60.0],
            "mostly_empty": [np.nan, np.nan, np.nan, np.nan, 1.0, np.nan],
            "city": pd.array(["x", "y", "x", None, "x", "y"], dtype="str"),
        }
    )


def test_drop_rows_with_any_missing_value(gappy: pd.DataFrame) -> None:
    kept, _ = DropMissingRows(["a", "b"]).fit_resample(gappy)
    assert list(kept.index) == [0, 3, 5]


def test_drop_rows_over_a_threshold_keeps_rows_at_it(gappy: pd.DataFrame) -> None:
    step = DropMissingRows(["a", "b"], threshold=0.5)
    kept, _ = step.fit_resample(gappy)
    assert list(kept.index) == [0, 1, 2, 3, 5]  # row 4 misses both: 1.0 > 0.5
    assert (step.rows_dropped_, step.rows_added_) == (1, 0)


def test_drop_rows_keeps_the_target_aligned(gappy: pd.DataFrame) -> None:
    y = pd.Series([0, 1, 0, 1, 0, 1], name="t")
    kept, target = DropMissingRows(["a"]).fit_resample(gappy, y)
    assert target is not None and list(target) == [0, 0, 1, 1]
    assert list(target.index) == list(kept.index)


def test_drop_columns_over_a_threshold_at_fit_and_serving(gappy: pd.DataFrame) -> None:
    step = DropMissingColumns(threshold=0.5).fit(gappy)
    assert step.dropped_columns_ == ["mostly_empty"]
    row = pd.DataFrame({"a": [1.0], "b": [2.0], "mostly_empty": [5.0], "city": ["x"]})
    assert list(step.transform(row).columns) == ["a", "b", "city"]
    assert list(step.get_feature_names_out()) == ["a", "b", "city"]


@pytest.mark.parametrize(
    ("strategy", "expected_a"), [("mean", 3.5), ("median", 3.5), ("constant", 0.0)]
)
def test_impute_numbers(gappy: pd.DataFrame, strategy: str, expected_a: float) -> None:
    out = ImputeMissing(["a"], strategy=strategy).fit_transform(gappy)
    assert out["a"].tolist() == [1.0, expected_a, 3.0, 4.0, expected_a, 6.0]
    assert out["b"].isna().sum() == 2  # other columns untouched


def test_default_columns_are_the_numeric_ones_and_text_keeps_its_type(gappy: pd.DataFrame) -> None:
    numbers = ImputeMissing(strategy="median").fit(gappy.drop(columns="mostly_empty"))
    assert numbers.columns_ == ["a", "b"]
    text = ImputeMissing(["city"], strategy="most_frequent").fit_transform(gappy)
    assert text["city"].tolist() == ["x", "y", "x", "x", "x", "y"]
    assert text["city"].dtype == gappy["city"].dtype


def test_constant_text_fill(gappy: pd.DataFrame) -> None:
    out = ImputeMissing(["city"], strategy="constant", fill_value="unknown").fit_transform(gappy)
    assert out.loc[3, "city"] == "unknown"


def test_indicator_columns_for_columns_that_had_gaps(gappy: pd.DataFrame) -> None:
    frame = gappy.assign(full=1.0)
    step = ImputeMissing(["a", "full"], strategy="median", indicator=True).fit(frame)
    out = step.transform(frame)
    assert list(out.columns) == [*frame.columns, "a_missing"]  # "full" had no gaps: no flag
    assert out["a_missing"].dtype == bool
    assert out["a_missing"].tolist() == [False, True, False, False, True, False]
    assert list(step.get_feature_names_out()) == list(out.columns)
    serving = step.transform(frame.iloc[[0]])
    assert list(serving.columns) == list(out.columns)  # the same columns for one row


def test_knn_matches_scikit_learn(gappy: pd.DataFrame) -> None:
    numbers = gappy[["a", "b"]]
    out = ImputeMissing(strategy="knn", n_neighbors=2).fit_transform(numbers)
    expected = KNNImputer(n_neighbors=2).fit_transform(numbers)
    np.testing.assert_allclose(out.to_numpy(), expected)


def test_nullable_integers_are_imputed() -> None:
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")})
    assert ImputeMissing(strategy="mean").fit_transform(frame)["n"].tolist() == [1.0, 2.0, 3.0]


def test_a_strategy_that_does_not_exist(gappy: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="'strategy' parameter of ImputeMissing"):
        ImputeMissing(strategy="mode").fit(gappy)


def test_unknown_columns_are_all_named(gappy: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"unknown columns \['nope', 'gone'\]"):
        ImputeMissing(["a", "nope", "gone"]).fit(gappy)
    with pytest.raises(InvalidValueError, match="unknown columns"):
        DropMissingRows(["nope"]).fit_resample(gappy)


def test_median_of_text_is_refused(gappy: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"needs numeric columns.*city"):
        ImputeMissing(["city"], strategy="median").fit(gappy)


def test_a_column_with_no_values_is_refused(gappy: pd.DataFrame) -> None:
    frame = gappy.assign(empty=np.nan)
    with pytest.raises(InvalidValueError, match=r"\['empty'\] have no values"):
        ImputeMissing(["a", "empty"], strategy="mean").fit(frame)


def test_transform_without_a_column_fit_saw(gappy: pd.DataFrame) -> None:
    step = ImputeMissing(["a", "b"]).fit(gappy)
    with pytest.raises(InvalidValueError, match=r"lacks columns \['b'\]"):
        step.transform(gappy.drop(columns="b"))


def test_bad_thresholds_and_input(gappy: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="threshold"):
        DropMissingColumns(threshold=1.5).fit(gappy)
    with pytest.raises(InvalidValueError, match="takes a pandas DataFrame"):
        DropMissingRows().fit_resample(gappy.to_numpy())
