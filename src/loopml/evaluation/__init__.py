"""Evaluation: fairness checks, champion vs challenger with a gate, behavioural tests."""

from loopml.evaluation._behaviour import (
    BehaviourReport,
    BehaviourSuite,
    CaseResult,
    Directional,
    Invariance,
    MinimumFunctionality,
    directional,
    invariance,
    minimum_functionality,
)
from loopml.evaluation._compare import Comparison, MetricDelta, PairedTest, compare_models
from loopml.evaluation._fairness import (
    FairnessReport,
    FairnessThresholds,
    FeatureFairness,
    GroupRates,
    fairness_report,
)
from loopml.evaluation._gate import (
    FairnessRule,
    Gate,
    GateVerdict,
    MetricRule,
    RuleOutcome,
    SignificanceRule,
    record_gate_verdict,
)

__all__ = [
    "BehaviourReport",
    "BehaviourSuite",
    "CaseResult",
    "Comparison",
    "Directional",
    "FairnessReport",
    "FairnessRule",
    "FairnessThresholds",
    "FeatureFairness",
    "Gate",
    "GateVerdict",
    "GroupRates",
    "Invariance",
    "MetricDelta",
    "MetricRule",
    "MinimumFunctionality",
    "PairedTest",
    "RuleOutcome",
    "SignificanceRule",
    "compare_models",
    "directional",
    "fairness_report",
    "invariance",
    "minimum_functionality",
    "record_gate_verdict",
]
