"""Cleaning: scikit-learn compatible steps, fitted once and stored, so serving cleans alike.

Row steps (training data only): :class:`DropMissingRows`, :class:`DropDuplicates`,
:class:`DropOutliers`, :class:`AddNoise`, :class:`SMOTEOversample`. Column steps (training and
serving): :class:`DropMissingColumns`, :class:`ImputeMissing`, :class:`ClipOutliers`,
:class:`ScaleNumeric`, :class:`OneHotEncode`, :class:`OrdinalEncode`, :class:`TargetEncode`,
:class:`DateTimeParts`. A :class:`Cleaner` runs them in order and reports what each changed;
:func:`clean_dataset` makes the cleaned data a dataset version and stores the fitted cleaner.
"""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.data._cleaning._augment import AddNoise, SMOTEOversample
    from loopml.data._cleaning._cleaner import Cleaner, make_cleaner
    from loopml.data._cleaning._config import (
        CleaningConfig,
        load_cleaning_config,
        parse_cleaning_config,
    )
    from loopml.data._cleaning._datetime import DateTimeParts
    from loopml.data._cleaning._duplicates import DropDuplicates
    from loopml.data._cleaning._encoding import OneHotEncode, OrdinalEncode, TargetEncode
    from loopml.data._cleaning._from_config import cleaner_from_config
    from loopml.data._cleaning._missing import DropMissingColumns, DropMissingRows, ImputeMissing
    from loopml.data._cleaning._outliers import ClipOutliers, DropOutliers
    from loopml.data._cleaning._report import CleaningReport, StepReport
    from loopml.data._cleaning._scaling import ScaleNumeric
    from loopml.data._cleaning._versions import clean_dataset, load_cleaner


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
]
