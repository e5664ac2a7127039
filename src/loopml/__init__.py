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
    "ingest_csv": "loopml.data",
    "ingest_parquet": "loopml.data",
    "ingest_jsonl": "loopml.data",
    "ingest_files": "loopml.data",
    "ingest_sql": "loopml.data",
    "ingest_http": "loopml.data",
    "crawl": "loopml.data",
    "infer_schema": "loopml.data",
    "validate": "loopml.data",
    "attach_schema": "loopml.data",
    "clean_dataset": "loopml.data",
    "load_cleaner": "loopml.data",
    "split_dataset": "loopml.data",
    "make_synthetic": "loopml.data",
    "dataset_path": "loopml.data",
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
    "attach_schema",
    "clean_dataset",
    "crawl",
    "create_experiment",
    "dataset_path",
    "delete_alias",
    "get_dataset",
    "get_experiment",
    "get_model",
    "get_model_version",
    "get_run",
    "infer_schema",
    "infer_signature",
    "ingest_csv",
    "ingest_files",
    "ingest_http",
    "ingest_jsonl",
    "ingest_parquet",
    "ingest_sql",
    "list_dataset_versions",
    "list_datasets",
    "list_experiments",
    "list_model_versions",
    "list_models",
    "load_cleaner",
    "load_dataset",
    "load_model",
    "log_dataset",
    "make_synthetic",
    "metric_history",
    "parse_model_uri",
    "register_model",
    "search_runs",
    "set_alias",
    "split_dataset",
    "start_run",
    "update_model",
    "update_model_version",
    "validate",
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
        attach_schema,
        clean_dataset,
        crawl,
        dataset_path,
        get_dataset,
        infer_schema,
        ingest_csv,
        ingest_files,
        ingest_http,
        ingest_jsonl,
        ingest_parquet,
        ingest_sql,
        list_dataset_versions,
        list_datasets,
        load_cleaner,
        load_dataset,
        log_dataset,
        make_synthetic,
        split_dataset,
        validate,
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
