"""Cleaned dataset versions: lineage, the stored cleaner, verified loads, nothing left on errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.base import BaseEstimator, TransformerMixin

import loopml
from loopml.core import (
    ConflictError,
    IntegrityError,
    InvalidValueError,
    ModelLoadError,
    NotFoundError,
)
from loopml.data import (
    Cleaner,
    ImputeMissing,
    ScaleNumeric,
    TargetEncode,
    clean_dataset,
    list_datasets,
    load_cleaner,
    load_dataset,
    make_cleaner,
)
from loopml.store import Stores
from loopml.store.models import DatasetVersionRow

CONFIG = {
    "target": "churn",
    "datetime": {"parts": ["month", "dayofweek"]},
    "duplicates": True,
    "missing": {"strategy": "median", "indicator": True, "categorical_strategy": "most_frequent"},
    "outliers": {"method": "iqr", "action": "clip"},
    "scale": "standard",
    "augment": {"smote": {"k_neighbors": 3}},
    "encode": {"onehot": ["plan"]},
}


class Passthrough(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A custom step: fine in memory, but not a type a stored cleaner may hold."""

    def fit(self, X: pd.DataFrame, y: Any = None) -> Passthrough:
        self.fitted_ = True
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X.copy()


def test_clean_dataset_logs_a_child_version_with_its_cleaner(
    stores: Stores, customers: pd.DataFrame
) -> None:
    raw = loopml.log_dataset(customers, name="customers")
    cleaned, report = clean_dataset(raw, CONFIG)
    assert cleaned.dataset == "customers-clean" and cleaned.version == 1
    assert cleaned.parents == [raw.id]
    assert cleaned.num_rows == report.rows_out and cleaned.columns == report.columns_out
    source = cleaned.source
    assert source["kind"] == "clean" and source["target"] == "churn"
    assert [s["name"] for s in source["steps"]][0] == "datetime"
    assert stores.artifacts.exists(source["cleaner_digest"])
    assert "loopml.data._cleaning._cleaner.Cleaner" in source["trusted_types"]

    cleaner = load_cleaner("customers-clean")
    data = load_dataset(cleaned)
    served = cleaner.transform(customers.drop(columns="churn").iloc[:20])
    kept = data.drop(columns="churn").iloc[:20]  # the first rows survive: no duplicates there
    pd.testing.assert_frame_equal(served, kept, check_dtype=True)
    assert cleaner.report_ == report


def test_a_cleaner_object_and_a_name(stores: Stores, customers: pd.DataFrame) -> None:
    loopml.log_dataset(customers, name="customers")
    cleaner = make_cleaner(ImputeMissing(strategy="mean"), target="churn")
    cleaned, _ = clean_dataset("customers", cleaner, name="customers-filled", progress=True)
    assert cleaned.uri == "datasets:/customers-filled/1"
    assert load_dataset(cleaned)["income"].notna().all()
    np.testing.assert_allclose(
        load_cleaner(cleaned).transform(customers.drop(columns="churn"))["income"],
        cleaner.transform(customers.drop(columns="churn"))["income"],
    )


def test_cleaning_again_returns_the_same_version(stores: Stores, customers: pd.DataFrame) -> None:
    raw = loopml.log_dataset(customers, name="customers")
    first, _ = clean_dataset(raw, CONFIG)
    again, _ = clean_dataset(raw, CONFIG)
    assert again.id == first.id


def test_same_data_from_other_steps_is_a_conflict(stores: Stores) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})  # no gaps: mean and median give the same data
    raw = loopml.log_dataset(frame, name="full")
    clean_dataset(raw, {"missing": {"strategy": "mean"}})
    with pytest.raises(ConflictError, match="made by other cleaning steps"):
        clean_dataset(raw, {"missing": {"strategy": "median"}})
    assert [v.version for v in loopml.list_dataset_versions("full-clean")] == [1]


def test_bad_input_leaves_nothing_behind(stores: Stores, customers: pd.DataFrame) -> None:
    raw = loopml.log_dataset(customers, name="customers")
    with pytest.raises(InvalidValueError, match="unknown columns"):
        clean_dataset(raw, {"scale": {"method": "standard", "columns": ["wage"]}})
    with pytest.raises(InvalidValueError, match="cleaning config has 1 problem"):
        clean_dataset(raw, {"scale": "zscore"})
    with pytest.raises(InvalidValueError, match="needs the target"):
        clean_dataset(raw, Cleaner([("te", TargetEncode(["plan"]))]))
    with pytest.raises(InvalidValueError, match=r"holds types \['tests.data"):
        clean_dataset(raw, make_cleaner(ScaleNumeric(["age"]), Passthrough(), target="churn"))
    with pytest.raises(InvalidValueError, match="dataset name"):
        clean_dataset(raw, CONFIG, name="bad name!")
    with pytest.raises(NotFoundError):
        clean_dataset("nope", CONFIG)
    assert [d.dataset for d in list_datasets()] == ["customers"]


def test_load_cleaner_refusals(stores: Stores, customers: pd.DataFrame) -> None:
    raw = loopml.log_dataset(customers, name="customers")
    with pytest.raises(InvalidValueError, match="was not made by clean_dataset"):
        load_cleaner(raw)
    cleaned, _ = clean_dataset(raw, {"target": "churn", "scale": "standard"})
    with pytest.raises(NotFoundError):
        load_cleaner("customers-clean", 7)

    with stores.metadata.session(write=True) as session:
        row = session.get(DatasetVersionRow, cleaned.id)
        assert row is not None
        row.source = {**row.source, "trusted_types": [*row.source["trusted_types"], "os.system"]}
    with pytest.raises(ModelLoadError, match="asks to trust"):
        load_cleaner(cleaned.dataset)

    with stores.metadata.session(write=True) as session:
        trusted = [t for t in cleaned.source["trusted_types"] if not t.endswith("ScaleNumeric")]
        session.execute(
            sa.update(DatasetVersionRow)
            .where(DatasetVersionRow.id == cleaned.id)
            .values(source={**cleaned.source, "trusted_types": trusted})
        )
    with pytest.raises(ModelLoadError, match="not recorded"):
        load_cleaner(cleaned.dataset)


def test_a_corrupted_cleaner_is_refused(stores: Stores, customers: pd.DataFrame) -> None:
    raw = loopml.log_dataset(customers, name="customers")
    cleaned, _ = clean_dataset(raw, {"target": "churn", "scale": "standard"})
    digest = cleaned.source["cleaner_digest"]
    path = stores.artifacts._object_path(digest)
    with open(path, "r+b") as blob:
        blob.seek(100)
        blob.write(b"\x00\x01\x02")
    with pytest.raises(IntegrityError):
        load_cleaner(cleaned)
