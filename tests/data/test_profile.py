"""profile_dataset: statistics equal pandas/numpy, every kind of input, bad input, JSON.

Definitions checked against pandas: std with ddof=1; skewness and kurtosis are pandas' bias-
corrected estimators (``Series.skew``, ``Series.kurt``, excess kurtosis); quantiles use linear
interpolation (numpy's default ``method="linear"``, pandas' default); NaN is missing; infinities
are present but left out of moments, quantiles and histograms.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loopml.core import InvalidValueError, NotFoundError
from loopml.data import (
    ColumnKind,
    Profile,
    TargetTask,
    log_dataset,
    profile_dataset,
)
from loopml.store import Stores

ROWS = 3000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = pd.DataFrame(
        {
            "price": rng.lognormal(3.0, 0.8, ROWS),
            "count": rng.integers(-20, 400, ROWS),
            "small": rng.integers(0, 6, ROWS),
            "city": rng.choice([f"city_{i:03d}" for i in range(120)], ROWS),
            "member": rng.random(ROWS) < 0.3,
            "seen": pd.date_range("2024-01-01", periods=ROWS, freq="37min"),
            "label": rng.integers(0, 2, ROWS),
        }
    )
    data.loc[rng.random(ROWS) < 0.12, "price"] = np.nan
    data.loc[5, "price"] = np.inf
    data.loc[rng.random(ROWS) < 0.05, "city"] = None
    return data


@pytest.fixture(scope="module")
def profile(frame: pd.DataFrame) -> Profile:
    return profile_dataset(frame, target="label")


def same_statistics(first: Profile, second: Profile) -> bool:
    """Equal up to the last bits of sums added in another order (row groups scanned in
    parallel); everything counted must be identical. The single-feature scores are left out:
    a file's sample is picked by row number, a table's in memory by row content, so their
    halves differ."""
    for a, b in zip(first.columns, second.columns, strict=True):
        if (a.association is None) != (b.association is None):
            return False
        a = dataclasses.replace(a, association=None)
        b = dataclasses.replace(b, association=None)
        if a.numeric is not None and b.numeric is not None:
            for field in ("mean", "std", "skewness", "kurtosis"):
                if getattr(a.numeric, field) != pytest.approx(getattr(b.numeric, field), rel=1e-9):
                    return False
            a = dataclasses.replace(a, numeric=None)
            b = dataclasses.replace(b, numeric=None)
        if a != b:
            return False
    return True


def profile_missing_or_infinite(series: pd.Series) -> int:
    return int(series.isna().sum() + np.isinf(series).sum())


def finite(series: pd.Series) -> pd.Series:
    return series.replace([np.inf, -np.inf], np.nan).dropna()


@pytest.mark.parametrize("name", ["price", "count", "small"])
def test_numeric_statistics_equal_pandas(profile: Profile, frame: pd.DataFrame, name: str) -> None:
    column = profile.column(name)
    values = finite(frame[name].astype("float64"))
    stats = column.numeric
    assert stats is not None
    assert column.kind is ColumnKind.NUMERIC
    assert column.count == ROWS
    assert column.missing == int(frame[name].isna().sum())
    assert column.distinct == frame[name].nunique()
    assert column.distinct_is_exact
    assert stats.min == values.min() and stats.max == values.max()
    assert stats.mean == pytest.approx(values.mean(), rel=1e-12)
    assert stats.std == pytest.approx(values.std(ddof=1), rel=1e-9)
    assert stats.skewness == pytest.approx(values.skew(), rel=1e-7)
    assert stats.kurtosis == pytest.approx(values.kurt(), rel=1e-7)
    assert stats.zeros == int((values == 0).sum())
    assert stats.negatives == int((values < 0).sum())
    expected = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], method="linear")
    assert list(stats.quantiles) == ["5%", "25%", "50%", "75%", "95%"]
    assert list(stats.quantiles.values()) == pytest.approx(list(expected), rel=1e-12)
    assert column.histogram is not None
    counts, _ = np.histogram(values, bins=column.histogram.edges)
    assert column.histogram.counts == counts.tolist()


def test_infinities_are_counted_apart(profile: Profile) -> None:
    stats = profile.column("price").numeric
    assert stats is not None and stats.infinite == 1
    assert sum(profile.column("price").histogram.counts) == profile.column("price").present - 1  # type: ignore[union-attr]


def test_integer_histogram_has_one_bin_per_value(profile: Profile, frame: pd.DataFrame) -> None:
    histogram = profile.column("small").histogram
    assert histogram is not None
    assert histogram.edges == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert histogram.counts == frame["small"].value_counts().sort_index().tolist()


def test_text_statistics_equal_pandas(profile: Profile, frame: pd.DataFrame) -> None:
    column = profile.column("city")
    assert column.kind is ColumnKind.CATEGORICAL
    assert column.missing == int(frame["city"].isna().sum())
    assert column.distinct == frame["city"].nunique() and column.distinct_is_exact
    counts = frame["city"].value_counts()
    assert [v.count for v in column.top_values] == counts.head(20).tolist()
    top_count = counts.iloc[0]
    assert column.top_values[0].value in set(counts[counts == top_count].index)
    lengths = frame["city"].dropna().str.len()
    assert column.text is not None
    assert (column.text.min_length, column.text.max_length) == (lengths.min(), lengths.max())


def test_boolean_and_datetime_columns(profile: Profile, frame: pd.DataFrame) -> None:
    member = profile.column("member")
    assert member.kind is ColumnKind.BOOLEAN
    assert {v.value: v.count for v in member.top_values} == {
        True: int(frame["member"].sum()),
        False: int((~frame["member"]).sum()),
    }
    seen = profile.column("seen")
    assert seen.kind is ColumnKind.DATETIME
    assert seen.datetime_min is not None and seen.datetime_min.startswith("2024-01-01 00:00")
    assert seen.histogram is not None and sum(seen.histogram.counts) == ROWS


def test_correlations_equal_pandas_pairwise(profile: Profile, frame: pd.DataFrame) -> None:
    correlations = profile.correlations
    assert correlations is not None
    assert correlations.columns == ["price", "count", "small", "label"]
    numbers = frame[["price", "count", "small", "label"]].replace([np.inf], np.nan)
    expected = numbers.astype("float64").corr().to_numpy()
    assert np.allclose(np.array(correlations.matrix, dtype=float), expected, atol=1e-12)


def test_feature_against_binary_target_counts_every_row(
    profile: Profile, frame: pd.DataFrame
) -> None:
    assert profile.target is not None
    assert profile.target.task is TargetTask.BINARY
    assert profile.target.classes == ["0", "1"] and profile.target.positive_class == "1"
    breakdown = profile.column("city").target
    assert breakdown is not None
    assert sum(breakdown.counts) == ROWS
    assert breakdown.labels[-2:] == ["(other)", "(missing)"]
    top = profile.column("city").top_values[0].value
    expected = frame.loc[frame["city"] == top, "label"].value_counts().sort_index().tolist()
    assert breakdown.class_counts[0] == expected
    small = profile.column("small").target
    assert small is not None
    assert small.class_counts == pd.crosstab(frame["small"], frame["label"]).to_numpy().tolist()


def test_regression_target_means_per_bin(frame: pd.DataFrame) -> None:
    result = profile_dataset(frame, target="count")
    assert result.target is not None and result.target.task is TargetTask.REGRESSION
    breakdown = result.column("small").target
    assert breakdown is not None
    expected = frame.groupby("small")["count"].mean().tolist()
    assert breakdown.target_means == pytest.approx(expected, rel=1e-12)


def test_multiclass_target() -> None:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(size=900), "grade": rng.choice(list("abc"), 900)})
    result = profile_dataset(data, target="grade")
    assert result.target is not None and result.target.task is TargetTask.MULTICLASS
    assert result.target.classes == ["a", "b", "c"]
    breakdown = result.column("x").target
    assert breakdown is not None and len(breakdown.class_counts[0]) == 3
    assert result.column("x").association is not None


def test_duplicates_are_counted_with_examples() -> None:
    data = pd.DataFrame({"a": [1, 2, 1, 1, 3, 2], "b": ["x", "y", "x", "x", "z", "y"]})
    result = profile_dataset(data)
    assert result.duplicates.duplicate_rows == int(data.duplicated().sum()) == 3
    assert result.duplicates.distinct_rows == 3
    assert [(e.count, e.row) for e in result.duplicates.examples] == [
        (3, {"a": 1, "b": "x"}),
        (2, {"a": 2, "b": "y"}),
    ]


def test_large_table_uses_a_sample_for_quantiles_only(frame: pd.DataFrame) -> None:
    result = profile_dataset(frame, target="label", sample_rows=500)
    assert not result.sample.is_full
    assert 300 < result.sample.rows < 700
    assert "quantiles" in result.sample.used_for
    price = result.column("price").numeric
    exact = finite(frame["price"])
    assert price is not None
    assert price.mean == pytest.approx(exact.mean(), rel=1e-12)  # still every row
    assert price.quantiles["50%"] == pytest.approx(exact.median(), rel=0.1)
    histogram = result.column("price").histogram  # binned in SQL: not counted value by value
    assert histogram is not None and not result.column("price").distinct_is_exact
    assert histogram.counts == np.histogram(exact, bins=histogram.edges)[0].tolist()
    breakdown = result.column("price").target
    assert breakdown is not None and breakdown.labels[-1] == "(missing)"
    assert breakdown.counts[-1] == profile_missing_or_infinite(frame["price"])
    again = profile_dataset(frame, target="label", sample_rows=500)
    assert again.sample.rows == result.sample.rows  # the same seed picks the same rows
    assert again.column("price").numeric == price


def test_every_kind_of_input_gives_the_same_statistics(
    frame: pd.DataFrame, profile: Profile, tmp_path: Path
) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    parquet = tmp_path / "data.parquet"
    pq.write_table(table, parquet, row_group_size=700)
    frame[["count", "small", "label"]].to_csv(tmp_path / "data.csv", index=False)
    for data in (table, parquet, str(parquet)):
        other = profile_dataset(data, target="label")
        assert same_statistics(other, profile)
    csv = profile_dataset(tmp_path / "data.csv", target="label")
    assert csv.column("count").histogram == profile.column("count").histogram
    assert csv.column("count").numeric.mean == pytest.approx(profile.column("count").numeric.mean)  # type: ignore[union-attr]
    assert csv.source == {"kind": "file", "path": str(tmp_path / "data.csv")}


def test_dataset_version(stores: Stores, frame: pd.DataFrame, profile: Profile) -> None:
    version = log_dataset(frame, name="people", stores=stores)
    result = profile_dataset(version, target="label", stores=stores)
    assert result.source["uri"] == "datasets:/people/1"
    assert same_statistics(result, profile)
    assert [w.message for w in result.warnings] == [w.message for w in profile.warnings]


def test_empty_table() -> None:
    data = pd.DataFrame({"x": pd.Series([], dtype="float64"), "s": pd.Series([], dtype="str")})
    result = profile_dataset(data)
    assert result.num_rows == 0
    assert result.column("x").numeric is not None and result.column("x").numeric.mean is None
    assert result.duplicates.duplicate_rows == 0 and result.warnings == []


def test_awkward_column_names_and_values() -> None:
    data = pd.DataFrame({'we"ird name': [1.0, 2.0, 3.0], "</script>": ["<b>", "a'b", None]})
    result = profile_dataset(data)
    assert result.column('we"ird name').numeric.mean == 2.0  # type: ignore[union-attr]
    assert {v.value for v in result.column("</script>").top_values} == {"<b>", "a'b"}


def test_progress_is_reported(frame: pd.DataFrame) -> None:
    steps: list[tuple[str, int, int]] = []
    profile_dataset(frame, progress=lambda *step: steps.append(step))
    assert steps[0][1] == 0 and steps[-1] == ("done", steps[-1][2], steps[-1][2])
    assert [done for _, done, _ in steps] == sorted(done for _, done, _ in steps)
    assert any(description == "column city" for description, _, _ in steps)


def test_json_round_trip(profile: Profile) -> None:
    data = json.loads(profile.to_json())
    assert data["format_version"] == 1 and data["num_columns"] == 7
    assert data["columns"][0]["numeric"]["quantiles"]["50%"] is not None
    assert Profile.from_dict(data) == profile
    assert "NaN" not in profile.to_json() and "Infinity" not in profile.to_json()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"version": 99, "columns": []}, "format version"),
        ({"format_version": 99, "columns": []}, "format version 99"),
        ({"format_version": 1, "columns": [{"name": "x"}]}, "malformed"),
        ([], "not a loopml profile"),
    ],
)
def test_from_dict_rejects_what_it_cannot_read(data: object, problem: str) -> None:
    with pytest.raises(InvalidValueError, match=problem):
        Profile.from_dict(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"target": "nope"}, NotFoundError, "column 'nope' not found; available: a, when"),
        ({"target": 3}, InvalidValueError, "target must be a column name"),
        ({"target": "when"}, InvalidValueError, "a target must be a number"),
        ({"sample_rows": 0}, InvalidValueError, "sample_rows must be an integer >= 1"),
        ({"sample_rows": True}, InvalidValueError, "sample_rows"),
        ({"memory_limit_mb": 10}, InvalidValueError, "memory_limit_mb must be an integer >= 64"),
        ({"seed": -1}, InvalidValueError, "seed"),
        ({"thresholds": {"skewness": 1}}, InvalidValueError, "WarningThresholds"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    data = pd.DataFrame({"a": [1, 2], "when": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    with pytest.raises(error, match=message):
        profile_dataset(data, **kwargs)  # type: ignore[arg-type]


def test_bad_data(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="not list"):
        profile_dataset([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="file"):
        profile_dataset(tmp_path / "missing.parquet")
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    with pytest.raises(InvalidValueError, match="expected a Parquet"):
        profile_dataset(tmp_path / "data.xlsx")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InvalidValueError, match="cannot profile"):
        profile_dataset(tmp_path / "broken.parquet")
    with pytest.raises(InvalidValueError, match="named by strings"):
        profile_dataset(pd.DataFrame({0: [1], 1: [2]}))
    with pytest.raises(InvalidValueError, match="duplicate column names"):
        profile_dataset(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(InvalidValueError, match="no columns"):
        profile_dataset(pd.DataFrame())
