"""Experiment tracking: runs, params, metric series, tags, inputs and output artifacts.

Every stage of the loop records its work as a run here, which is what makes lineage free.
"""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.tracking._experiments import create_experiment, get_experiment, list_experiments
    from loopml.tracking._queries import get_run, metric_history, resolve_run_id, search_runs
    from loopml.tracking._records import (
        Experiment,
        MetricPoint,
        RunArtifact,
        RunInput,
        RunRecord,
        RunStatus,
    )
    from loopml.tracking._run import Run, active_run, start_run


__all__ = [
    "Experiment",
    "MetricPoint",
    "Run",
    "RunArtifact",
    "RunInput",
    "RunRecord",
    "RunStatus",
    "active_run",
    "create_experiment",
    "get_experiment",
    "get_run",
    "list_experiments",
    "metric_history",
    "resolve_run_id",
    "search_runs",
    "start_run",
]
