"""Duplicate rows: exact copies, or rows that share a key."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions

from loopml.data._cleaning._columns import RowStep, select_columns

_TARGET_KEY = "\x00target"  # a name no real column has, for the target while comparing rows


class DropDuplicates(RowStep):
    """Drop training rows that repeat an earlier (or later) row.

    Args:
        subset: the key columns; rows with equal keys are duplicates. Default: every column,
            the target included, so only exact copies go.
        keep: which copy stays, ``first`` or ``last``.
    """

    _parameter_constraints = {"subset": [list, None], "keep": [StrOptions({"first", "last"})]}

    def __init__(self, subset: list[str] | None = None, *, keep: str = "first") -> None:
        self.subset = subset
        self.keep = keep

    def _resample(self, frame: pd.DataFrame, y: pd.Series | None) -> tuple[np.ndarray, None, None]:
        self.columns_ = select_columns(frame, self.subset, step=self, default=lambda _: True)
        keys = frame[self.columns_]
        if self.subset is None and y is not None:
            keys = keys.assign(**{_TARGET_KEY: y})
        if keys.shape[1] == 0:
            return np.ones(len(frame), dtype=bool), None, None
        return ~keys.duplicated(keep=self.keep).to_numpy(), None, None
