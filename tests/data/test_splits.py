"""Splits: the pure split_frame and the recorded split_dataset (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopml.core import InvalidValueError, NotFoundError
from loopml.data import (
    Categorical,
    Normal,
    Poisson,
    get_dataset,
    list_datasets,
    load_dataset,
    log_dataset,
    make_synthetic,
    split_dataset,
    split_frame,
)
from loopml.store import Stores


@pytest.fixture
def customers() -> pd.DataFrame:
    frame = make_synthetic(
        1_000,
        columns={
            "spend": Normal(100, 20),
            "visits": Poisson(3),
            "churned": Categorical({"no": 0.8, "yes": 0.2}),
            "region": Categorical({"north": 0.5, "south": 0.3, "west": 0.2}),
        },
        seed=1,
    )
    frame["customer"] = np.arange(len(frame)) // 4  # 4 rows per customer
    frame["id"] = np.arange(len(frame))
    frame["month"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["id"] // 50 * 31, unit="D")
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def _ids(part: pd.DataFrame | None) -> set[int]:
    assert part is not None
    return set(part["id"])


def test_random_split_partitions_the_rows(customers: pd.DataFrame) -> None:
    train, validation, test = split_frame(customers, seed=3)
    assert validation is not None
    assert (len(train), len(validation), len(test)) == (700, 150, 150)
    assert _ids(train) | _ids(validation) | _ids(test) == set(customers["id"])
    assert not (_ids(train) & _ids(validation)) and not (_ids(train) & _ids(test))
    position = {row_id: i for i, row_id in enumerate(customers["id"])}
    assert train["id"].map(position).is_monotonic_increasing  # original order kept
    assert isinstance(train.index, pd.RangeIndex)
    again = split_frame(customers, seed=3)
    assert all(a.equals(b) for a, b in zip(again, (train, validation, test), strict=True))
    assert not split_frame(customers, seed=4).train.equals(train)


def test_two_ratios_make_train_and_test(customers: pd.DataFrame) -> None:
    parts = split_frame(customers, ratios=(0.8, 0.2))
    assert parts.validation is None and (len(parts.train), len(parts.test)) == (800, 200)


def test_stratified_split_keeps_the_class_balance(customers: pd.DataFrame) -> None:
    parts = split_frame(customers, strategy="stratified", stratify_by="churned", seed=5)
    overall = (customers["churned"] == "yes").mean()
    for part in parts:
        assert part is not None
        assert (part["churned"] == "yes").mean() == pytest.approx(overall, abs=0.01)


def test_grouped_split_keeps_groups_whole(customers: pd.DataFrame) -> None:
    parts = split_frame(customers, strategy="grouped", group_by="customer", seed=2)
    groups = [set(p["customer"]) for p in parts if p is not None]
    assert (
        not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    )
    sizes = [len(p) for p in parts if p is not None]
    # Whole customers of 4 rows each: every part within one customer of its share.
    assert all(abs(n - r * 1000) <= 4 for n, r in zip(sizes, (0.7, 0.15, 0.15), strict=True))


def test_grouped_split_fills_every_part_with_few_groups() -> None:
    frame = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["d"] * 10, "x": range(40)})
    for seed in range(10):
        parts = split_frame(frame, strategy="grouped", group_by="g", seed=seed)
        assert all(p is not None and len(p) > 0 for p in parts)


def test_time_split_puts_the_latest_rows_last(customers: pd.DataFrame) -> None:
    train, validation, test = split_frame(customers, strategy="time", time_by="month")
    assert validation is not None
    assert train["month"].max() < validation["month"].min()
    assert validation["month"].max() < test["month"].min()
    assert train["month"].is_monotonic_increasing and test["month"].is_monotonic_increasing
    assert (len(train), len(validation), len(test)) == (700, 150, 150)


def test_time_split_moves_a_cut_instead_of_splitting_a_time() -> None:
    years = [2015] * 69 + [2016] * 69 + [2017] * 70 + [2018] * 70
    frame = pd.DataFrame({"year": years, "x": range(len(years))})
    train, validation, test = split_frame(frame, strategy="time", time_by="year")
    assert validation is not None
    assert set(train["year"]) == {2015, 2016}
    assert set(validation["year"]) == {2017} and set(test["year"]) == {2018}


def test_ids_may_not_span_parts(customers: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"values of 'customer' would appear in more"):
        split_frame(customers, id_column="customer")
    parts = split_frame(customers, strategy="grouped", group_by="customer", id_column="customer")
    assert sum(len(p) for p in parts if p is not None) == len(customers)
    split_frame(customers, id_column="id")  # unique ids: fine


def test_a_named_index_stays_with_its_rows(customers: pd.DataFrame) -> None:
    indexed = customers.set_index("id")
    train = split_frame(indexed, seed=1).train
    assert train.index.name == "id"
    assert train.equals(indexed.loc[train.index])


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(3, 200),
    n_groups=st.integers(3, 30),
    seed=st.integers(0, 2**32),
    strategy=st.sampled_from(["random", "grouped", "time"]),
)
def test_every_split_is_a_partition(n_rows: int, n_groups: int, seed: int, strategy: str) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"g": rng.integers(0, n_groups, n_rows), "row": np.arange(n_rows)})
    option: dict[str, Any] = {"grouped": {"group_by": "g"}, "time": {"time_by": "g"}}.get(
        strategy, {}
    )
    try:
        parts = split_frame(frame, strategy=strategy, seed=seed, **option)  # type: ignore[arg-type]
    except InvalidValueError as exc:  # too few groups or distinct times for three parts
        assert frame["g"].nunique() < 3, exc
        return
    rows = [set(p["row"]) for p in parts if p is not None]
    assert all(rows) and sum(map(len, rows)) == n_rows and set.union(*rows) == set(range(n_rows))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratios": (0.7, 0.2, 0.2)}, "add up to 1"),
        ({"ratios": (1.2, -0.1, -0.1)}, "every ratio must be a number > 0"),
        ({"ratios": (1.0, 0.0, 0.0)}, "every ratio must be a number > 0"),
        ({"ratios": (0.25,) * 4}, "2 numbers"),
        ({"ratios": "0.7,0.3"}, "2 numbers"),
        ({"strategy": "kfold"}, "strategy must be one of"),
        ({"strategy": "stratified"}, "needs a stratify_by column"),
        ({"strategy": "stratified", "stratify_by": "churn"}, "stratify_by 'churn' is not a column"),
        ({"strategy": "stratified", "stratify_by": "id"}, "classes have fewer rows than the 3"),
        ({"stratify_by": "churned"}, "stratify_by is used only with strategy='stratified'"),
        ({"strategy": "time", "time_by": "month", "group_by": "g"}, "group_by is used only"),
        ({"strategy": "grouped"}, "needs a group_by column"),
        ({"id_column": "ident"}, "id_column 'ident' is not a column"),
        ({"seed": -2}, "seed must be an integer >= 0"),
    ],
)
def test_bad_splits_are_refused(
    customers: pd.DataFrame, kwargs: dict[str, Any], message: str
) -> None:
    frame = customers.head(200)
    with pytest.raises(InvalidValueError, match=message):
        split_frame(frame, **kwargs)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (pd.DataFrame({"x": [1, 2]}), {}, "2 rows cannot be split into 3"),
        (pd.DataFrame({"g": [1, 1, 2, 2]}), {"strategy": "grouped", "group_by": "g"}, "2 groups"),
        (
            pd.DataFrame({"g": [1, None, 2, 3]}),
            {"strategy": "grouped", "group_by": "g"},
            "missing values; every row needs a group",
        ),
        (
            pd.DataFrame({"t": [1, None, 2, 3]}),
            {"strategy": "time", "time_by": "t"},
            "missing values; every row needs a time",
        ),
        (
            pd.DataFrame({"t": [2015, 2015, 2016, 2016]}),
            {"strategy": "time", "time_by": "t"},
            "'t' has 2 distinct values; 3 parts need at least as many",
        ),
        ([1, 2, 3], {}, "expected a DataFrame"),
    ],
)
def test_bad_frames_are_refused(frame: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        split_frame(frame, **kwargs)


# --- recorded splits -----------------------------------------------------------------------------


def test_split_dataset_records_the_parts(stores: Stores, customers: pd.DataFrame) -> None:
    source = log_dataset(customers, name="customers")
    split = split_dataset(source, strategy="stratified", stratify_by="churned", seed=9)
    assert [v.dataset for v in split.parts.values()] == [
        "customers.train",
        "customers.validation",
        "customers.test",
    ]
    for part, version in split.parts.items():
        assert version.parents == [source.id]
        assert version.source == {
            "kind": "split",
            "strategy": "stratified",
            "seed": 9,
            "ratios": [0.7, 0.15, 0.15],
            "of": "datasets:/customers/1",
            "stratify_by": "churned",
            "part": part,
        }
        assert get_dataset(version.dataset, version.version).id == version.id
    expected = split_frame(customers, strategy="stratified", stratify_by="churned", seed=9)
    loaded = split.load()
    for got, want in zip(loaded, expected, strict=True):
        assert got is not None and want is not None
        pd.testing.assert_frame_equal(got, want)
    assert split.class_counts["test"] == {
        "no": int((expected.test["churned"] == "no").sum()),
        "yes": int((expected.test["churned"] == "yes").sum()),
    }
    again = split_dataset("customers", strategy="stratified", stratify_by="churned", seed=9)
    assert {p: v.id for p, v in again.parts.items()} == {p: v.id for p, v in split.parts.items()}


def test_split_a_frame_logs_it_first(stores: Stores, customers: pd.DataFrame) -> None:
    split = split_dataset(
        customers, name="shop", strategy="time", time_by="month", ratios=(0.8, 0.2)
    )
    assert split.source.dataset == "shop" and split.source.source == {"kind": "dataframe"}
    assert split.validation is None and set(split.parts) == {"train", "test"}
    assert split.test.source["time_by"] == "month" and split.test.parents == [split.source.id]
    assert load_dataset(split.source).equals(customers)
    assert sorted(v.dataset for v in list_datasets()) == ["shop", "shop.test", "shop.train"]


def test_split_under_another_name(stores: Stores, customers: pd.DataFrame) -> None:
    log_dataset(customers, name="customers")
    split = split_dataset("customers", name="exp1", strategy="grouped", group_by="customer")
    assert split.train.dataset == "exp1.train" and split.train.source["group_by"] == "customer"


def test_bad_input_records_nothing(stores: Stores, customers: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="name= is required"):
        split_dataset(customers)
    with pytest.raises(InvalidValueError, match="would appear in more than one part"):
        split_dataset(customers, name="shop", id_column="customer")
    with pytest.raises(InvalidValueError, match="dataset name"):
        split_dataset(customers, name="x" * 125)
    with pytest.raises(InvalidValueError, match="takes a DatasetVersion"):
        split_dataset(42)  # type: ignore[arg-type]
    assert list_datasets() == []
    source = log_dataset(customers, name="customers")
    with pytest.raises(InvalidValueError, match="add up to 1"):
        split_dataset(source, ratios=(0.5, 0.4))
    with pytest.raises(NotFoundError, match="dataset 'customer' not found"):
        split_dataset("customer")
    assert [v.dataset for v in list_datasets()] == ["customers"]
