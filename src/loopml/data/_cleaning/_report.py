"""The cleaning report: what each step changed in the training data, as a table and as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from rich.table import Table

REPORT_FORMAT = "loopml.cleaning-report/1"


@dataclass(frozen=True)
class StepReport:
    """What one step did to the training data.

    ``kind`` is ``rows`` for a step that runs on training data only (it drops or appends rows)
    and ``columns`` for one that also runs at serving (it changes values and columns).
    """

    step: str
    estimator: str
    kind: str
    rows_in: int
    rows_out: int
    rows_dropped: int = 0
    rows_added: int = 0
    values_imputed: dict[str, int] = field(default_factory=dict)
    values_clipped: dict[str, int] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepReport:
        """The inverse of :func:`dataclasses.asdict`."""
        return cls(**data)


@dataclass(frozen=True)
class CleaningReport:
    """Every step's :class:`StepReport`, in order, and the shape before and after."""

    steps: list[StepReport]
    rows_in: int
    rows_out: int
    columns_in: list[str]
    columns_out: list[str]

    @property
    def rows_dropped(self) -> int:
        """Rows removed by all steps together."""
        return sum(s.rows_dropped for s in self.steps)

    @property
    def rows_added(self) -> int:
        """Rows appended by all steps together (augmentation)."""
        return sum(s.rows_added for s in self.steps)

    @property
    def values_imputed(self) -> int:
        """Missing values filled in, over all steps and columns."""
        return sum(sum(s.values_imputed.values()) for s in self.steps)

    @property
    def values_clipped(self) -> int:
        """Values moved onto an outlier bound, over all steps and columns."""
        return sum(sum(s.values_clipped.values()) for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, with a format version and the totals."""
        return {
            "format": REPORT_FORMAT,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "columns_in": list(self.columns_in),
            "columns_out": list(self.columns_out),
            "totals": {
                "rows_dropped": self.rows_dropped,
                "rows_added": self.rows_added,
                "values_imputed": self.values_imputed,
                "values_clipped": self.values_clipped,
            },
            "steps": [asdict(s) for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CleaningReport:
        """Read back what :meth:`to_dict` wrote."""
        return cls(
            steps=[StepReport.from_dict(s) for s in data["steps"]],
            rows_in=data["rows_in"],
            rows_out=data["rows_out"],
            columns_in=list(data["columns_in"]),
            columns_out=list(data["columns_out"]),
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_table(self) -> Table:
        """A rich table, one row per step."""
        table = Table(
            title=f"cleaning: {self.rows_in:,} rows x {len(self.columns_in)} columns -> "
            f"{self.rows_out:,} rows x {len(self.columns_out)} columns",
            header_style="bold",
            title_justify="left",
        )
        headers = [
            "step",
            "kind",
            "rows in",
            "dropped",
            "added",
            "rows out",
            "imputed",
            "clipped",
            "columns added",
            "columns removed",
        ]
        for header in headers:
            table.add_column(header, overflow="fold")
        for s in self.steps:
            table.add_row(
                f"{s.step} ({s.estimator})",
                s.kind,
                f"{s.rows_in:,}",
                f"{s.rows_dropped:,}" if s.rows_dropped else "",
                f"{s.rows_added:,}" if s.rows_added else "",
                f"{s.rows_out:,}",
                _per_column(s.values_imputed),
                _per_column(s.values_clipped),
                _names(s.columns_added),
                _names(s.columns_removed),
            )
        return table

    def __rich__(self) -> Table:
        return self.to_table()


def _per_column(counts: dict[str, int], shown: int = 4) -> str:
    nonzero = [(c, n) for c, n in counts.items() if n]
    if not nonzero:
        return ""
    text = ", ".join(f"{c}: {n:,}" for c, n in nonzero[:shown])
    if len(nonzero) > shown:
        text += f", ... ({sum(n for _, n in nonzero):,} in {len(nonzero)} columns)"
    return text


def _names(columns: list[str], shown: int = 6) -> str:
    text = ", ".join(columns[:shown])
    return text + (f", ... ({len(columns)} in all)" if len(columns) > shown else "")


def column_step_report(
    *, step: str, estimator: object, before: pd.DataFrame, after: pd.DataFrame
) -> StepReport:
    """Compare the frame before and after a column step: values filled, clipped, columns."""
    shared = [c for c in before.columns if c in after.columns]
    filled = (before[shared].isna() & after[shared].notna()).sum(axis=0)
    count_clipped = getattr(estimator, "count_clipped", None)
    clipped = count_clipped(before) if callable(count_clipped) else {}
    removed = set(before.columns) - set(after.columns)
    added = set(after.columns) - set(before.columns)
    return StepReport(
        step=step,
        estimator=type(estimator).__name__,
        kind="columns",
        rows_in=len(before),
        rows_out=len(after),
        values_imputed={c: int(n) for c, n in filled.items() if n},
        values_clipped={c: n for c, n in clipped.items() if n},
        columns_added=[c for c in after.columns if c in added],
        columns_removed=[c for c in before.columns if c in removed],
    )


def row_step_report(*, step: str, estimator: object, rows_in: int, rows_out: int) -> StepReport:
    """What a row step did; its own counts when it keeps them, else the change in length."""
    dropped = getattr(estimator, "rows_dropped_", max(rows_in - rows_out, 0))
    added = getattr(estimator, "rows_added_", max(rows_out - rows_in, 0))
    return StepReport(
        step=step,
        estimator=type(estimator).__name__,
        kind="rows",
        rows_in=rows_in,
        rows_out=rows_out,
        rows_dropped=int(dropped),
        rows_added=int(added),
    )
