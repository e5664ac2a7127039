"""The outcome of validation: one result per rule, and the report that holds them all.

A report is plain data (``to_dict``/``to_json``, with a ``format_version`` for programs that read
it) and renders as a rich table for people: the CLI prints it, and so does ``rich.print(report)``
in a notebook.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from loopml.core import DataValidationError
from loopml.data._expectations import Expectation

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

REPORT_FORMAT_VERSION = 1


class RuleStatus(enum.Enum):
    """How a rule came out: it held, it was broken, or it could not be checked."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome: whether it held and, if not, how often and where.

    ``failing_rows`` is None for rules about a column as a whole (``dtype``, ``mean_between``,
    ``column_exists``, ``no_extra_columns``). ``examples`` are up to N failing values (for rules
    on several columns, one ``{column: value}`` per row) and ``example_rows`` their 0-based row
    positions. ``observed`` is what the data showed (its min and max, its mean, its type...).
    """

    expectation: Expectation
    status: RuleStatus
    message: str = ""
    failing_rows: int | None = None
    checked_rows: int = 0
    examples: tuple[Any, ...] = ()
    example_rows: tuple[int, ...] = ()
    observed: Any = None

    @property
    def passed(self) -> bool:
        """True when the rule held."""
        return self.status is RuleStatus.PASSED

    @property
    def rule(self) -> str:
        """The rule's kind, e.g. ``between``."""
        return self.expectation.rule

    @property
    def column(self) -> str:
        """The column(s) the rule is about, joined with ``, `` ('' for whole-table rules)."""
        return ", ".join(self.expectation.columns)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (what ``--json`` prints for it)."""
        return {
            "rule": self.rule,
            "column": self.column,
            "status": self.status.value,
            "passed": self.passed,
            "failing_rows": self.failing_rows,
            "checked_rows": self.checked_rows,
            "examples": list(self.examples),
            "example_rows": list(self.example_rows),
            "observed": self.observed,
            "message": self.message,
            "expectation": self.expectation.to_dict(),
        }


@dataclass(frozen=True)
class ValidationReport:
    """Every rule's result for one table; ``passed`` when all held."""

    results: tuple[RuleResult, ...]
    num_rows: int
    columns: tuple[str, ...]
    dataset: str | None = None
    format_version: int = field(default=REPORT_FORMAT_VERSION, repr=False)

    @property
    def passed(self) -> bool:
        """True when every rule held (a rule that could not be checked did not hold)."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        """The results that failed or could not be checked, in rule order."""
        return tuple(result for result in self.results if not result.passed)

    def summary(self) -> str:
        """One line, e.g. ``17 of 20 rules passed on 1,000 rows: 2 failed, 1 error``."""
        failed = sum(r.status is RuleStatus.FAILED for r in self.results)
        errors = sum(r.status is RuleStatus.ERROR for r in self.results)
        passed = len(self.results) - failed - errors
        where = f" on {self.dataset}" if self.dataset else ""
        line = f"{passed} of {len(self.results)} rules passed{where} ({self.num_rows:,} rows)"
        if failed or errors:
            line += f": {failed} failed" + (f", {errors} could not be checked" if errors else "")
        return line

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, stable for programs (``format_version`` says which shape)."""
        return {
            "format_version": self.format_version,
            "passed": self.passed,
            "dataset": self.dataset,
            "num_rows": self.num_rows,
            "columns": list(self.columns),
            "counts": {
                status.value: sum(r.status is status for r in self.results) for status in RuleStatus
            },
            "results": [result.to_dict() for result in self.results],
        }

    def to_json(self, *, indent: bool = True) -> str:
        """The report as JSON (NaN as null; dates as ISO text)."""
        option = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
        if indent:
            option |= orjson.OPT_INDENT_2
        return orjson.dumps(self.to_dict(), option=option, default=str).decode()

    def raise_if_failed(self) -> ValidationReport:
        """Return the report when it passed; raise when a rule did not hold.

        Raises:
            DataValidationError: naming the first failures (``.report`` holds this report), so
                a pipeline step stops with a reason.
        """
        if self.passed:
            return self
        shown = "; ".join(f"{r.rule} {r.column}: {r.message}" for r in self.failures[:5])
        more = f" (and {len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
        raise DataValidationError(
            f"validation failed, {self.summary()}. {shown}{more}", report=self
        )

    def table(self, *, include_passed: bool = False) -> Table:
        """A rich table of the results (the failures only, unless ``include_passed``)."""
        from rich.table import Table

        styles = {RuleStatus.PASSED: "green", RuleStatus.FAILED: "red", RuleStatus.ERROR: "yellow"}
        table = Table(title=self.summary(), header_style="bold", title_justify="left")
        for name in ("status", "rule", "column", "failing rows", "examples (row: value)", "detail"):
            table.add_column(name, overflow="fold", justify="right" if name[0] == "f" else "left")
        for result in self.results:
            if result.passed and not include_passed:
                continue
            examples = ", ".join(
                f"{row}: {_short(value)}"
                for row, value in zip(result.example_rows, result.examples, strict=False)
            ) or ", ".join(_short(value) for value in result.examples)
            table.add_row(
                f"[{styles[result.status]}]{result.status.value}[/]",
                result.rule,
                result.column,
                "" if result.failing_rows is None else f"{result.failing_rows:,}",
                examples,
                result.message,
            )
        return table

    def __rich__(self) -> RenderableType:
        return self.table()


def _short(value: Any) -> str:
    """A value as the table shows it: floats to 6 digits, long texts cut."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_short(v)}" for k, v in value.items()) + "}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
