"""The promotion gate: typed rules that turn a comparison (and a fairness report) into a verdict.

A gate is written as data, the way it appears in ``loopml.yaml``::

    - {metric: f1, max_drop: 0.01}
    - {fairness: must_pass}
    - {significance: {alpha: 0.05, worse: fail}}

Each rule is a frozen dataclass; :meth:`Gate.from_config` checks every rule (unknown keys
included) and reports all problems at once. The verdict is stored on the model version with
:func:`record_gate_verdict`, so "why was this version promoted (or not)?" has an answer that
outlives the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from loopml.core import InvalidValueError

if TYPE_CHECKING:  # annotations only: a project file's gate is checked without scikit-learn
    from loopml.evaluation._compare import Comparison
    from loopml.evaluation._fairness import FairnessReport
    from loopml.store import Stores

VERDICT_FORMAT_VERSION = 1
VERDICT_TAG = "loopml.gate.verdict"
PASSED_TAG = "loopml.gate.passed"
# Floating-point slack so that "may not drop by more than 0.01" accepts a drop of exactly 0.01.
_SLACK = 1e-12


@dataclass(frozen=True)
class MetricRule:
    """The challenger's ``metric`` may not be worse than the champion's by more than ``max_drop``,
    and/or must itself be at least ``min_value`` / at most ``max_value``."""

    metric: str
    max_drop: float | None = None
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class FairnessRule:
    """The challenger's fairness report must pass."""

    fairness: Literal["must_pass"] = "must_pass"


@dataclass(frozen=True)
class SignificanceRule:
    """When the paired test says the challenger is significantly worse: fail, or only warn."""

    alpha: float = 0.05
    worse: Literal["fail", "warn"] = "fail"


Rule = MetricRule | FairnessRule | SignificanceRule


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class GateVerdict:
    """``passed`` only when every rule passed; ``reasons`` says why for each rule, in order."""

    passed: bool
    outcomes: tuple[RuleOutcome, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(o.reason for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": VERDICT_FORMAT_VERSION,
            "passed": self.passed,
            "outcomes": [asdict(o) for o in self.outcomes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateVerdict:
        if data.get("format_version") != VERDICT_FORMAT_VERSION:
            raise InvalidValueError(
                f"unsupported gate verdict format_version {data.get('format_version')!r}"
            )
        return cls(
            passed=bool(data["passed"]),
            outcomes=tuple(RuleOutcome(**o) for o in data["outcomes"]),
        )


@dataclass(frozen=True)
class Gate:
    """An ordered set of rules; see the module docstring for the configuration form."""

    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        problems = [p for rule in self.rules for p in _rule_problems(rule)]
        if not self.rules:
            problems.append("a gate needs at least one rule")
        if problems:
            raise InvalidValueError("invalid gate: " + "; ".join(problems))

    @classmethod
    def from_config(cls, config: Sequence[Mapping[str, Any]]) -> Gate:
        """Build a gate from plain data; every bad rule is reported in one error."""
        if isinstance(config, str | bytes) or not isinstance(config, Sequence):
            raise InvalidValueError(
                "a gate is a list of rules, e.g. [{'metric': 'f1', 'max_drop': 0.01}]"
            )
        rules: list[Rule] = []
        problems: list[str] = []
        for index, item in enumerate(config):
            try:
                rule = _parse_rule(item)
            except (InvalidValueError, TypeError) as exc:
                problems.append(f"rule {index}: {exc}")
                continue
            problems.extend(f"rule {index}: {p}" for p in _rule_problems(rule))
            rules.append(rule)
        if problems:
            raise InvalidValueError("invalid gate: " + "; ".join(problems))
        return cls(rules=tuple(rules))

    def evaluate(
        self, comparison: Comparison, *, fairness: FairnessReport | None = None
    ) -> GateVerdict:
        """Apply every rule to the comparison (and the challenger's fairness report).

        Raises:
            InvalidValueError: a metric rule names a metric the comparison lacks, or a fairness
                rule has no report to judge (a missing check is not a passed check).
        """
        outcomes = [_apply(rule, comparison, fairness) for rule in self.rules]
        return GateVerdict(passed=all(o.passed for o in outcomes), outcomes=tuple(outcomes))


def record_gate_verdict(
    model_name: str, version: int | str, verdict: GateVerdict, *, stores: Stores | None = None
) -> Any:
    """Store the verdict on the model version's tags (JSON) and return the updated version.

    Tags: ``loopml.gate.passed`` (``"true"``/``"false"``) for filtering, and
    ``loopml.gate.verdict`` with the full verdict. The registry writes the audit event.

    Raises:
        NotFoundError: no such model or version.
    """
    from loopml.registry import update_model_version

    if not isinstance(verdict, GateVerdict):
        raise InvalidValueError(f"verdict must be a GateVerdict, got {type(verdict).__name__}")
    tags = {
        PASSED_TAG: "true" if verdict.passed else "false",
        VERDICT_TAG: json.dumps(verdict.to_dict(), sort_keys=True),
    }
    return update_model_version(model_name, version, tags=tags, stores=stores)


def _parse_rule(item: Any) -> Rule:
    if not isinstance(item, Mapping):
        raise InvalidValueError(f"a rule is a mapping, got {item!r}")
    keys = set(item)
    if "metric" in keys:
        _no_extra(keys, {"metric", "max_drop", "min_value", "max_value"})
        return MetricRule(**dict(item))
    if "fairness" in keys:
        _no_extra(keys, {"fairness"})
        return FairnessRule(fairness=item["fairness"])
    if "significance" in keys:
        _no_extra(keys, {"significance"})
        settings = item["significance"]
        if not isinstance(settings, Mapping):
            raise InvalidValueError("significance takes a mapping like {alpha: 0.05, worse: fail}")
        _no_extra(set(settings), {"alpha", "worse"})
        return SignificanceRule(**dict(settings))
    raise InvalidValueError(
        f"a rule needs one of the keys metric, fairness, significance; got {sorted(keys)}"
    )


def _no_extra(keys: set[str], allowed: set[str]) -> None:
    extra = sorted(keys - allowed)
    if extra:
        raise InvalidValueError(f"unknown key(s) {extra}; allowed: {sorted(allowed)}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rule_problems(rule: object) -> list[str]:
    if isinstance(rule, MetricRule):
        problems = []
        if not isinstance(rule.metric, str) or not rule.metric:
            problems.append(f"metric must be a metric name, got {rule.metric!r}")
        bounds = {
            "max_drop": rule.max_drop,
            "min_value": rule.min_value,
            "max_value": rule.max_value,
        }
        if all(v is None for v in bounds.values()):
            problems.append(f"metric rule {rule.metric!r} needs max_drop, min_value or max_value")
        for key, value in bounds.items():
            if value is not None and not _is_number(value):
                problems.append(f"{key} must be a number, got {value!r}")
        if _is_number(rule.max_drop) and rule.max_drop is not None and rule.max_drop < 0:
            problems.append(f"max_drop must be >= 0, got {rule.max_drop}")
        return problems
    if isinstance(rule, FairnessRule):
        ok = rule.fairness == "must_pass"
        return [] if ok else [f"fairness must be 'must_pass', got {rule.fairness!r}"]
    if isinstance(rule, SignificanceRule):
        problems = []
        if not _is_number(rule.alpha) or not 0 < rule.alpha < 1:
            problems.append(f"significance alpha must be in (0, 1), got {rule.alpha!r}")
        if rule.worse not in ("fail", "warn"):
            problems.append(f"significance worse must be 'fail' or 'warn', got {rule.worse!r}")
        return problems
    return [f"not a gate rule: {rule!r}"]


def _apply(rule: Rule, comparison: Comparison, fairness: FairnessReport | None) -> RuleOutcome:
    if isinstance(rule, MetricRule):
        delta = comparison.metric(rule.metric)
        label = f"metric {rule.metric}"
        failures = []
        drop = -delta.improvement
        if rule.max_drop is not None and drop > rule.max_drop + _SLACK:
            failures.append(f"dropped by {drop:.4f} (> {rule.max_drop})")
        if rule.min_value is not None and delta.challenger < rule.min_value - _SLACK:
            failures.append(f"{delta.challenger:.4f} < {rule.min_value}")
        if rule.max_value is not None and delta.challenger > rule.max_value + _SLACK:
            failures.append(f"{delta.challenger:.4f} > {rule.max_value}")
        summary = (
            f"{label}: champion {delta.champion:.4f}, challenger {delta.challenger:.4f} "
            f"(delta {delta.delta:+.4f} [{delta.delta_low:+.4f}, {delta.delta_high:+.4f}])"
        )
        if failures:
            return RuleOutcome(label, False, f"{summary}: FAIL, " + "; ".join(failures))
        return RuleOutcome(label, True, f"{summary}: ok")
    if isinstance(rule, FairnessRule):
        if fairness is None:
            raise InvalidValueError("the gate has a fairness rule but no fairness report was given")
        if fairness.passed:
            return RuleOutcome("fairness", True, "fairness: all checks passed")
        return RuleOutcome("fairness", False, "fairness: FAIL, " + "; ".join(fairness.failures))
    test = comparison.test
    significant_worse = test.favours == "champion" and test.p_value < rule.alpha
    summary = f"significance: {test.name} p={test.p_value:.4g}, favours {test.favours}"
    if not significant_worse:
        return RuleOutcome("significance", True, f"{summary}: ok")
    if rule.worse == "warn":
        return RuleOutcome(
            "significance", True, f"{summary}: WARNING, challenger significantly worse"
        )
    return RuleOutcome("significance", False, f"{summary}: FAIL, challenger significantly worse")
