"""A cleaning config (:class:`CleaningConfig`) made into an unfitted :class:`Cleaner`.

Apart from the config models so that reading and checking a config (``loopml run`` does, on every
run) does not import the steps and, through them, scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loopml.data._cleaning._augment import AddNoise, SMOTEOversample
from loopml.data._cleaning._cleaner import Cleaner
from loopml.data._cleaning._config import (
    AugmentConfig,
    CleaningConfig,
    EncodeConfig,
    MissingConfig,
    parse_cleaning_config,
)
from loopml.data._cleaning._datetime import DateTimeParts
from loopml.data._cleaning._duplicates import DropDuplicates
from loopml.data._cleaning._encoding import OneHotEncode, OrdinalEncode, TargetEncode
from loopml.data._cleaning._missing import DropMissingColumns, DropMissingRows, ImputeMissing
from loopml.data._cleaning._outliers import ClipOutliers, DropOutliers
from loopml.data._cleaning._scaling import ScaleNumeric


def cleaner_from_config(config: Mapping[str, Any] | CleaningConfig) -> Cleaner:
    """Build the :class:`Cleaner` a cleaning config describes (unfitted)."""
    config = parse_cleaning_config(config)
    seed: dict[str, Any] = {"random_state": config.random_state}
    steps: dict[str, Any] = {}
    if config.datetime is not None:
        steps["datetime"] = DateTimeParts(**config.datetime.model_dump())
    missing = config.missing or MissingConfig()
    if missing.drop_columns_over is not None:
        steps["drop_missing_columns"] = DropMissingColumns(threshold=missing.drop_columns_over)
    if missing.drop_rows_over is not None:
        steps["drop_missing_rows"] = DropMissingRows(threshold=missing.drop_rows_over)
    if config.duplicates is not None:
        steps["duplicates"] = DropDuplicates(**config.duplicates.model_dump())
    outliers = config.outliers
    if outliers is not None and outliers.method != "isolation_forest":
        bounds = outliers.model_dump(include={"columns", "method", "factor", "threshold"})
        if outliers.action == "clip":
            steps["clip_outliers"] = ClipOutliers(**bounds)
        else:
            steps["drop_outliers"] = DropOutliers(**bounds, **seed)
    if missing.strategy is not None:
        steps["impute"] = ImputeMissing(
            **missing.model_dump(
                include={"columns", "strategy", "indicator", "fill_value", "n_neighbors"}
            )
        )
    if missing.categorical_strategy is not None:
        steps["impute_categorical"] = ImputeMissing(
            "categorical",
            strategy=missing.categorical_strategy,
            indicator=missing.indicator,
            fill_value=missing.categorical_fill_value,
        )
    if outliers is not None and outliers.method == "isolation_forest":
        steps["drop_outliers"] = DropOutliers(
            outliers.columns,
            method="isolation_forest",
            contamination=outliers.contamination,
            **seed,
        )
    if config.scale is not None:
        steps["scale"] = ScaleNumeric(**config.scale.model_dump())
    augment = config.augment or AugmentConfig()
    if augment.smote is not None:
        steps["smote"] = SMOTEOversample(**augment.smote.model_dump(), **seed)
    if augment.noise is not None:
        steps["noise"] = AddNoise(**augment.noise.model_dump(), **seed)
    encode = config.encode or EncodeConfig()
    if encode.ordinal is not None:
        ordinal = encode.ordinal.model_dump()
        steps["ordinal"] = OrdinalEncode(
            **{**ordinal, "categories": ordinal["categories"] or "auto"}
        )
    if encode.target is not None:
        steps["target_encoding"] = TargetEncode(**encode.target.model_dump())
    if encode.onehot is not None:
        steps["onehot"] = OneHotEncode(**encode.onehot.model_dump())
    return Cleaner(list(steps.items()), target=config.target)
