"""JSON records into one Arrow table: find the records in a page, flatten them, type the columns.

Decisions (documented in docs/data-web.md):

- A nested object becomes columns joined with ``.``: ``{"user": {"id": 1}}`` -> ``user.id``.
  Objects in objects are flattened all the way down.
- A list value is kept as its compact JSON text (``'[1,2]'``): lists of records do not fit one
  row, and JSON text round-trips exactly.
- A column whose values share one JSON type gets that type (bool, int64, float64 when ints and
  floats mix, string). A column whose values have different JSON types, or integers beyond
  int64, is stored as text: strings as they are, every other value as its JSON text. A column
  that is null everywhere is a string column.
- A page whose records are plain values (``[1, 2, 3]``) gives one column, ``value``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from loopml.core import InvalidValueError

SEPARATOR = "."
VALUE_COLUMN = "value"


def value_at(document: Any, path: str | None) -> Any:
    """The value at a dotted ``path`` in a JSON document (the document itself for None/"")."""
    if not path:
        return document
    current = document
    for key in path.split("."):
        if isinstance(current, Mapping) and key in current:
            current = current[key]
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            raise KeyError(key)
    return current


def records_in_page(document: Any, path: str | None, *, where: str) -> list[Any]:
    """The list of records at ``path`` in one page.

    Raises:
        InvalidValueError: the path is missing, or holds something other than a list (or null,
            read as no records).
    """
    try:
        found = value_at(document, path)
    except KeyError as exc:
        keys = sorted(document)[:20] if isinstance(document, Mapping) else []
        hint = f"; top-level keys: {keys}" if keys else f"; the page is a {_json_type(document)}"
        raise InvalidValueError(
            f"{where} has no {path!r} (missing key {exc.args[0]!r}){hint}. "
            "Set records_path to where the list of records is ('' if the page is the list)."
        ) from None
    if found is None:
        return []
    if not isinstance(found, list):
        raise InvalidValueError(
            f"{where}: {path or 'the page'!r} is a {_json_type(found)}, not a list of records"
        )
    return found


def flatten_record(record: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """One JSON object as a flat ``{column: value}`` (nested objects joined with ``.``)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        column = f"{prefix}{key}"
        if isinstance(value, Mapping):
            nested = flatten_record(value, prefix=column + SEPARATOR)
            for nested_column, nested_value in nested.items():
                _put(flat, nested_column, nested_value)
        elif isinstance(value, list):
            _put(flat, column, _json_text(value))
        else:
            _put(flat, column, value)
    return flat


def _put(flat: dict[str, Any], column: str, value: Any) -> None:
    if column in flat:
        raise InvalidValueError(
            f"two fields flatten to the same column {column!r} (a key with a '.' in it and a "
            "nested object); rename one of them upstream"
        )
    flat[column] = value


def records_to_table(records: Sequence[Any]) -> pa.Table:
    """Records (JSON objects, or plain values) as an Arrow table, columns in first-seen order.

    Raises:
        InvalidValueError: objects and plain values are mixed.
    """
    objects = [isinstance(r, Mapping) for r in records]
    if any(objects) and not all(objects):
        first_plain = objects.index(False)
        raise InvalidValueError(
            f"records mix JSON objects and plain values (record {first_plain} is a "
            f"{_json_type(records[first_plain])}); every record must be an object"
        )
    if objects and not objects[0]:
        rows = [{VALUE_COLUMN: _as_cell(r)} for r in records]
    else:
        rows = [flatten_record(r) for r in records]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return pa.table({name: _column([row.get(name) for row in rows]) for name in columns})


def _as_cell(value: Any) -> Any:
    return _json_text(value) if isinstance(value, list | Mapping) else value


def _column(values: list[Any]) -> pa.Array:
    kinds = {_kind(v) for v in values if v is not None}
    if not kinds:
        return pa.array(values, type=pa.string())
    if len(kinds) == 1 or kinds == {"int", "float"}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass  # integers beyond int64: keep every digit as text
    return pa.array([_as_text(v) for v in values], type=pa.string())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else type(value).__name__


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    # stdlib json: exact for integers of any size (orjson stops at 64 bits)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "JSON object"
    if isinstance(value, list):
        return "JSON list"
    if value is None:
        return "null"
    return f"JSON {_kind(value)}"
