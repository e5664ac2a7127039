"""Data: versioned datasets (Parquet, content-hashed); connectors, validation, cleaning next."""

from typing import TYPE_CHECKING, Any

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
from loopml.data._expectations import (
    DTYPES,
    Between,
    ColumnExists,
    CompareColumns,
    Dtype,
    Expectation,
    InSet,
    MatchesRegex,
    MeanBetween,
    NoExtraColumns,
    NotNull,
    Unique,
    expect,
    expectation_from_dict,
)
from loopml.data._schema import (
    ColumnSchema,
    Schema,
    infer_schema,
    load_rules,
    load_schema,
    save_schema,
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
from loopml.data._stored_schema import (
    attach_schema,
    stored_schema,
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
from loopml.data._validate import (
    validate,
)
from loopml.data._validation_report import (
    RuleResult,
    RuleStatus,
    ValidationReport,
)

if TYPE_CHECKING:
    from loopml.data._cleaning import (
        AddNoise,
        Cleaner,
        CleaningConfig,
        CleaningReport,
        ClipOutliers,
        DateTimeParts,
        DropDuplicates,
        DropMissingColumns,
        DropMissingRows,
        DropOutliers,
        ImputeMissing,
        OneHotEncode,
        OrdinalEncode,
        ScaleNumeric,
        SMOTEOversample,
        StepReport,
        TargetEncode,
        clean_dataset,
        cleaner_from_config,
        load_cleaner,
        load_cleaning_config,
        make_cleaner,
        parse_cleaning_config,
    )
from loopml.data._crawl import (
    crawl,
)
from loopml.data._crawl_robots import (
    RobotsRefusedError,
)
from loopml.data._files import (
    ingest_csv,
    ingest_files,
    ingest_jsonl,
    ingest_parquet,
)
from loopml.data._http import (
    CursorPagination,
    LinkHeaderPagination,
    OffsetPagination,
    PagePagination,
    ingest_http,
)
from loopml.data._http_fetch import (
    FetchError,
    RetryPolicy,
)
from loopml.data._profile import (
    ProgressCallback,
    profile_dataset,
)
from loopml.data._profile_html import (
    render_profile_html,
    write_profile_html,
)
from loopml.data._profile_model import (
    ColumnKind,
    ColumnProfile,
    Profile,
    ProfileWarning,
    TargetTask,
    WarningKind,
)
from loopml.data._profile_warnings import (
    WarningThresholds,
)
from loopml.data._sql import (
    ingest_sql,
)

__all__ = [
    "AddNoise",
    "Between",
    "Boolean",
    "Categorical",
    "Cleaner",
    "CleaningConfig",
    "CleaningReport",
    "ClipOutliers",
    "ColumnExists",
    "ColumnKind",
    "ColumnProfile",
    "ColumnSchema",
    "CompareColumns",
    "ContentHasher",
    "CursorPagination",
    "DTYPES",
    "DatasetVersion",
    "DateTimeParts",
    "Dates",
    "Distribution",
    "DropDuplicates",
    "DropMissingColumns",
    "DropMissingRows",
    "DropOutliers",
    "Dtype",
    "Expectation",
    "FetchError",
    "ImputeMissing",
    "InSet",
    "LinearTarget",
    "LinkHeaderPagination",
    "LogNormal",
    "LogisticTarget",
    "MatchesRegex",
    "MeanBetween",
    "NoExtraColumns",
    "Normal",
    "NotNull",
    "OffsetPagination",
    "OneHotEncode",
    "OrdinalEncode",
    "PagePagination",
    "Poisson",
    "Profile",
    "ProfileWarning",
    "ProgressCallback",
    "RetryPolicy",
    "RobotsRefusedError",
    "RuleResult",
    "RuleStatus",
    "SMOTEOversample",
    "ScaleNumeric",
    "Schema",
    "Split",
    "SplitFrames",
    "StepReport",
    "TargetEncode",
    "TargetRule",
    "TargetTask",
    "Uniform",
    "Unique",
    "ValidationReport",
    "WarningKind",
    "WarningThresholds",
    "attach_schema",
    "clean_dataset",
    "cleaner_from_config",
    "content_hash",
    "crawl",
    "dataset_path",
    "expect",
    "expectation_from_dict",
    "get_dataset",
    "infer_schema",
    "ingest_csv",
    "ingest_files",
    "ingest_http",
    "ingest_jsonl",
    "ingest_parquet",
    "ingest_sql",
    "list_dataset_versions",
    "list_datasets",
    "load_cleaner",
    "load_cleaning_config",
    "load_dataset",
    "load_rules",
    "load_schema",
    "log_dataset",
    "make_cleaner",
    "make_synthetic",
    "oversample_smote",
    "parse_cleaning_config",
    "profile_dataset",
    "render_profile_html",
    "save_schema",
    "split_dataset",
    "split_frame",
    "stored_schema",
    "validate",
    "write_profile_html",
]

_CLEANING_NAMES = frozenset(
    {
        "AddNoise",
        "CleaningConfig",
        "CleaningReport",
        "Cleaner",
        "ClipOutliers",
        "DateTimeParts",
        "DropDuplicates",
        "DropMissingColumns",
        "DropMissingRows",
        "DropOutliers",
        "ImputeMissing",
        "OneHotEncode",
        "OrdinalEncode",
        "SMOTEOversample",
        "ScaleNumeric",
        "StepReport",
        "TargetEncode",
        "clean_dataset",
        "cleaner_from_config",
        "load_cleaner",
        "load_cleaning_config",
        "make_cleaner",
        "parse_cleaning_config",
    }
)


def __getattr__(name: str) -> Any:
    if name in _CLEANING_NAMES:
        from loopml.data import _cleaning

        return getattr(_cleaning, name)
    raise AttributeError(f"module 'loopml.data' has no attribute {name!r}")
