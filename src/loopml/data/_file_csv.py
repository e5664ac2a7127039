"""CSV files into record batches: dialect detection, stable column types, malformed rows.

Reading is pyarrow's streaming CSV reader fed by :class:`DecodedStream` (hashing, strict
decoding), in blocks of :data:`BLOCK_BYTES`, so memory stays bounded by a few blocks.

Column types come from a sample (the first :data:`SAMPLE_BYTES` of every file, unified across
files: int with float is float, anything else that differs is string) and are then fixed for the
whole read, so every chunk gets the same types. A later value that does not fit (``"n/a"`` in an
int column on line 5,000,000) is an error naming the file, the line and the value, found by
re-reading that one column; ``column_types`` overrides any column.

Rows with the wrong number of fields are counted with their line numbers (a line number is the
CSV record's number, the header being line 1; it is the physical line unless a quoted value
holds line breaks). ``on_bad_lines="fail"`` stops the ingest with the first few,
``"skip"`` leaves them out and records them in the source.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from loopml.core import InvalidValueError
from loopml.data._file_text import (
    DecodedStream,
    decode_sample,
    detect_encoding,
    normalize_encoding,
    read_sample,
    sniff_delimiter,
)
from loopml.data._ingest import MAX_RECORDED_LINES, check_column_names, check_known_columns

SAMPLE_BYTES = 1 << 22
BLOCK_BYTES = 1 << 22
FAIL_AFTER_BAD_LINES = 10
BAD_LINE_MODES = ("fail", "skip")
_CONVERSION_ERROR = re.compile(
    r"In CSV column #(\d+): (?:Row #(\d+): )?CSV conversion error to ([^:]+): "
    r"invalid value '(.*)'$",
    re.S,
)


@dataclass(frozen=True)
class CsvOptions:
    """How to read CSV files; None means detect (encoding, delimiter) or Arrow's default."""

    encoding: str | None = None
    delimiter: str | None = None
    header: bool = True
    column_names: tuple[str, ...] | None = None
    quotechar: str | None = '"'
    escapechar: str | None = None
    na_values: tuple[str, ...] | None = None
    column_types: Mapping[str, pa.DataType] = field(default_factory=dict)
    on_bad_lines: str = "fail"

    def __post_init__(self) -> None:
        if self.encoding is not None:
            normalize_encoding(self.encoding)
        for label, char in (
            ("delimiter", self.delimiter),
            ("quotechar", self.quotechar),
            ("escapechar", self.escapechar),
        ):
            if char is not None and (not isinstance(char, str) or len(char) != 1):
                raise InvalidValueError(f"{label} must be one character, not {char!r}")
        if self.delimiter is not None and self.delimiter in "\r\n":
            raise InvalidValueError("delimiter cannot be a line break")
        if self.on_bad_lines not in BAD_LINE_MODES:
            raise InvalidValueError(
                f"on_bad_lines must be one of {list(BAD_LINE_MODES)}, not {self.on_bad_lines!r}"
            )

    def recorded(self) -> dict[str, Any]:
        """The options as given, for the source record."""
        return {
            "header": self.header,
            "column_names": list(self.column_names) if self.column_names else None,
            "quotechar": self.quotechar,
            "escapechar": self.escapechar,
            "na_values": list(self.na_values) if self.na_values is not None else None,
            "column_types": {k: str(v) for k, v in self.column_types.items()},
            "on_bad_lines": self.on_bad_lines,
        }


@dataclass
class CsvFile:
    """One file's dialect and sampled schema, then what reading it found."""

    path: Path
    encoding: str
    encoding_detected: bool
    delimiter: str
    delimiter_detected: bool
    names: list[str]
    sample_schema: pa.Schema
    size: int = 0
    sha256: str = ""
    bad_line_count: int = 0
    bad_lines: list[int] = field(default_factory=list)

    def recorded(self) -> dict[str, Any]:
        """This file in the source record."""
        return {
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "encoding_detected": self.encoding_detected,
            "delimiter": self.delimiter,
            "delimiter_detected": self.delimiter_detected,
            "skipped_line_count": self.bad_line_count,
            "skipped_lines": self.bad_lines,
        }


class _BadLines:
    """pyarrow's invalid-row handler: count and remember malformed rows, skip or stop."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.count = 0
        self.rows: list[tuple[int | None, int, int, str]] = []

    def __call__(self, row: Any) -> str:
        self.count += 1
        if len(self.rows) < MAX_RECORDED_LINES:
            self.rows.append((row.number, row.expected_columns, row.actual_columns, row.text))
        if self.mode == "fail" and self.count >= FAIL_AFTER_BAD_LINES:
            return "error"
        return "skip"

    def error(self, path: Path) -> InvalidValueError:
        shown = "; ".join(
            f"line {number if number is not None else '?'}: {actual} fields, expected "
            f"{expected} ({_clip(text)!r})"
            for number, expected, actual, text in self.rows[:FAIL_AFTER_BAD_LINES]
        )
        more = (
            " (and maybe more: reading stopped there)" if self.count >= FAIL_AFTER_BAD_LINES else ""
        )
        return InvalidValueError(
            f"{path}: {self.count} malformed row{'s' if self.count > 1 else ''}{more}: {shown}. "
            "Fix them, or skip them with on_bad_lines='skip' (CLI: --on-bad-lines skip)"
        )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _encoding_advice(encoding: str, detected: bool) -> str:
    how = f"{encoding} was detected from the first bytes" if detected else f"{encoding} was given"
    return f"{how}; pass the file's encoding with encoding=... (CLI: --encoding)"


def _read_options(
    options: CsvOptions, names: Sequence[str] | None, block_size: int
) -> pcsv.ReadOptions:
    # Row numbers of malformed rows are known only when parsing is single-threaded.
    return pcsv.ReadOptions(
        use_threads=False,
        block_size=block_size,
        column_names=list(names) if names is not None else None,
        skip_rows=1 if options.header and names is not None else 0,
    )


def _parse_options(options: CsvOptions, delimiter: str, handler: _BadLines) -> pcsv.ParseOptions:
    return pcsv.ParseOptions(
        delimiter=delimiter,
        quote_char=options.quotechar if options.quotechar is not None else False,
        escape_char=options.escapechar if options.escapechar is not None else False,
        newlines_in_values=options.quotechar is not None,
        invalid_row_handler=handler,
    )


def _convert_options(
    options: CsvOptions,
    column_types: Mapping[str, pa.DataType] | None = None,
    include: Sequence[str] | None = None,
) -> pcsv.ConvertOptions:
    kwargs: dict[str, Any] = {"strings_can_be_null": True, "check_utf8": False}
    if options.na_values is not None:
        kwargs["null_values"] = list(options.na_values)
    if column_types:
        kwargs["column_types"] = dict(column_types)
    if include is not None:
        kwargs["include_columns"] = list(include)
    return pcsv.ConvertOptions(**kwargs)


def plan_file(path: Path, options: CsvOptions) -> CsvFile:
    """Detect one file's encoding and delimiter and infer its columns from a sample.

    Raises:
        InvalidValueError: the file is empty, not text, not in its encoding, or unreadable as CSV.
    """
    sample = read_sample(path)
    if not sample:
        raise InvalidValueError(f"{path} is empty")
    whole = path.stat().st_size <= len(sample)
    encoding = normalize_encoding(options.encoding) if options.encoding else None
    detected_encoding = encoding is None
    encoding = encoding or detect_encoding(path, sample)
    text = decode_sample(sample, encoding, whole_file=whole)
    delimiter = options.delimiter or sniff_delimiter(text)
    delimiter_detected = options.delimiter is None and delimiter is not None
    delimiter = delimiter or ","
    names = _given_names(options, text, delimiter)
    handler = _BadLines("skip")
    stream = DecodedStream(path, encoding, advice=_encoding_advice(encoding, detected_encoding))
    try:
        reader = pcsv.open_csv(
            stream,
            read_options=_read_options(options, names, SAMPLE_BYTES),
            parse_options=_parse_options(options, delimiter, handler),
            convert_options=_convert_options(options, options.column_types),
        )
        schema = reader.schema
    except pa.ArrowInvalid as exc:
        raise InvalidValueError(f"{path}: cannot read it as CSV: {exc}") from None
    finally:
        stream.close()
    check_column_names(schema.names, where=str(path))
    return CsvFile(
        path=path,
        encoding=encoding,
        encoding_detected=detected_encoding,
        delimiter=delimiter,
        delimiter_detected=delimiter_detected,
        names=schema.names,
        sample_schema=schema,
    )


def _given_names(options: CsvOptions, text: str, delimiter: str) -> list[str] | None:
    if options.column_names is not None:
        return list(options.column_names)
    if options.header:
        return None
    reader = (
        csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=options.quotechar)
        if options.quotechar
        else csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_NONE)
    )
    first = next(reader, [])
    return [f"column_{index + 1}" for index in range(max(len(first), 1))]


def unify_schemas(files: Sequence[CsvFile], options: CsvOptions) -> pa.Schema:
    """One schema for all files: same names in the same order, types unified, overrides last.

    Raises:
        InvalidValueError: a file's columns differ from the first file's (naming both).
    """
    first = files[0]
    check_known_columns(options.column_types, first.names, what="column_types")
    types = list(first.sample_schema.types)
    for other in files[1:]:
        if other.names != first.names:
            missing = [n for n in first.names if n not in other.names]
            extra = [n for n in other.names if n not in first.names]
            detail = f"missing {missing}, extra {extra}" if missing or extra else "in another order"
            raise InvalidValueError(
                f"{other.path} has different columns from {first.path}: {detail}; every file of "
                "one dataset needs the same columns"
            )
        types = [_unify(a, b) for a, b in zip(types, other.sample_schema.types, strict=True)]
    fields = []
    for name, kind in zip(first.names, types, strict=True):
        kind = options.column_types.get(name, kind)
        fields.append(pa.field(name, pa.string() if pa.types.is_null(kind) else kind))
    return pa.schema(fields)


def _unify(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    numeric = (pa.types.is_integer, pa.types.is_floating)
    if all(any(test(t) for test in numeric) for t in (a, b)):
        return pa.float64()
    return pa.string()


def read_batches(
    files: Sequence[CsvFile],
    schema: pa.Schema,
    options: CsvOptions,
    *,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream every file's rows as batches of ``schema``, filling in each file's findings.

    Raises:
        InvalidValueError: a decoding error, malformed rows in "fail" mode, or a value that does
            not fit its column's type (each naming the file and the line).
    """
    for file in files:
        yield from _read_file(file, schema, options, on_bytes)


def _read_file(
    file: CsvFile,
    schema: pa.Schema,
    options: CsvOptions,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[pa.RecordBatch]:
    handler = _BadLines(options.on_bad_lines)
    names = _given_names_for(file, options)
    types = dict(zip(schema.names, schema.types, strict=True))
    stream = DecodedStream(
        file.path,
        file.encoding,
        advice=_encoding_advice(file.encoding, file.encoding_detected),
        on_bytes=on_bytes,
    )
    rows = 0
    try:
        reader = pcsv.open_csv(
            stream,
            read_options=_read_options(options, names, BLOCK_BYTES),
            parse_options=_parse_options(options, file.delimiter, handler),
            convert_options=_convert_options(options, types),
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            rows += batch.num_rows
            yield batch
    except pa.ArrowInvalid as exc:
        if handler.count >= FAIL_AFTER_BAD_LINES and options.on_bad_lines == "fail":
            raise handler.error(file.path) from None
        raise _read_error(file, str(exc), rows) from None
    except (pa.ArrowException, OSError) as exc:
        raise InvalidValueError(f"cannot read {file.path}: {exc}") from None
    finally:
        stream.close()
    if handler.count and options.on_bad_lines == "fail":
        raise handler.error(file.path)
    file.size, file.sha256 = stream.size, stream.sha256
    file.bad_line_count = handler.count
    file.bad_lines = [number for number, *_ in handler.rows if number is not None]


def _given_names_for(file: CsvFile, options: CsvOptions) -> list[str] | None:
    return None if options.header and options.column_names is None else file.names


def _read_error(file: CsvFile, message: str, rows_before: int) -> InvalidValueError:
    match = _CONVERSION_ERROR.search(message)
    if match is None:
        return InvalidValueError(f"{file.path}: cannot read it as CSV: {message}")
    column = file.names[int(match.group(1))]
    kind, value = match.group(3), match.group(4)
    # pyarrow names the row when parsing is single-threaded (the header is row 1)
    row = match.group(2)
    where = f"line {int(row):,}" if row is not None else f"after data row {rows_before:,}"
    return InvalidValueError(
        f"{file.path}, {where}: column {column!r} has {value!r}, which is not {kind} like the "
        "values sampled from the start of the file; read the column as text with "
        f"column_types={{{column!r}: 'string'}} (CLI: --type {column}=string)"
    )
