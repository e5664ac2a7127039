"""Duplicates: exact copies (target included) or rows sharing a key."""

from __future__ import annotations

import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import DropDuplicates


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": ["a", "a", "b", "a", "c"],
            "amount": [10.0, 10.0, 5.0, 12.0, 7.0],
        }
    )


def test_exact_duplicates_keep_the_first(orders: pd.DataFrame) -> None:
    step = DropDuplicates()
    kept, _ = step.fit_resample(orders)
    assert list(kept.index) == [0, 2, 3, 4]
    assert step.rows_dropped_ == 1


def test_rows_with_different_targets_are_not_exact_duplicates(orders: pd.DataFrame) -> None:
    kept, target = DropDuplicates().fit_resample(orders, pd.Series([0, 1, 0, 0, 1]))
    assert len(kept) == 5 and target is not None and len(target) == 5


def test_key_subset_keep_last(orders: pd.DataFrame) -> None:
    kept, _ = DropDuplicates(["customer"], keep="last").fit_resample(orders)
    assert kept["customer"].tolist() == ["b", "a", "c"]
    assert kept.loc[3, "amount"] == 12.0  # the last of customer a, untouched


def test_bad_input(orders: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"unknown columns \['id'\]"):
        DropDuplicates(["id"]).fit_resample(orders)
    with pytest.raises(InvalidValueError, match="'keep' parameter"):
        DropDuplicates(keep="none").fit_resample(orders)
