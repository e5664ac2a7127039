"""From any connector's output to a DatasetVersion with its source record.

Every connector (files, SQL, HTTP, web) ends in :func:`ingest_stream`, so every ingest behaves
the same way:

- Record batches are streamed into :func:`~loopml.data.log_dataset`: memory is bounded by a
  batch, not by the data. An error raised while reading (a malformed row on line 7,000,000, a
  query that fails half-way) propagates out of the stream before anything is recorded, so a
  failed ingest leaves no version behind.
- The source record is completed only once the stream has been read, because the row count,
  the skipped lines and the warnings are known only then. Every source record has ``kind``,
  ``format_version`` (:data:`SOURCE_FORMAT_VERSION`), ``ingested_at`` (ms since the epoch),
  ``rows`` and ``warnings``; each connector adds its own fields (files and their sha256, a
  URL, a query).

Connectors that produce Python values (SQL rows, JSON lines) turn them into batches with
:func:`typed_batches`, which fixes one Arrow schema for the whole stream from the first rows,
so chunk 1 cannot say int64 while chunk 7 says string.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from loopml.core import InvalidValueError, now_ms
from loopml.data._datasets import DatasetVersion, check_dataset_name, log_dataset
from loopml.store import Stores

SOURCE_FORMAT_VERSION = 1
LOOKAHEAD_ROWS = 100_000
MAX_RECORDED_LINES = 1_000  # skipped line numbers kept in a source record (all are counted)

ColumnTypes = Mapping[str, "str | pa.DataType"]


# -- storing a stream -------------------------------------------------------------------------


@dataclass
class _StreamState:
    rows: int = 0
    finished: bool = False


def _counted(batches: Iterable[pa.RecordBatch], state: _StreamState) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        state.rows += batch.num_rows
        yield batch
    state.finished = True


class _SourceAfterStream(Mapping[str, Any]):
    """A source record built on first access, which ``log_dataset`` makes after the stream."""

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build
        self._record: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._record is None:
            self._record = self._build()
        return self._record

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def ingest_stream(
    schema: pa.Schema,
    batches: Iterable[pa.RecordBatch],
    *,
    name: str,
    source: Callable[[], Mapping[str, Any]],
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    stores: Stores | None = None,
) -> DatasetVersion:
    """Store a stream of record batches as a version of ``name`` with its source record.

    Args:
        schema: the schema of every batch.
        batches: consumed once; an exception raised while iterating aborts the ingest and
            nothing is recorded.
        source: called once, after the last batch, for the connector's part of the source
            record; it must hold ``kind`` and only JSON values. ``format_version``,
            ``ingested_at``, ``rows`` and ``warnings`` (when absent) are added here.

    Identical content returns the version that already holds it, with the source recorded
    when that version was made.

    Raises:
        InvalidValueError: the name or the column names are not usable, or the data cannot be
            stored.
    """
    check_dataset_name(name)
    check_column_names(schema.names, where="the data")
    state = _StreamState()

    def record() -> dict[str, Any]:
        if not state.finished:
            raise RuntimeError("the source record was read before the stream ended")
        details = dict(source())
        if "kind" not in details:
            raise ValueError("a connector's source record must say its 'kind'")
        warnings = list(details.pop("warnings", []))
        if state.rows == 0:
            warnings.append("no rows: the version has the columns but no data")
        return {
            "kind": details.pop("kind"),
            "format_version": SOURCE_FORMAT_VERSION,
            "ingested_at": now_ms(),
            "rows": state.rows,
            "warnings": warnings,
            **details,
        }

    reader = pa.RecordBatchReader.from_batches(schema, _counted(batches, state))
    return log_dataset(
        reader,
        name=name,
        source=_SourceAfterStream(record),
        parents=parents,
        description=description,
        stores=stores,
    )


def ingest_table(
    table: pa.Table,
    *,
    name: str,
    source: Mapping[str, Any],
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    stores: Stores | None = None,
) -> DatasetVersion:
    """:func:`ingest_stream` for data that is already one table (e.g. a page of an API)."""
    details = dict(source)
    return ingest_stream(
        table.schema,
        table.to_batches(),
        name=name,
        source=lambda: details,
        parents=parents,
        description=description,
        stores=stores,
    )


def check_column_names(names: Sequence[str], *, where: str) -> None:
    """Raise :class:`InvalidValueError` for empty or duplicate column names in ``where``."""
    empty = [index + 1 for index, column in enumerate(names) if not column.strip()]
    if empty:
        raise InvalidValueError(
            f"{where}: column {', '.join(map(str, empty[:5]))} has no name; every column "
            "needs one (give column_names, or fix the header)"
        )
    dupes = sorted({column for column, count in Counter(names).items() if count > 1})
    if dupes:
        raise InvalidValueError(f"{where}: duplicate column names {dupes}")


def parse_column_types(column_types: ColumnTypes | None) -> dict[str, pa.DataType]:
    """``{"age": "int64", "when": pa.timestamp("s")}`` as Arrow types.

    Raises:
        InvalidValueError: a type name Arrow does not know.
    """
    parsed: dict[str, pa.DataType] = {}
    for column, kind in (column_types or {}).items():
        if isinstance(kind, pa.DataType):
            parsed[column] = kind
            continue
        try:
            parsed[column] = pa.type_for_alias(str(kind))
        except (ValueError, KeyError):
            raise InvalidValueError(
                f"column_types[{column!r}]: unknown type {kind!r}; use an Arrow type name such "
                "as int64, float64, string, bool, date32, timestamp[s]"
            ) from None
    return parsed


def check_known_columns(wanted: Iterable[str], available: Sequence[str], *, what: str) -> None:
    """Raise :class:`InvalidValueError` when ``wanted`` names a column not in ``available``."""
    unknown = [column for column in wanted if column not in available]
    if unknown:
        raise InvalidValueError(
            f"{what} names columns that are not in the data: {unknown}; columns: {list(available)}"
        )


# -- progress ---------------------------------------------------------------------------------


@contextmanager
def progress_bar(
    description: str, *, total: int | None, unit: str, enabled: bool
) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; yields ``advance(amount)``.

    ``unit`` is ``"bytes"`` (shown as MB) or ``"rows"``. It shows only when ``enabled`` and
    stderr is a terminal; otherwise it costs one call per chunk.
    """
    columns: list[ProgressColumn | str] = [TextColumn("{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if unit == "bytes" else MofNCompleteColumn())
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    console = Console(stderr=True)
    # Not on a terminal (a pipe, a log file, a test) a bar would only add stray lines.
    disabled = not enabled or not console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=disabled) as progress:
        task = progress.add_task(description, total=total)
        yield lambda amount: progress.advance(task, amount)


# -- Python rows into typed batches -----------------------------------------------------------


@dataclass(frozen=True)
class RowChunk:
    """Some rows of Python values, by column, and where each row came from.

    ``columns`` maps each column present to one value per row (a missing column is null);
    ``numbers[i]`` with ``origin`` names row ``i`` in errors: ``"a.jsonl, line"`` + ``12``.
    """

    columns: Mapping[str, Sequence[Any]]
    numbers: Sequence[int]
    origin: str

    def describe(self, index: int) -> str:
        """Where row ``index`` of this chunk came from."""
        return f"{self.origin} {self.numbers[index]:,}"


@dataclass
class TypedStream:
    """What :func:`typed_batches` returns: the fixed schema, the batches, and warnings."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    warnings: list[str] = field(default_factory=list)


def typed_batches(
    chunks: Iterable[RowChunk],
    *,
    columns: Sequence[str] | None = None,
    column_types: Mapping[str, pa.DataType] | None = None,
    type_hints: Mapping[str, pa.DataType] | None = None,
    lookahead_rows: int | None = None,
    hint: str = "pass column_types={...} to choose the type",
) -> TypedStream:
    """Give a stream of Python rows one Arrow schema, fixed from its first rows.

    The first ``lookahead_rows`` rows (whole chunks; default :data:`LOOKAHEAD_ROWS`) are read
    ahead. Each column's type comes from ``column_types`` (the user's), else ``type_hints`` (a
    driver's), else those rows: one JSON-like type gives that type (ints and floats together
    give float64), mixed types give string (non-strings as JSON text), a column null in all of
    them is string, and decimals without a hint are float64 (with a warning). Later rows must
    fit: ints may widen to floats and anything may become text in a string column; anything
    else raises, naming the row.

    Args:
        columns: the columns, in order (SQL). None: the keys in first-seen order (JSON lines);
            then a key first seen after the lookahead is an error. Given, other keys are
            ignored.
        hint: appended to a type-mismatch error, saying how to fix it in this connector.

    Raises:
        InvalidValueError: a value does not fit its column's type, or a new column appears.
    """
    lookahead_rows = LOOKAHEAD_ROWS if lookahead_rows is None else lookahead_rows
    chunks = iter(chunks)
    ahead: list[RowChunk] = []
    buffered = 0
    for chunk in chunks:
        ahead.append(chunk)
        buffered += len(chunk.numbers)
        if buffered >= lookahead_rows:
            break
    names = list(columns) if columns is not None else _first_seen(ahead)
    check_column_names(names, where=ahead[0].origin.split(",")[0] if ahead else "the data")
    warnings: list[str] = []
    types = {**(type_hints or {}), **(column_types or {})}
    fields = []
    for name in names:
        if name in types:
            kind = types[name]
        else:
            kind = _infer_type([v for c in ahead for v in c.columns.get(name, ())])
            if pa.types.is_decimal(kind):
                kind = pa.float64()
                warnings.append(
                    f"column {name!r}: decimals without a declared precision are stored as float64"
                )
        fields.append(pa.field(name, kind))
    schema = pa.schema(fields)
    known_rows = buffered

    def convert(chunk: RowChunk) -> pa.RecordBatch:
        if columns is None:
            extra = [
                name
                for name, values in chunk.columns.items()
                if name not in schema.names and any(value is not None for value in values)
            ]
            if extra:  # a new field with only nulls loses nothing when it is left out
                raise _new_column_error(chunk, extra[0], known_rows)
        rows = len(chunk.numbers)
        arrays = []
        for schema_field in schema:
            values = chunk.columns.get(schema_field.name)
            if values is None:
                arrays.append(pa.nulls(rows, schema_field.type))
            else:
                arrays.append(_to_array(values, schema_field, chunk, known_rows, hint))
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def generate() -> Iterator[pa.RecordBatch]:
        while ahead:
            yield convert(ahead.pop(0))
        for chunk in chunks:
            yield convert(chunk)

    return TypedStream(schema, generate(), warnings)


def _first_seen(chunks: Sequence[RowChunk]) -> list[str]:
    names: dict[str, None] = {}
    for chunk in chunks:
        names.update(dict.fromkeys(chunk.columns))
    return list(names)


def _new_column_error(chunk: RowChunk, column: str, known_rows: int) -> InvalidValueError:
    values = chunk.columns[column]
    index = next((i for i, value in enumerate(values) if value is not None), 0)
    return InvalidValueError(
        f"{chunk.describe(index)}: new field {column!r}, not in the first {known_rows:,} rows "
        "that fixed the columns; list the columns to keep with columns=[...]"
    )


def _infer_type(values: Sequence[Any]) -> pa.DataType:
    present = [value for value in values if value is not None]
    if not present:
        return pa.string()
    try:
        kind = pa.array(present).type
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.string()  # mixed types, or integers beyond int64: keep them as text
    if pa.types.is_null(kind) or isinstance(kind, pa.ExtensionType):
        return pa.string()
    return kind


def _widens(source: pa.DataType, target: pa.DataType) -> bool:
    if source == target or pa.types.is_null(source):
        return True
    if pa.types.is_integer(source):
        return bool(
            pa.types.is_integer(target)
            or pa.types.is_floating(target)
            or pa.types.is_decimal(target)
        )
    if pa.types.is_decimal(source):
        return bool(pa.types.is_decimal(target) or pa.types.is_floating(target))
    if pa.types.is_timestamp(source) and pa.types.is_timestamp(target):
        return (source.tz is None) == (target.tz is None)
    nested = (pa.types.is_list, pa.types.is_struct)
    return any(test(source) and test(target) for test in nested)


def _to_array(
    values: Sequence[Any], target: pa.Field, chunk: RowChunk, known_rows: int, hint: str
) -> pa.Array:
    kind = target.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.array([as_text(value) for value in values], type=kind)
    try:
        inferred = pa.array(values)
        if _widens(inferred.type, kind):
            return inferred.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    for index, value in enumerate(values):
        if value is None:
            continue
        try:
            single = pa.array([value])
            if _widens(single.type, kind):
                single.cast(kind)
                continue
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            pass
        raise InvalidValueError(
            f"{chunk.describe(index)}: column {target.name!r} has {value!r}, which is not "
            f"{kind} like the first {known_rows:,} rows that fixed the column types; {hint}"
        )
    raise InvalidValueError(  # pragma: no cover - every value fits alone but not together
        f"{chunk.origin}: column {target.name!r} does not fit {kind}; {hint}"
    )


def as_text(value: Any) -> str | None:
    """A value for a text column: strings as they are, numbers and JSON values as JSON text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return str(value)
