"""loopml: the whole machine-learning lifecycle as one closed loop on one machine.

The SDK's names are imported on first use (PEP 562), so ``import loopml`` and the CLI start fast
and heavy libraries load only when a stage that needs them runs.

Example::

    import loopml

    with loopml.start_run("churn", params={"model": "lgbm"}) as run:
        run.log_metric("f1", 0.91)
    loopml.search_runs("churn", filter="metrics.f1 > 0.9")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # tracking
    "start_run": "loopml.tracking",
    "active_run": "loopml.tracking",
    "get_run": "loopml.tracking",
    "search_runs": "loopml.tracking",
    "metric_history": "loopml.tracking",
    "create_experiment": "loopml.tracking",
    "get_experiment": "loopml.tracking",
    "list_experiments": "loopml.tracking",
    "Run": "loopml.tracking",
    "RunStatus": "loopml.tracking",
    # registry
    "register_model": "loopml.registry",
    "load_model": "loopml.registry",
    "get_model": "loopml.registry",
    "list_models": "loopml.registry",
    "get_model_version": "loopml.registry",
    "list_model_versions": "loopml.registry",
    "set_alias": "loopml.registry",
    "delete_alias": "loopml.registry",
    "update_model": "loopml.registry",
    "update_model_version": "loopml.registry",
    "parse_model_uri": "loopml.registry",
    "infer_signature": "loopml.registry",
    "ModelUri": "loopml.registry",
    "Model": "loopml.registry",
    "ModelVersion": "loopml.registry",
    "PythonModel": "loopml.registry",
    # data
    "log_dataset": "loopml.data",
    "get_dataset": "loopml.data",
    "load_dataset": "loopml.data",
    "list_datasets": "loopml.data",
    "list_dataset_versions": "loopml.data",
    "DatasetVersion": "loopml.data",
    # stores and settings
    "Settings": "loopml.core",
    "Stores": "loopml.store",
    "LoopmlError": "loopml.core",
}

__all__ = [
    "DatasetVersion",
    "LoopmlError",
    "Model",
    "ModelUri",
    "ModelVersion",
    "PythonModel",
    "Run",
    "RunStatus",
    "Settings",
    "Stores",
    "active_run",
    "create_experiment",
    "delete_alias",
    "get_dataset",
    "get_experiment",
    "get_model",
    "get_model_version",
    "get_run",
    "infer_signature",
    "list_dataset_versions",
    "list_datasets",
    "list_experiments",
    "list_model_versions",
    "list_models",
    "load_dataset",
    "load_model",
    "log_dataset",
    "metric_history",
    "parse_model_uri",
    "register_model",
    "search_runs",
    "set_alias",
    "start_run",
    "update_model",
    "update_model_version",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loopml' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from loopml.core import LoopmlError, Settings
    from loopml.data import (
        DatasetVersion,
        get_dataset,
        list_dataset_versions,
        list_datasets,
        load_dataset,
        log_dataset,
    )
    from loopml.registry import (
        Model,
        ModelUri,
        ModelVersion,
        PythonModel,
        delete_alias,
        get_model,
        get_model_version,
        infer_signature,
        list_model_versions,
        list_models,
        load_model,
        parse_model_uri,
        register_model,
        set_alias,
        update_model,
        update_model_version,
    )
    from loopml.store import Stores
    from loopml.tracking import (
        Run,
        RunStatus,
        active_run,
        create_experiment,
        get_experiment,
        get_run,
        list_experiments,
        metric_history,
        search_runs,
        start_run,
    )
