"""Versioned datasets: tables stored as Parquet, identified by the hash of their content.

The version's identity is the content hash of the table (``_content_hash``: columns, types and
values; not the Parquet bytes, which vary with compression and writer version, not the pandas
metadata, and not how the rows were cut into batches). Logging the same content again returns
the existing version instead of making a new one. The Parquet file is stored in the artifact
store by its own sha256 and verified on load.

Data can arrive whole (a DataFrame or Arrow Table) or as a stream of record batches (a
``RecordBatchReader`` or any iterable of batches): a stream is written to Parquet and hashed in
one pass, batch by batch, so memory stays bounded by the batch size, not the data size.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from loopml.core import InvalidValueError, NotFoundError, new_id, now_ms
from loopml.data._content_hash import ContentHasher
from loopml.store import Stores, default_stores, ensure_named_row, record_audit_event
from loopml.store.models import DatasetRow, DatasetVersionRow

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
PARQUET_FORMAT = "parquet"


@dataclass(frozen=True)
class DatasetVersion:
    """One immutable version of a dataset."""

    id: str
    dataset: str
    version: int
    content_hash: str
    artifact_digest: str
    num_rows: int
    num_bytes: int
    schema: list[dict[str, Any]]
    source: dict[str, Any] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    created_at: int = 0
    schema_digest: str | None = None
    """sha256 of the validation schema attached to this version (see ``attach_schema``)."""

    @property
    def uri(self) -> str:
        """``datasets:/name/version``, how runs and reports refer to it."""
        return f"datasets:/{self.dataset}/{self.version}"

    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return [column["name"] for column in self.schema]


def check_dataset_name(name: object) -> str:
    """Return ``name`` if it can name a dataset, else raise :class:`InvalidValueError`."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidValueError(
            f"dataset name {name!r} must start with a letter or digit and use only letters, "
            "digits, '_', '-', '.' (at most 128 characters)"
        )
    return name


def _as_batches(data: Any) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The schema and the record batches of any accepted input (lazily, for streams)."""
    if isinstance(data, pd.DataFrame):
        data = _frame_to_table(data)
    if isinstance(data, pa.Table):
        return data.schema, iter(data.to_batches())
    if isinstance(data, pa.RecordBatch):
        return data.schema, iter([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.schema, iter(data)
    if isinstance(data, Iterable) and not isinstance(data, str | bytes | Mapping):
        batches = iter(data)
        first = next(batches, None)
        if not isinstance(first, pa.RecordBatch):
            raise InvalidValueError(
                "log_dataset takes an iterable of pyarrow RecordBatches (with at least one "
                f"batch, for the schema), not one of {type(first).__name__}"
            )
        return first.schema, itertools.chain([first], batches)
    raise InvalidValueError(
        "log_dataset takes a pandas DataFrame, a pyarrow Table, a RecordBatchReader or an "
        f"iterable of RecordBatches, not {type(data).__name__}"
    )


def _frame_to_table(data: pd.DataFrame) -> pa.Table:
    if not all(isinstance(c, str) for c in data.columns):
        raise InvalidValueError(
            "dataset columns must be named by strings; got "
            f"{[c for c in data.columns if not isinstance(c, str)][:5]!r}"
        )
    if data.columns.duplicated().any():
        dupes = sorted(set(data.columns[data.columns.duplicated()]))
        raise InvalidValueError(f"dataset has duplicate column names: {dupes}")
    try:
        return pa.Table.from_pandas(data, preserve_index=None)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidValueError(f"cannot store this DataFrame as Parquet: {exc}") from exc


@dataclass(frozen=True)
class _WrittenTable:
    path: Path
    schema: pa.Schema
    content_hash: str
    num_rows: int


ROW_GROUP_ROWS = 131_072
"""Rows per Parquet row group: streamed batches are buffered up to this before a group is cut,
so a CSV read in small blocks does not become thousands of tiny row groups."""


def _write_parquet(
    schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path
) -> _WrittenTable:
    """Write the batches to Parquet and hash their content in the same pass."""
    hasher = ContentHasher(schema)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in batches:
                if batch.schema != schema:
                    batch = _conform(batch, schema)
                hasher.update(batch)
                pending.append(batch)
                pending_rows += batch.num_rows
                if pending_rows >= ROW_GROUP_ROWS:
                    writer.write_table(pa.Table.from_batches(pending, schema=schema))
                    pending, pending_rows = [], 0
            if pending or hasher.rows == 0:
                writer.write_table(pa.Table.from_batches(pending, schema=schema))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InvalidValueError(f"cannot store this data as Parquet: {exc}") from exc
    return _WrittenTable(path, schema, hasher.hexdigest(), hasher.rows)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema.remove_metadata() == schema.remove_metadata():
        return batch.replace_schema_metadata(schema.metadata)
    raise InvalidValueError(
        f"a record batch has schema {batch.schema.remove_metadata()} but the stream started "
        f"with {schema.remove_metadata()}; every batch of one dataset needs the same columns"
    )


def describe_schema(schema: pa.Schema) -> list[dict[str, Any]]:
    """``[{name, type, nullable}]`` of the columns (Arrow type names)."""
    return [{"name": f.name, "type": str(f.type), "nullable": bool(f.nullable)} for f in schema]


def _to_record(row: DatasetVersionRow, name: str) -> DatasetVersion:
    return DatasetVersion(
        id=row.id,
        dataset=name,
        version=row.version,
        content_hash=row.content_hash,
        artifact_digest=row.artifact_digest,
        num_rows=row.num_rows,
        num_bytes=row.num_bytes,
        schema=list(row.schema),
        source=dict(row.source or {}),
        parents=list(row.parents or []),
        created_at=row.created_at,
        schema_digest=row.schema_digest,
    )


def log_dataset(
    data: pd.DataFrame | pa.Table | pa.RecordBatchReader | Iterable[pa.RecordBatch],
    *,
    name: str,
    source: Mapping[str, Any] | None = None,
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    stores: Stores | None = None,
) -> DatasetVersion:
    """Store ``data`` as a version of dataset ``name`` and return that version.

    Identical content returns the version that already holds it. ``source`` records where the
    data came from (a path and its hash, a URL, a query); ``parents`` the versions it was made from.
    A ``RecordBatchReader`` or an iterable of batches is streamed: memory stays bounded by the
    batch size. Nothing is recorded unless every batch was stored. ``source`` is read only after
    the stream is consumed, so a connector may fill in what it learns while reading (row
    counts, skipped lines); parent ids are checked before any data is written.

    Raises:
        InvalidValueError: the name is malformed or the data cannot be stored as Parquet.
        NotFoundError: a parent version does not exist.
    """
    check_dataset_name(name)
    stores = stores or default_stores()
    schema, batches = _as_batches(data)
    parent_ids = [p.id if isinstance(p, DatasetVersion) else str(p) for p in parents]
    _check_parents_exist(parent_ids, stores)
    with tempfile.TemporaryDirectory(prefix="loopml-dataset-") as tmp:
        written = _write_parquet(schema, batches, Path(tmp) / "data.parquet")
        num_bytes = written.path.stat().st_size
        artifact_digest = stores.artifacts.put_file(written.path)
    digest_of_content = written.content_hash
    with stores.metadata.session(write=True) as session:
        dataset, _created = ensure_named_row(
            session,
            DatasetRow,
            name,
            values={"description": description, "created_at": now_ms()},
            audit_action="dataset.create",
            entity_type="dataset",
            for_update=True,  # versions are numbered max + 1 under this lock
        )
        existing = session.scalar(
            sa.select(DatasetVersionRow).where(
                DatasetVersionRow.dataset_id == dataset.id,
                DatasetVersionRow.content_hash == digest_of_content,
            )
        )
        if existing is not None:
            return _to_record(existing, name)
        for parent_id in parent_ids:
            if session.get(DatasetVersionRow, parent_id) is None:
                raise NotFoundError("dataset version", parent_id)
        latest = session.scalar(
            sa.select(sa.func.max(DatasetVersionRow.version)).where(
                DatasetVersionRow.dataset_id == dataset.id
            )
        )
        row = DatasetVersionRow(
            id=new_id(),
            dataset_id=dataset.id,
            version=(latest or 0) + 1,
            content_hash=digest_of_content,
            artifact_digest=artifact_digest,
            format=PARQUET_FORMAT,
            num_rows=written.num_rows,
            num_bytes=num_bytes,
            schema=describe_schema(schema),
            source=dict(source or {"kind": type(data).__module__.split(".")[0]}),
            parents=parent_ids,
            created_at=now_ms(),
        )
        session.add(row)
        record_audit_event(
            session,
            action="dataset.version.create",
            entity_type="dataset_version",
            entity_id=row.id,
            details={"name": name, "version": row.version, "rows": written.num_rows},
        )
        return _to_record(row, name)


def _check_parents_exist(parent_ids: Sequence[str], stores: Stores) -> None:
    if not parent_ids:
        return
    with stores.metadata.session() as session:
        found = set(
            session.scalars(
                sa.select(DatasetVersionRow.id).where(DatasetVersionRow.id.in_(parent_ids))
            )
        )
    for parent_id in parent_ids:
        if parent_id not in found:
            raise NotFoundError("dataset version", parent_id)


def get_dataset(
    name: str, version: int | None = None, *, stores: Stores | None = None
) -> DatasetVersion:
    """Version ``version`` of dataset ``name`` (the latest when None).

    Raises:
        NotFoundError: no such dataset (lists those that exist) or version (lists its versions).
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        dataset = session.scalar(sa.select(DatasetRow).where(DatasetRow.name == name))
        if dataset is None:
            names = session.scalars(sa.select(DatasetRow.name).order_by(DatasetRow.name))
            raise NotFoundError("dataset", name, available=list(names))
        query = sa.select(DatasetVersionRow).where(DatasetVersionRow.dataset_id == dataset.id)
        if version is None:
            row = session.scalar(query.order_by(DatasetVersionRow.version.desc()).limit(1))
        else:
            row = session.scalar(query.where(DatasetVersionRow.version == version))
        if row is None:
            versions = session.scalars(
                sa.select(DatasetVersionRow.version)
                .where(DatasetVersionRow.dataset_id == dataset.id)
                .order_by(DatasetVersionRow.version)
            )
            raise NotFoundError(f"version of dataset {name!r}", version, available=list(versions))
        return _to_record(row, name)


@contextmanager
def dataset_path(
    name: str | DatasetVersion, version: int | None = None, *, stores: Stores | None = None
) -> Iterator[Path]:
    """A local Parquet file of a dataset version, verified against its sha256, for streaming
    readers (DuckDB, ``pyarrow.parquet.ParquetFile``). Read-only; valid inside the block.

    On a local artifact store this is the stored object itself (verified in place, no copy);
    on a remote one, a verified temporary copy.
    """
    stores = stores or default_stores()
    record = name if isinstance(name, DatasetVersion) else get_dataset(name, version, stores=stores)
    local = stores.artifacts.local_path(record.artifact_digest)
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="loopml-dataset-") as tmp:
        yield stores.artifacts.get_file(record.artifact_digest, Path(tmp) / "data.parquet")


def load_dataset(
    name: str | DatasetVersion, version: int | None = None, *, stores: Stores | None = None
) -> pd.DataFrame:
    """The content of a dataset version as a DataFrame, after checking its sha256."""
    with dataset_path(name, version, stores=stores) as path:
        return pq.read_table(path).to_pandas()


def list_datasets(*, stores: Stores | None = None) -> list[DatasetVersion]:
    """The latest version of every dataset, by name."""
    stores = stores or default_stores()
    latest = (
        sa.select(DatasetVersionRow.dataset_id, sa.func.max(DatasetVersionRow.version).label("v"))
        .group_by(DatasetVersionRow.dataset_id)
        .subquery()
    )
    with stores.metadata.session() as session:
        rows = session.execute(
            sa.select(DatasetVersionRow, DatasetRow.name)
            .join(DatasetRow, DatasetRow.id == DatasetVersionRow.dataset_id)
            .join(
                latest,
                sa.and_(
                    latest.c.dataset_id == DatasetVersionRow.dataset_id,
                    latest.c.v == DatasetVersionRow.version,
                ),
            )
            .order_by(DatasetRow.name)
        ).all()
        return [_to_record(row, name) for row, name in rows]


def list_dataset_versions(name: str, *, stores: Stores | None = None) -> list[DatasetVersion]:
    """Every version of dataset ``name``, oldest first."""
    stores = stores or default_stores()
    get_dataset(name, stores=stores)  # NotFoundError with the list of names
    with stores.metadata.session() as session:
        rows = session.execute(
            sa.select(DatasetVersionRow, DatasetRow.name)
            .join(DatasetRow, DatasetRow.id == DatasetVersionRow.dataset_id)
            .where(DatasetRow.name == name)
            .order_by(DatasetVersionRow.version)
        ).all()
        return [_to_record(row, n) for row, n in rows]
