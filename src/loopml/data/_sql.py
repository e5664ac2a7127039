"""SQL connector: any SQLAlchemy URL and a query, streamed in chunks into a version.

The query runs with ``yield_per`` (a server-side cursor on PostgreSQL), so rows arrive
``chunk_rows`` at a time and memory stays bounded; each chunk becomes a record batch with the
types fixed from the first rows (:func:`~loopml.data._ingest.typed_batches`). NUMERIC columns
take the precision and scale the driver reports. The query runs in a transaction that is rolled
back, never committed: an ingest reads, it does not write.

The source record holds the URL with its password masked, the query and its sha256, the
parameters, and the row count. SQLAlchemy and driver errors are translated here: a URL that
cannot be parsed, a missing driver, a database that cannot be reached, and a query the database
rejects each raise a loopml error naming the (masked) URL; no version is made.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from loopml.core import ConfigurationError, InvalidValueError, NotFoundError, sha256_bytes
from loopml.data._datasets import DatasetVersion, check_dataset_name
from loopml.data._ingest import (
    ColumnTypes,
    RowChunk,
    ingest_stream,
    parse_column_types,
    progress_bar,
    typed_batches,
)
from loopml.store import Stores

_CONNECT_TIMEOUT_S = 10


_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|credential", re.I)


def mask_url(url: str | sa.URL) -> str:
    """The URL with its password, and query parameters that look secret, replaced by ``***``
    (safe to record and print)."""
    parsed = sa.make_url(url)
    masked = {
        key: "***" if _SECRET_PARAMETER.search(key) else value
        for key, value in parsed.query.items()
    }
    rendered = parsed.set(query=masked).render_as_string(hide_password=True)
    return rendered.replace("%2A%2A%2A", "***")  # the query's mask, unescaped


def _parse_url(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise InvalidValueError(
            "not a SQLAlchemy database URL (expected dialect+driver://user:password@host/db, "
            "e.g. postgresql+psycopg://me@localhost/shop or sqlite:///shop.db)"
        ) from None


def _engine(parsed: sa.URL) -> sa.Engine:
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = _CONNECT_TIMEOUT_S
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_file = database not in ("", ":memory:") and not database.startswith("file:")
        if in_file and not Path(database).is_file():  # sqlite would create an empty file
            raise NotFoundError("SQLite database file", database)
    try:
        return sa.create_engine(parsed, connect_args=connect_args, poolclass=sa.pool.NullPool)
    except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
        raise ConfigurationError(
            f"no driver for {mask_url(parsed)}: {exc}; install it (for PostgreSQL: "
            "pip install 'loopml[postgres]')"
        ) from None
    except sa.exc.ArgumentError as exc:
        raise InvalidValueError(f"cannot use {mask_url(parsed)}: {exc}") from None


def _reason(exc: sa.exc.SQLAlchemyError, secret: str | None) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    text = text.split("\n[SQL:")[0].strip()
    if secret:
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _normalize(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def _decimal_hints(description: Sequence[Any] | None, names: Sequence[str]) -> dict[str, Any]:
    """decimal128(p, s) for columns whose driver reports a precision and scale (NUMERIC(p, s))."""
    hints = {}
    for name, column in zip(names, description or (), strict=False):
        precision, scale = column[4], column[5]
        if isinstance(precision, int) and isinstance(scale, int) and 0 < precision <= 38:
            hints[name] = pa.decimal128(precision, max(scale, 0))
    return hints


def _chunks(
    result: sa.CursorResult[Any], names: Sequence[str], chunk_rows: int
) -> Iterator[RowChunk]:
    first_row = 1
    for partition in result.partitions(chunk_rows):
        columns = {
            name: [_normalize(value) for value in values]
            for name, values in zip(names, zip(*partition, strict=True), strict=True)
        }
        numbers = range(first_row, first_row + len(partition))
        first_row += len(partition)
        yield RowChunk(columns, numbers, "result row")


def _json_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None or isinstance(value, bool | int | float | str):
            out[key] = value
        elif isinstance(value, dt.date | dt.time | decimal.Decimal):
            out[key] = str(value)
        else:
            out[key] = repr(value)
    return out


def ingest_sql(
    url: str,
    query: str,
    *,
    name: str,
    chunk_rows: int = 50_000,
    params: Mapping[str, Any] | None = None,
    column_types: ColumnTypes | None = None,
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    progress: bool = False,
    stores: Stores | None = None,
) -> DatasetVersion:
    """Run ``query`` on the database at ``url`` and store its rows as a version of ``name``.

    Args:
        url: any SQLAlchemy URL (``postgresql+psycopg://me@db/shop``, ``sqlite:///shop.db``).
        query: one SELECT (or anything that returns rows); ``:name`` placeholders take
            ``params``.
        chunk_rows: rows fetched and converted at a time (bounds memory).
        params: values for the query's ``:name`` placeholders (recorded in the source).
        column_types: Arrow types by column, overriding inference (``{"id": "int64"}``).
        progress: show rows fetched on stderr.

    Raises:
        InvalidValueError: the URL cannot be parsed, the query fails or returns no rows
            (not a SELECT), a value does not fit its column's type, or bad options.
        ConfigurationError: the database cannot be reached, or its driver is not installed.
        NotFoundError: a ``sqlite:///`` file that does not exist.
    """
    check_dataset_name(name)
    if not isinstance(query, str) or not query.strip():
        raise InvalidValueError("query must be a non-empty SQL string")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InvalidValueError(f"chunk_rows must be a positive integer, not {chunk_rows!r}")
    types = parse_column_types(column_types)
    parsed = _parse_url(url)
    masked = mask_url(parsed)
    engine = _engine(parsed)
    try:
        try:
            connection = engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            raise ConfigurationError(
                f"cannot connect to {masked}: {_reason(exc, parsed.password)}"
            ) from None
        with connection:
            return _run(
                connection,
                query,
                params=params,
                chunk_rows=chunk_rows,
                types=types,
                masked=masked,
                secret=parsed.password,
                name=name,
                parents=parents,
                description=description,
                progress=progress,
                stores=stores,
            )
    finally:
        engine.dispose()


def _run(
    connection: sa.Connection,
    query: str,
    *,
    params: Mapping[str, Any] | None,
    chunk_rows: int,
    types: Mapping[str, pa.DataType],
    masked: str,
    secret: str | None,
    name: str,
    parents: Sequence[DatasetVersion | str],
    description: str,
    progress: bool,
    stores: Stores | None,
) -> DatasetVersion:
    def failed(exc: sa.exc.SQLAlchemyError) -> InvalidValueError:
        return InvalidValueError(f"query failed on {masked}: {_reason(exc, secret)}")

    try:
        result = connection.execution_options(yield_per=chunk_rows).execute(
            sa.text(query), dict(params or {})
        )
    except sa.exc.SQLAlchemyError as exc:
        raise failed(exc) from None
    try:
        if not result.returns_rows:
            raise InvalidValueError(f"the query on {masked} returns no rows; give a SELECT")
        names = list(result.keys())
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidValueError(
                f"the query returns several columns named {dupes}; give them distinct aliases "
                "(select a.id as order_id, b.id as customer_id ...)"
            )
        unknown = [c for c in types if c not in names]
        if unknown:
            raise InvalidValueError(
                f"column_types names columns that the query does not return: {unknown}; "
                f"columns: {names}"
            )
        hints = _decimal_hints(result.cursor.description if result.cursor else None, names)
        with progress_bar(f"ingest {name}", total=None, unit="rows", enabled=progress) as advance:
            stream = typed_batches(
                _counted_chunks(_chunks(result, names, chunk_rows), advance, failed),
                columns=names,
                column_types=types,
                type_hints=hints,
                hint="CAST the column in the query, or pass column_types={...} "
                "(CLI: --type COLUMN=TYPE)",
            )

            def source() -> dict[str, Any]:
                return {
                    "kind": "sql",
                    "url": masked,
                    "query": query,
                    "query_sha256": sha256_bytes(query.encode()),
                    "params": _json_params(params),
                    "options": {
                        "chunk_rows": chunk_rows,
                        "column_types": {k: str(v) for k, v in types.items()},
                    },
                    "warnings": stream.warnings,
                }

            return ingest_stream(
                stream.schema,
                stream.batches,
                name=name,
                source=source,
                parents=parents,
                description=description,
                stores=stores,
            )
    finally:
        result.close()
        connection.rollback()


def _counted_chunks(
    chunks: Iterator[RowChunk],
    advance: Callable[[int], None],
    failed: Callable[[sa.exc.SQLAlchemyError], InvalidValueError],
) -> Iterator[RowChunk]:
    try:
        for chunk in chunks:
            advance(len(chunk.numbers))
            yield chunk
    except sa.exc.SQLAlchemyError as exc:  # a query can fail after its first rows
        raise failed(exc) from None
