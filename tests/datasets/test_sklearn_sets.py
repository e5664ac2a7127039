"""scikit-learn's bundled sets as DataFrames with a ``target`` column."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from loopml.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine


@pytest.mark.parametrize(
    ("loader", "shape", "classes"),
    [
        (load_breast_cancer, (569, 31), {0, 1}),
        (load_wine, (178, 14), {0, 1, 2}),
        (load_digits, (1797, 65), set(range(10))),
        (load_diabetes, (442, 11), None),
    ],
    ids=["breast_cancer", "wine", "digits", "diabetes"],
)
def test_loaders_return_a_frame_with_a_target(
    loader: Callable[[], pd.DataFrame], shape: tuple[int, int], classes: set[int] | None
) -> None:
    frame = loader()
    assert isinstance(frame, pd.DataFrame) and frame.shape == shape
    assert frame.columns[-1] == "target" and frame.notna().all().all()
    assert isinstance(frame.index, pd.RangeIndex)
    if classes is None:
        assert frame["target"].dtype == "float64"
    else:
        assert set(frame["target"].unique()) == classes
    assert all(isinstance(c, str) for c in frame.columns)
