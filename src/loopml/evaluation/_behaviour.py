"""Behavioural tests, the "unit tests for models" (after Ribeiro et al., CheckList, 2020).

Aggregate metrics hide whether a model learned what it should. These checks ask it directly:

- **invariance**: changing a field that must not matter (a name, a sensitive attribute) leaves
  every prediction alone;
- **directional**: moving a field in a known direction moves the score that way (more income,
  not less credit);
- **minimum functionality**: hand-written cases from a table get the expected output.

Each check yields cases that pass or fail, reported like test results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError

_MAX_EXAMPLES = 5


@dataclass(frozen=True)
class CaseResult:
    """One behavioural case; ``failing_rows`` lists up to five row labels that broke it."""

    kind: Literal["invariance", "directional", "minimum_functionality"]
    name: str
    passed: bool
    detail: str
    failing_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class BehaviourReport:
    """The cases of one or more behavioural checks, in the order they ran."""

    cases: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        return all(case.passed for case in self.cases)

    @property
    def num_passed(self) -> int:
        return sum(case.passed for case in self.cases)

    @property
    def num_failed(self) -> int:
        return len(self.cases) - self.num_passed

    def __add__(self, other: BehaviourReport) -> BehaviourReport:
        return BehaviourReport(cases=self.cases + other.cases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "num_passed": self.num_passed,
            "num_failed": self.num_failed,
            "cases": [asdict(case) for case in self.cases],
        }

    def to_table(self) -> Any:
        """A rich Table, one row per case, like a test runner's summary."""
        from rich.table import Table

        table = Table(
            title=f"Behavioural tests: {self.num_passed} passed, {self.num_failed} failed"
        )
        for column in ("kind", "case", "result", "detail"):
            table.add_column(column)
        for case in self.cases:
            result = "[green]PASS[/green]" if case.passed else "[red]FAIL[/red]"
            table.add_row(case.kind, case.name, result, case.detail)
        return table


def invariance(
    model: Any,
    frame: pd.DataFrame,
    *,
    column: str,
    values: Sequence[Any],
    tolerance: float = 0.0,
    name: str | None = None,
) -> BehaviourReport:
    """Set ``column`` to each of ``values`` on every row; predictions must not change.

    One case per value. Numeric outputs may move by up to ``tolerance``; labels must be equal.

    Raises:
        InvalidValueError: no rows, a missing column, no values, a model without ``predict``.
    """
    _check_model(model)
    _check_frame(frame, [column])
    if isinstance(values, str) or len(values) == 0:
        raise InvalidValueError(f"invariance on {column!r} needs a non-empty list of values")
    baseline = _outputs(model, frame)
    cases = []
    for value in values:
        changed = frame.copy()
        changed[column] = value
        moved = _changed(baseline, _outputs(model, changed), tolerance)
        label = f"{name or column} = {value!r}"
        cases.append(
            _case(
                "invariance",
                label,
                moved,
                frame.index,
                f"{int(moved.sum())} of {len(frame)} predictions changed",
            )
        )
    return BehaviourReport(cases=tuple(cases))


def directional(
    model: Any,
    frame: pd.DataFrame,
    *,
    column: str,
    change: float | Callable[[pd.Series], pd.Series],
    expect: Literal["increase", "decrease"],
    tolerance: float = 0.0,
    name: str | None = None,
) -> BehaviourReport:
    """Change ``column`` (add ``change``, or apply it) and expect the score to move one way.

    The score is the positive-class probability for a binary classifier with
    ``predict_proba``, else ``predict``. A row fails when its score moves the wrong way by more
    than ``tolerance`` (staying equal is allowed). One case for the whole frame.

    Raises:
        InvalidValueError: no rows, a missing column, a bad ``expect``, a model without ``predict``.
    """
    _check_model(model)
    _check_frame(frame, [column])
    if expect not in ("increase", "decrease"):
        raise InvalidValueError(f"expect must be 'increase' or 'decrease', got {expect!r}")
    changed = frame.copy()
    if callable(change):
        changed[column] = change(frame[column])
    elif isinstance(change, int | float) and not isinstance(change, bool):
        changed[column] = frame[column] + change
    else:
        raise InvalidValueError(f"change must be a number or a function, got {change!r}")
    movement = _scores(model, changed) - _scores(model, frame)
    wrong = movement < -tolerance if expect == "increase" else movement > tolerance
    how = "changed" if callable(change) else f"+ {change}"
    label = name or f"{column} {how} -> {expect}"
    detail = f"{int(wrong.sum())} of {len(frame)} scores moved the wrong way"
    return BehaviourReport(cases=(_case("directional", label, wrong, frame.index, detail),))


def minimum_functionality(
    model: Any,
    cases: pd.DataFrame,
    *,
    expected: str = "expected",
    case_name: str | None = None,
) -> BehaviourReport:
    """Each row of ``cases`` is a test: its features, and the output in column ``expected``.

    ``case_name`` names a column with a human name per case (it is not passed to the model).

    Raises:
        InvalidValueError: no rows, or the ``expected`` / ``case_name`` column is missing.
    """
    _check_model(model)
    _check_frame(cases, [expected] + ([case_name] if case_name else []))
    features = cases.drop(columns=[expected] + ([case_name] if case_name else []))
    outputs = np.asarray(model.predict(features))
    results = []
    for position, (label, row) in enumerate(cases.iterrows()):
        want = row[expected]
        got = outputs[position]
        passed = bool(want == got) if not _is_float(want) else bool(np.isclose(want, got))
        title = str(row[case_name]) if case_name else f"case {label}"
        results.append(
            CaseResult(
                kind="minimum_functionality",
                name=title,
                passed=passed,
                detail=f"expected {want!r}, got {got.item() if hasattr(got, 'item') else got!r}",
                failing_rows=() if passed else (str(label),),
            )
        )
    return BehaviourReport(cases=tuple(results))


@dataclass(frozen=True)
class Invariance:
    """Configuration of an :func:`invariance` check for a :class:`BehaviourSuite`."""

    column: str
    values: tuple[Any, ...]
    tolerance: float = 0.0
    name: str | None = None

    def run(self, model: Any, frame: pd.DataFrame) -> BehaviourReport:
        return invariance(
            model,
            frame,
            column=self.column,
            values=self.values,
            tolerance=self.tolerance,
            name=self.name,
        )


@dataclass(frozen=True)
class Directional:
    """Configuration of a :func:`directional` check for a :class:`BehaviourSuite`."""

    column: str
    change: float
    expect: Literal["increase", "decrease"]
    tolerance: float = 0.0
    name: str | None = None

    def run(self, model: Any, frame: pd.DataFrame) -> BehaviourReport:
        return directional(
            model,
            frame,
            column=self.column,
            change=self.change,
            expect=self.expect,
            tolerance=self.tolerance,
            name=self.name,
        )


@dataclass(frozen=True)
class MinimumFunctionality:
    """Configuration of a :func:`minimum_functionality` table for a :class:`BehaviourSuite`."""

    cases: pd.DataFrame
    expected: str = "expected"
    case_name: str | None = None

    def run(self, model: Any, frame: pd.DataFrame) -> BehaviourReport:
        return minimum_functionality(
            model, self.cases, expected=self.expected, case_name=self.case_name
        )


BehaviourCheck = Invariance | Directional | MinimumFunctionality


@dataclass(frozen=True)
class BehaviourSuite:
    """Checks run together on one model and one frame, into one report."""

    checks: tuple[BehaviourCheck, ...]

    def __post_init__(self) -> None:
        if not self.checks:
            raise InvalidValueError("a behaviour suite needs at least one check")
        for check in self.checks:
            if not isinstance(check, Invariance | Directional | MinimumFunctionality):
                raise InvalidValueError(f"not a behavioural check: {check!r}")

    def run(self, model: Any, frame: pd.DataFrame) -> BehaviourReport:
        report = BehaviourReport(cases=())
        for check in self.checks:
            report = report + check.run(model, frame)
        return report


def _check_model(model: Any) -> None:
    if not callable(getattr(model, "predict", None)):
        raise InvalidValueError(f"the model must have a predict method; got {type(model).__name__}")


def _check_frame(frame: Any, columns: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise InvalidValueError("behavioural tests need at least one row; the frame is empty")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidValueError(
            f"column(s) {missing} not in the frame; columns: {', '.join(map(str, frame.columns))}"
        )


def _outputs(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """What invariance compares: probabilities when the model has them, else predictions."""
    if callable(getattr(model, "predict_proba", None)):
        return np.asarray(model.predict_proba(frame), dtype=float)
    return np.asarray(model.predict(frame))


def _scores(model: Any, frame: pd.DataFrame) -> np.ndarray:
    if callable(getattr(model, "predict_proba", None)):
        probabilities = np.asarray(model.predict_proba(frame), dtype=float)
        if probabilities.ndim == 2 and probabilities.shape[1] == 2:
            return probabilities[:, 1]
        raise InvalidValueError("directional checks need a regressor or a binary classifier")
    return np.asarray(np.asarray(model.predict(frame), dtype=float))


def _changed(before: np.ndarray, after: np.ndarray, tolerance: float) -> np.ndarray:
    if before.dtype.kind in "fc" and after.dtype.kind in "fc":
        moved = np.abs(after - before) > tolerance
    else:
        moved = before != after
    return np.asarray(moved.any(axis=1) if moved.ndim == 2 else moved)


def _case(kind: Any, name: str, failing: np.ndarray, index: pd.Index, detail: str) -> CaseResult:
    rows = tuple(str(label) for label in index[np.flatnonzero(failing)[:_MAX_EXAMPLES]])
    return CaseResult(
        kind=kind, name=name, passed=not bool(failing.any()), detail=detail, failing_rows=rows
    )


def _is_float(value: Any) -> bool:
    return isinstance(value, float | np.floating)
