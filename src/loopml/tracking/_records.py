"""Read-only views of tracking records, returned by the SDK instead of ORM rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class RunStatus(enum.StrEnum):
    """Life cycle of a run: RUNNING until it ends as FINISHED, FAILED or KILLED."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    id: str
    name: str
    description: str
    created_at: int


@dataclass(frozen=True)
class MetricPoint:
    """One logged value of a metric."""

    key: str
    value: float
    step: int
    timestamp: int


@dataclass(frozen=True)
class RunInput:
    """A dataset version a run read, and in which role (``train``, ``eval``...)."""

    dataset_version_id: str
    context: str


@dataclass(frozen=True)
class RunArtifact:
    """A file a run produced: its name in the run and its digest in the artifact store."""

    path: str
    digest: str
    size: int


@dataclass(frozen=True)
class RunRecord:
    """Everything recorded about one run (latest metric values; history via ``metric_history``)."""

    id: str
    experiment: str
    name: str
    status: RunStatus
    start_time: int
    end_time: int | None
    parent_run_id: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    inputs: list[RunInput] = field(default_factory=list)
    artifacts: list[RunArtifact] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
