"""Data: versioned datasets (Parquet, content-hashed); connectors, validation, cleaning next."""

from loopml.data._datasets import (
    DatasetVersion,
    content_hash,
    get_dataset,
    list_dataset_versions,
    list_datasets,
    load_dataset,
    log_dataset,
)

__all__ = [
    "DatasetVersion",
    "content_hash",
    "get_dataset",
    "list_dataset_versions",
    "list_datasets",
    "load_dataset",
    "log_dataset",
]
