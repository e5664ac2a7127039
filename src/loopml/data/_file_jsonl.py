"""JSON Lines files into row chunks: one JSON object per line, parsed with orjson.

Each object is flattened like an HTTP API's records (``_http_records.flatten_record``: nested
objects become ``parent.child`` columns, lists are kept as JSON text), so the same records give
the same table whichever way they arrive. Column types are fixed by
:func:`~loopml.data._ingest.typed_batches` from the first rows.

A line that is not JSON, or not an object, is a bad line: counted with its line number, and
skipped or fatal by ``on_bad_lines`` as for CSV. Blank lines are ignored.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from loopml.core import InvalidValueError
from loopml.data._file_text import DecodedStream, detect_encoding, read_sample
from loopml.data._http_records import flatten_record
from loopml.data._ingest import MAX_RECORDED_LINES, RowChunk

CHUNK_ROWS = 20_000
FAIL_AFTER_BAD_LINES = 10
# orjson reads integers beyond 64 bits as floats; such lines go through the exact stdlib parser.
_LONG_INTEGER = re.compile(rb"\d{20,}")


@dataclass
class JsonlFile:
    """One JSON Lines file and what reading it found."""

    path: Path
    encoding: str
    encoding_detected: bool
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
            "skipped_line_count": self.bad_line_count,
            "skipped_lines": self.bad_lines,
        }


def plan_file(path: Path, encoding: str | None) -> JsonlFile:
    """The file with its encoding (detected on a sample when None).

    Raises:
        InvalidValueError: the file is empty or is not text.
    """
    sample = read_sample(path)
    if not sample:
        raise InvalidValueError(f"{path} is empty")
    if encoding is not None:
        return JsonlFile(path, encoding, encoding_detected=False)
    return JsonlFile(path, detect_encoding(path, sample), encoding_detected=True)


def read_chunks(
    files: Sequence[JsonlFile],
    *,
    on_bad_lines: str,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[RowChunk]:
    """Every file's objects, flattened, in chunks of :data:`CHUNK_ROWS` rows.

    Raises:
        InvalidValueError: a decoding error, or bad lines in "fail" mode (naming the first few).
    """
    for file in files:
        yield from _read_file(file, on_bad_lines, on_bytes)


def _read_file(
    file: JsonlFile, on_bad_lines: str, on_bytes: Callable[[int], None] | None
) -> Iterator[RowChunk]:
    how = "was detected from the first bytes" if file.encoding_detected else "was given"
    advice = f"{file.encoding} {how}; pass the file's encoding with encoding=... (CLI: --encoding)"
    stream = DecodedStream(file.path, file.encoding, advice=advice, on_bytes=on_bytes)
    bad: list[tuple[int, str]] = []
    bad_count = 0
    origin = f"{file.path}, line"
    columns: dict[str, list[Any]] = {}
    numbers: list[int] = []
    try:
        for number, line in enumerate(io.BufferedReader(stream, 1 << 20), start=1):
            if not line.strip():
                continue
            record, problem = _parse(line)
            if problem:
                bad_count += 1
                if len(bad) < MAX_RECORDED_LINES:
                    bad.append((number, problem))
                if on_bad_lines == "fail" and bad_count >= FAIL_AFTER_BAD_LINES:
                    break
                continue
            try:
                flat = flatten_record(record)
            except InvalidValueError as exc:
                raise InvalidValueError(f"{origin} {number:,}: {exc}") from None
            _append(columns, flat, len(numbers))
            numbers.append(number)
            if len(numbers) >= CHUNK_ROWS:
                yield RowChunk(columns, numbers, origin)
                columns, numbers = {}, []
    finally:
        stream.close()
    if bad_count and on_bad_lines == "fail":
        raise _bad_lines_error(file.path, bad, bad_count)
    if numbers:
        yield RowChunk(columns, numbers, origin)
    file.size, file.sha256 = stream.size, stream.sha256
    file.bad_line_count = bad_count
    file.bad_lines = [number for number, _ in bad]


def _parse(line: bytes) -> tuple[dict[str, Any], str]:
    try:
        value = json.loads(line) if _LONG_INTEGER.search(line) else orjson.loads(line)
    except ValueError as exc:  # orjson.JSONDecodeError and json.JSONDecodeError are ValueErrors
        return {}, f"not JSON ({str(exc).split(':')[0]})"
    if not isinstance(value, dict):
        kind = "list" if isinstance(value, list) else type(value).__name__
        return {}, f"a JSON {kind}, not an object"
    return value, ""


def _append(columns: dict[str, list[Any]], flat: dict[str, Any], rows_before: int) -> None:
    for key, value in flat.items():
        values = columns.get(key)
        if values is None:
            values = columns[key] = [None] * rows_before
        values.append(value)
    for values in columns.values():
        if len(values) == rows_before:
            values.append(None)


def _bad_lines_error(path: Path, bad: list[tuple[int, str]], count: int) -> InvalidValueError:
    shown = "; ".join(
        f"line {number:,}: {problem}" for number, problem in bad[:FAIL_AFTER_BAD_LINES]
    )
    more = " (and maybe more: reading stopped there)" if count >= FAIL_AFTER_BAD_LINES else ""
    return InvalidValueError(
        f"{path}: {count} bad line{'s' if count > 1 else ''}{more}: {shown}. Fix them, or skip "
        "them with on_bad_lines='skip' (CLI: --on-bad-lines skip)"
    )
