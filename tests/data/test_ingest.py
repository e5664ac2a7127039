"""The shared end of every connector: streaming into a version, the source record, stable types."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator

import pyarrow as pa
import pytest

from loopml.core import InvalidValueError
from loopml.data import list_datasets, load_dataset
from loopml.data._ingest import (
    SOURCE_FORMAT_VERSION,
    RowChunk,
    ingest_stream,
    ingest_table,
    parse_column_types,
    typed_batches,
)
from loopml.store import Stores


def _chunk(columns: dict[str, list[object]], first: int = 1) -> RowChunk:
    rows = len(next(iter(columns.values())))
    return RowChunk(columns, range(first, first + rows), "test.jsonl, line")


def _table(stream_chunks: list[RowChunk], **kwargs: object) -> pa.Table:
    stream = typed_batches(stream_chunks, **kwargs)  # type: ignore[arg-type]
    return pa.Table.from_batches(list(stream.batches), schema=stream.schema)


def test_stream_is_stored_with_a_complete_source_record(stores: Stores) -> None:
    schema = pa.schema([("x", pa.int64())])
    seen = {"calls": 0}

    def source() -> dict[str, object]:
        seen["calls"] += 1
        return {"kind": "test", "where": "here"}

    batches = (pa.record_batch({"x": [i, i + 1]}, schema=schema) for i in range(0, 10, 2))
    version = ingest_stream(schema, batches, name="streamed", source=source)
    assert version.num_rows == 10 and seen["calls"] == 1
    assert version.source["kind"] == "test" and version.source["where"] == "here"
    assert version.source["format_version"] == SOURCE_FORMAT_VERSION
    assert version.source["rows"] == 10 and version.source["warnings"] == []
    assert version.source["ingested_at"] >= version.created_at - 5_000
    assert load_dataset(version)["x"].tolist() == list(range(10))
    same = ingest_table(pa.table({"x": list(range(10))}), name="streamed", source={"kind": "t"})
    assert same.id == version.id


def test_an_error_in_the_middle_of_a_stream_records_nothing(stores: Stores) -> None:
    schema = pa.schema([("x", pa.int64())])

    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"x": [1, 2]}, schema=schema)
        raise InvalidValueError("line 7,000,000 is broken")

    with pytest.raises(InvalidValueError, match="line 7,000,000"):
        ingest_stream(schema, batches(), name="broken", source=lambda: {"kind": "test"})
    assert list_datasets() == []


def test_bad_column_names_are_refused_before_reading(sqlite_stores: Stores) -> None:
    schema = pa.schema([("a", pa.int64()), ("a", pa.int64())])
    with pytest.raises(InvalidValueError, match="duplicate column names"):
        ingest_stream(schema, iter(()), name="dupes", source=lambda: {"kind": "test"})
    with pytest.raises(InvalidValueError, match="dataset name"):
        ingest_table(pa.table({"a": [1]}), name="no/slash", source={"kind": "t"})


def test_types_come_from_the_first_rows() -> None:
    table = _table(
        [
            _chunk(
                {
                    "i": [1, 2, None],
                    "f": [1, 2.5, None],
                    "mixed": [1, "a", True],
                    "empty": [None, None, None],
                    "dec": [decimal.Decimal("1.5"), None, decimal.Decimal("2.25")],
                    "when": [dt.datetime(2024, 1, 1), None, dt.datetime(2024, 1, 2)],
                    "nested": [[1, 2], None, [3]],
                }
            )
        ]
    )
    assert dict(zip(table.schema.names, map(str, table.schema.types), strict=True)) == {
        "i": "int64",
        "f": "double",
        "mixed": "string",
        "empty": "string",
        "dec": "double",
        "when": "timestamp[us]",
        "nested": "list<item: int64>",
    }
    assert table.column("mixed").to_pylist() == ["1", "a", "true"]


def test_later_rows_may_widen_but_not_change_type() -> None:
    first = _chunk({"n": [1, 2], "s": ["a", "b"]})
    later = _chunk({"n": [3.5, None], "s": [4, {"k": 1}]}, first=3)
    stream = typed_batches([first, later], lookahead_rows=2)
    assert str(stream.schema.field("n").type) == "int64"
    with pytest.raises(InvalidValueError, match="line 3: column 'n' has 3.5, which is not int64"):
        list(stream.batches)
    widened = _table(
        [_chunk({"n": [1.5, 2.0]}), _chunk({"n": [3, None]}, first=3)], lookahead_rows=2
    )
    assert widened.column("n").to_pylist() == [1.5, 2.0, 3.0, None]
    texts = _table([first, later], lookahead_rows=2, column_types={"n": pa.float64()})
    assert texts.column("s").to_pylist() == ["a", "b", "4", '{"k":1}']


def test_columns_are_fixed_after_the_lookahead() -> None:
    first = _chunk({"a": [1]})
    later = _chunk({"a": [2], "b": [None]}, first=2)
    late = _chunk({"a": [3], "c": ["x"]}, first=3)
    stream = typed_batches([first, later, late], lookahead_rows=1)
    assert stream.schema.names == ["a"]
    with pytest.raises(InvalidValueError, match="line 3: new field 'c'"):
        list(stream.batches)
    kept = _table([first, later, late], lookahead_rows=1, columns=["a", "z"])
    assert kept.column("a").to_pylist() == [1, 2, 3]
    assert kept.column("z").to_pylist() == [None, None, None]


def test_type_hints_and_overrides() -> None:
    chunk = _chunk({"d": [decimal.Decimal("1.25")], "x": [1]})
    stream = typed_batches(
        [chunk], type_hints={"d": pa.decimal128(10, 2)}, column_types={"x": pa.string()}
    )
    assert str(stream.schema.field("d").type) == "decimal128(10, 2)"
    assert pa.Table.from_batches(list(stream.batches)).column("x").to_pylist() == ["1"]
    assert stream.warnings == []
    assert parse_column_types({"a": "int32", "b": pa.bool_()}) == {
        "a": pa.int32(),
        "b": pa.bool_(),
    }
    with pytest.raises(InvalidValueError, match="unknown type 'number'"):
        parse_column_types({"a": "number"})
