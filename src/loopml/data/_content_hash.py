"""The content hash of a table: identical columns, types and values give the same sha256.

The hash must not depend on how the table happens to be cut into batches (a CSV streamed in
64 KiB blocks must hash like the same table read at once), nor on metadata (pandas' index
description, writer versions). Arrow's IPC bytes are not enough: validity bitmaps may be present
or absent when there are no nulls, and the padding bits of a sliced bitmap vary. So:

1. the schema without metadata is hashed first (names, types, nullability);
2. the rows are re-cut into fixed chunks of :data:`HASH_ROWS` rows, whatever batches arrive;
3. each column of a chunk is hashed in a canonical form: its row count, its validity bits packed
   by numpy, then its non-null values only (raw little-endian bytes for fixed-width types, packed
   bits for booleans, lengths then bytes for strings and binaries; dictionary columns decoded).
   Nested types (lists, structs) fall back to Arrow IPC bytes of the non-null values, which is
   canonical in practice but not guaranteed for every layout.

Format name :data:`HASH_FORMAT`; a change to this recipe must change that name.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HASH_FORMAT = "loopml.content/1"
HASH_ROWS = 1 << 16


def _column_parts(column: pa.Array) -> Iterator[bytes]:
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    yield struct.pack("<q", len(column))
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    yield np.packbits(valid).tobytes()
    values = column.drop_null() if column.null_count else column
    kind = values.type
    if pa.types.is_boolean(kind):
        yield np.packbits(values.to_numpy(zero_copy_only=False)).tobytes()
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        yield _fixed_width_bytes(values)
    elif pa.types.is_temporal(kind):
        yield _fixed_width_bytes(values.view(pa.int64() if kind.bit_width == 64 else pa.int32()))
    elif (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    ):
        yield _fixed_width_bytes(pc.binary_length(values).cast(pa.int64()))
        yield _string_data(values)
    else:
        yield pa.RecordBatch.from_arrays([values], names=["v"]).serialize().to_pybytes()


def _string_data(values: pa.Array) -> bytes:
    """The bytes of a string/binary array's values, whatever its slice offset."""
    _, offsets_buffer, data = values.buffers()
    if data is None or len(values) == 0:
        return b""
    large = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    offsets = np.frombuffer(offsets_buffer, dtype="<i8" if large else "<i4")
    start = int(offsets[values.offset])
    end = int(offsets[values.offset + len(values)])
    return bytes(data.slice(start, end - start).to_pybytes())


def _fixed_width_bytes(values: pa.Array) -> bytes:
    array = values.to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"), copy=False)).tobytes()


class ContentHasher:
    """Feed record batches in any chunking; :meth:`hexdigest` gives the table's content hash."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self._digest = hashlib.sha256(HASH_FORMAT.encode())
        self._digest.update(schema.remove_metadata().serialize().to_pybytes())
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self.rows = 0

    def update(self, batch: pa.RecordBatch) -> None:
        """Add the rows of ``batch`` (its schema must be the hasher's)."""
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        while self._pending_rows >= HASH_ROWS:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            self._hash_chunk(table.slice(0, HASH_ROWS))
            rest = table.slice(HASH_ROWS)
            self._pending = rest.to_batches()
            self._pending_rows = rest.num_rows

    def _hash_chunk(self, table: pa.Table) -> None:
        for column in table.columns:
            for part in _column_parts(column.combine_chunks()):
                self._digest.update(part)

    def hexdigest(self) -> str:
        """The content hash of everything fed so far (call once, at the end)."""
        if self._pending_rows:
            self._hash_chunk(pa.Table.from_batches(self._pending, schema=self.schema))
            self._pending, self._pending_rows = [], 0
        return self._digest.hexdigest()


def content_hash(
    table: pa.Table | Iterable[pa.RecordBatch], schema: pa.Schema | None = None
) -> str:
    """sha256 of a table's columns, types and values, independent of chunking and metadata."""
    if isinstance(table, pa.Table):
        schema, batches = table.schema, table.to_batches()
    else:
        if schema is None:
            raise TypeError("content_hash of record batches needs their schema")
        batches = table
    hasher = ContentHasher(schema)
    for batch in batches:
        hasher.update(batch)
    return hasher.hexdigest()
