"""Data: versioned datasets (Parquet, content-hashed); connectors, validation, cleaning next."""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.data._content_hash import ContentHasher, content_hash
    from loopml.data._crawl import crawl
    from loopml.data._crawl_robots import RobotsRefusedError
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
    from loopml.data._files import ingest_csv, ingest_files, ingest_jsonl, ingest_parquet
    from loopml.data._http import (
        CursorPagination,
        LinkHeaderPagination,
        OffsetPagination,
        PagePagination,
        ingest_http,
    )
    from loopml.data._http_fetch import FetchError, RetryPolicy
    from loopml.data._profile import ProgressCallback, profile_dataset
    from loopml.data._profile_html import render_profile_html, write_profile_html
    from loopml.data._profile_model import (
        ColumnKind,
        ColumnProfile,
        Profile,
        ProfileWarning,
        TargetTask,
        WarningKind,
    )
    from loopml.data._profile_warnings import WarningThresholds
    from loopml.data._schema import (
        ColumnSchema,
        Schema,
        infer_schema,
        load_rules,
        load_schema,
        save_schema,
    )
    from loopml.data._smote import oversample_smote
    from loopml.data._splits import Split, SplitFrames, split_dataset, split_frame
    from loopml.data._sql import ingest_sql
    from loopml.data._stored_schema import attach_schema, stored_schema
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
    from loopml.data._validate import validate
    from loopml.data._validation_report import RuleResult, RuleStatus, ValidationReport


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

__all__ = [
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
    "ColumnKind",
    "ColumnProfile",
    "Profile",
    "ProfileWarning",
    "ProgressCallback",
    "TargetTask",
    "WarningKind",
    "WarningThresholds",
    "profile_dataset",
    "render_profile_html",
    "write_profile_html",
    "ingest_csv",
    "ingest_files",
    "ingest_jsonl",
    "ingest_parquet",
    "ingest_sql",
    "DTYPES",
    "Between",
    "ColumnExists",
    "ColumnSchema",
    "CompareColumns",
    "Dtype",
    "Expectation",
    "InSet",
    "MatchesRegex",
    "MeanBetween",
    "NoExtraColumns",
    "NotNull",
    "RuleResult",
    "RuleStatus",
    "Schema",
    "Unique",
    "ValidationReport",
    "expect",
    "expectation_from_dict",
    "infer_schema",
    "load_rules",
    "load_schema",
    "save_schema",
    "attach_schema",
    "stored_schema",
    "validate",
    "Boolean",
    "Categorical",
    "Dates",
    "Distribution",
    "LinearTarget",
    "LogisticTarget",
    "LogNormal",
    "Normal",
    "Poisson",
    "Split",
    "SplitFrames",
    "TargetRule",
    "Uniform",
    "make_synthetic",
    "oversample_smote",
    "split_dataset",
    "split_frame",
    "ContentHasher",
    "CursorPagination",
    "DatasetVersion",
    "FetchError",
    "LinkHeaderPagination",
    "OffsetPagination",
    "PagePagination",
    "RetryPolicy",
    "RobotsRefusedError",
    "content_hash",
    "crawl",
    "dataset_path",
    "get_dataset",
    "ingest_http",
    "list_dataset_versions",
    "list_datasets",
    "load_dataset",
    "log_dataset",
]
