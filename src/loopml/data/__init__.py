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
from loopml.data._smote import (
    oversample_smote,
)
from loopml.data._splits import (
    Split,
    SplitFrames,
    split_dataset,
    split_frame,
)
from loopml.data._synthetic import (
    Boolean,
    Categorical,
    Dates,
    Distribution,
    LinearTarget,
    LogisticTarget,
    LogNormal,
    Normal,
    Poisson,
    TargetRule,
    Uniform,
    make_synthetic,
)

__all__ = [
    "Boolean",
    "Categorical",
    "ContentHasher",
    "DatasetVersion",
    "Dates",
    "Distribution",
    "LinearTarget",
    "LogNormal",
    "LogisticTarget",
    "Normal",
    "Poisson",
    "Split",
    "SplitFrames",
    "TargetRule",
    "Uniform",
    "content_hash",
    "dataset_path",
    "get_dataset",
    "list_dataset_versions",
    "list_datasets",
    "load_dataset",
    "log_dataset",
    "make_synthetic",
    "oversample_smote",
    "split_dataset",
    "split_frame",
]
