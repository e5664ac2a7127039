"""Bulk writes and reads of metric points: the one hot path of the metadata store.

A point is the tuple ``(run_id, key, value, step, timestamp_ms)``. Writes go straight to the
driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL): building ORM objects or even Core
parameter dictionaries for 100,000 points would cost more than the database does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from loopml.store._metadata import MetadataStore
from loopml.store._models import LatestMetricRow, MetricRow

MetricPoint = tuple[str, str, float, int, int]

_INSERT_SQLITE = "INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)"
_COPY_POSTGRES = "COPY metrics (run_id, key, value, step, timestamp) FROM STDIN"


def _storable(points: Iterable[MetricPoint]) -> list[tuple[str, str, float | None, int, int]]:
    # NaN -> NULL: SQLite cannot hold NaN, and one convention for both back ends keeps reads simple.
    return [
        (run_id, key, None if value != value else value, step, ts)
        for run_id, key, value, step, ts in points
    ]


def _latest_per_key(points: Sequence[MetricPoint]) -> list[dict[str, Any]]:
    latest: dict[tuple[str, str], MetricPoint] = {}
    for point in points:
        seen = latest.get((point[0], point[1]))
        if seen is None or (point[3], point[4]) >= (seen[3], seen[4]):
            latest[(point[0], point[1])] = point
    return [
        {
            "run_id": run_id,
            "key": key,
            "value": None if math.isnan(value) else value,
            "step": step,
            "timestamp": ts,
        }
        for run_id, key, value, step, ts in latest.values()
    ]


def _upsert_latest(conn: Connection, rows: list[dict[str, Any]]) -> None:
    table = cast(sa.Table, LatestMetricRow.__table__)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    newer = sa.or_(
        insert.excluded.step > table.c.step,
        sa.and_(
            insert.excluded.step == table.c.step, insert.excluded.timestamp >= table.c.timestamp
        ),
    )
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.run_id, table.c.key],
        set_={
            "value": insert.excluded.value,
            "step": insert.excluded.step,
            "timestamp": insert.excluded.timestamp,
        },
        where=newer,
    )
    conn.execute(statement, rows)


def write_metric_points(store: MetadataStore, points: Sequence[MetricPoint]) -> None:
    """Append ``points`` and advance each metric's latest value, in one transaction."""
    if not points:
        return
    rows = _storable(points)
    with store.connection(write=True) as conn:
        if conn.dialect.name == "postgresql":
            driver_connection: Any = conn.connection.driver_connection
            with driver_connection.cursor() as cursor, cursor.copy(_COPY_POSTGRES) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            conn.exec_driver_sql(_INSERT_SQLITE, rows)
        _upsert_latest(conn, _latest_per_key(points))


def read_metric_history(
    store: MetadataStore, run_id: str, key: str | None = None
) -> list[tuple[str, float, int, int]]:
    """``(key, value, step, timestamp)`` of every point of a run (one key, or all), in log order."""
    table = MetricRow.__table__
    query = sa.select(table.c.key, table.c.value, table.c.step, table.c.timestamp).where(
        table.c.run_id == run_id
    )
    if key is not None:
        query = query.where(table.c.key == key)
    with store.connection() as conn:
        result = conn.execute(query.order_by(table.c.id))
        return [(k, math.nan if v is None else float(v), int(s), int(t)) for k, v, s, t in result]


def read_latest_metrics(
    store: MetadataStore, run_ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    """``{run_id: {key: latest value}}`` for the given runs."""
    table = LatestMetricRow.__table__
    found: dict[str, dict[str, float]] = {run_id: {} for run_id in run_ids}
    with store.connection() as conn:
        for start in range(0, len(run_ids), 500):
            chunk = list(run_ids[start : start + 500])
            result = conn.execute(
                sa.select(table.c.run_id, table.c.key, table.c.value).where(
                    table.c.run_id.in_(chunk)
                )
            )
            for run_id, key, value in result:
                found[run_id][key] = math.nan if value is None else float(value)
    return found
