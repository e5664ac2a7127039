"""Functions run in child processes by the concurrency tests (must be importable by spawn)."""

from __future__ import annotations

from pathlib import Path

from loopml.core import Settings
from loopml.store import Stores
from loopml.tracking import start_run


def log_points(home: str, db_url: str | None, worker: int, points: int) -> str:
    """Open the store afresh, log ``points`` points in one run, return the run id."""
    stores = Stores.from_settings(Settings(home=Path(home), db_url=db_url)).open()
    with start_run("concurrent", name=f"worker-{worker}", stores=stores) as run:
        for step in range(points):
            run.log_metric("value", worker * 1_000_000 + step, step)
            if step % 250 == 0:
                run.log_metric("checkpoint", step, step)
    stores.metadata.dispose()
    return run.id
