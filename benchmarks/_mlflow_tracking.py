"""MLflow's side of ``tracking.py``: log the workload into one run and print the timings as JSON.

Run by ``tracking.py`` with the Python of the benchmark's own MLflow environment
(``benchmarks/.envs/mlflow``), one fresh process and one fresh database per measurement. It uses
``MlflowClient`` against a SQLAlchemy tracking URI, MLflow's fastest synchronous path (no fluent
run stack, no HTTP server). Modes:

- ``batch``: ``log_batch`` with chunks of ``--batch-size`` points (1,000 is MLflow's maximum);
  building the ``Metric`` entities is timed, since a caller must build them;
- ``point``: one ``log_metric`` call per point.

Phases, as on loopml's side: ``open_s`` (client and schema creation), ``start_s`` (experiment,
run and the same params), ``log_s`` (the timed region: first call to the last return; MLflow's
calls are synchronous, so every point is committed then), ``end_s`` (``set_terminated``),
``read_s`` (``get_metric_history`` of every metric, for the check).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from _tracking_workload import Point, Workload, check_histories, emit_result, python_version
from mlflow import MlflowClient
from mlflow.entities import Metric, Param


def _log_batches(client: MlflowClient, run_id: str, points: list[Point], batch_size: int) -> None:
    for start in range(0, len(points), batch_size):
        metrics = [
            Metric(key=key, value=value, timestamp=timestamp, step=step)
            for key, value, step, timestamp in points[start : start + batch_size]
        ]
        client.log_batch(run_id, metrics=metrics)


def _log_points(client: MlflowClient, run_id: str, points: list[Point]) -> None:
    log_metric = client.log_metric
    for key, value, step, timestamp in points:
        log_metric(run_id, key, value, timestamp=timestamp, step=step)


def measure(
    *, workload: Workload, tracking_uri: str, artifact_dir: Path, mode: str, batch_size: int
) -> dict[str, object]:
    """Log ``workload`` into a fresh MLflow store and return the phase timings and the check."""
    points = workload.ordered_points()
    params = {"benchmark": "tracking", "points": workload.points, "metrics": workload.metric_count}

    started = time.perf_counter()
    client = MlflowClient(tracking_uri=tracking_uri)
    client.get_experiment_by_name("bench-tracking")  # first use creates the tables
    opened = time.perf_counter()
    experiment_id = client.create_experiment(
        "bench-tracking", artifact_location=artifact_dir.as_uri()
    )
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, params=[Param(key, str(value)) for key, value in params.items()])
    run_started = time.perf_counter()
    if mode == "batch":
        _log_batches(client, run_id, points, batch_size)
    else:
        _log_points(client, run_id, points)
    logged = time.perf_counter()
    client.set_terminated(run_id)
    ended = time.perf_counter()
    histories = {
        key: [
            (metric.value, metric.step, metric.timestamp)
            for metric in client.get_metric_history(run_id, key)
        ]
        for key in workload.keys
    }
    read = time.perf_counter()
    return {
        "system": "mlflow",
        "mode": f"log_batch({batch_size})" if mode == "batch" else "log_metric",
        "points": workload.points,
        "open_s": opened - started,
        "start_s": run_started - opened,
        "log_s": logged - run_started,
        "end_s": ended - logged,
        "read_s": read - ended,
        "problems": check_histories(workload, histories),
        "versions": {
            "mlflow": version("mlflow"),
            "sqlalchemy": version("sqlalchemy"),
            "python": python_version(),
        },
    }


def main() -> None:
    """Parse the arguments, measure once, print the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--mode", choices=["batch", "point"], required=True)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--tracking-uri", default=None, help="default: SQLite file in tmp")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
        emit_result(
            measure(
                workload=Workload(args.points),
                tracking_uri=args.tracking_uri or f"sqlite:///{tmp}/mlflow.db",
                artifact_dir=Path(tmp) / "artifacts",
                mode=args.mode,
                batch_size=args.batch_size,
            )
        )


if __name__ == "__main__":
    main()
