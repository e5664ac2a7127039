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

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

__version__ = "0.1.0"

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


# Names load their modules on first use (see loopml.core._lazy).
__getattr__, __dir__ = lazy_exports(__name__, __file__)


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
