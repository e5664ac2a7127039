"""Augmentation: noisy copies and SMOTE append rows and leave the real ones as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import AddNoise, SMOTEOversample


@pytest.fixture
def imbalanced() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=80),
            "b": rng.integers(0, 10, 80),
            "plan": pd.array(rng.choice(["free", "pro"], 80), dtype="str"),
        }
    )
    return frame, pd.Series([1] * 12 + [0] * 68, name="churn")


def test_noise_appends_copies_and_keeps_the_originals(
    imbalanced: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame, y = imbalanced
    step = AddNoise(fraction=0.5, scale=0.1)
    out, target = step.fit_resample(frame, y)
    assert len(out) == 120 and step.rows_added_ == 40 and target is not None
    pd.testing.assert_frame_equal(out.iloc[:80], frame)
    assert out["b"].dtype == frame["b"].dtype  # integers stay integers
    assert set(out["plan"].iloc[80:]) <= {"free", "pro"}
    again, _ = AddNoise(fraction=0.5, scale=0.1).fit_resample(frame, y)
    pd.testing.assert_frame_equal(out, again)  # seeded


def test_smote_balances_classes_with_originals_first(
    imbalanced: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame, y = imbalanced
    out, target = SMOTEOversample(k_neighbors=3).fit_resample(frame[["a", "b"]], y)
    assert target is not None and target.value_counts().to_dict() == {1: 68, 0: 68}
    pd.testing.assert_frame_equal(out.iloc[:80], frame[["a", "b"]])
    assert out["b"].dtype == frame["b"].dtype


def test_smote_with_text_columns_uses_smotenc(imbalanced: tuple[pd.DataFrame, pd.Series]) -> None:
    frame, y = imbalanced
    step = SMOTEOversample(k_neighbors=3)
    out, _ = step.fit_resample(frame, y)
    assert step.sampler_name_ == "SMOTENC"
    assert set(out["plan"]) == {"free", "pro"} and len(out) == 136


def test_smote_bad_input(imbalanced: tuple[pd.DataFrame, pd.Series]) -> None:
    frame, y = imbalanced
    with pytest.raises(InvalidValueError, match="needs the target"):
        SMOTEOversample().fit_resample(frame)
    gappy = frame.assign(a=frame["a"].where(frame.index != 3))
    with pytest.raises(InvalidValueError, match=r"missing values in \['a'\].*impute first"):
        SMOTEOversample().fit_resample(gappy, y)
    with pytest.raises(InvalidValueError, match="SMOTEOversample"):
        SMOTEOversample().fit_resample(frame[["a"]], pd.Series(np.linspace(0, 1, 80)))
    with pytest.raises(InvalidValueError, match="'fraction' parameter"):
        AddNoise(fraction=0).fit_resample(frame)
