"""The background writer that makes metric logging cost about a microsecond per point.

``Run.log_metric`` only appends a tuple of numbers ``(series handle, value, step, seconds)`` to
a deque (thread-safe, no lock); a run registers each new metric series, getting its handle,
before its first point. One
daemon thread per metadata store drains the deque every ``interval`` seconds, or as soon as
``max_pending`` points wait: it resolves new series to ids (own transaction), then writes every
point it took in one transaction.

``flush()`` puts a ticket in a separate deque. The thread takes the tickets *before* it counts
the points, so every point enqueued before a ticket is in the batch that ticket waits for.

Durability contract (also in docs/tracking.md):
- ``flush()`` returns only when every point logged before the call is committed.
- Ending a run flushes. At interpreter exit an ``atexit`` hook flushes what is left.
- A hard crash (SIGKILL, power loss) loses at most the points of the last ``interval``
  (0.2 s by default) that were not yet flushed.
- If a write fails (database down), the points stay queued, the writer retries with back-off,
  and ``flush()`` raises :class:`~loopml.core.StoreError` naming the cause.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable

from loopml.core import StoreError
from loopml.store import MetadataStore
from loopml.store._metrics import MetricPoint, MetricSeries, resolve_series, write_metric_points

_IDLE_EXIT_S = 2.0
_EXIT_FLUSH_TIMEOUT_S = 60.0  # a wedged database must not hang interpreter exit forever


class _FlushTicket:
    """Placed in the queue by ``flush()``; set once every point before it is committed."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class MetricWriter:
    """Queues metric points and writes them to one :class:`MetadataStore` in batches."""

    def __init__(
        self, store: MetadataStore, *, interval: float = 0.2, max_pending: int = 50_000
    ) -> None:
        self.store = store
        self.interval = interval
        self.max_pending = max_pending
        self._queue: deque[MetricPoint] = deque()
        self.append = self._queue.append  # the hot path: one C call, no lock
        self._tickets: deque[_FlushTicket] = deque()
        self._new_series: deque[MetricSeries] = deque()
        self._in_flight = False  # True from before the thread takes points until they commit
        self._attached = 0  # live runs; the thread never idles out while there are any
        self._series: dict[int, MetricSeries] = {}  # handle -> series, for live runs
        self._last_handle = 0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def attach(self) -> None:
        """A run starts logging: keep the thread up until :meth:`detach`."""
        with self._start_lock:
            self._attached += 1
        self._start()

    def detach(self) -> None:
        """A run has ended (after its flush)."""
        with self._start_lock:
            self._attached = max(0, self._attached - 1)

    def new_series(self, run_id: str, key: str) -> MetricSeries:
        """A handle for metric ``key`` of run ``run_id``, to create before its first point."""
        with self._start_lock:
            self._last_handle += 1
            series = MetricSeries(run_id, key, self._last_handle)
            self._series[series.handle] = series
        self._new_series.append(series)
        return series

    def forget_series(self, handles: Iterable[int]) -> None:
        """Drop the handles of a run that has ended and flushed (keeps a long process lean)."""
        with self._start_lock:
            for handle in handles:
                self._series.pop(handle, None)

    def add(self, point: MetricPoint) -> None:
        """Queue one point (``Run.log_metric`` inlines this for speed)."""
        self._queue.append(point)
        self.poke_if_full()

    def poke_if_full(self) -> None:
        """Start the thread if needed; wake it early when many points wait.

        Runs call this every ~1,000 points, not per point: their thread is kept up by
        :meth:`attach`, so the check is only about waking early.
        """
        if self._thread is None:
            self._start()
        if len(self._queue) >= self.max_pending:
            self._wake.set()

    def flush(self, timeout: float | None = None) -> None:
        """Block until every point queued before this call is committed.

        Raises:
            StoreError: the points could not be written (they stay queued for a retry).
        """
        # Read the queue before the flag: points the thread already took are then seen in flight.
        if not self._queue and not self._new_series and not self._in_flight:
            return
        ticket = _FlushTicket()
        self._tickets.append(ticket)
        self._start()  # under the lock, so it cannot miss a thread that is just exiting
        self._wake.set()
        if not ticket.done.wait(timeout):
            raise StoreError(f"metric points were not written to {self.store!r} within {timeout}s")
        if ticket.error is not None:
            raise StoreError(
                f"could not write metric points to {self.store!r}: {ticket.error}"
            ) from ticket.error

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._closed = False
                self._thread = threading.Thread(
                    target=self._loop, name="loopml-metric-writer", daemon=True
                )
                self._thread.start()
                _live_writers.add(self)

    def _loop(self) -> None:
        backoff = self.interval
        idle_since: float | None = None
        while True:
            self._wake.wait(backoff)
            self._wake.clear()
            if self._queue or self._tickets or self._new_series:
                idle_since = None
                backoff = self.interval if self._drain_once() else min(backoff * 2, 5.0)
                continue
            now = time.monotonic()
            idle_since = idle_since or now
            if self._closed or (not self._attached and now - idle_since >= _IDLE_EXIT_S):
                with self._start_lock:
                    if not (self._queue or self._tickets or self._new_series):
                        self._thread = None
                        return

    def _drain_once(self) -> bool:
        self._in_flight = True
        try:
            return self._write_batch()
        finally:
            self._in_flight = False

    def _write_batch(self) -> bool:
        tickets = [self._tickets.popleft() for _ in range(len(self._tickets))]
        queue = self._queue
        points = [queue.popleft() for _ in range(len(queue))]
        series = [self._new_series.popleft() for _ in range(len(self._new_series))]
        try:
            resolve_series(self.store, series)
            with self._start_lock:
                known = dict(self._series)
            write_metric_points(self.store, points, known)
        except BaseException as exc:  # keep everything; tell every waiting flush why
            self._new_series.extendleft(reversed([s for s in series if s.id is None]))
            queue.extendleft(reversed(points))
            for ticket in tickets:
                ticket.error = exc
                ticket.done.set()
            return False
        for ticket in tickets:
            ticket.done.set()
        return True

    def close(self, timeout: float | None = None) -> None:
        """Flush and stop the thread (at exit, or when the store goes away)."""
        try:
            self.flush(timeout)
        finally:
            self._closed = True
            self._wake.set()


_live_writers: weakref.WeakSet[MetricWriter] = weakref.WeakSet()
_writers: dict[int, MetricWriter] = {}
_writers_lock = threading.Lock()


def writer_for(store: MetadataStore) -> MetricWriter:
    """The one writer of ``store`` in this process."""
    writer = _writers.get(id(store))
    if writer is None or writer.store is not store:
        with _writers_lock:
            writer = _writers.get(id(store))
            if writer is None or writer.store is not store:
                writer = MetricWriter(store)
                _writers[id(store)] = writer
    return writer


@atexit.register
def _flush_all_at_exit() -> None:
    for writer in list(_live_writers):
        # Nothing is left to tell at exit; flush() callers were already given the error.
        with contextlib.suppress(StoreError):
            writer.close(timeout=_EXIT_FLUSH_TIMEOUT_S)
