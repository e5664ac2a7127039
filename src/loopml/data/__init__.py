"""Data: versioned datasets (Parquet, content-hashed); connectors, validation, cleaning next."""

from loopml.data._content_hash import ContentHasher, content_hash
from loopml.data._datasets import (
    DatasetVersion,
    dataset_path,
    get_dataset,
    list_dataset_versions,
    list_datasets,
    load_dataset,
    log_dataset,
)

__all__ = [
    "ContentHasher",
    "DatasetVersion",
    "content_hash",
    "dataset_path",
    "get_dataset",
    "list_dataset_versions",
    "list_datasets",
    "load_dataset",
    "log_dataset",
]
