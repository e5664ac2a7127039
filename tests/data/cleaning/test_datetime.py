"""Date-time parts: numbers from timestamps, the same for one row as for many."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import DateTimeParts


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "at": pd.to_datetime(["2024-03-16 08:30", "2024-12-31 23:59", None]),
            "amount": [1.0, 2.0, 3.0],
        }
    )


def test_parts_replace_the_column(events: pd.DataFrame) -> None:
    step = DateTimeParts(parts=["year", "quarter", "dayofweek", "hour", "is_weekend"])
    out = step.fit_transform(events)
    assert list(out.columns) == [
        "amount",
        "at_year",
        "at_quarter",
        "at_dayofweek",
        "at_hour",
        "at_is_weekend",
    ]
    assert out.iloc[0, 1:].tolist() == [2024.0, 1.0, 5.0, 8.0, 1.0]  # a Saturday morning
    assert out.iloc[1, 1:].tolist() == [2024.0, 4.0, 1.0, 23.0, 0.0]
    assert out.iloc[2, 1:].isna().all()  # no timestamp, no parts
    assert list(step.get_feature_names_out()) == list(out.columns)


def test_iso_text_is_parsed_and_the_original_can_stay() -> None:
    frame = pd.DataFrame({"day": ["2024-01-05", "2024-02-29"]})
    out = DateTimeParts(["day"], parts=["month", "day"], drop_original=False).fit_transform(frame)
    assert out.columns.tolist() == ["day", "day_month", "day_day"]
    assert out["day_day"].tolist() == [5.0, 29.0]


def test_time_zones_are_kept() -> None:
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-01-01 23:00"]).tz_localize("UTC")})
    frame["at"] = frame["at"].dt.tz_convert("Asia/Tokyo")
    assert DateTimeParts(parts=["day"]).fit_transform(frame)["at_day"].tolist() == [2.0]


def test_bad_input(events: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match=r"unknown date-time parts \['week'\]"):
        DateTimeParts(parts=["year", "week"]).fit(events)
    with pytest.raises(InvalidValueError, match="does not hold dates"):
        DateTimeParts(["amount"]).fit(events.assign(amount=["a", "b", "c"]))
    with pytest.raises(InvalidValueError, match="lacks columns"):
        DateTimeParts().fit(events).transform(events.drop(columns="at"))
    assert np.isnan(DateTimeParts().fit(events).transform(events.iloc[[2]])["at_year"].iloc[0])
