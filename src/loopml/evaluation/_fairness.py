"""Fairness of a binary classifier's decisions, per sensitive feature, with pass/fail thresholds.

The numbers come from fairlearn (``MetricFrame`` for the per-group rates, and
``demographic_parity_difference`` / ``_ratio`` and ``equalized_odds_difference``), so they are
exactly fairlearn's. What loopml adds is the contract around them: input checked before anything
is computed (a sensitive feature with a single group cannot show a disparity, so it is an error,
not a silent pass), one result per sensitive feature (not their intersection: a reader asks "is it
fair across SEX?" and "across RAC1P?"), and thresholds that turn the numbers into a verdict.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError


@dataclass(frozen=True)
class FairnessThresholds:
    """Limits a fair model stays within; None switches a check off.

    The defaults are the common rules of thumb: at most 0.1 between the highest and lowest
    selection rate (and TPR/FPR for equalized odds), and the "four-fifths rule" for the ratio.
    """

    max_demographic_parity_difference: float | None = 0.1
    min_demographic_parity_ratio: float | None = 0.8
    max_equalized_odds_difference: float | None = 0.1

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidValueError(
                    f"fairness threshold {name} must be a number, got {value!r}"
                )
            if not 0.0 <= float(value) <= 1.0:
                raise InvalidValueError(f"fairness threshold {name} must be in [0, 1], got {value}")


@dataclass(frozen=True)
class GroupRates:
    """The rates of one group of one sensitive feature."""

    group: str
    count: int
    selection_rate: float
    true_positive_rate: float
    false_positive_rate: float


@dataclass(frozen=True)
class FeatureFairness:
    """Fairness across the groups of one sensitive feature, and which checks it failed."""

    feature: str
    groups: tuple[GroupRates, ...]
    demographic_parity_difference: float
    demographic_parity_ratio: float
    equalized_odds_difference: float
    failed_checks: tuple[str, ...]
    excluded_groups: tuple[GroupRates, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failed_checks


@dataclass(frozen=True)
class FairnessReport:
    """Per sensitive feature results; ``passed`` only when every feature passes every check."""

    features: tuple[FeatureFairness, ...]
    thresholds: FairnessThresholds = field(default_factory=FairnessThresholds)

    @property
    def passed(self) -> bool:
        return all(feature.passed for feature in self.features)

    @property
    def failures(self) -> tuple[str, ...]:
        """Every failed check as ``"<feature>: <check ...>"``, for verdicts and logs."""
        return tuple(f"{f.feature}: {check}" for f in self.features for check in f.failed_checks)

    def feature(self, name: str) -> FeatureFairness:
        for result in self.features:
            if result.feature == name:
                return result
        available = ", ".join(f.feature for f in self.features)
        raise InvalidValueError(f"no sensitive feature {name!r} in this report; have: {available}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN rates become None)."""
        data: dict[str, Any] = _json_ready(
            {
                "passed": self.passed,
                "failures": list(self.failures),
                "thresholds": asdict(self.thresholds),
                "features": [asdict(f) | {"passed": f.passed} for f in self.features],
            }
        )
        return data


def fairness_report(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: pd.DataFrame | pd.Series,
    thresholds: FairnessThresholds | None = None,
    pos_label: Any = 1,
    min_group_size: int = 1,
) -> FairnessReport:
    """Selection rate, TPR and FPR per group, and the disparity metrics, per sensitive feature.

    Args:
        y_true, y_pred: the true labels and the model's hard decisions (binary).
        sensitive_features: one column per sensitive feature (a Series is one feature), aligned
            row by row with ``y_true``.
        thresholds: the limits that fail the report (default :class:`FairnessThresholds`).
        pos_label: the label that counts as "selected".
        min_group_size: groups with fewer rows are listed in ``excluded_groups`` and left out
            of the disparity metrics (a group of one person has a selection rate of 0 or 1 and
            would decide the verdict alone). The default 1 keeps every group, so the numbers are
            fairlearn's on exactly the inputs given.

    Raises:
        InvalidValueError: lengths differ, no rows, labels not binary, a missing value in a
            sensitive feature, or a sensitive feature with fewer than two groups.
    """
    from fairlearn.metrics import (
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
    )

    thresholds = thresholds if thresholds is not None else FairnessThresholds()
    if (
        isinstance(min_group_size, bool)
        or not isinstance(min_group_size, int)
        or min_group_size < 1
    ):
        raise InvalidValueError(f"min_group_size must be an integer >= 1, got {min_group_size!r}")
    truth, decisions, columns = _checked_inputs(y_true, y_pred, sensitive_features, pos_label)
    # fairlearn's rates take pos_label; encode as 0/1 so any label type works the same way.
    truth_all = (truth == pos_label).astype(int)
    decisions_all = (decisions == pos_label).astype(int)
    results = []
    for name, all_groups in columns.items():
        names, sizes = np.unique(all_groups, return_counts=True)
        small = set(names[sizes < min_group_size].tolist())
        kept = ~np.isin(all_groups, list(small))
        if len(set(names.tolist()) - small) < 2:
            raise InvalidValueError(
                f"sensitive feature {name!r} has fewer than two groups with at least "
                f"{min_group_size} rows; lower min_group_size or use more data"
            )
        groups = all_groups[kept]
        truth01, decisions01 = truth_all[kept], decisions_all[kept]
        rates = _group_rates(truth01, decisions01, groups)
        dp_diff = float(
            demographic_parity_difference(truth01, decisions01, sensitive_features=groups)
        )
        dp_ratio = float(demographic_parity_ratio(truth01, decisions01, sensitive_features=groups))
        eo_diff = float(equalized_odds_difference(truth01, decisions01, sensitive_features=groups))
        results.append(
            FeatureFairness(
                feature=name,
                groups=rates,
                excluded_groups=_group_rates(
                    truth_all[~kept], decisions_all[~kept], all_groups[~kept]
                ),
                demographic_parity_difference=dp_diff,
                demographic_parity_ratio=dp_ratio,
                equalized_odds_difference=eo_diff,
                failed_checks=_failed_checks(thresholds, dp_diff, dp_ratio, eo_diff),
            )
        )
    return FairnessReport(features=tuple(results), thresholds=thresholds)


def _group_rates(
    truth01: np.ndarray, decisions01: np.ndarray, groups: np.ndarray
) -> tuple[GroupRates, ...]:
    """Count, selection rate, TPR and FPR per group, from fairlearn's MetricFrame."""
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )

    if len(groups) == 0:
        return ()
    by_group = MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=truth01,
        y_pred=decisions01,
        sensitive_features=groups,
    ).by_group
    return tuple(
        GroupRates(
            group=str(group),
            count=int(row["count"]),
            selection_rate=float(row["selection_rate"]),
            true_positive_rate=float(row["true_positive_rate"]),
            false_positive_rate=float(row["false_positive_rate"]),
        )
        for group, row in by_group.iterrows()
    )


def _checked_inputs(
    y_true: Any, y_pred: Any, sensitive_features: pd.DataFrame | pd.Series, pos_label: Any
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    truth = np.asarray(y_true)
    decisions = np.asarray(y_pred)
    if truth.ndim != 1 or decisions.ndim != 1:
        raise InvalidValueError("y_true and y_pred must be one-dimensional")
    if len(truth) == 0:
        raise InvalidValueError("fairness needs at least one row; y_true is empty")
    if len(truth) != len(decisions):
        raise InvalidValueError(
            f"y_true has {len(truth)} rows but y_pred has {len(decisions)}; they must align"
        )
    labels = set(pd.unique(np.concatenate([truth, decisions])).tolist())
    if len(labels) > 2:
        raise InvalidValueError(
            f"fairness checks need binary labels; got {len(labels)}: {sorted(map(str, labels))}"
        )
    if pos_label not in labels:
        raise InvalidValueError(
            f"pos_label {pos_label!r} is not among the labels {sorted(map(str, labels))}"
        )
    if isinstance(sensitive_features, pd.Series):
        frame = sensitive_features.to_frame(
            name=str(sensitive_features.name or "sensitive_feature")
        )
    elif isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features
    else:
        raise InvalidValueError(
            "sensitive_features must be a pandas DataFrame or Series, "
            f"got {type(sensitive_features).__name__}"
        )
    if frame.shape[1] == 0:
        raise InvalidValueError("sensitive_features has no columns")
    if len(frame) != len(truth):
        raise InvalidValueError(
            f"sensitive_features has {len(frame)} rows but y_true has {len(truth)}; they must align"
        )
    columns: dict[str, np.ndarray] = {}
    for name in frame.columns:
        column = frame[name]
        if column.isna().any():
            raise InvalidValueError(
                f"sensitive feature {name!r} has {int(column.isna().sum())} missing values; "
                "fill or drop them first (a missing group cannot be judged)"
            )
        values = column.astype(str).to_numpy(dtype=object)
        groups = pd.unique(values)
        if len(groups) < 2:
            raise InvalidValueError(
                f"sensitive feature {name!r} has only one group ({groups[0]!r}); "
                "fairness across groups needs at least two"
            )
        columns[str(name)] = values
    return truth, decisions, columns


def _failed_checks(
    thresholds: FairnessThresholds, dp_diff: float, dp_ratio: float, eo_diff: float
) -> tuple[str, ...]:
    failed = []
    limit = thresholds.max_demographic_parity_difference
    if limit is not None and not dp_diff <= limit:
        failed.append(f"demographic_parity_difference {dp_diff:.4f} > {limit}")
    limit = thresholds.min_demographic_parity_ratio
    if limit is not None and not dp_ratio >= limit:
        failed.append(f"demographic_parity_ratio {dp_ratio:.4f} < {limit}")
    limit = thresholds.max_equalized_odds_difference
    if limit is not None and not eo_diff <= limit:
        failed.append(f"equalized_odds_difference {eo_diff:.4f} > {limit}")
    return tuple(failed)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
