"""A small customer table with every problem cleaning handles: gaps, copies, outliers, text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_customers(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Numbers with gaps and one wild value, a text column with gaps, dates, a binary target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows).astype("float64"),
            "income": rng.normal(50_000, 8_000, rows).round(2),
            "visits": rng.integers(0, 30, rows),
            "plan": pd.array(rng.choice(["free", "pro", "team"], rows), dtype="str"),
            "signup": pd.date_range("2024-01-01", periods=rows, freq="37h"),
            "churn": (rng.random(rows) < 0.25).astype("int64"),
        }
    )
    frame.loc[frame.index[::9], "income"] = np.nan
    frame.loc[frame.index[4::13], "plan"] = None
    frame.loc[7, "income"] = 5_000_000.0  # a typo with three extra zeros
    frame.loc[11, "age"] = np.nan
    return frame


@pytest.fixture
def customers() -> pd.DataFrame:
    return make_customers()
