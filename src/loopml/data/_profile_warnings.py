"""The profile's warnings: rules over the computed statistics, their thresholds in one place."""

from __future__ import annotations

from dataclasses import dataclass

from loopml.core import InvalidValueError
from loopml.data._profile_model import (
    ColumnKind,
    ColumnProfile,
    Correlations,
    Duplicates,
    ProfileWarning,
    TargetSummary,
    TargetTask,
    WarningKind,
)
from loopml.data._profile_source import INTEGER_TYPES


@dataclass(frozen=True)
class WarningThresholds:
    """When a finding becomes a warning.

    Attributes:
        leakage_score: a feature whose single-feature score (AUC, or correlation for a numeric
            target) reaches this is a leakage suspect.
        unique_fraction: an integer or text column whose distinct values are at least this share
            of its present values is flagged as unique (an identifier, useless as a feature);
            with an estimated distinct count, 97 % of this share.
        high_cardinality_fraction: a text column with more than ``high_cardinality_min`` distinct
            values that are at least this share of its present values has very high cardinality.
        high_cardinality_min: see ``high_cardinality_fraction``.
        missing_fraction: a column missing more than this share of its values.
        skewness: a numeric column whose skewness exceeds this in absolute value.
        correlation: two features whose absolute Pearson correlation reaches this.
        minority_class_fraction: a classification target whose rarest class holds less than this
            share of the labelled rows is imbalanced.
    """

    leakage_score: float = 0.98
    unique_fraction: float = 0.999
    high_cardinality_fraction: float = 0.5
    high_cardinality_min: int = 50
    missing_fraction: float = 0.2
    skewness: float = 2.0
    correlation: float = 0.95
    minority_class_fraction: float = 0.05

    def __post_init__(self) -> None:
        for name in (
            "leakage_score",
            "unique_fraction",
            "high_cardinality_fraction",
            "missing_fraction",
            "correlation",
            "minority_class_fraction",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidValueError(f"threshold {name} must be between 0 and 1, got {value!r}")
        if self.skewness < 0 or self.high_cardinality_min < 0:
            raise InvalidValueError("thresholds skewness and high_cardinality_min must be >= 0")


def _column_warnings(column: ColumnProfile, limits: WarningThresholds) -> list[ProfileWarning]:
    found: list[ProfileWarning] = []
    name, present = column.name, column.present

    def warn(kind: WarningKind, message: str, value: float | None = None) -> None:
        found.append(ProfileWarning(kind=kind, column=name, message=message, value=value))

    if column.count and present == 0:
        warn(WarningKind.ALL_MISSING, f"{name} has no values", 1.0)
        return found
    if present and column.distinct == 1 and column.distinct_is_exact:
        warn(WarningKind.CONSTANT, f"{name} has a single value", 1.0)
    share = column.distinct / present if present else 0.0
    identifier_like = column.kind is ColumnKind.CATEGORICAL or column.type in INTEGER_TYPES
    # An estimated distinct count (HyperLogLog) may be a few percent low: allow for it.
    unique_at = limits.unique_fraction * (1.0 if column.distinct_is_exact else 0.97)
    if identifier_like and present > 1 and share >= unique_at:
        about = "" if column.distinct_is_exact else "about "
        warn(
            WarningKind.UNIQUE,
            f"{name} is unique ({about}{column.distinct:,} distinct values in {present:,} rows): "
            "an identifier tells a model nothing",
            share,
        )
    elif (
        column.kind is ColumnKind.CATEGORICAL
        and column.distinct > limits.high_cardinality_min
        and share >= limits.high_cardinality_fraction
    ):
        warn(
            WarningKind.HIGH_CARDINALITY,
            f"{name} has very high cardinality: {column.distinct:,} distinct values "
            f"({share:.0%} of its values)",
            share,
        )
    if column.missing_fraction > limits.missing_fraction:
        warn(
            WarningKind.MANY_MISSING,
            f"{name} is missing {column.missing_fraction:.1%} of its values",
            column.missing_fraction,
        )
    numeric = column.numeric
    if numeric is not None and numeric.infinite:
        warn(
            WarningKind.INFINITE_VALUES,
            f"{name} has {numeric.infinite:,} infinite values",
            float(numeric.infinite),
        )
    if (
        numeric is not None
        and numeric.skewness is not None
        and abs(numeric.skewness) > limits.skewness
    ):
        warn(
            WarningKind.SKEWED,
            f"{name} is highly skewed (skewness {numeric.skewness:.2f})",
            numeric.skewness,
        )
    association = column.association
    if (
        association is not None
        and association.score is not None
        and association.score >= limits.leakage_score
    ):
        warn(
            WarningKind.LEAKAGE_SUSPECT,
            f"{name} alone predicts the target almost perfectly ({association.method} "
            f"{association.score:.3f}): check that it is known at prediction time",
            association.score,
        )
    return found


def find_warnings(
    *,
    columns: list[ColumnProfile],
    num_rows: int,
    duplicates: Duplicates,
    correlations: Correlations | None,
    target: TargetSummary | None,
    thresholds: WarningThresholds,
) -> list[ProfileWarning]:
    """Every warning, most serious kind first, then in column order."""
    found: list[ProfileWarning] = []
    for column in columns:
        found += _column_warnings(column, thresholds)
    if duplicates.duplicate_rows:
        share = duplicates.duplicate_rows / num_rows
        found.append(
            ProfileWarning(
                kind=WarningKind.DUPLICATES,
                column=None,
                message=f"{duplicates.duplicate_rows:,} rows ({share:.1%}) repeat an earlier row",
                value=share,
            )
        )
    if correlations is not None:
        found += _correlation_warnings(correlations, target, thresholds)
    if target is not None and target.task is not TargetTask.REGRESSION and target.class_counts:
        labelled = sum(target.class_counts)
        rarest = min(target.class_counts)
        if len(target.class_counts) > 1 and rarest / labelled < thresholds.minority_class_fraction:
            cls = target.classes[target.class_counts.index(rarest)]
            found.append(
                ProfileWarning(
                    kind=WarningKind.IMBALANCED_TARGET,
                    column=target.name,
                    message=f"target class {cls!r} holds only {rarest / labelled:.1%} of the rows",
                    value=rarest / labelled,
                )
            )
    order = {kind: index for index, kind in enumerate(WarningKind)}
    position = {column.name: index for index, column in enumerate(columns)}
    return sorted(found, key=lambda w: (order[w.kind], position.get(w.column or "", len(position))))


def _correlation_warnings(
    correlations: Correlations, target: TargetSummary | None, limits: WarningThresholds
) -> list[ProfileWarning]:
    found = []
    names = correlations.columns
    target_name = target.name if target is not None else None
    for i, first in enumerate(names):
        for j in range(i + 1, len(names)):
            second, value = names[j], correlations.matrix[i][j]
            if value is None or target_name in (first, second):
                continue  # a feature against the target is judged by the leakage rule
            if abs(value) >= limits.correlation:
                found.append(
                    ProfileWarning(
                        kind=WarningKind.HIGH_CORRELATION,
                        column=first,
                        message=f"{first} and {second} are highly correlated (r = {value:.3f})",
                        value=value,
                    )
                )
    return found
