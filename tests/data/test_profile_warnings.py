"""Warnings fire on planted problems, and stay quiet on clean columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loopml.core import InvalidValueError
from loopml.data import Profile, WarningKind, WarningThresholds, profile_dataset

ROWS = 4000


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    target = rng.integers(0, 2, ROWS)
    almost_unique = [f"user-{i}" for i in range(ROWS)]
    for i in range(0, 40):  # 1 % repeats: 99 % unique
        almost_unique[i] = "user-0"
    frame = pd.DataFrame(
        {
            "constant": np.full(ROWS, 7.0),
            "nearly_unique": almost_unique,
            "row_id": np.arange(ROWS),
            "skewed": rng.lognormal(0.0, 1.5, ROWS),
            "normal": rng.normal(size=ROWS),
            "twin": np.zeros(ROWS),
            "leaky": target.astype(float),
            "leaky_text": np.where(target == 1, "yes", "no"),
            "threshold_leak": target * 10.0 + rng.random(ROWS),
            "mostly_missing": np.where(rng.random(ROWS) < 0.6, np.nan, rng.normal(size=ROWS)),
            "empty": np.full(ROWS, np.nan),
            "city": rng.choice(["a", "b", "c", "d"], ROWS),
            "target": target,
        }
    )
    frame["twin"] = frame["normal"] * 2 + 0.001 * rng.normal(size=ROWS)
    frame.loc[3, "skewed"] = np.inf
    duplicated = frame.iloc[:25].copy()
    return pd.concat([frame, duplicated], ignore_index=True)


@pytest.fixture(scope="module")
def profile(planted: pd.DataFrame) -> Profile:
    return profile_dataset(planted, target="target")


def flagged(profile: Profile, kind: WarningKind) -> set[str | None]:
    return {warning.column for warning in profile.warnings_of(kind)}


def test_constant_column(profile: Profile) -> None:
    assert flagged(profile, WarningKind.CONSTANT) == {"constant"}


def test_ninety_nine_percent_unique_text_has_very_high_cardinality(profile: Profile) -> None:
    assert flagged(profile, WarningKind.HIGH_CARDINALITY) == {"nearly_unique"}
    (warning,) = profile.warnings_of(WarningKind.HIGH_CARDINALITY)
    assert warning.value == pytest.approx(profile.column("nearly_unique").distinct / (ROWS + 25))


def test_identifier_is_unique(profile: Profile) -> None:
    # row_id repeats on the 25 duplicated rows: 99.4 % unique is not "unique"...
    assert "row_id" not in flagged(profile, WarningKind.UNIQUE)
    ids = pd.DataFrame({"id": np.arange(5000), "x": np.ones(5000)})
    assert flagged(profile_dataset(ids), WarningKind.UNIQUE) == {"id"}  # ...100 % is


def test_skewed_column(profile: Profile) -> None:
    assert flagged(profile, WarningKind.SKEWED) == {"skewed"}
    assert flagged(profile, WarningKind.INFINITE_VALUES) == {"skewed"}


def test_leaky_features_are_suspects(profile: Profile) -> None:
    assert flagged(profile, WarningKind.LEAKAGE_SUSPECT) == {
        "leaky",
        "leaky_text",
        "threshold_leak",
    }
    for name in ("leaky", "leaky_text", "threshold_leak"):
        association = profile.column(name).association
        assert association is not None and association.score == pytest.approx(1.0)
    for name in ("normal", "city", "row_id", "nearly_unique"):
        association = profile.column(name).association
        assert association is not None and association.score is not None
        assert association.score < 0.6, name  # an id predicts nothing out of sample


def test_leakage_first(profile: Profile) -> None:
    assert profile.warnings[0].kind is WarningKind.LEAKAGE_SUSPECT


def test_duplicates(profile: Profile) -> None:
    (warning,) = profile.warnings_of(WarningKind.DUPLICATES)
    assert profile.duplicates.duplicate_rows == 25
    assert warning.value == pytest.approx(25 / (ROWS + 25))


def test_missing_values(profile: Profile) -> None:
    assert flagged(profile, WarningKind.MANY_MISSING) == {"mostly_missing"}
    assert flagged(profile, WarningKind.ALL_MISSING) == {"empty"}


def test_highly_correlated_features(profile: Profile) -> None:
    messages = [w.message for w in profile.warnings_of(WarningKind.HIGH_CORRELATION)]
    assert any("normal and twin" in message for message in messages)


def test_leakage_with_a_numeric_target() -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(size=3000)
    frame = pd.DataFrame({"y": y, "copy": y * 3 + 1, "noise": rng.normal(size=3000)})
    result = profile_dataset(frame, target="y")
    assert flagged(result, WarningKind.LEAKAGE_SUSPECT) == {"copy"}


def test_imbalanced_target() -> None:
    frame = pd.DataFrame({"x": np.arange(1000), "fraud": [1] * 10 + [0] * 990})
    result = profile_dataset(frame, target="fraud")
    assert flagged(result, WarningKind.IMBALANCED_TARGET) == {"fraud"}


def test_a_clean_table_has_no_warnings() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=2000),
            "b": rng.choice(list("xyz"), 2000),
            "y": rng.integers(0, 2, 2000),
        }
    )
    assert profile_dataset(frame, target="y").warnings == []


def test_thresholds_change_what_is_flagged(planted: pd.DataFrame) -> None:
    strict = WarningThresholds(skewness=0.01, missing_fraction=0.0)
    result = profile_dataset(planted[["normal", "skewed", "city"]], thresholds=strict)
    assert "normal" in flagged(result, WarningKind.SKEWED)


@pytest.mark.parametrize(
    "kwargs", [{"leakage_score": 1.5}, {"missing_fraction": -0.1}, {"skewness": -1.0}]
)
def test_bad_thresholds(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidValueError):
        WarningThresholds(**kwargs)  # type: ignore[arg-type]
