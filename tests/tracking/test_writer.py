"""The background metric writer: durability on flush, concurrency, failures."""

import multiprocessing
from pathlib import Path

import pytest

from loopml.core import Settings, StoreError
from loopml.store import Stores
from loopml.tracking import get_run, metric_history, start_run
from loopml.tracking._writer import MetricWriter
from tests.tracking._workers import log_points


def test_flush_makes_every_point_durable_for_another_reader(stores: Stores) -> None:
    with start_run("durable") as run:
        for step in range(5_000):
            run.log_metric("x", step, step)
        run.flush()
        other = Stores.from_settings(stores.settings).open()  # a second connection pool
        assert len(metric_history(run.id, "x", stores=other)) == 5_000
        other.metadata.dispose()


def test_many_points_in_one_run_all_read_back(stores: Stores) -> None:
    with start_run("volume") as run:
        for step in range(20_000):
            for key in ("a", "b", "c", "d", "e"):
                run.log_metric(key, step * 0.5, step)
    history = metric_history(run.id)
    assert len(history) == 100_000
    assert {p.key for p in history} == {"a", "b", "c", "d", "e"}
    assert [p.value for p in history if p.key == "c"] == [s * 0.5 for s in range(20_000)]
    assert get_run(run.id).metrics["e"] == 19_999 * 0.5


@pytest.mark.timeout(240)
def test_eight_processes_logging_at_once_lose_nothing(stores: Stores) -> None:
    settings = stores.settings
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        run_ids = pool.starmap(
            log_points,
            [(str(settings.home), settings.db_url, worker, 1_000) for worker in range(8)],
        )
    assert len(set(run_ids)) == 8
    for worker, run_id in enumerate(run_ids):
        values = [p.value for p in metric_history(run_id, "value", stores=stores)]
        assert values == [worker * 1_000_000 + step for step in range(1_000)]
        assert len(metric_history(run_id, "checkpoint", stores=stores)) == 4
        assert get_run(run_id, stores=stores).status.value == "FINISHED"


def test_a_failed_write_raises_on_flush_and_keeps_the_points(tmp_path: Path) -> None:
    stores = Stores.from_settings(Settings(home=tmp_path / "h")).open()
    with start_run("flaky", stores=stores) as run:
        with stores.metadata.connection(write=True) as conn:
            conn.exec_driver_sql("ALTER TABLE metrics RENAME TO metrics_away")
        run.log_metric("x", 1.0)
        with pytest.raises(StoreError, match="could not write metric points"):
            run.flush()
        with stores.metadata.connection(write=True) as conn:
            conn.exec_driver_sql("ALTER TABLE metrics_away RENAME TO metrics")
        run.flush()  # the same points, retried
    assert [p.value for p in metric_history(run.id, stores=stores)] == [1.0]


def test_flush_with_nothing_queued_returns_at_once(tmp_path: Path) -> None:
    stores = Stores.from_settings(Settings(home=tmp_path / "h")).open()
    writer = MetricWriter(stores.metadata)
    writer.flush()
    assert writer._thread is None
