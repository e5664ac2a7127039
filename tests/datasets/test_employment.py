"""The bundled ACS employment data: shape, labels, decoding, provenance, no nannyml."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import loopml.datasets
from loopml.core import InvalidValueError
from loopml.datasets import (
    EMPLOYMENT_CODES,
    EMPLOYMENT_COLUMNS,
    EMPLOYMENT_FEATURES,
    load_employment,
    load_employment_labels,
)

PACKAGE = Path(loopml.datasets.__file__).parent
ROWS = {2015: 68_785, 2016: 69_126, 2017: 69_635, 2018: 70_131}


def test_all_years_with_labels() -> None:
    frame = load_employment()
    assert list(frame.columns) == ["id", *EMPLOYMENT_FEATURES, "year", "employed"]
    assert len(frame) == sum(ROWS.values()) == 277_677
    assert frame["year"].value_counts().sort_index().to_dict() == ROWS
    assert frame["id"].is_unique and frame["id"].is_monotonic_increasing
    assert frame["employed"].notna().all() and set(frame["employed"].unique()) == {0, 1}
    assert frame["AGEP"].dtype == "float64"
    assert all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in EMPLOYMENT_CODES)


def test_nannyml_model_outputs_are_not_shipped() -> None:
    for part in ("all", "reference", "analysis"):
        columns = set(load_employment(part=part).columns)  # type: ignore[arg-type]
        assert not columns & {"prediction", "predicted_probability"}


def test_parts_and_late_labels() -> None:
    reference = load_employment(part="reference")
    assert len(reference) == ROWS[2015] and set(reference["year"]) == {2015}
    analysis = load_employment(part="analysis", with_labels=False)
    assert "employed" not in analysis.columns
    assert set(analysis["year"]) == {2016, 2017, 2018}
    labels = load_employment_labels()
    assert list(labels.columns) == ["id", "employed"] and len(labels) == len(analysis)
    joined = load_employment(part="analysis")
    expected = analysis.merge(labels, on="id", how="left", validate="one_to_one")
    # DataFrame.equals compares values and dtypes; assert_frame_equal takes 15 s on categories.
    assert list(joined.columns) == list(expected.columns) and joined.equals(expected)
    combined = load_employment(with_labels=False)
    assert len(combined) == len(reference) + len(analysis) and "employed" not in combined


def test_every_call_returns_a_fresh_frame() -> None:
    first = load_employment(part="reference")
    first.loc[0, "AGEP"] = -1.0
    assert load_employment(part="reference").loc[0, "AGEP"] != -1.0


def test_decode_maps_every_code_to_a_label() -> None:
    coded = load_employment(part="reference")
    decoded = load_employment(part="reference", decode=True)
    for column, labels in EMPLOYMENT_CODES.items():
        assert set(coded[column].cat.categories) <= set(labels), column
        assert decoded[column].notna().all(), column
        expected = coded[column].astype(str).map(labels)
        assert (decoded[column].astype(str) == expected).all(), column
    assert set(decoded["SEX"].unique()) == {"Male", "Female"}
    assert "White alone" in set(decoded["RAC1P"])
    assert decoded["MAR"].value_counts().index[0] in EMPLOYMENT_CODES["MAR"].values()


def test_na_codes_match_the_ages_they_stand_for() -> None:
    frame = load_employment()
    for column, under in (("SCHL", 3), ("MIG", 1), ("MIL", 17), ("DREM", 5)):
        blank = frame[column] == "0"
        assert (frame.loc[blank, "AGEP"] < under).all(), column
        assert (frame.loc[~blank, "AGEP"] >= under).all(), column


def test_unknown_part_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="part must be one of"):
        load_employment(part="2019")  # type: ignore[arg-type]


def test_shipped_files_match_their_provenance() -> None:
    from loopml.core import sha256_file

    provenance = (PACKAGE / "PROVENANCE.md").read_text()
    listed = dict(
        re.findall(r"\| `(employment_MA_\w+\.parquet)` \| [\d,]+ \| `([0-9a-f]{64})`", provenance)
    )
    shipped = {p.name: sha256_file(p) for p in (PACKAGE / "data").glob("*.parquet")}
    assert shipped == listed
    assert (
        (PACKAGE / "data" / "LICENSE-nannyml.txt")
        .read_text()
        .startswith("                                 Apache License")
    )
    for column in EMPLOYMENT_COLUMNS:
        assert f"`{column}`" in provenance, column


def test_loopml_does_not_need_nannyml() -> None:
    load_employment(part="reference")
    assert "nannyml" not in sys.modules
    pyproject = (PACKAGE.parents[2] / "pyproject.toml").read_text()
    assert "nannyml" not in pyproject
