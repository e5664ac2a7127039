"""The tracking benchmark's workload: which metric points are logged, and checking they read back.

Both sides import this module (the loopml helper and the MLflow helper, each from its own
environment), so they log exactly the same keys, values, steps and timestamps in the same order:
a training loop's shape, every metric once per step. Standard library only, because it runs in the
peer's environment too.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

METRIC_COUNT = 10
BASE_TIMESTAMP_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z; fixed so readback can check it
RESULT_MARKER = "BENCH-RESULT "
_MAX_PROBLEMS = 10

Point = tuple[str, float, int, int]
"""``(key, value, step, timestamp_ms)``."""


@dataclass(frozen=True)
class Workload:
    """``points`` metric points: ``metric_count`` metrics, each logged once per step."""

    points: int
    metric_count: int = METRIC_COUNT

    def __post_init__(self) -> None:
        if self.points <= 0 or self.points % self.metric_count:
            raise ValueError(
                f"points ({self.points}) must be a positive multiple of the metric count "
                f"({self.metric_count})"
            )

    @property
    def steps(self) -> int:
        """How many steps each metric gets."""
        return self.points // self.metric_count

    @property
    def keys(self) -> tuple[str, ...]:
        """The metric names, ``metric_0`` ... ``metric_9``."""
        return tuple(f"metric_{index}" for index in range(self.metric_count))

    @staticmethod
    def value(metric_index: int, step: int) -> float:
        """The value of one point: loss-like, distinct per metric and step, exact as a double."""
        return (metric_index + 1) / (step + 1)

    @staticmethod
    def timestamp(step: int) -> int:
        """The timestamp (ms) of every point of ``step``."""
        return BASE_TIMESTAMP_MS + step

    def ordered_points(self) -> list[Point]:
        """Every point in logging order: step by step, all metrics of a step together."""
        keys = self.keys
        return [
            (key, self.value(index, step), step, self.timestamp(step))
            for step in range(self.steps)
            for index, key in enumerate(keys)
        ]


def check_histories(
    workload: Workload, histories: Mapping[str, Iterable[tuple[float, int, int]]]
) -> list[str]:
    """Compare what a store read back with what was logged; every point is checked.

    Args:
        workload: what was logged.
        histories: ``{key: [(value, step, timestamp_ms), ...]}`` as read back, in any order.

    Returns:
        Up to ten descriptions of mismatches; empty when every point reads back exactly.
    """
    problems: list[str] = []
    extra = sorted(set(histories) - set(workload.keys))
    if extra:
        problems.append(f"unexpected metric keys read back: {extra}")
    for index, key in enumerate(workload.keys):
        points = list(histories.get(key, ()))
        if len(points) != workload.steps:
            problems.append(f"{key}: {len(points)} points read back, {workload.steps} logged")
        by_step = {step: (value, timestamp) for value, step, timestamp in points}
        for step in range(workload.steps):
            expected = (workload.value(index, step), workload.timestamp(step))
            if by_step.get(step) != expected:
                problems.append(f"{key} step {step}: read {by_step.get(step)}, logged {expected}")
                break  # one mismatch per key is enough to say what went wrong
        if len(problems) >= _MAX_PROBLEMS:
            break
    return problems[:_MAX_PROBLEMS]


def python_version() -> str:
    """The running interpreter, e.g. ``3.11.7 (CPython)``."""
    return f"{platform.python_version()} ({platform.python_implementation()})"


def emit_result(result: Mapping[str, Any]) -> None:
    """Print one helper's result as a marked JSON line for the orchestrator to pick out."""
    print(RESULT_MARKER + json.dumps(result), flush=True)
