"""Running a pipeline: each step is a record, reused when its cache key was seen finished.

A pipeline run (``PipelineRunRow``) holds one record per step (``StepRunRow``) with its cache
key, status, outputs, duration and, on failure, the error. Before running a step, the runner
looks for a FINISHED step run with the same cache key (in any earlier pipeline run): if there
is one, the step is REUSED (its outputs are copied, nothing runs). So rerunning an unchanged
project only reads records, and resuming a failed run redoes only the failed step and those
after it: no separate resume machinery is needed.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loopml.core import LoopmlError, new_id, now_ms
from loopml.pipelines._steps import Step, StepContext, cache_key, canonical_json, check_steps
from loopml.store import Stores, default_stores
from loopml.store.models import PipelineRunRow, StepRunRow


class StepStatus(enum.StrEnum):
    """What happened to a step in a pipeline run."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    REUSED = "REUSED"
    FAILED = "FAILED"


class PipelineStepError(LoopmlError):
    """A step failed; the message names it and the pipeline run to resume."""

    def __init__(self, message: str, *, pipeline_run_id: str, step: str) -> None:
        super().__init__(message)
        self.pipeline_run_id = pipeline_run_id
        self.step = step


@dataclass(frozen=True)
class StepOutcome:
    """One step of a finished (or failed) pipeline run."""

    name: str
    status: StepStatus
    duration_s: float
    outputs: dict[str, Any] = field(default_factory=dict)
    reused_from: str | None = None
    warnings: tuple[str, ...] = ()


def _summarise(caught: Sequence[warnings.WarningMessage]) -> tuple[str, ...]:
    """One line per distinct warning, with how often it came: scikit-learn repeats a
    ConvergenceWarning for every fit of every fold and trial, a screenful that says one thing."""
    counts = Counter(
        f"{w.category.__name__}: {(str(w.message).strip().splitlines() or [''])[0]}" for w in caught
    )
    return tuple(f"{line} (x{count})" if count > 1 else line for line, count in counts.items())


@dataclass(frozen=True)
class PipelineResult:
    """A pipeline run: its id, status and its steps in order."""

    id: str
    project: str
    status: str
    steps: list[StepOutcome]

    @property
    def reused(self) -> list[str]:
        """Names of the steps whose earlier results were reused."""
        return [s.name for s in self.steps if s.status is StepStatus.REUSED]

    def outputs(self, step: str) -> dict[str, Any]:
        """The outputs of step ``step``."""
        return next(s.outputs for s in self.steps if s.name == step)


@functools.cache
def _loopml_version() -> str:
    """loopml's version plus a digest of its own source: a step's code is more than its
    function (the helpers it calls), so any change to loopml's code is a new code version.
    Computed once per process (a few hundred small files, tens of milliseconds)."""
    import loopml

    digest = hashlib.sha256()
    package = Path(loopml.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{loopml.__version__}+{digest.hexdigest()[:16]}"


def _finished_step(stores: Stores, key: str) -> StepRunRow | None:
    with stores.metadata.session() as session:
        return session.scalars(
            sa.select(StepRunRow)
            .where(
                StepRunRow.cache_key == key,
                StepRunRow.status.in_([StepStatus.FINISHED.value, StepStatus.REUSED.value]),
            )
            .order_by(StepRunRow.started_at.desc())
            .limit(1)
        ).first()


def run_pipeline(
    project: str,
    steps: Sequence[Step],
    *,
    config_digest: str = "",
    resume: str | None = None,
    use_cache: bool = True,
    on_step: Callable[[str, StepStatus], None] | None = None,
    stores: Stores | None = None,
) -> PipelineResult:
    """Run ``steps`` in order as one recorded pipeline run, reusing cached steps.

    Args:
        project: the project's name (pipeline runs are listed by it).
        steps: the steps, each after the steps it takes inputs from.
        config_digest: sha256 of the project file, recorded on the run.
        resume: id of a failed pipeline run this one continues (recorded; the finished steps
            are found through their cache keys).
        use_cache: False runs every step again.
        on_step: called with (step name, status) as each step starts and ends.

    Raises:
        PipelineStepError: a step raised; the pipeline run is recorded as FAILED.
        InvalidValueError: the steps are malformed (duplicate names, unknown inputs).
    """
    stores = stores or default_stores()
    ordered = list(steps)
    check_steps(ordered)
    notify = on_step or (lambda _name, _status: None)
    version = _loopml_version()
    run_id = new_id()
    with stores.metadata.session(write=True) as session:
        session.add(
            PipelineRunRow(
                id=run_id,
                project=project,
                status=StepStatus.RUNNING.value,
                config_digest=config_digest,
                resumed_from=resume,
                started_at=now_ms(),
            )
        )
    outputs: dict[str, Mapping[str, Any]] = {}
    outcomes: list[StepOutcome] = []
    for step in ordered:
        key = cache_key(step, outputs, loopml_version=version)
        earlier = _finished_step(stores, key) if use_cache else None
        if earlier is not None:
            outputs[step.name] = earlier.outputs
            outcomes.append(_record_reuse(stores, run_id, step.name, key, earlier))
            notify(step.name, StepStatus.REUSED)
            continue
        notify(step.name, StepStatus.RUNNING)
        outcome = _run_step(stores, run_id, step, key, outputs)
        outputs[step.name] = outcome.outputs
        outcomes.append(outcome)
        notify(step.name, StepStatus.FINISHED)
    _end_pipeline(stores, run_id, StepStatus.FINISHED)
    return PipelineResult(id=run_id, project=project, status="FINISHED", steps=outcomes)


def _record_reuse(
    stores: Stores, run_id: str, name: str, key: str, earlier: StepRunRow
) -> StepOutcome:
    now = now_ms()
    with stores.metadata.session(write=True) as session:
        session.add(
            StepRunRow(
                id=new_id(),
                pipeline_run_id=run_id,
                name=name,
                cache_key=key,
                status=StepStatus.REUSED.value,
                reused_from=earlier.id,
                outputs=earlier.outputs,
                started_at=now,
                ended_at=now,
                duration_s=0.0,
            )
        )
    return StepOutcome(name, StepStatus.REUSED, 0.0, dict(earlier.outputs), earlier.id)


def _run_step(
    stores: Stores, run_id: str, step: Step, key: str, outputs: Mapping[str, Mapping[str, Any]]
) -> StepOutcome:
    step_id = new_id()
    with stores.metadata.session(write=True) as session:
        session.add(
            StepRunRow(
                id=step_id,
                pipeline_run_id=run_id,
                name=step.name,
                cache_key=key,
                status=StepStatus.RUNNING.value,
                outputs={},
                started_at=now_ms(),
            )
        )
    context = StepContext(
        inputs={name: outputs[name] for name in step.inputs},
        stores=stores,
        pipeline_run_id=run_id,
        config=step.config,
    )
    started = time.perf_counter()
    try:
        # The step's warnings are gathered and summarised (StepOutcome.warnings), not printed
        # one by one between the progress lines.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            produced = dict(step.run(context))
        stored = json.loads(canonical_json(produced, what=f"the outputs of step {step.name!r}"))
    except Exception as exc:
        duration = time.perf_counter() - started
        _end_step(stores, step_id, StepStatus.FAILED, {}, duration, _describe(exc))
        _end_pipeline(stores, run_id, StepStatus.FAILED)
        raise PipelineStepError(
            f"step {step.name!r} failed: {type(exc).__name__}: {exc} (pipeline run {run_id}; "
            "fix it and run again: the finished steps are reused)",
            pipeline_run_id=run_id,
            step=step.name,
        ) from exc
    duration = time.perf_counter() - started
    _end_step(stores, step_id, StepStatus.FINISHED, stored, duration, None)
    return StepOutcome(
        step.name, StepStatus.FINISHED, duration, stored, warnings=_summarise(caught)
    )


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]


def _end_step(
    stores: Stores,
    step_id: str,
    status: StepStatus,
    outputs: dict[str, Any],
    duration: float,
    error: str | None,
) -> None:
    with stores.metadata.session(write=True) as session:
        session.execute(
            sa.update(StepRunRow)
            .where(StepRunRow.id == step_id)
            .values(
                status=status.value,
                outputs=outputs,
                duration_s=duration,
                ended_at=now_ms(),
                error=error,
            )
        )


def _end_pipeline(stores: Stores, run_id: str, status: StepStatus) -> None:
    with stores.metadata.session(write=True) as session:
        session.execute(
            sa.update(PipelineRunRow)
            .where(PipelineRunRow.id == run_id)
            .values(status=status.value, ended_at=now_ms())
        )
