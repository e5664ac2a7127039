"""Runs: ``start_run`` and the :class:`Run` that a training loop logs into.

Params, tags, inputs and artifacts are written at once, each call one transaction. Metric points
go through the store's background :class:`~loopml.tracking._writer.MetricWriter`, so logging a
point costs about a microsecond; see that module for what ``flush()`` guarantees.
"""

from __future__ import annotations

import contextvars
import io
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from loopml.core import ConflictError, InvalidValueError, NotFoundError, new_id, now_ms
from loopml.store import (
    Stores,
    default_stores,
    files_in_tree,
    record_audit_event,
    safe_relative_path,
)
from loopml.store.models import (
    DatasetVersionRow,
    ParamRow,
    RunArtifactRow,
    RunInputRow,
    RunRow,
    TagRow,
)
from loopml.tracking._environment import capture_environment
from loopml.tracking._experiments import check_experiment_name, experiment_row_for_update
from loopml.tracking._records import RunStatus
from loopml.tracking._values import check_key, metric_step, metric_value, text_value
from loopml.tracking._writer import writer_for

_now = time.time
_POKE_EVERY = 1_000  # points between checks that the writer's queue is not over-full


class _KeyState:
    """What a run keeps per metric key: the writer's handle and the default next step."""

    __slots__ = ("handle", "next_step")

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.next_step = 0


_active_runs: contextvars.ContextVar[tuple[Run, ...]] = contextvars.ContextVar(
    "loopml_active_runs", default=()
)


def active_run() -> Run | None:
    """The innermost run started with ``with start_run(...)`` in this thread/task, if any."""
    stack = _active_runs.get()
    return stack[-1] if stack else None


class Run:
    """A live run. Use it as a context manager, or call :meth:`end` yourself."""

    def __init__(
        self, *, id: str, name: str, experiment: str, parent_run_id: str | None, stores: Stores
    ) -> None:
        self.id = id
        self.name = name
        self.experiment = experiment
        self.parent_run_id = parent_run_id
        self.stores = stores
        self._writer = writer_for(stores.metadata)
        self._append = self._writer.append
        self._series: dict[str, _KeyState] = {}
        self._countdown = _POKE_EVERY
        self._writer.attach()
        self._ended = False
        self._token: contextvars.Token[tuple[Run, ...]] | None = None

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, name={self.name!r}, experiment={self.experiment!r})"

    # -- metrics (hot path) -------------------------------------------------------------------

    def log_metric(
        self, key: str, value: float, step: int | None = None, *, timestamp: int | None = None
    ) -> None:
        """Queue one point of metric ``key``; NaN and ±inf are stored as they are.

        ``step`` defaults to one more than the last step logged for ``key`` in this run (0 first).
        ``timestamp`` is milliseconds since the epoch (default: now).

        Raises:
            InvalidValueError: ``value`` is not a real number, or ``key``/``step`` is malformed.
        """
        if self._ended:
            self._raise_ended()
        if type(value) is not float:
            value = metric_value(key, value)
        series = self._series.get(key)
        if series is None:
            series = self._new_series(key)
        if step is None:
            step = series.next_step
        elif type(step) is not int:
            step = metric_step(key, step)
        series.next_step = step + 1
        self._append(
            (series.handle, value, step, _now() if timestamp is None else timestamp / 1000)
        )
        self._countdown -= 1
        if self._countdown <= 0:
            self._countdown = _POKE_EVERY
            self._writer.poke_if_full()

    def log_metrics(
        self, metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None
    ) -> None:
        """Queue one point of each metric in ``metrics``, all at the same step and time.

        The batch form of :meth:`log_metric` for a training loop: about half the cost per point.
        """
        if self._ended:
            self._raise_ended()
        if step is not None and type(step) is not int:
            step = metric_step("(all)", step)
        seconds = _now() if timestamp is None else timestamp / 1000
        append = self._append
        known = self._series
        for key, value in metrics.items():
            if type(value) is not float:
                value = metric_value(key, value)
            series = known.get(key)
            if series is None:
                series = self._new_series(key)
            point_step = series.next_step if step is None else step
            series.next_step = point_step + 1
            append((series.handle, value, point_step, seconds))
        self._countdown -= len(metrics)
        if self._countdown <= 0:
            self._countdown = _POKE_EVERY
            self._writer.poke_if_full()

    def _new_series(self, key: str) -> _KeyState:
        state = _KeyState(self._writer.new_series(self.id, check_key("metric", key)).handle)
        self._series[key] = state
        return state

    def flush(self) -> None:
        """Block until every metric point logged so far is committed to the store."""
        self._writer.flush()

    def metric_history(self, key: str | None = None) -> list[Any]:
        """Every committed point of ``key`` (or of all metrics), flushing first."""
        from loopml.tracking._queries import metric_history

        self.flush()
        return metric_history(self.id, key, stores=self.stores)

    # -- params, tags, inputs, artifacts ------------------------------------------------------

    def log_param(self, key: str, value: Any) -> None:
        """Record one parameter (see :meth:`log_params`)."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record parameters. Params are write-once: the same value again is fine, another is not.

        Raises:
            ConflictError: a key was logged before with a different value (nothing is written).
        """
        self._check_live()
        values = {check_key("param", k): text_value("param", k, v) for k, v in params.items()}
        if not values:
            return
        with self.stores.metadata.session(write=True) as session:
            existing = dict(
                session.execute(
                    sa.select(ParamRow.key, ParamRow.value).where(
                        ParamRow.run_id == self.id, ParamRow.key.in_(list(values))
                    )
                ).all()
            )
            for key, value in values.items():
                if key in existing and existing[key] != value:
                    raise ConflictError(
                        f"param {key!r} of run {self.id} is already {existing[key]!r}; params "
                        f"cannot change (got {value!r}) — log it as a tag or start a new run"
                    )
            session.add_all(
                ParamRow(run_id=self.id, key=k, value=v)
                for k, v in values.items()
                if k not in existing
            )

    def set_tag(self, key: str, value: Any) -> None:
        """Set one tag (see :meth:`set_tags`)."""
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags; unlike params, a tag can be changed later."""
        values = {check_key("tag", k): text_value("tag", k, v) for k, v in tags.items()}
        with self.stores.metadata.session(write=True) as session:
            for key, value in values.items():
                session.merge(TagRow(run_id=self.id, key=key, value=value))

    def log_input(self, dataset_version: Any, *, context: str = "train") -> None:
        """Record that this run read ``dataset_version`` (a DatasetVersion or its id).

        Raises:
            NotFoundError: no dataset version has that id.
        """
        self._check_live()
        version_id = getattr(dataset_version, "id", dataset_version)
        if not isinstance(version_id, str):
            raise InvalidValueError(f"{dataset_version!r} is not a dataset version or its id")
        context = check_key("input context", context)
        with self.stores.metadata.session(write=True) as session:
            if session.get(DatasetVersionRow, version_id) is None:
                raise NotFoundError("dataset version", version_id)
            session.merge(
                RunInputRow(run_id=self.id, dataset_version_id=version_id, context=context)
            )

    def log_artifact(self, path: str | Path, name: str | None = None) -> list[str]:
        """Store a file, or every file below a folder, as outputs of this run.

        A file is recorded under ``name`` (default: its file name); a folder's files under
        ``name/relative path``. Names may not climb out with ``..`` or be absolute, and a folder
        may not contain links pointing outside it.

        Returns:
            The recorded names.
        """
        self._check_live()
        source = Path(path)
        if source.is_dir():
            prefix = safe_relative_path(name or source.name)
            entries = [(f"{prefix}/{rel}", file) for rel, file in files_in_tree(source)]
        elif source.is_file():
            entries = [(safe_relative_path(name or source.name), source)]
        else:
            raise NotFoundError("file", str(path))
        stored = [
            (rel, self.stores.artifacts.put_file(file), file.stat().st_size)
            for rel, file in entries
        ]
        self._record_artifacts(stored)
        return [rel for rel, _, _ in stored]

    def log_text(self, text: str, name: str) -> str:
        """Store ``text`` (UTF-8) as the artifact ``name``."""
        return self._log_bytes(text.encode(), name)

    def log_dict(self, data: Mapping[str, Any], name: str) -> str:
        """Store ``data`` as a JSON artifact ``name``."""
        return self._log_bytes(json.dumps(data, indent=2, default=str).encode(), name)

    def _log_bytes(self, data: bytes, name: str) -> str:
        self._check_live()
        rel = safe_relative_path(name)
        digest = self.stores.artifacts.put_stream(io.BytesIO(data))
        self._record_artifacts([(rel, digest, len(data))])
        return rel

    def _record_artifacts(self, stored: list[tuple[str, str, int]]) -> None:
        created = now_ms()
        with self.stores.metadata.session(write=True) as session:
            for rel, digest, size in stored:
                session.merge(
                    RunArtifactRow(
                        run_id=self.id, path=rel, digest=digest, size=size, created_at=created
                    )
                )

    # -- life cycle ---------------------------------------------------------------------------

    def end(self, status: RunStatus | str = RunStatus.FINISHED) -> None:
        """Flush every metric point, then mark the run ended with ``status``."""
        if self._ended:
            return
        status = RunStatus(status)
        if status is RunStatus.RUNNING:
            raise InvalidValueError("a run cannot end with status RUNNING")
        try:
            self.flush()
        finally:
            self._ended = True
            self._writer.detach()
            self._writer.forget_series(state.handle for state in self._series.values())
            with self.stores.metadata.session(write=True) as session:
                session.execute(
                    sa.update(RunRow)
                    .where(RunRow.id == self.id)
                    .values(status=status.value, end_time=now_ms())
                )

    def __enter__(self) -> Run:
        self._token = _active_runs.set((*_active_runs.get(), self))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _active_runs.reset(self._token)
            self._token = None
        if exc_type is None:
            self.end(RunStatus.FINISHED)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end(RunStatus.KILLED)
        else:
            self.end(RunStatus.FAILED)

    def _check_live(self) -> None:
        if self._ended:
            self._raise_ended()

    def _raise_ended(self) -> None:
        raise ConflictError(f"run {self.id} ({self.name}) has ended; start a new run to log more")


def start_run(
    experiment: str = "default",
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    nested: bool = True,
    parent_run_id: str | None = None,
    capture_environment_info: bool = True,
    stores: Stores | None = None,
) -> Run:
    """Start a run in ``experiment`` (created on first use) and return it.

    Inside another active run, the new run becomes its child (``nested=False`` opts out); a
    child inherits its parent's experiment when ``experiment`` is left at ``"default"``.
    ``parent_run_id`` names the parent explicitly, for a child started in another process
    (tuning workers); it must exist (``NotFoundError`` otherwise).
    Top-level runs record the git commit, Python version and installed packages.

    Example::

        with loopml.start_run("churn", params={"model": "lgbm"}) as run:
            for epoch in range(10):
                run.log_metric("loss", 1 / (epoch + 1))
    """
    stores = stores or default_stores()
    parent = active_run() if nested else None
    if parent is not None and parent.stores is not stores:
        parent = None
    parent_id = parent.id if parent is not None else None
    if parent is not None and experiment == "default":
        experiment = parent.experiment
    if parent_run_id is not None:
        parent_id, parent_experiment = _existing_run(parent_run_id, stores)
        if experiment == "default":
            experiment = parent_experiment
    check_experiment_name(experiment)
    run_id = new_id()
    started = now_ms()
    run_name = (
        name or f"run-{datetime.fromtimestamp(started / 1000, UTC):%Y%m%d-%H%M%S}-{run_id[-4:]}"
    )
    check_key("run", run_name)
    environment: dict[str, Any]
    if parent_id is not None:
        environment = {"inherited_from": parent_id}
    elif capture_environment_info:
        environment = capture_environment()
    else:
        environment = {}
    param_values = {
        check_key("param", k): text_value("param", k, v) for k, v in (params or {}).items()
    }
    tag_values = {check_key("tag", k): text_value("tag", k, v) for k, v in (tags or {}).items()}
    with stores.metadata.session(write=True) as session:
        experiment_row = experiment_row_for_update(session, experiment)
        session.add(
            RunRow(
                id=run_id,
                experiment_id=experiment_row.id,
                name=run_name,
                status=RunStatus.RUNNING.value,
                start_time=started,
                end_time=None,
                parent_run_id=parent_id,
                environment=environment,
            )
        )
        session.flush()
        session.add_all(ParamRow(run_id=run_id, key=k, value=v) for k, v in param_values.items())
        session.add_all(TagRow(run_id=run_id, key=k, value=v) for k, v in tag_values.items())
        if parent_id is None:
            record_audit_event(
                session,
                action="run.start",
                entity_type="run",
                entity_id=run_id,
                details={"experiment": experiment, "name": run_name},
            )
    return Run(
        id=run_id,
        name=run_name,
        experiment=experiment,
        parent_run_id=parent_id,
        stores=stores,
    )


def _existing_run(run_id: str, stores: Stores) -> tuple[str, str]:
    """``(id, experiment name)`` of run ``run_id``, or :class:`NotFoundError`."""
    from loopml.store.models import ExperimentRow

    with stores.metadata.session() as session:
        found = session.execute(
            sa.select(RunRow.id, ExperimentRow.name)
            .join(ExperimentRow, ExperimentRow.id == RunRow.experiment_id)
            .where(RunRow.id == run_id)
        ).first()
    if found is None:
        raise NotFoundError("parent run", run_id)
    return str(found[0]), str(found[1])
