"""loopml's side of ``tracking.py``: log the workload into one run and print the timings as JSON.

Run by ``tracking.py`` in a fresh process (loopml's environment), one process per measurement,
just like the MLflow side, so neither gets a warmer interpreter. Phases, each timed on its own:

- ``open_s``: opening the stores (creating the schema in an empty database);
- ``start_s``: ``start_run`` with the benchmark's params (creates the experiment);
- ``log_s``: the timed region: the first ``log_metric`` to the end of ``flush()``, i.e. every
  point committed (``enqueue_s`` is the part spent in the ``log_metric`` calls alone);
- ``end_s``: ending the run;
- ``read_s``: reading every metric's history back for the check.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from _tracking_workload import Workload, check_histories, emit_result, python_version

import loopml.tracking as tracking
from loopml.core import Settings
from loopml.store import Stores


def measure(*, workload: Workload, db_url: str | None, home: Path) -> dict[str, object]:
    """Log ``workload`` into a fresh store and return the phase timings and the readback check."""
    points = workload.ordered_points()
    params = {"benchmark": "tracking", "points": workload.points, "metrics": workload.metric_count}

    started = time.perf_counter()
    stores = Stores.from_settings(Settings(home=home, db_url=db_url)).open()
    opened = time.perf_counter()
    run = tracking.start_run("bench-tracking", params=params, stores=stores)
    run_started = time.perf_counter()
    try:
        log_metric = run.log_metric
        for key, value, step, timestamp in points:
            log_metric(key, value, step, timestamp=timestamp)
        enqueued = time.perf_counter()
        run.flush()
        flushed = time.perf_counter()
    finally:
        run.end()
    ended = time.perf_counter()
    histories = {
        key: [
            (point.value, point.step, point.timestamp)
            for point in tracking.metric_history(run.id, key, stores=stores)
        ]
        for key in workload.keys
    }
    read = time.perf_counter()
    stores.metadata.dispose()
    return {
        "system": "loopml",
        "mode": "log_metric",
        "points": workload.points,
        "open_s": opened - started,
        "start_s": run_started - opened,
        "log_s": flushed - run_started,
        "enqueue_s": enqueued - run_started,
        "end_s": ended - flushed,
        "read_s": read - ended,
        "problems": check_histories(workload, histories),
        "versions": {
            "loopml": version("loopml"),
            "sqlalchemy": version("sqlalchemy"),
            "python": python_version(),
        },
    }


def main() -> None:
    """Parse the arguments, measure once, print the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL (default: SQLite in tmp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loopml-bench-") as tmp:
        emit_result(measure(workload=Workload(args.points), db_url=args.db_url, home=Path(tmp)))


if __name__ == "__main__":
    main()
