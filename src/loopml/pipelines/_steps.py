"""Steps of a pipeline, and the cache key that decides whether a step must run again.

A step reruns only when its configuration, its code or its inputs change. Its cache key is the
sha256 of: the step's name and JSON configuration, its code version (the author's ``version``
string, loopml's version with a digest of loopml's own source, and a hash of the function's
source), and the outputs of the steps it takes as inputs. Outputs are small JSON documents
(dataset version ids, model versions, metric values); large things live in the stores and are
referred to by id or digest.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loopml.core import InvalidValueError
from loopml.store import Stores


@dataclass(frozen=True)
class StepContext:
    """What a running step gets: its inputs' outputs, the stores and the pipeline run's id."""

    inputs: Mapping[str, Mapping[str, Any]]
    stores: Stores
    pipeline_run_id: str
    config: Mapping[str, Any]


StepFunction = Callable[[StepContext], Mapping[str, Any]]


@dataclass(frozen=True)
class Step:
    """One unit of a pipeline: a function of its config and of earlier steps' outputs.

    Attributes:
        name: unique in the pipeline.
        run: takes a :class:`StepContext`, returns the step's outputs (JSON-serialisable).
        config: JSON-serialisable settings; part of the cache key.
        inputs: names of earlier steps whose outputs this step reads.
        version: bump it when the step's meaning changes without its source changing.
    """

    name: str
    run: StepFunction
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    version: str = "1"


def _source_digest(function: StepFunction) -> str:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):  # built in, or defined where the source cannot be read
        source = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"
    return hashlib.sha256(source.encode()).hexdigest()


def canonical_json(value: Any, *, what: str) -> str:
    """``value`` as sorted, compact JSON; refuses what JSON cannot hold (naming ``what``)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(f"{what} must be JSON (numbers, text, lists, maps): {exc}") from exc


def cache_key(step: Step, inputs: Mapping[str, Mapping[str, Any]], *, loopml_version: str) -> str:
    """The sha256 that names this step's work: config, code version and inputs' outputs."""
    document = {
        "step": step.name,
        "config": json.loads(canonical_json(dict(step.config), what=f"step {step.name!r} config")),
        "code": {
            "version": step.version,
            "loopml": loopml_version,
            "source": _source_digest(step.run),
        },
        "inputs": {name: inputs[name] for name in step.inputs},
    }
    return hashlib.sha256(canonical_json(document, what="step inputs").encode()).hexdigest()


def check_steps(steps: list[Step]) -> None:
    """Refuse duplicate names and inputs that are not earlier steps, before anything runs."""
    seen: set[str] = set()
    for step in steps:
        if not step.name or step.name in seen:
            raise InvalidValueError(f"step names must be unique and non-empty: {step.name!r}")
        missing = [name for name in step.inputs if name not in seen]
        if missing:
            raise InvalidValueError(
                f"step {step.name!r} takes {missing} as inputs, which are not earlier steps"
            )
        seen.add(step.name)
