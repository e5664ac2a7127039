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
            conn.exec_driver_sql("ALTER TABLE metric_chunks RENAME TO chunks_away")
        run.log_metric("x", 1.0)
        with pytest.raises(StoreError, match="could not write metric points"):
            run.flush()
        with stores.metadata.connection(write=True) as conn:
            conn.exec_driver_sql("ALTER TABLE chunks_away RENAME TO metric_chunks")
        run.flush()  # the same points, retried
    assert [p.value for p in metric_history(run.id, stores=stores)] == [1.0]


def test_flush_with_nothing_queued_returns_at_once(tmp_path: Path) -> None:
    stores = Stores.from_settings(Settings(home=tmp_path / "h")).open()
    writer = MetricWriter(stores.metadata)
    writer.flush()
    assert writer._thread is None


def test_points_over_many_batches_read_back_in_log_order(stores: Stores) -> None:
    with start_run("chunks") as run:
        for step in range(30):
            run.log_metric("loss", float(step), step=100 - step)  # steps go down on purpose
            if step % 7 == 0:
                run.flush()  # each flush closes a chunk
    history = metric_history(run.id, "loss")
    assert [p.value for p in history] == [float(s) for s in range(30)]
    assert [p.step for p in history] == [100 - s for s in range(30)]
    assert get_run(run.id).metrics["loss"] == 0.0  # the highest step, not the last logged


def test_given_timestamps_round_trip_exactly(stores: Stores) -> None:
    stamps = [0, 1, 999, 1_795_693_652_843, 4_102_444_800_123]
    with start_run("stamps") as run:
        for step, stamp in enumerate(stamps):
            run.log_metric("x", 1.0, step=step, timestamp=stamp)
    assert [p.timestamp for p in metric_history(run.id, "x")] == stamps


def test_two_runs_interleaved_in_one_batch_stay_apart(stores: Stores) -> None:
    first = start_run("interleaved")
    second = start_run("interleaved", nested=False)
    for step in range(1_000):
        first.log_metrics({"a": step, "b": -step}, step=step)
        second.log_metric("a", step * 10, step)
    first.end()
    second.end()
    assert [p.value for p in metric_history(first.id, "a")] == [float(s) for s in range(1_000)]
    assert [p.value for p in metric_history(first.id, "b")] == [-float(s) for s in range(1_000)]
    assert [p.value for p in metric_history(second.id, "a")] == [s * 10.0 for s in range(1_000)]


def test_an_unknown_chunk_encoding_is_refused(stores: Stores) -> None:
    with start_run("encoding") as run:
        run.log_metric("x", 1.0)
    with stores.metadata.connection(write=True) as conn:
        conn.exec_driver_sql("UPDATE metric_chunks SET encoding = 'zstd/9'")
    with pytest.raises(StoreError, match="'zstd/9' is unknown"):
        metric_history(run.id)


def test_an_ended_run_releases_its_series_handles(stores: Stores) -> None:
    with start_run("handles") as run:
        for key in ("a", "b", "c"):
            run.log_metric(key, 1.0)
        handles = {state.handle for state in run._series.values()}
        assert handles <= set(run._writer._series)
    assert not handles & set(run._writer._series)
