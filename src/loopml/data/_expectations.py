"""Expectations: typed rules that data must satisfy, written in Python or as plain dicts.

Each rule is a frozen dataclass, so a set of rules is a value: it can be compared, hashed, stored
beside a dataset version and read back. The dict form is what a project file or a JSON rules file
holds, one mapping per rule with its kind under ``"rule"``::

    {"rule": "between", "column": "age", "min": 0, "max": 120}

and the Python form builds the same objects: ``expect.between("age", 0, 120)``. Unknown rule kinds,
unknown keys and values of the wrong type are refused when the rule is made (like pydantic's
``extra="forbid"``), not when it first meets data.

Row rules (``not_null``, ``between``, ``in_set``, ``matches_regex``, ``unique``,
``compare_columns``) ignore missing values except ``not_null``, whose job they are; column rules
(``dtype``, ``mean_between``, ``column_exists``, ``no_extra_columns``) judge a column as a whole.
How rules run is :mod:`loopml.data._validate`'s job.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from loopml.core import InvalidValueError

RULE_KEY = "rule"
DTYPES = ("bool", "int", "float", "number", "string", "datetime", "date", "time", "duration")
"""The type kinds ``dtype`` rules speak of; ``number`` is ``int`` or ``float``."""
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")

Scalar = str | int | float | bool
"""A value a rule can name: JSON's scalars."""


def _column(value: object, what: str = "column") -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValueError(f"{what} must be a non-empty column name, not {value!r}")
    return value


def _columns(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(f"{what} must be a list of column names, not {value!r}")
    names = tuple(_column(name, f"each of {what}") for name in value)
    if len(set(names)) != len(names):
        raise InvalidValueError(f"{what} lists a column twice: {list(names)}")
    return names


def _bound(value: object, what: str, *, allow_text: bool) -> Scalar | None:
    """A range end: a finite number, or (for dates and times) an ISO text; None for open."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, str) and not allow_text:
        raise InvalidValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValueError(f"{what} must be finite, not {value!r}")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError(f"{what} must be true or false, not {value!r}")
    return value


def _check_order(low: Scalar | None, high: Scalar | None, rule: str) -> None:
    if low is None and high is None:
        raise InvalidValueError(f"{rule} needs min, max or both")
    comparable = isinstance(low, int | float) == isinstance(high, int | float)
    if low is not None and high is not None and comparable and low > high:  # type: ignore[operator]
        raise InvalidValueError(f"{rule}: min ({low!r}) is greater than max ({high!r})")


@dataclass(frozen=True)
class Expectation:
    """A rule data must satisfy. Subclasses set ``rule``, the name of their kind."""

    rule: ClassVar[str] = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return ()

    def to_dict(self) -> dict[str, Any]:
        """The dict form (what a rules file holds); fields at their default are left out."""
        data: dict[str, Any] = {RULE_KEY: self.rule}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.default is not dataclasses.MISSING and value == field.default:
                continue
            data[field.name] = list(value) if isinstance(value, tuple) else value
        return data

    def describe(self) -> str:
        """One line for people, e.g. ``age between 0 and 120``."""
        return self.rule

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Expectation:
        """Build from the dict form's keys (the rule kind removed); subclasses may rename keys."""
        return cls(**fields)


@dataclass(frozen=True)
class NotNull(Expectation):
    """Every value of ``column`` is present (no null, no NaN)."""

    rule: ClassVar[str] = "not_null"
    column: str

    def __post_init__(self) -> None:
        _column(self.column)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.column} is not null"


@dataclass(frozen=True)
class Between(Expectation):
    """Every value of ``column`` lies in ``[min, max]`` (each end optional, each inclusive or not).

    Ends are numbers, or ISO texts (``"2024-01-01"``) for date and time columns.
    """

    rule: ClassVar[str] = "between"
    column: str
    min: Scalar | None = None
    max: Scalar | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def __post_init__(self) -> None:
        _column(self.column)
        _bound(self.min, "between: min", allow_text=True)
        _bound(self.max, "between: max", allow_text=True)
        _flag(self.min_inclusive, "between: min_inclusive")
        _flag(self.max_inclusive, "between: max_inclusive")
        _check_order(self.min, self.max, "between")

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        low = "" if self.min is None else f"{self.min!r} {'<=' if self.min_inclusive else '<'} "
        high = "" if self.max is None else f" {'<=' if self.max_inclusive else '<'} {self.max!r}"
        return f"{low}{self.column}{high}"


@dataclass(frozen=True)
class InSet(Expectation):
    """Every value of ``column`` is one of ``values``."""

    rule: ClassVar[str] = "in_set"
    column: str
    values: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        _column(self.column)
        if isinstance(self.values, str | bytes) or not isinstance(self.values, Iterable):
            raise InvalidValueError(f"in_set: values must be a list, not {self.values!r}")
        raw = tuple(self.values)
        for value in raw:
            if not isinstance(value, str | int | float | bool):
                raise InvalidValueError(f"in_set: {value!r} is not a text, number or boolean")
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidValueError(f"in_set: {value!r} is not a finite number")
        values = tuple(dict.fromkeys(raw))  # drop repeats, keep the order given
        if not values:
            raise InvalidValueError(f"in_set on {self.column!r} needs at least one value")
        object.__setattr__(self, "values", values)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        shown = ", ".join(repr(v) for v in self.values[:6])
        more = f", ... ({len(self.values)} values)" if len(self.values) > 6 else ""
        return f"{self.column} in {{{shown}{more}}}"


@dataclass(frozen=True)
class MatchesRegex(Expectation):
    """Every value of ``column`` contains a match of ``pattern`` (RE2 syntax; anchor with ^...$).

    RE2 (through pyarrow) runs in time linear in the text, so a pattern from a rules file cannot
    hang validation; it has no look-around or back-references.
    """

    rule: ClassVar[str] = "matches_regex"
    column: str
    pattern: str

    def __post_init__(self) -> None:
        _column(self.column)
        if not isinstance(self.pattern, str) or not self.pattern:
            raise InvalidValueError("matches_regex: pattern must be a non-empty text")
        try:
            pc.match_substring_regex(pa.array([""]), self.pattern)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InvalidValueError(
                f"matches_regex: {self.pattern!r} is not a valid RE2 regular expression ({exc})"
            ) from exc

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.column} matches {self.pattern!r}"


@dataclass(frozen=True)
class Unique(Expectation):
    """No two rows share a value of ``columns`` (one column, or a combination of several).

    Rows with a missing value in any of the columns are not compared. Dict form: ``"column"``
    for one column, ``"columns"`` for several.
    """

    rule: ClassVar[str] = "unique"
    key: tuple[str, ...]

    def __post_init__(self) -> None:
        key = _columns(self.key, "unique: columns")
        if not key:
            raise InvalidValueError("unique needs at least one column")
        object.__setattr__(self, "key", key)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key

    def to_dict(self) -> dict[str, Any]:
        if len(self.key) == 1:
            return {RULE_KEY: self.rule, "column": self.key[0]}
        return {RULE_KEY: self.rule, "columns": list(self.key)}

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Expectation:
        if set(fields) == {"column"}:
            return cls((_column(fields["column"]),))
        if set(fields) == {"columns"}:
            return cls(fields["columns"])
        raise InvalidValueError(
            f"unique takes either 'column' or 'columns', got {sorted(fields) or 'neither'}"
        )

    def describe(self) -> str:
        return f"{', '.join(self.key)} unique"


@dataclass(frozen=True)
class Dtype(Expectation):
    """``column`` holds values of kind ``dtype`` (one of :data:`DTYPES`)."""

    rule: ClassVar[str] = "dtype"
    column: str
    dtype: str

    def __post_init__(self) -> None:
        _column(self.column)
        if self.dtype not in DTYPES:
            raise InvalidValueError(
                f"dtype {self.dtype!r} for {self.column!r} is not one of {', '.join(DTYPES)}"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.column} is {self.dtype}"


@dataclass(frozen=True)
class MeanBetween(Expectation):
    """The mean of ``column``'s present values lies in ``[min, max]`` (inclusive)."""

    rule: ClassVar[str] = "mean_between"
    column: str
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        _column(self.column)
        _bound(self.min, "mean_between: min", allow_text=False)
        _bound(self.max, "mean_between: max", allow_text=False)
        _check_order(self.min, self.max, "mean_between")

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        low = "" if self.min is None else f"{self.min!r} <= "
        high = "" if self.max is None else f" <= {self.max!r}"
        return f"{low}mean({self.column}){high}"


@dataclass(frozen=True)
class ColumnExists(Expectation):
    """The data has a column named ``column``."""

    rule: ClassVar[str] = "column_exists"
    column: str

    def __post_init__(self) -> None:
        _column(self.column)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"column {self.column} exists"


@dataclass(frozen=True)
class NoExtraColumns(Expectation):
    """The data has no column beyond ``allowed``."""

    rule: ClassVar[str] = "no_extra_columns"
    allowed: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", _columns(self.allowed, "no_extra_columns: allowed"))

    def describe(self) -> str:
        return f"no columns beyond the {len(self.allowed)} known"


@dataclass(frozen=True)
class CompareColumns(Expectation):
    """In every row, ``column <op> other`` holds (e.g. ``start <= end``); rows with a gap skip."""

    rule: ClassVar[str] = "compare_columns"
    column: str
    op: str
    other: str

    def __post_init__(self) -> None:
        _column(self.column)
        _column(self.other, "compare_columns: other")
        if self.op not in OPERATORS:
            raise InvalidValueError(
                f"compare_columns: op {self.op!r} is not one of {' '.join(OPERATORS)}"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.other)

    def describe(self) -> str:
        return f"{self.column} {self.op} {self.other}"


def dtype_kind(arrow_type: pa.DataType) -> str:
    """The kind of values an Arrow type holds, in the words of :data:`DTYPES`.

    A dictionary (pandas ``category``) column has the kind of its values. Types without a kind
    of their own (lists, structs, binary, all-null) are named by Arrow, e.g. ``binary``, ``null``.
    """
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    checks = (
        (pa.types.is_boolean, "bool"),
        (pa.types.is_integer, "int"),
        (pa.types.is_floating, "float"),
        (pa.types.is_decimal, "float"),
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (getattr(pa.types, "is_string_view", lambda _: False), "string"),  # pyarrow >= 16
        (pa.types.is_timestamp, "datetime"),
        (pa.types.is_date, "date"),
        (pa.types.is_time, "time"),
        (pa.types.is_duration, "duration"),
    )
    for check, kind in checks:
        if check(arrow_type):
            return kind
    return str(arrow_type)


def dtype_matches(actual: str, expected: str) -> bool:
    """Whether a column of kind ``actual`` passes a ``dtype`` rule (an all-null one always does)."""
    if actual == "null" or actual == expected:
        return True
    return expected == "number" and actual in ("int", "float")


RULES: dict[str, type[Expectation]] = {
    kind.rule: kind
    for kind in (
        NotNull,
        Between,
        InSet,
        MatchesRegex,
        Unique,
        Dtype,
        MeanBetween,
        ColumnExists,
        NoExtraColumns,
        CompareColumns,
    )
}
"""Every rule kind by its dict-form name."""


def expectation_from_dict(data: Mapping[str, Any]) -> Expectation:
    """The rule a dict describes, e.g. ``{"rule": "not_null", "column": "age"}``.

    Raises:
        InvalidValueError: not a mapping, an unknown rule kind, a missing or unknown key, or a
            value of the wrong type. The message names the rule and the key.
    """
    if not isinstance(data, Mapping):
        raise InvalidValueError(f"a rule must be a mapping with a {RULE_KEY!r} key, not {data!r}")
    fields = dict(data)
    name = fields.pop(RULE_KEY, None)
    kind = RULES.get(name) if isinstance(name, str) else None
    if kind is None:
        raise InvalidValueError(f"unknown rule {name!r}; known rules: {', '.join(RULES)}")
    if kind is not Unique:
        known = {f.name for f in dataclasses.fields(kind)}
        required = {
            f.name
            for f in dataclasses.fields(kind)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        unknown = sorted(set(fields) - known)
        if unknown:
            raise InvalidValueError(
                f"rule {name!r} has no key(s) {unknown}; its keys are {sorted(known)}"
            )
        missing = sorted(required - set(fields))
        if missing:
            raise InvalidValueError(f"rule {name!r} needs key(s) {missing}")
    try:
        return kind._from_fields(fields)
    except TypeError as exc:  # e.g. a list where a text belongs, caught by a comparison
        raise InvalidValueError(f"rule {name!r}: {exc}") from exc


def parse_expectations(rules: Iterable[Expectation | Mapping[str, Any]]) -> tuple[Expectation, ...]:
    """Rules given as objects or dicts, as objects; a bad one is named by its position.

    Raises:
        InvalidValueError: ``rules`` is not a list, or rule ``i`` is malformed.
    """
    if isinstance(rules, str | bytes | Mapping) or not isinstance(rules, Iterable):
        raise InvalidValueError(f"rules must be a list of rules, not {type(rules).__name__}")
    parsed = []
    for position, rule in enumerate(rules):
        if isinstance(rule, Expectation):
            parsed.append(rule)
            continue
        try:
            parsed.append(expectation_from_dict(rule))
        except InvalidValueError as exc:
            raise InvalidValueError(f"rule {position + 1}: {exc}") from exc
    return tuple(parsed)


class ExpectationFactory:
    """The Python form of the rules: ``expect.between("age", 0, 120)``, ``expect.unique("id")``."""

    @staticmethod
    def not_null(column: str) -> NotNull:
        """Every value of ``column`` is present."""
        return NotNull(column)

    @staticmethod
    def between(
        column: str,
        min: Scalar | None = None,
        max: Scalar | None = None,
        *,
        min_inclusive: bool = True,
        max_inclusive: bool = True,
    ) -> Between:
        """Every value of ``column`` lies between ``min`` and ``max``."""
        return Between(column, min, max, min_inclusive, max_inclusive)

    @staticmethod
    def in_set(column: str, values: Iterable[Scalar]) -> InSet:
        """Every value of ``column`` is one of ``values``."""
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise InvalidValueError(f"in_set: values must be a list, not {values!r}")
        return InSet(column, tuple(values))

    @staticmethod
    def matches_regex(column: str, pattern: str) -> MatchesRegex:
        """Every value of ``column`` contains a match of ``pattern`` (RE2)."""
        return MatchesRegex(column, pattern)

    @staticmethod
    def unique(*columns: str) -> Unique:
        """No two rows share a value of ``columns``: ``unique("id")``, ``unique("a", "b")``."""
        return Unique(columns)

    @staticmethod
    def dtype(column: str, dtype: str) -> Dtype:
        """``column`` holds values of kind ``dtype`` (``int``, ``float``, ``string``, ...)."""
        return Dtype(column, dtype)

    @staticmethod
    def mean_between(
        column: str, min: float | None = None, max: float | None = None
    ) -> MeanBetween:
        """The mean of ``column`` lies between ``min`` and ``max``."""
        return MeanBetween(column, min, max)

    @staticmethod
    def column_exists(column: str) -> ColumnExists:
        """The data has ``column``."""
        return ColumnExists(column)

    @staticmethod
    def no_extra_columns(allowed: Iterable[str]) -> NoExtraColumns:
        """The data has no column beyond ``allowed``."""
        return NoExtraColumns(tuple(_columns(allowed, "no_extra_columns: allowed")))

    @staticmethod
    def compare(column: str, op: str, other: str) -> CompareColumns:
        """In every row ``column <op> other`` holds, e.g. ``compare("start", "<=", "end")``."""
        return CompareColumns(column, op, other)


expect = ExpectationFactory()
"""Build rules in Python: ``expect.not_null("id")``, ``expect.compare("start", "<=", "end")``."""
