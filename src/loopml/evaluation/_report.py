"""The evaluation report: everything known about one model on one test set, as HTML and JSON.

A report gathers what the other evaluation functions computed (metrics and their interval,
baselines, slices, fairness, the champion comparison and the gate's verdict, behavioural tests,
explanations, shortcut warnings) and checks the project's goal against it. It computes nothing
itself, so it is cheap to build and its numbers are exactly those of the parts.

The HTML is one self-contained page (plotly.js embedded once, no outside requests) with a
summary at the top and a section only for what is present; the JSON holds the same facts for
machines. :meth:`EvaluationReport.save` stores both as artifacts of a run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError
from loopml.evaluation._behaviour import BehaviourReport
from loopml.evaluation._compare import Comparison
from loopml.evaluation._fairness import FairnessReport
from loopml.evaluation._gate import GateVerdict
from loopml.evaluation._model_evaluation import ModelEvaluation
from loopml.evaluation._report_html import (
    FigureNumbers,
    behaviour_context,
    comparison_context,
    criteria_context,
    explanations_context,
    fairness_context,
    fmt,
    render_page,
    slices_context,
    threshold_context,
)
from loopml.evaluation._threshold_evaluation import ThresholdEvaluation

REPORT_FORMAT = "loopml.evaluation_report"
REPORT_FORMAT_VERSION = 1


@dataclass(frozen=True)
class CriterionOutcome:
    """One success criterion of the project's goal checked against a measured metric.

    ``value`` is None when the metric was not measured; such a criterion is not passed (an
    unmeasured goal is not a met goal).
    """

    metric: str
    min: float | None
    max: float | None
    value: float | None
    passed: bool

    @property
    def requirement(self) -> str:
        """The bound in words, e.g. ``>= 0.8`` or ``between 0.1 and 0.3``."""
        if self.min is not None and self.max is not None:
            return f"between {self.min:g} and {self.max:g}"
        if self.min is not None:
            return f">= {self.min:g}"
        if self.max is not None:
            return f"<= {self.max:g}"
        return "no bound"

    def describe(self) -> str:
        """One line for summaries and limitations."""
        if self.value is None:
            return f"{self.metric} {self.requirement}: not measured"
        verdict = "met" if self.passed else "missed"
        return f"{self.metric} {self.requirement}: {verdict} ({fmt(self.value)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "min": self.min,
            "max": self.max,
            "value": self.value,
            "passed": self.passed,
        }


def check_success(criteria: Sequence[Any], metrics: Mapping[str, float]) -> list[CriterionOutcome]:
    """Check each success criterion (``metric`` with ``min`` and/or ``max``) against ``metrics``.

    Args:
        criteria: objects with ``.metric``, ``.min``, ``.max`` (the project file's
            ``SuccessCriterion``) or dicts with those keys.
        metrics: measured values by name, e.g. ``ModelEvaluation.metrics``.

    Returns:
        One outcome per criterion, in order. A metric missing from ``metrics`` (or NaN) gives
        ``value=None, passed=False``.

    Raises:
        InvalidValueError: a criterion without a metric name or without any bound, a bound that
            is not a number, ``min`` above ``max``, or ``metrics`` not a mapping.
    """
    if isinstance(criteria, str | bytes) or not isinstance(criteria, Sequence):
        raise InvalidValueError(
            "criteria must be a list of {metric, min, max}, got " + type(criteria).__name__
        )
    if not isinstance(metrics, Mapping):
        raise InvalidValueError(f"metrics must be a mapping of name to value, got {metrics!r}")
    outcomes = []
    for index, criterion in enumerate(criteria):
        name, low, high = _criterion_fields(index, criterion)
        value = _number_or_none(metrics.get(name))
        passed = (
            value is not None and (low is None or value >= low) and (high is None or value <= high)
        )
        outcomes.append(CriterionOutcome(name, low, high, value, bool(passed)))
    return outcomes


def _criterion_fields(index: int, criterion: Any) -> tuple[str, float | None, float | None]:
    if isinstance(criterion, Mapping):
        extra = sorted(set(criterion) - {"metric", "min", "max"})
        if extra:
            raise InvalidValueError(f"criterion {index}: unknown key(s) {extra}")
        name, low, high = criterion.get("metric"), criterion.get("min"), criterion.get("max")
    elif hasattr(criterion, "metric"):
        name = criterion.metric
        low, high = getattr(criterion, "min", None), getattr(criterion, "max", None)
    else:
        raise InvalidValueError(
            f"criterion {index} must have metric and min/max, got {criterion!r}"
        )
    if not isinstance(name, str) or not name.strip():
        raise InvalidValueError(f"criterion {index}: metric must be a metric name, got {name!r}")
    for key, bound in (("min", low), ("max", high)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            raise InvalidValueError(f"criterion {name!r}: {key} must be a number, got {bound!r}")
        if bound is not None and math.isnan(bound):
            raise InvalidValueError(f"criterion {name!r}: {key} is NaN")
    if low is None and high is None:
        raise InvalidValueError(f"criterion {name!r} needs min, max or both")
    if low is not None and high is not None and low > high:
        raise InvalidValueError(f"criterion {name!r}: min {low} is above max {high}")
    return (
        name,
        None if low is None else float(low),
        None if high is None else float(high),
    )


def _number_or_none(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON data: numpy scalars unwrapped, NaN and ±inf as None, tuples as
    lists, DataFrames as lists of records, anything else unknown as its text."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [json_ready(record) for record in value.to_dict(orient="records")]
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def warning_dict(warning: Any) -> dict[str, Any]:
    """A shortcut warning (``to_dict()``), a mapping or a plain message as ``{kind, feature,
    message, ...}``."""
    if isinstance(warning, str):
        data: dict[str, Any] = {"message": warning}
    elif isinstance(warning, Mapping):
        data = dict(warning)
    elif callable(getattr(warning, "to_dict", None)):
        data = dict(warning.to_dict())
    else:
        raise InvalidValueError(
            f"a warning must be a message, a mapping or have to_dict(), got {warning!r}"
        )
    for key in ("kind", "feature", "message"):
        if data.get(key) is None and hasattr(warning, key):
            data[key] = getattr(warning, key)
    if not data.get("message"):
        raise InvalidValueError(f"a warning needs a message, got {warning!r}")
    data.setdefault("kind", "warning")
    data.setdefault("feature", None)
    return data


@dataclass(frozen=True, eq=False)
class EvaluationReport:
    """Everything evaluated about one model on one test set; see the module docstring.

    Only ``title``, ``model``, ``dataset`` and ``evaluation`` are required; every other part
    adds its section to the page when given. Built from the results of :func:`evaluate_model`,
    :func:`check_success`, :func:`slice_metrics`, :func:`fairness_report`,
    :func:`compare_models`, :meth:`Gate.evaluate` and :class:`BehaviourSuite`; explanations and
    warnings are any objects with ``to_dict()`` (explanations may also have ``figures()`` and a
    ``global_importance`` DataFrame).
    """

    title: str
    model: str
    dataset: str
    evaluation: ModelEvaluation
    goal: str | None = None
    criteria: list[CriterionOutcome] = field(default_factory=list)
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    slices: pd.DataFrame | None = field(default=None, repr=False)
    fairness: FairnessReport | None = None
    comparison: Comparison | None = None
    verdict: GateVerdict | None = None
    behaviour: BehaviourReport | None = None
    explanations: Any | None = field(default=None, repr=False)
    warnings: list[Any] = field(default_factory=list)
    threshold: ThresholdEvaluation | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("title", "model", "dataset"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidValueError(f"report {name} must be a non-blank string, got {value!r}")
        if self.goal is not None and not isinstance(self.goal, str):
            raise InvalidValueError(f"report goal must be text or None, got {self.goal!r}")
        _require_type("evaluation", self.evaluation, ModelEvaluation, optional=False)
        if isinstance(self.criteria, str) or not all(
            isinstance(c, CriterionOutcome) for c in self.criteria
        ):
            raise InvalidValueError("criteria must be a list of CriterionOutcome (check_success)")
        _check_baselines(self.baselines)
        if self.slices is not None:
            _check_slices(self.slices)
        _require_type("fairness", self.fairness, FairnessReport)
        _require_type("comparison", self.comparison, Comparison)
        _require_type("verdict", self.verdict, GateVerdict)
        _require_type("behaviour", self.behaviour, BehaviourReport)
        _require_type("threshold", self.threshold, ThresholdEvaluation)
        if self.explanations is not None and not callable(
            getattr(self.explanations, "to_dict", None)
        ):
            raise InvalidValueError(
                "explanations must have to_dict(), got " + type(self.explanations).__name__
            )
        if isinstance(self.warnings, str):
            raise InvalidValueError("warnings must be a list, not one string")
        for warning in self.warnings:
            warning_dict(warning)  # raises on a malformed warning

    # -- summary facts shared by the JSON and the page ----------------------------------------

    @property
    def criteria_passed(self) -> bool | None:
        """True when every criterion is met, None when there are none."""
        return all(c.passed for c in self.criteria) if self.criteria else None

    @property
    def flagged_slices(self) -> int:
        if self.slices is None or "flagged" not in self.slices:
            return 0
        return int(self.slices["flagged"].astype(bool).sum())

    def problems(self) -> list[str]:
        """What a reader must not miss: unmet criteria, failed gate, fairness, tests, warnings."""
        lines = [f"Success criterion {c.describe()}" for c in self.criteria if not c.passed]
        if self.verdict is not None and not self.verdict.passed:
            failed = [o.reason for o in self.verdict.outcomes if not o.passed]
            lines.append("Promotion gate failed: " + "; ".join(failed))
        if self.fairness is not None and not self.fairness.passed:
            lines.append("Fairness checks failed: " + "; ".join(self.fairness.failures))
        if self.behaviour is not None and self.behaviour.num_failed:
            lines.append(f"{self.behaviour.num_failed} behavioural test(s) failed")
        if self.flagged_slices:
            lines.append(f"{self.flagged_slices} slice(s) far below the whole test set")
        lines.extend(f"Warning: {warning_dict(w)['message']}" for w in self.warnings)
        return lines

    # -- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (no numpy scalars; NaN and infinities become None)."""
        evaluation = self.evaluation
        data = {
            "format": REPORT_FORMAT,
            "format_version": REPORT_FORMAT_VERSION,
            "title": self.title,
            "model": self.model,
            "dataset": self.dataset,
            "goal": self.goal,
            "summary": {
                "headline": {
                    "metric": evaluation.headline,
                    "value": evaluation.metrics.get(evaluation.headline),
                    "interval": list(evaluation.interval),
                },
                "criteria_passed": self.criteria_passed,
                "gate_passed": None if self.verdict is None else self.verdict.passed,
                "fairness_passed": None if self.fairness is None else self.fairness.passed,
                "behaviour_failed": None if self.behaviour is None else self.behaviour.num_failed,
                "flagged_slices": None if self.slices is None else self.flagged_slices,
                "warnings": len(self.warnings),
                "problems": self.problems(),
            },
            "evaluation": evaluation.to_dict(),
            "criteria": [c.to_dict() for c in self.criteria],
            "baselines": self.baselines,
            "slices": self.slices,
            "fairness": None if self.fairness is None else self.fairness.to_dict(),
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "behaviour": None if self.behaviour is None else self.behaviour.to_dict(),
            "explanations": None if self.explanations is None else self.explanations.to_dict(),
            "warnings": [warning_dict(w) for w in self.warnings],
            "threshold": None if self.threshold is None else self.threshold.to_dict(),
        }
        result: dict[str, Any] = json_ready(data)
        return result

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text (strict JSON: no NaN)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    # -- HTML ---------------------------------------------------------------------------------

    def to_html(self) -> str:
        """One self-contained page: plotly.js embedded once, no outside requests, offline."""
        numbers = FigureNumbers()
        evaluation = self.evaluation
        low, high = evaluation.interval
        baseline_names = list(self.baselines)
        metric_names = list(evaluation.metrics) + [
            name
            for name in dict.fromkeys(m for b in self.baselines.values() for m in b)
            if name not in evaluation.metrics
        ]
        metric_rows = [
            [name, fmt(evaluation.metrics.get(name))]
            + [fmt(self.baselines[b].get(name)) for b in baseline_names]
            for name in metric_names
        ]
        context: dict[str, Any] = {
            "model": self.model,
            "dataset": self.dataset,
            "task": evaluation.task,
            "rows": fmt(evaluation.rows),
            "goal": self.goal,
            "headline": {
                "metric": evaluation.headline,
                "value": fmt(evaluation.metrics.get(evaluation.headline)),
                "low": fmt(low),
                "high": fmt(high),
            },
            "criteria": criteria_context(self.criteria),
            "criteria_passed": sum(c.passed for c in self.criteria),
            "criteria_failed": sum(not c.passed for c in self.criteria),
            "verdict": self.verdict,
            "unmet": self.problems(),
            "metric_headers": ["metric", self.model, *baseline_names],
            "metric_rows": metric_rows,
            "evaluation_figures": numbers.html(evaluation.figures),
        }
        # Sections in page order, so the figure numbers follow the page.
        context["threshold"] = (
            threshold_context(self.threshold, numbers) if self.threshold is not None else None
        )
        context["comparison"] = (
            comparison_context(self.comparison, numbers) if self.comparison else None
        )
        context["slices"] = (
            slices_context(self.slices, numbers) if self.slices is not None else None
        )
        context["fairness"] = fairness_context(self.fairness, numbers) if self.fairness else None
        context["behaviour"] = behaviour_context(self.behaviour) if self.behaviour else None
        context["explanations"] = (
            explanations_context(self.explanations, numbers)
            if self.explanations is not None
            else None
        )
        context["warnings"] = [warning_dict(w) for w in self.warnings]
        return render_page("report", title=self.title, context=context, figures=numbers.count)

    # -- storing ------------------------------------------------------------------------------

    def save(self, run: Any, *, name: str = "evaluation") -> tuple[str, str]:
        """Log ``<name>.html`` and ``<name>.json`` as artifacts of ``run`` (a tracking Run).

        Returns:
            The two artifact names, HTML first.

        Raises:
            InvalidValueError: ``run`` cannot store text artifacts, or ``name`` is blank.
        """
        if not callable(getattr(run, "log_text", None)):
            raise InvalidValueError(
                f"run must be a loopml.tracking Run (with log_text), got {type(run).__name__}"
            )
        if not isinstance(name, str) or not name.strip() or name.endswith("/"):
            raise InvalidValueError(f"the report name must be a non-blank name, got {name!r}")
        html_name = run.log_text(self.to_html(), f"{name}.html")
        json_name = run.log_text(self.to_json(), f"{name}.json")
        return str(html_name), str(json_name)


def _require_type(name: str, value: Any, kind: type, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, kind):
        raise InvalidValueError(
            f"report {name} must be a {kind.__name__}, got {type(value).__name__}"
        )


def _check_baselines(baselines: Any) -> None:
    if not isinstance(baselines, Mapping):
        raise InvalidValueError(
            f"baselines must map a baseline name to its metrics, got {type(baselines).__name__}"
        )
    for name, metrics in baselines.items():
        if not isinstance(name, str) or not isinstance(metrics, Mapping):
            raise InvalidValueError(
                f"baseline {name!r} must be a name with a mapping of metrics, got {metrics!r}"
            )
        for metric, value in metrics.items():
            if _number_or_none(value) is None and not (
                isinstance(value, float) and math.isnan(value)
            ):
                raise InvalidValueError(
                    f"baseline {name!r} metric {metric!r} must be a number, got {value!r}"
                )


_SLICE_COLUMNS = ("column", "value", "rows", "metric", "score", "flagged")


def _check_slices(slices: Any) -> None:
    if not isinstance(slices, pd.DataFrame):
        raise InvalidValueError(
            f"slices must be the DataFrame from slice_metrics, got {type(slices).__name__}"
        )
    missing = [c for c in _SLICE_COLUMNS if c not in slices.columns]
    if missing:
        raise InvalidValueError(
            f"slices lacks column(s) {missing}: pass the DataFrame from slice_metrics"
        )
