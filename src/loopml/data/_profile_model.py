"""The profile record: what :func:`~loopml.data.profile_dataset` found, as frozen dataclasses.

A profile is persisted as JSON (``Profile.to_json``) and read back with ``Profile.from_dict``, so
it carries ``format_version``; a reader refuses a version it does not know instead of guessing.
Every number in it is a plain Python ``int``/``float``/``str`` (never numpy), and a statistic that
does not exist (the mean of an empty column) is ``None``, so the JSON is valid everywhere.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from loopml.core import InvalidValueError

PROFILE_FORMAT_VERSION = 1
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles every numeric column reports (linear interpolation, numpy's default)."""


class ColumnKind(enum.StrEnum):
    """How a column is summarised and drawn."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    OTHER = "other"


class TargetTask(enum.StrEnum):
    """What kind of prediction the target implies; decides how features are related to it."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


class WarningKind(enum.StrEnum):
    """A finding worth a look, most serious first (the report lists them in this order)."""

    LEAKAGE_SUSPECT = "leakage_suspect"
    ALL_MISSING = "all_missing"
    CONSTANT = "constant"
    DUPLICATES = "duplicates"
    UNIQUE = "unique"
    HIGH_CARDINALITY = "high_cardinality"
    MANY_MISSING = "many_missing"
    INFINITE_VALUES = "infinite_values"
    SKEWED = "skewed"
    HIGH_CORRELATION = "high_correlation"
    IMBALANCED_TARGET = "imbalanced_target"


@dataclass(frozen=True)
class ValueCount:
    """One value of a column and how many rows hold it."""

    value: str | int | float | bool
    count: int


@dataclass(frozen=True)
class NumericStats:
    """Moments and order statistics of a numeric column's finite values.

    ``std`` has ddof=1; ``skewness`` is the adjusted Fisher-Pearson coefficient and ``kurtosis``
    the bias-corrected excess kurtosis, both as pandas computes them. ``quantiles`` maps ``"5%"``,
    ``"25%"``, ... to values by linear interpolation (numpy's and pandas' default); they come from
    the profile's sample when the table is larger than it (see :class:`SampleInfo`).
    """

    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    skewness: float | None
    kurtosis: float | None
    zeros: int
    negatives: int
    infinite: int
    quantiles: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TextStats:
    """Lengths (in characters) of a text column's values."""

    min_length: int | None
    max_length: int | None
    mean_length: float | None
    empty: int


@dataclass(frozen=True)
class Histogram:
    """Counts of the present values in ``len(counts)`` bins; bin i is ``[edges[i], edges[i+1])``,
    the last bin closed. Datetime edges are seconds since the epoch (UTC)."""

    edges: list[float]
    counts: list[int]


@dataclass(frozen=True)
class TargetBreakdown:
    """A feature against the target, on every row: one group per histogram bin or category.

    ``labels`` name the groups (bin ranges, the most frequent categories, then ``(other)`` and
    ``(missing)`` when they occur) and ``counts`` their rows. For a classification target
    ``class_counts[g][c]`` counts the rows of group g in class ``classes[c]`` (rows without a
    target are left out); for regression ``target_means[g]`` is the mean target of group g.
    """

    labels: list[str]
    counts: list[int]
    classes: list[str] = field(default_factory=list)
    class_counts: list[list[int]] = field(default_factory=list)
    target_means: list[float | None] = field(default_factory=list)


@dataclass(frozen=True)
class TargetAssociation:
    """How well this feature alone predicts the target, measured out of sample on the sample.

    ``score`` is a ROC AUC for classification (macro one-vs-rest for several classes; 0.5 is
    chance, 1.0 perfect, either direction) and the absolute correlation of predictions with the
    target for regression. ``method`` says which.
    """

    score: float | None
    method: str
    rows: int


@dataclass(frozen=True)
class ColumnProfile:
    """Everything the profile knows about one column."""

    name: str
    kind: ColumnKind
    type: str
    count: int
    missing: int
    distinct: int
    distinct_is_exact: bool
    numeric: NumericStats | None = None
    text: TextStats | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None
    top_values: list[ValueCount] = field(default_factory=list)
    histogram: Histogram | None = None
    target: TargetBreakdown | None = None
    association: TargetAssociation | None = None

    @property
    def present(self) -> int:
        """Rows holding a value (not null, not NaN)."""
        return self.count - self.missing

    @property
    def missing_fraction(self) -> float:
        """Share of rows without a value (0 for an empty table)."""
        return self.missing / self.count if self.count else 0.0


@dataclass(frozen=True)
class Correlations:
    """Pearson correlations of the numeric columns (pairwise complete rows, like pandas)."""

    columns: list[str]
    matrix: list[list[float | None]]
    rows: int
    method: str = "pearson"


@dataclass(frozen=True)
class DuplicateExample:
    """A row that occurs more than once, and how often."""

    count: int
    row: dict[str, Any]


@dataclass(frozen=True)
class Duplicates:
    """Rows equal to an earlier row in every column (found by a 64-bit hash of the whole row)."""

    duplicate_rows: int
    distinct_rows: int
    examples: list[DuplicateExample] = field(default_factory=list)


@dataclass(frozen=True)
class TargetSummary:
    """The target column, the task it implies, and the features ranked by association."""

    name: str
    task: TargetTask
    classes: list[str] = field(default_factory=list)
    class_counts: list[int] = field(default_factory=list)
    positive_class: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SampleInfo:
    """The uniform random sample some statistics are computed on, and which ones.

    When the table has no more rows than the sample size, the sample is the whole table and
    ``is_full`` is true: then every statistic is exact.
    """

    rows: int
    seed: int
    is_full: bool
    used_for: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProfileWarning:
    """One finding: its kind, the column(s) it concerns, a sentence, and the number behind it."""

    kind: WarningKind
    column: str | None
    message: str
    value: float | None = None


@dataclass(frozen=True)
class Profile:
    """A dataset's profile: per-column statistics, correlations, duplicates, target, warnings."""

    source: dict[str, Any]
    num_rows: int
    columns: list[ColumnProfile]
    duplicates: Duplicates
    sample: SampleInfo
    correlations: Correlations | None = None
    target: TargetSummary | None = None
    warnings: list[ProfileWarning] = field(default_factory=list)
    created_at: int = 0
    elapsed_s: float = 0.0
    format_version: int = PROFILE_FORMAT_VERSION

    @property
    def num_columns(self) -> int:
        """How many columns were profiled."""
        return len(self.columns)

    @property
    def missing_cells(self) -> int:
        """Cells without a value, over all columns."""
        return sum(column.missing for column in self.columns)

    def column(self, name: str) -> ColumnProfile:
        """The profile of column ``name``.

        Raises:
            InvalidValueError: there is no such column (the message lists them).
        """
        for column in self.columns:
            if column.name == name:
                return column
        names = ", ".join(c.name for c in self.columns[:20])
        raise InvalidValueError(f"the profile has no column {name!r}; it has: {names}")

    def warnings_of(self, kind: WarningKind | str) -> list[ProfileWarning]:
        """The warnings of one kind."""
        return [warning for warning in self.warnings if warning.kind == WarningKind(kind)]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN and infinities become None)."""
        result: dict[str, Any] = _finite(asdict(self))
        result["num_columns"] = self.num_columns
        result["missing_cells"] = self.missing_cells
        return result

    def to_json(self, *, indent: bool = True) -> str:
        """The profile as JSON text, readable back with :meth:`from_dict`."""
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        """Rebuild a profile from :meth:`to_dict` output (e.g. parsed JSON).

        Raises:
            InvalidValueError: the data is not a profile, or of a format version this loopml
                cannot read.
        """
        if not isinstance(data, dict) or "columns" not in data:
            raise InvalidValueError("not a loopml profile: expected an object with 'columns'")
        version = data.get("format_version")
        if version != PROFILE_FORMAT_VERSION:
            raise InvalidValueError(
                f"profile format version {version!r} is not supported "
                f"(this loopml reads version {PROFILE_FORMAT_VERSION})"
            )
        try:
            return _profile_from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValueError(f"malformed profile: {exc!r}") from exc


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _optional(data: dict[str, Any] | None, build: Any) -> Any:
    return None if data is None else build(**data)


def _column_from_dict(data: dict[str, Any]) -> ColumnProfile:
    target = data.get("target")
    return ColumnProfile(
        name=data["name"],
        kind=ColumnKind(data["kind"]),
        type=data["type"],
        count=data["count"],
        missing=data["missing"],
        distinct=data["distinct"],
        distinct_is_exact=data["distinct_is_exact"],
        numeric=_optional(data.get("numeric"), NumericStats),
        text=_optional(data.get("text"), TextStats),
        datetime_min=data.get("datetime_min"),
        datetime_max=data.get("datetime_max"),
        top_values=[ValueCount(**item) for item in data.get("top_values", [])],
        histogram=_optional(data.get("histogram"), Histogram),
        target=_optional(target, TargetBreakdown),
        association=_optional(data.get("association"), TargetAssociation),
    )


def _profile_from_dict(data: dict[str, Any]) -> Profile:
    duplicates = data["duplicates"]
    target = data.get("target")
    return Profile(
        source=dict(data["source"]),
        num_rows=data["num_rows"],
        columns=[_column_from_dict(column) for column in data["columns"]],
        duplicates=Duplicates(
            duplicate_rows=duplicates["duplicate_rows"],
            distinct_rows=duplicates["distinct_rows"],
            examples=[DuplicateExample(**example) for example in duplicates.get("examples", [])],
        ),
        sample=SampleInfo(**data["sample"]),
        correlations=_optional(data.get("correlations"), Correlations),
        target=None
        if target is None
        else TargetSummary(**{**target, "task": TargetTask(target["task"])}),
        warnings=[
            ProfileWarning(**{**warning, "kind": WarningKind(warning["kind"])})
            for warning in data.get("warnings", [])
        ],
        created_at=data.get("created_at", 0),
        elapsed_s=data.get("elapsed_s", 0.0),
        format_version=data["format_version"],
    )
