"""Schemas: what a dataset's columns looked like, inferred from data and checked against new data.

A :class:`Schema` is a list of column descriptions (kind of values, whether missing values occur,
observed range, allowed categories, uniqueness) plus any declared rules, and it turns into plain
expectations (:meth:`Schema.expectations`), so validating against a schema and against hand-written
rules is one mechanism. It is stored as JSON with a format version (``format_version``); readers
refuse a newer format rather than misread it.

Inference is a heuristic with knobs, not a truth: ranges are the observed ones (widened by
``margin``), text columns with few distinct values become allowed sets, and integer or text columns
whose values are all distinct are marked unique. Review an inferred schema before relying on it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from loopml.core import InvalidValueError, NotFoundError, write_text_atomically
from loopml.data._datasets import DatasetVersion
from loopml.data._expectations import (
    DTYPES,
    Between,
    ColumnExists,
    Dtype,
    Expectation,
    InSet,
    NoExtraColumns,
    NotNull,
    Scalar,
    Unique,
    parse_expectations,
)
from loopml.data._validate import TableView

if TYPE_CHECKING:
    import pandas as pd

    from loopml.store import Stores

SCHEMA_FORMAT = "loopml.schema"
SCHEMA_FORMAT_VERSION = 1
RULES_FORMAT = "loopml.rules"
DEFAULT_MAX_CATEGORIES = 50
MIN_ROWS_FOR_UNIQUE = 50
"""Fewer values than this are distinct by chance too often to call a column unique."""
_COLUMN_KEYS = ("name", "dtype", "nullable", "min", "max", "allowed", "unique")
_SCHEMA_KEYS = (
    "format",
    "format_version",
    "strict",
    "inferred_from",
    "num_rows",
    "columns",
    "rules",
)


@dataclass(frozen=True)
class ColumnSchema:
    """What one column may hold. ``None`` means "not constrained"."""

    name: str
    dtype: str | None = None
    nullable: bool = True
    min: float | int | None = None
    max: float | int | None = None
    allowed: tuple[Scalar, ...] | None = None
    unique: bool = False

    def __post_init__(self) -> None:
        if self.allowed is not None and not isinstance(self.allowed, tuple):
            if isinstance(self.allowed, str | bytes) or not isinstance(self.allowed, Iterable):
                raise InvalidValueError(f"column {self.name!r}: allowed must be a list")
            object.__setattr__(self, "allowed", tuple(self.allowed))
        # Building the rules checks every field, with the rules' own messages.
        self.expectations()

    def expectations(self) -> tuple[Expectation, ...]:
        """The rules this description stands for, in a fixed order."""
        rules: list[Expectation] = [ColumnExists(self.name)]
        if self.dtype is not None:
            rules.append(Dtype(self.name, self.dtype))
        if not isinstance(self.nullable, bool) or not isinstance(self.unique, bool):
            raise InvalidValueError(f"column {self.name!r}: nullable and unique are true or false")
        if not self.nullable:
            rules.append(NotNull(self.name))
        if self.min is not None or self.max is not None:
            rules.append(Between(self.name, self.min, self.max))
        if self.allowed is not None:
            rules.append(InSet(self.name, tuple(self.allowed)))
        if self.unique:
            rules.append(Unique((self.name,)))
        return tuple(rules)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; unconstrained fields are left out."""
        data: dict[str, Any] = {"name": self.name, "dtype": self.dtype, "nullable": self.nullable}
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.allowed is not None:
            data["allowed"] = list(self.allowed)
        if self.unique:
            data["unique"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnSchema:
        """Read the JSON form back; unknown keys are refused."""
        if not isinstance(data, Mapping) or "name" not in data:
            raise InvalidValueError(
                f"a schema column must be a mapping with a 'name', not {data!r}"
            )
        unknown = sorted(set(data) - set(_COLUMN_KEYS))
        if unknown:
            raise InvalidValueError(
                f"schema column {data['name']!r} has unknown key(s) {unknown}; "
                f"known: {', '.join(_COLUMN_KEYS)}"
            )
        fields = dict(data)
        if isinstance(fields.get("allowed"), list):
            fields["allowed"] = tuple(fields["allowed"])
        return cls(**fields)


@dataclass(frozen=True)
class Schema:
    """Column descriptions and declared rules that data must satisfy.

    ``strict`` forbids columns the schema does not describe. ``rules`` holds further rules
    (relations between columns, regexes, mean bounds...). ``inferred_from`` and ``num_rows`` say
    where an inferred schema came from.
    """

    columns: tuple[ColumnSchema, ...]
    rules: tuple[Expectation, ...] = ()
    strict: bool = True
    inferred_from: str | None = None
    num_rows: int | None = None

    def __post_init__(self) -> None:
        columns = tuple(self.columns)
        if not all(isinstance(c, ColumnSchema) for c in columns):
            raise InvalidValueError("Schema.columns must be ColumnSchema objects")
        names = [column.name for column in columns]
        if len(set(names)) != len(names):
            raise InvalidValueError(f"the schema describes a column twice: {names}")
        if not isinstance(self.strict, bool):
            raise InvalidValueError(f"strict must be true or false, not {self.strict!r}")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "rules", parse_expectations(self.rules))

    @property
    def column_names(self) -> tuple[str, ...]:
        """The described columns, in order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSchema:
        """The description of column ``name``.

        Raises:
            NotFoundError: the schema does not describe it.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise NotFoundError("schema column", name, available=self.column_names)

    def with_rules(self, *rules: Expectation | Mapping[str, Any]) -> Schema:
        """A copy with ``rules`` added after the existing ones."""
        return replace(self, rules=(*self.rules, *parse_expectations(rules)))

    def expectations(self) -> tuple[Expectation, ...]:
        """Every rule the schema stands for: per column, then the column set, then ``rules``."""
        rules = [rule for column in self.columns for rule in column.expectations()]
        if self.strict:
            rules.append(NoExtraColumns(self.column_names))
        rules.extend(self.rules)
        return tuple(rules)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with the format name and version."""
        return {
            "format": SCHEMA_FORMAT,
            "format_version": SCHEMA_FORMAT_VERSION,
            "strict": self.strict,
            "inferred_from": self.inferred_from,
            "num_rows": self.num_rows,
            "columns": [column.to_dict() for column in self.columns],
            "rules": [rule.to_dict() for rule in self.rules],
        }

    def to_json(self) -> str:
        """The JSON text (indented, stable key order)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Read the JSON form back.

        Raises:
            InvalidValueError: not a loopml schema, a newer format, or a malformed column or rule.
        """
        if not isinstance(data, Mapping) or data.get("format") != SCHEMA_FORMAT:
            raise InvalidValueError(f'not a loopml schema (expected "format": "{SCHEMA_FORMAT}")')
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InvalidValueError(
                f"schema format_version must be a positive integer: {version!r}"
            )
        if version > SCHEMA_FORMAT_VERSION:
            raise InvalidValueError(
                f"this schema has format_version {version}, written by a newer loopml; "
                f"this one reads up to {SCHEMA_FORMAT_VERSION}"
            )
        unknown = sorted(set(data) - set(_SCHEMA_KEYS))
        if unknown:
            raise InvalidValueError(f"schema has unknown key(s) {unknown}")
        columns = data.get("columns", [])
        if not isinstance(columns, list):
            raise InvalidValueError("schema 'columns' must be a list")
        rules = data.get("rules", [])
        try:
            parsed_rules = parse_expectations(rules)
        except InvalidValueError as exc:
            raise InvalidValueError(f"schema rules: {exc}") from exc
        return cls(
            columns=tuple(ColumnSchema.from_dict(column) for column in columns),
            rules=parsed_rules,
            strict=data.get("strict", True),
            inferred_from=data.get("inferred_from"),
            num_rows=data.get("num_rows"),
        )

    @classmethod
    def from_json(cls, text: str) -> Schema:
        """Read the JSON text back (see :meth:`from_dict`)."""
        return cls.from_dict(_parse_json(text, "schema"))


def _parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidValueError(f"{what} is not valid JSON: {exc}") from exc


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _yaml() -> Any:
    import yaml  # a dependency of loopml; imported only when a YAML file is read or written

    return yaml


def _read_document(path: str | os.PathLike[str], what: str) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"{what} file", str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValueError(f"cannot read {what} file {path}: {exc}") from exc
    if _is_yaml(path):
        yaml = _yaml()
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidValueError(f"{what} file {path} is not valid YAML: {exc}") from exc
    return _parse_json(text, f"{what} file {path}")


def save_schema(schema: Schema, path: str | os.PathLike[str]) -> Path:
    """Write ``schema`` to ``path`` (JSON; YAML for ``.yaml``/``.yml``) and return the path.

    The file is written whole or not at all (a temporary file renamed into place).
    """
    if not isinstance(schema, Schema):
        raise InvalidValueError(f"save_schema takes a Schema, not {type(schema).__name__}")
    target = Path(path)
    text = (
        _yaml().safe_dump(schema.to_dict(), sort_keys=False)
        if _is_yaml(target)
        else schema.to_json()
    )
    if not target.parent.is_dir():
        raise NotFoundError("folder", str(target.parent))
    return write_text_atomically(target, text)


def load_schema(path: str | os.PathLike[str]) -> Schema:
    """The schema stored at ``path`` (JSON, or YAML when PyYAML is installed).

    Raises:
        NotFoundError: no such file.
        InvalidValueError: the file is not a valid schema.
    """
    data = _read_document(path, "schema")
    try:
        return Schema.from_dict(data)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{path}: {exc}") from exc


def load_rules(path: str | os.PathLike[str]) -> tuple[Expectation, ...]:
    """The rules in a rules file: a list of rule dicts, or ``{"rules": [...]}``.

    A schema file is accepted too (its rules are all of the schema's expectations).

    Raises:
        NotFoundError: no such file.
        InvalidValueError: the file holds no list of rules, or a rule is malformed.
    """
    data = _read_document(path, "rules")
    try:
        if isinstance(data, Mapping) and data.get("format") == SCHEMA_FORMAT:
            return Schema.from_dict(data).expectations()
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - {"format", "format_version", "rules"})
            if unknown or "rules" not in data:
                raise InvalidValueError(
                    'a rules file holds a list of rules or {"rules": [...]}; '
                    f"found keys {sorted(data)}"
                )
            data = data["rules"]
        return parse_expectations(data)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{path}: {exc}") from exc


def _describe_column(
    view: TableView, name: str, *, margin: float, max_categories: int, detect_unique: bool
) -> ColumnSchema:
    values = view.arrow(name)
    kind = view.kind(name)
    present = len(values) - values.null_count
    column = ColumnSchema(
        name, dtype=kind if kind in DTYPES else None, nullable=values.null_count > 0
    )
    if present == 0:
        return column
    if kind in ("int", "float"):
        plain = (
            values.cast(values.type.value_type) if pa.types.is_dictionary(values.type) else values
        )
        extremes = pc.min_max(plain).as_py()
        if kind == "int":
            low, high = int(extremes["min"]), int(extremes["max"])
            pad = math.ceil((high - low) * margin)  # exact for int64 ids beyond 2**53
            column = replace(column, min=low - pad, max=high + pad)
        else:
            low_f, high_f = float(extremes["min"]), float(extremes["max"])
            if math.isfinite(low_f) and math.isfinite(high_f):
                pad_f = (high_f - low_f) * margin
                column = replace(column, min=low_f - pad_f, max=high_f + pad_f)
        if (
            kind == "int"
            and detect_unique
            and present >= MIN_ROWS_FOR_UNIQUE
            and not view.pandas(name).dropna().duplicated().any()
        ):
            column = replace(column, unique=True)
    elif kind == "string":
        distinct = pc.unique(
            values.cast(values.type.value_type) if pa.types.is_dictionary(values.type) else values
        )
        distinct = distinct.drop_null()
        if detect_unique and present >= MIN_ROWS_FOR_UNIQUE and len(distinct) == present:
            column = replace(column, unique=True)
        elif len(distinct) <= max_categories and len(distinct) * 2 <= present:
            column = replace(column, allowed=tuple(sorted(distinct.to_pylist())))
    return column


def infer_schema(
    data: pd.DataFrame | pa.Table | DatasetVersion,
    *,
    margin: float = 0.0,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    detect_unique: bool = True,
    strict: bool = True,
    stores: Stores | None = None,
) -> Schema:
    """Describe ``data``'s columns as a schema that the same data passes.

    Args:
        data: a DataFrame, an Arrow table or a dataset version (read from the store).
        margin: widen each numeric range by this fraction of its width on both sides (0.1: a
            column seen in [0, 100] may hold [-10, 110]); integer ends are rounded outwards.
        max_categories: a text column with at most this many distinct values (and values
            repeating on average) gets them as its allowed set; 0 turns allowed sets off.
        detect_unique: mark integer and text columns whose values are all distinct as unique
            (from :data:`MIN_ROWS_FOR_UNIQUE` values on: below, distinct values prove little).
        strict: the schema refuses columns it does not describe.
        stores: where a dataset version is read from (the default stores when None).

    Raises:
        InvalidValueError: the data is not a table, or a knob is out of range.
    """
    if (
        isinstance(margin, bool)
        or not isinstance(margin, int | float)
        or not 0 <= margin < math.inf
    ):
        raise InvalidValueError(f"margin must be a number >= 0, not {margin!r}")
    if (
        isinstance(max_categories, bool)
        or not isinstance(max_categories, int)
        or max_categories < 0
    ):
        raise InvalidValueError(
            f"max_categories must be a whole number >= 0, not {max_categories!r}"
        )
    source = data.uri if isinstance(data, DatasetVersion) else None
    if isinstance(data, DatasetVersion):
        view = TableView.of_version(data, columns=None, stores=stores)
    else:
        view = TableView(data)
    columns = tuple(
        _describe_column(
            view,
            name,
            margin=float(margin),
            max_categories=max_categories,
            detect_unique=detect_unique,
        )
        for name in view.column_names
    )
    return Schema(columns, strict=strict, inferred_from=source, num_rows=view.num_rows)
