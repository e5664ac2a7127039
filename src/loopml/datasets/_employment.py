"""US Census ACS employment data for Massachusetts, 2015-2018, shipped with loopml.

Three Parquet files under ``data/`` (see ``PROVENANCE.md`` for where they come from):

- ``reference``: 68,785 people surveyed in 2015, with the label ``employed``;
- ``analysis``: 208,892 people surveyed in 2016-2018, without it;
- ``analysis_target``: ``id, employed`` for the analysis rows, the labels that "arrive late".

The Arrow tables are read once per process and cached; every call returns a fresh DataFrame, so
callers may change what they get.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from loopml.core import IntegrityError, InvalidValueError

EmploymentPart = Literal["all", "reference", "analysis"]

_FILES = {
    "reference": "employment_MA_reference.parquet",
    "analysis": "employment_MA_analysis.parquet",
    "analysis_target": "employment_MA_analysis_target.parquet",
}

EMPLOYMENT_FEATURES: tuple[str, ...] = (
    "AGEP",
    "SCHL",
    "MAR",
    "RELP",
    "DIS",
    "ESP",
    "CIT",
    "MIG",
    "MIL",
    "ANC",
    "NATIVITY",
    "DEAR",
    "DEYE",
    "DREM",
    "SEX",
    "RAC1P",
)
"""The 16 features of folktables' ACSEmployment task, in file order."""

EMPLOYMENT_COLUMNS: Mapping[str, str] = {
    "id": "row id, unique across all years (joins the late labels)",
    "AGEP": "age in years",
    "SCHL": "educational attainment",
    "MAR": "marital status",
    "RELP": "relationship to the reference person of the household",
    "DIS": "disability recode",
    "ESP": "employment status of parents (for children living with parents)",
    "CIT": "citizenship status",
    "MIG": "mobility status: lived in the same house 1 year ago",
    "MIL": "military service",
    "ANC": "ancestry recode (how many ancestries were reported)",
    "NATIVITY": "native or foreign born",
    "DEAR": "hearing difficulty",
    "DEYE": "vision difficulty",
    "DREM": "cognitive difficulty",
    "SEX": "sex",
    "RAC1P": "recoded detailed race code",
    "year": "survey year (2015-2018)",
    "employed": "1 if a civilian employed at work (ACS ESR == 1), else 0; the target",
}
"""What each column means (ACS PUMS data dictionary; codes in :data:`EMPLOYMENT_CODES`)."""

_NA = "N/A"
EMPLOYMENT_CODES: Mapping[str, Mapping[str, str]] = {
    "SCHL": {
        "0": "N/A (less than 3 years old)",
        "1": "No schooling completed",
        "2": "Nursery school, preschool",
        "3": "Kindergarten",
        **{str(code): f"Grade {code - 3}" for code in range(4, 15)},
        "15": "12th grade, no diploma",
        "16": "Regular high school diploma",
        "17": "GED or alternative credential",
        "18": "Some college, less than 1 year",
        "19": "1 or more years of college credit, no degree",
        "20": "Associate's degree",
        "21": "Bachelor's degree",
        "22": "Master's degree",
        "23": "Professional degree beyond a bachelor's degree",
        "24": "Doctorate degree",
    },
    "MAR": {
        "1": "Married",
        "2": "Widowed",
        "3": "Divorced",
        "4": "Separated",
        "5": "Never married or under 15 years old",
    },
    "RELP": {
        "0": "Reference person",
        "1": "Husband/wife",
        "2": "Biological son or daughter",
        "3": "Adopted son or daughter",
        "4": "Stepson or stepdaughter",
        "5": "Brother or sister",
        "6": "Father or mother",
        "7": "Grandchild",
        "8": "Parent-in-law",
        "9": "Son-in-law or daughter-in-law",
        "10": "Other relative",
        "11": "Roomer or boarder",
        "12": "Housemate or roommate",
        "13": "Unmarried partner",
        "14": "Foster child",
        "15": "Other nonrelative",
        "16": "Institutionalized group quarters population",
        "17": "Noninstitutionalized group quarters population",
    },
    "DIS": {"1": "With a disability", "2": "Without a disability"},
    "ESP": {
        "0": "N/A (not own child of householder, and not child in subfamily)",
        "1": "Two parents, both in labor force",
        "2": "Two parents, father only in labor force",
        "3": "Two parents, mother only in labor force",
        "4": "Two parents, neither in labor force",
        "5": "Father only, in labor force",
        "6": "Father only, not in labor force",
        "7": "Mother only, in labor force",
        "8": "Mother only, not in labor force",
    },
    "CIT": {
        "1": "Born in the U.S.",
        "2": "Born in Puerto Rico, Guam, the U.S. Virgin Islands or the Northern Marianas",
        "3": "Born abroad of American parent(s)",
        "4": "U.S. citizen by naturalization",
        "5": "Not a citizen of the U.S.",
    },
    "MIG": {
        "0": "N/A (less than 1 year old)",
        "1": "Yes, same house (nonmover)",
        "2": "No, outside US and Puerto Rico",
        "3": "No, different house in US or Puerto Rico",
    },
    "MIL": {
        "0": "N/A (less than 17 years old)",
        "1": "Now on active duty",
        "2": "On active duty in the past, but not now",
        "3": "Only on active duty for training in Reserves/National Guard",
        "4": "Never served in the military",
    },
    "ANC": {"1": "Single", "2": "Multiple", "3": "Unclassified", "4": "Not reported"},
    "NATIVITY": {"1": "Native", "2": "Foreign born"},
    "DEAR": {"1": "Yes", "2": "No"},
    "DEYE": {"1": "Yes", "2": "No"},
    "DREM": {"0": "N/A (less than 5 years old)", "1": "Yes", "2": "No"},
    "SEX": {"1": "Male", "2": "Female"},
    "RAC1P": {
        "1": "White alone",
        "2": "Black or African American alone",
        "3": "American Indian alone",
        "4": "Alaska Native alone",
        "5": "American Indian and Alaska Native tribes specified, or not specified",
        "6": "Asian alone",
        "7": "Native Hawaiian and Other Pacific Islander alone",
        "8": "Some Other Race alone",
        "9": "Two or More Races",
    },
}
"""Code -> label for every categorical feature. ``0`` is the PUMS blank ("N/A") code, except
for RELP where ``0`` is a real code; folktables turned blanks into 0."""

_PARTS = ("all", "reference", "analysis")


@functools.cache
def _table(part: str) -> pa.Table:
    with resources.as_file(resources.files(__package__) / "data" / _FILES[part]) as path:
        return pq.read_table(path)


def _late_labels_for(analysis: pa.Table) -> pa.ChunkedArray:
    # The labels file lists the analysis rows' ids in the same order (checked here, since a
    # positional append is only right when it holds).
    labels = _table("analysis_target")
    if not labels["id"].equals(analysis["id"]):
        raise IntegrityError("the bundled employment labels do not line up with the analysis rows")
    return labels["employed"]


def _decode(frame: pd.DataFrame) -> pd.DataFrame:
    for column, labels in EMPLOYMENT_CODES.items():
        codes = frame[column].cat.categories
        frame[column] = frame[column].cat.rename_categories([labels[c] for c in codes])
    return frame


def load_employment(
    *, part: EmploymentPart = "all", with_labels: bool = True, decode: bool = False
) -> pd.DataFrame:
    """The ACS employment data for Massachusetts as one DataFrame, rows ordered by ``id``.

    Columns: ``id``, the 16 features of :data:`EMPLOYMENT_FEATURES` (``AGEP`` a float, the
    others categorical), ``year`` and, when ``with_labels``, the target ``employed`` (0/1).

    Args:
        part: ``"reference"`` (2015), ``"analysis"`` (2016-2018) or ``"all"`` (both).
        with_labels: join the labels; for the analysis years they come from the late labels
            table (:func:`load_employment_labels`). False drops ``employed`` from every part,
            as at serving time.
        decode: replace the category codes by their labels (``SEX`` "1" -> "Male", ...).

    Raises:
        InvalidValueError: ``part`` is not one of the three.
    """
    if part not in _PARTS:
        raise InvalidValueError(f"part must be one of {', '.join(_PARTS)}; got {part!r}")
    pieces = []
    if part in ("all", "reference"):
        pieces.append(_table("reference"))
    if part in ("all", "analysis"):
        analysis = _table("analysis")
        if with_labels:
            analysis = analysis.append_column("employed", _late_labels_for(analysis))
        pieces.append(analysis)
    columns = ["id", *EMPLOYMENT_FEATURES, "year", *(["employed"] if with_labels else [])]
    table = pa.concat_tables([p.select(columns) for p in pieces], promote_options="none")
    frame = table.combine_chunks().to_pandas()
    return _decode(frame) if decode else frame


def load_employment_labels() -> pd.DataFrame:
    """The late labels of the analysis years: ``id, employed``, one row per analysis row."""
    return _table("analysis_target").to_pandas()
