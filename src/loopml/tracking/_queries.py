"""Reading runs back: one run in full, a metric's history, and ``search_runs``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from loopml.core import InvalidValueError, NotFoundError
from loopml.store import Stores, default_stores
from loopml.store._metrics import read_latest_metrics, read_metric_history
from loopml.store.models import (
    ExperimentRow,
    LatestMetricRow,
    ParamRow,
    RunArtifactRow,
    RunInputRow,
    RunRow,
    TagRow,
)
from loopml.tracking._filter import ATTRIBUTES, parse_filter, parse_order_by
from loopml.tracking._records import MetricPoint, RunArtifact, RunInput, RunRecord, RunStatus

_CHUNK = 500


def get_run(run_id: str, *, stores: Stores | None = None) -> RunRecord:
    """Everything recorded about run ``run_id`` (metrics as their latest values).

    Raises:
        NotFoundError: no run has that id.
    """
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        found = session.execute(
            sa.select(RunRow, ExperimentRow.name)
            .join(ExperimentRow, ExperimentRow.id == RunRow.experiment_id)
            .where(RunRow.id == run_id)
        ).first()
        if found is None:
            raise NotFoundError("run", run_id)
        row, experiment = found
        params = dict(
            session.execute(
                sa.select(ParamRow.key, ParamRow.value).where(ParamRow.run_id == run_id)
            ).all()
        )
        tags = dict(
            session.execute(
                sa.select(TagRow.key, TagRow.value).where(TagRow.run_id == run_id)
            ).all()
        )
        inputs = [
            RunInput(dataset_version_id=i.dataset_version_id, context=i.context)
            for i in session.scalars(sa.select(RunInputRow).where(RunInputRow.run_id == run_id))
        ]
        artifacts = [
            RunArtifact(path=a.path, digest=a.digest, size=a.size)
            for a in session.scalars(
                sa.select(RunArtifactRow)
                .where(RunArtifactRow.run_id == run_id)
                .order_by(RunArtifactRow.path)
            )
        ]
    return RunRecord(
        id=row.id,
        experiment=experiment,
        name=row.name,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        parent_run_id=row.parent_run_id,
        params=params,
        metrics=read_latest_metrics(stores.metadata, [run_id])[run_id],
        tags=tags,
        inputs=inputs,
        artifacts=artifacts,
        environment=row.environment or {},
    )


def resolve_run_id(prefix: str, *, stores: Stores | None = None) -> str:
    """The full id of the one run whose id starts with ``prefix`` (at least 6 characters).

    Raises:
        InvalidValueError: the prefix is shorter than 6 characters or matches several runs.
        NotFoundError: no run id starts with it.
    """
    if not isinstance(prefix, str) or len(prefix) < 6 or not prefix.isalnum():
        raise InvalidValueError(f"run id {prefix!r}: give at least 6 characters of the id")
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        found = session.scalars(
            sa.select(RunRow.id).where(RunRow.id.startswith(prefix.lower())).limit(2)
        ).all()
    if not found:
        raise NotFoundError("run", prefix)
    if len(found) > 1:
        raise InvalidValueError(f"run id {prefix!r} matches several runs; give more characters")
    return str(found[0])


def metric_history(
    run_id: str, key: str | None = None, *, stores: Stores | None = None
) -> list[MetricPoint]:
    """Every committed point of metric ``key`` of a run (all metrics when ``key`` is None)."""
    stores = stores or default_stores()
    points = read_metric_history(stores.metadata, run_id, key)
    if not points:
        get_run(run_id, stores=stores)  # raises NotFoundError for an unknown run
    return [MetricPoint(key=k, value=v, step=s, timestamp=t) for k, v, s, t in points]


def _order_clause(item: str) -> Any:
    field, descending = parse_order_by(item)
    if field.kind == "attributes":
        column: Any = ATTRIBUTES[field.name]
    else:
        table: Any = {"metrics": LatestMetricRow, "params": ParamRow, "tags": TagRow}[field.kind]
        column = (
            sa.select(table.value)
            .where(table.run_id == RunRow.id, table.key == field.name)
            .scalar_subquery()
        )
    ordered = column.desc() if descending else column.asc()
    return ordered.nulls_last()


def search_runs(
    experiment: str | Sequence[str] | None = None,
    *,
    filter: str = "",
    order_by: str | Sequence[str] | None = None,
    max_results: int | None = None,
    stores: Stores | None = None,
) -> pd.DataFrame:
    """Find runs and return them as a DataFrame, one row per run.

    Columns: ``run_id, experiment, name, status, start_time, end_time, parent_run_id``, then
    ``metrics.<key>`` (latest values), ``params.<key>`` and ``tags.<key>``.

    Args:
        experiment: one experiment name, several, or None for all.
        filter: e.g. ``"metrics.f1 > 0.9 and params.model = 'lgbm'"`` (see ``_filter``).
        order_by: e.g. ``["metrics.f1 DESC", "start_time"]``; newest first by default.
        max_results: at most this many runs.

    Raises:
        NotFoundError: a named experiment does not exist (lists those that do).
        InvalidValueError: the filter or an order_by entry does not parse.
    """
    stores = stores or default_stores()
    condition = parse_filter(filter)
    orders = [order_by] if isinstance(order_by, str) else list(order_by or [])
    clauses = [_order_clause(item) for item in orders] + [RunRow.start_time.desc(), RunRow.id]
    names = [experiment] if isinstance(experiment, str) else list(experiment or [])
    query = (
        sa.select(RunRow, ExperimentRow.name)
        .join(ExperimentRow, ExperimentRow.id == RunRow.experiment_id)
        .where(condition)
    )
    with stores.metadata.session() as session:
        if names:
            known = dict(session.execute(sa.select(ExperimentRow.name, ExperimentRow.id)).all())
            for name in names:
                if name not in known:
                    raise NotFoundError("experiment", name, available=sorted(known))
            query = query.where(RunRow.experiment_id.in_([known[n] for n in names]))
        query = query.order_by(*clauses)
        if max_results is not None:
            query = query.limit(max_results)
        rows = session.execute(query).all()
        run_ids = [run.id for run, _ in rows]
        params = _key_values(session, ParamRow, run_ids)
        tags = _key_values(session, TagRow, run_ids)
    metrics = read_latest_metrics(stores.metadata, run_ids)
    records = []
    for run, experiment_name in rows:
        record: dict[str, Any] = {
            "run_id": run.id,
            "experiment": experiment_name,
            "name": run.name,
            "status": run.status,
            "start_time": pd.Timestamp(run.start_time, unit="ms", tz="UTC"),
            "end_time": (
                pd.Timestamp(run.end_time, unit="ms", tz="UTC") if run.end_time else pd.NaT
            ),
            "parent_run_id": run.parent_run_id,
        }
        record.update({f"metrics.{k}": v for k, v in sorted(metrics[run.id].items())})
        record.update({f"params.{k}": v for k, v in sorted(params.get(run.id, {}).items())})
        record.update({f"tags.{k}": v for k, v in sorted(tags.get(run.id, {}).items())})
        records.append(record)
    base = ["run_id", "experiment", "name", "status", "start_time", "end_time", "parent_run_id"]
    frame = pd.DataFrame.from_records(records, columns=None if records else base)
    rest = sorted(c for c in frame.columns if c not in base)
    ordered = base + [c for p in ("metrics.", "params.", "tags.") for c in rest if c.startswith(p)]
    return frame[ordered]


def _key_values(session: Any, table: Any, run_ids: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(run_ids), _CHUNK):
        chunk = run_ids[start : start + _CHUNK]
        result = session.execute(
            sa.select(table.run_id, table.key, table.value).where(table.run_id.in_(chunk))
        )
        for run_id, key, value in result:
            found.setdefault(run_id, {})[key] = value
    return found
