"""Bulk writes and reads of metric points: the one hot path of the metadata store.

A *series* is one metric of one run (table ``metric_series``); a *point* is one value of a
series. The tracking writer hands this module :class:`MetricSeries` handles and point tuples
``(series, value, step, timestamp_ms)``. Points go straight to the driver (``executemany`` on
SQLite, ``COPY`` on PostgreSQL): building ORM objects or even Core parameter dictionaries for
100,000 points would cost more than the database does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from loopml.store._metadata import MetadataStore
from loopml.store._models import LatestMetricRow, MetricRow, MetricSeriesRow

_INSERT_SQLITE = "INSERT INTO metrics (series_id, value, step, timestamp) VALUES (?, ?, ?, ?)"
_COPY_POSTGRES = "COPY metrics (series_id, value, step, timestamp) FROM STDIN"


class MetricSeries:
    """Handle of one metric of one run; ``id`` is set once its row is committed."""

    __slots__ = ("id", "key", "run_id")

    def __init__(self, run_id: str, key: str) -> None:
        self.run_id = run_id
        self.key = key
        self.id: int | None = None

    def __repr__(self) -> str:
        return f"MetricSeries({self.run_id!r}, {self.key!r}, id={self.id})"


MetricPoint = tuple[MetricSeries, float, int, int]


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def resolve_series(store: MetadataStore, series: Sequence[MetricSeries]) -> None:
    """Give every handle in ``series`` its database id, creating rows as needed (own commit).

    Committed on its own so that ids are only ever set for rows that exist: if a later batch of
    points fails, a retry reuses the same series.
    """
    unresolved = [s for s in series if s.id is None]
    if not unresolved:
        return
    table = cast(sa.Table, MetricSeriesRow.__table__)
    ids: dict[tuple[str, str], int] = {}
    with store.connection(write=True) as conn:
        conn.execute(
            _insert(conn)(table).on_conflict_do_nothing(index_elements=["run_id", "key"]),
            [{"run_id": s.run_id, "key": s.key} for s in unresolved],
        )
        run_ids = sorted({s.run_id for s in unresolved})
        for run_id, key, series_id in conn.execute(
            sa.select(table.c.run_id, table.c.key, table.c.id).where(table.c.run_id.in_(run_ids))
        ):
            ids[(run_id, key)] = series_id
    for handle in unresolved:
        handle.id = ids[(handle.run_id, handle.key)]


def write_metric_points(store: MetadataStore, points: Sequence[MetricPoint]) -> None:
    """Append ``points`` (their series resolved) and advance each series' latest value.

    One pass over the points builds the driver rows (NaN becomes NULL) and finds each series'
    latest point (highest step, then latest timestamp); then one transaction writes both.
    """
    if not points:
        return
    rows: list[tuple[int, float | None, int, int]] = []
    append = rows.append
    latest: dict[MetricSeries, tuple[float | None, int, int]] = {}
    for series, value, step, timestamp in points:
        stored = None if value != value else value
        append((series.id, stored, step, timestamp))  # type: ignore[arg-type]
        best = latest.get(series)
        if best is None or step > best[1] or (step == best[1] and timestamp >= best[2]):
            latest[series] = (stored, step, timestamp)
    with store.connection(write=True) as conn:
        if conn.dialect.name == "postgresql":
            driver_connection: Any = conn.connection.driver_connection
            with driver_connection.cursor() as cursor, cursor.copy(_COPY_POSTGRES) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            conn.exec_driver_sql(_INSERT_SQLITE, rows)
        _upsert_latest(conn, latest)


def _upsert_latest(
    conn: Connection, latest: dict[MetricSeries, tuple[float | None, int, int]]
) -> None:
    table = cast(sa.Table, LatestMetricRow.__table__)
    insert = _insert(conn)(table)
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
    conn.execute(
        statement,
        [
            {"run_id": s.run_id, "key": s.key, "value": v, "step": step, "timestamp": ts}
            for s, (v, step, ts) in latest.items()
        ],
    )


def read_metric_history(
    store: MetadataStore, run_id: str, key: str | None = None
) -> list[tuple[str, float, int, int]]:
    """``(key, value, step, timestamp)`` of every point of a run (one key, or all), in log order."""
    points = cast(sa.Table, MetricRow.__table__)
    series = cast(sa.Table, MetricSeriesRow.__table__)
    query = (
        sa.select(series.c.key, points.c.value, points.c.step, points.c.timestamp)
        .join(series, series.c.id == points.c.series_id)
        .where(series.c.run_id == run_id)
    )
    if key is not None:
        query = query.where(series.c.key == key)
    with store.connection() as conn:
        result = conn.execute(query.order_by(points.c.id))
        return [(k, math.nan if v is None else float(v), int(s), int(t)) for k, v, s, t in result]


def read_latest_metrics(
    store: MetadataStore, run_ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    """``{run_id: {key: latest value}}`` for the given runs."""
    table = cast(sa.Table, LatestMetricRow.__table__)
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
