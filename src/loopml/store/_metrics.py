"""Writing and reading metric points: the one hot path of the metadata store.

A *series* is one metric of one run (``metric_series``). The tracking writer hands this module
point tuples ``(handle, value, step, seconds)`` and a map from handles to :class:`MetricSeries`
(``time.time()`` is the cheapest clock on the logging thread; milliseconds are made here). A
batch is grouped by series with numpy, and each group becomes ONE ``metric_chunks`` row of
packed little-endian arrays (steps int64, values float64, timestamps int64): 100,000 points of
10 metrics are 10 inserted rows, not 100,000 as in a row-per-point layout (MLflow's), and a
point costs 24 bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import cast

import numpy as np
import sqlalchemy as sa

from loopml.core import StoreError
from loopml.store._metadata import MetadataStore
from loopml.store._models import LatestMetricRow, MetricChunkRow, MetricSeriesRow

CHUNK_ENCODING = "le64/1"
"""steps ``<i8``, values ``<f8``, timestamps ``<i8``, raw, ``count`` entries each."""

_STEP, _VALUE, _STAMP = np.dtype("<i8"), np.dtype("<f8"), np.dtype("<i8")


class MetricSeries:
    """Handle of one metric of one run; ``id`` is set once its row is committed."""

    __slots__ = ("handle", "id", "key", "run_id")

    def __init__(self, run_id: str, key: str, handle: int) -> None:
        self.run_id = run_id
        self.key = key
        self.handle = handle  # process-local number that queued points carry
        self.id: int | None = None

    def __repr__(self) -> str:
        return f"MetricSeries({self.run_id!r}, {self.key!r}, id={self.id})"


MetricPoint = tuple[int, float, int, float]
"""``(series handle, value, step, time in seconds since the epoch)``, stored as integer ms.

Only numbers, on purpose: CPython's garbage collector stops tracking a tuple of numbers after
one collection, while a tuple holding an object stays tracked, and every collection would then
rescan all queued points. (That halved the cost of logging a point.)"""


# Fixed statements in the SQL that SQLite (>= 3.24) and PostgreSQL share: text() skips the
# statement compilation that costs tens of milliseconds on a process's first batch.
_INSERT_SERIES = sa.text(
    "INSERT INTO metric_series (run_id, key) VALUES (:run_id, :key) "
    "ON CONFLICT (run_id, key) DO NOTHING"
)
_SELECT_SERIES = sa.text(
    "SELECT run_id, key, id FROM metric_series WHERE run_id IN :run_ids"
).bindparams(sa.bindparam("run_ids", expanding=True))
_INSERT_CHUNK = sa.text(
    'INSERT INTO metric_chunks (series_id, count, min_step, max_step, encoding, steps, "values", '
    "timestamps) VALUES (:series_id, :count, :min_step, :max_step, :encoding, :steps, :values, "
    ":timestamps)"
)
_UPSERT_LATEST = sa.text(
    "INSERT INTO latest_metrics (run_id, key, value, step, timestamp) "
    "VALUES (:run_id, :key, :value, :step, :timestamp) "
    "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, "
    "timestamp = excluded.timestamp WHERE excluded.step > latest_metrics.step "
    "OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)"
)


def resolve_series(store: MetadataStore, series: Sequence[MetricSeries]) -> None:
    """Give every handle in ``series`` its database id, creating rows as needed (own commit).

    Committed on its own so that ids are only ever set for rows that exist: if a later batch of
    points fails, a retry reuses the same series.
    """
    unresolved = [s for s in series if s.id is None]
    if not unresolved:
        return
    ids: dict[tuple[str, str], int] = {}
    with store.connection(write=True) as conn:
        conn.execute(_INSERT_SERIES, [{"run_id": s.run_id, "key": s.key} for s in unresolved])
        run_ids = sorted({s.run_id for s in unresolved})
        for run_id, key, series_id in conn.execute(_SELECT_SERIES, {"run_ids": run_ids}):
            ids[(run_id, key)] = series_id
    for handle in unresolved:
        handle.id = ids[(handle.run_id, handle.key)]


def _chunks(
    points: Sequence[MetricPoint], series: Mapping[int, MetricSeries]
) -> list[tuple[MetricSeries, np.ndarray, np.ndarray, np.ndarray]]:
    """Group points by series, keeping log order inside each group (numpy, no per-point Python)."""
    count = len(points)
    handles = np.fromiter(map(itemgetter(0), points), dtype=np.int64, count=count)
    values = np.fromiter(map(itemgetter(1), points), dtype=_VALUE, count=count)
    steps = np.fromiter(map(itemgetter(2), points), dtype=_STEP, count=count)
    seconds = np.fromiter(map(itemgetter(3), points), dtype=np.float64, count=count)
    stamps = np.rint(seconds * 1000.0).astype(_STAMP)
    unique_handles, codes = np.unique(handles, return_inverse=True)
    if len(unique_handles) == 1:
        return [(series[int(unique_handles[0])], steps, values, stamps)]
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(unique_handles)))[:-1]
    return [
        (series[int(handle)], steps[index], values[index], stamps[index])
        for handle, index in zip(unique_handles, np.split(order, bounds), strict=True)
    ]


def write_metric_points(
    store: MetadataStore, points: Sequence[MetricPoint], series: Mapping[int, MetricSeries]
) -> None:
    """Append ``points`` as one chunk per series, and advance latest values.

    ``series`` maps every handle in ``points`` to its (resolved) :class:`MetricSeries`.
    """
    if not points:
        return
    chunk_rows = []
    latest = []
    for handle, steps, values, stamps in _chunks(points, series):
        chunk_rows.append(
            {
                "series_id": handle.id,
                "count": len(steps),
                "min_step": int(steps.min()),
                "max_step": int(steps.max()),
                "encoding": CHUNK_ENCODING,
                "steps": steps.tobytes(),
                "values": values.tobytes(),
                "timestamps": stamps.tobytes(),
            }
        )
        last = int(np.lexsort((stamps, steps))[-1])  # highest step, then latest timestamp
        value = float(values[last])
        latest.append(
            {
                "run_id": handle.run_id,
                "key": handle.key,
                "value": None if math.isnan(value) else value,
                "step": int(steps[last]),
                "timestamp": int(stamps[last]),
            }
        )
    with store.connection(write=True) as conn:
        conn.execute(_INSERT_CHUNK, chunk_rows)
        conn.execute(_UPSERT_LATEST, latest)


def _decode(encoding: str, steps: bytes, values: bytes, stamps: bytes) -> tuple[np.ndarray, ...]:
    if encoding != CHUNK_ENCODING:
        raise StoreError(f"metric chunk encoding {encoding!r} is unknown to this loopml")
    return (
        np.frombuffer(steps, dtype=_STEP),
        np.frombuffer(values, dtype=_VALUE),
        np.frombuffer(stamps, dtype=_STAMP),
    )


def read_metric_arrays(
    store: MetadataStore, run_id: str, key: str | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``{key: (steps, values, timestamps)}`` of a run's metrics (one key, or all), log order."""
    chunks = cast(sa.Table, MetricChunkRow.__table__)
    series = cast(sa.Table, MetricSeriesRow.__table__)
    query = (
        sa.select(
            series.c.key, chunks.c.encoding, chunks.c.steps, chunks.c["values"], chunks.c.timestamps
        )
        .join(series, series.c.id == chunks.c.series_id)
        .where(series.c.run_id == run_id)
        .order_by(series.c.key, chunks.c.id)
    )
    if key is not None:
        query = query.where(series.c.key == key)
    parts: dict[str, list[tuple[np.ndarray, ...]]] = {}
    with store.connection() as conn:
        for name, encoding, steps, values, stamps in conn.execute(query):
            parts.setdefault(name, []).append(
                _decode(encoding, bytes(steps), bytes(values), bytes(stamps))
            )
    return {
        name: (
            np.concatenate([p[0] for p in pieces]),
            np.concatenate([p[1] for p in pieces]),
            np.concatenate([p[2] for p in pieces]),
        )
        for name, pieces in parts.items()
    }


def read_metric_history(
    store: MetadataStore, run_id: str, key: str | None = None
) -> list[tuple[str, float, int, int]]:
    """``(key, value, step, timestamp)`` of every point of a run (one key, or all).

    Points of one metric come in the order they were logged; metrics come by name.
    """
    history: list[tuple[str, float, int, int]] = []
    for name, (steps, values, stamps) in read_metric_arrays(store, run_id, key).items():
        history.extend(
            zip([name] * len(steps), values.tolist(), steps.tolist(), stamps.tolist(), strict=True)
        )
    return history


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
