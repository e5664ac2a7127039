"""Evaluation: metrics equal to scikit-learn's, intervals, plots, thresholds, slices, fairness,
champion vs challenger with a gate, behavioural tests, explanations and shortcut warnings."""

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
from loopml.evaluation._bootstrap import BOOTSTRAP_METRICS, bootstrap_ci
from loopml.evaluation._compare import Comparison, MetricDelta, PairedTest, compare_models
from loopml.evaluation._explain import Explanations, explain_model
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
from loopml.evaluation._metrics import classification_metrics, regression_metrics
from loopml.evaluation._model_evaluation import ModelEvaluation, evaluate_model
from loopml.evaluation._plots import (
    calibration_figure,
    confusion_matrix_figure,
    figures_to_html,
    pr_figure,
    predicted_vs_actual_figure,
    residuals_figure,
    roc_figure,
    threshold_figure,
)
from loopml.evaluation._shortcuts import ShortcutWarning, shortcut_warnings
from loopml.evaluation._slices import slice_metrics
from loopml.evaluation._threshold import Threshold, select_threshold

__all__ = [
    "BOOTSTRAP_METRICS",
    "BehaviourReport",
    "BehaviourSuite",
    "CaseResult",
    "Comparison",
    "Directional",
    "Explanations",
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
    "ModelEvaluation",
    "PairedTest",
    "RuleOutcome",
    "ShortcutWarning",
    "SignificanceRule",
    "Threshold",
    "bootstrap_ci",
    "calibration_figure",
    "classification_metrics",
    "compare_models",
    "confusion_matrix_figure",
    "directional",
    "evaluate_model",
    "explain_model",
    "fairness_report",
    "figures_to_html",
    "invariance",
    "minimum_functionality",
    "pr_figure",
    "predicted_vs_actual_figure",
    "record_gate_verdict",
    "regression_metrics",
    "residuals_figure",
    "roc_figure",
    "select_threshold",
    "shortcut_warnings",
    "slice_metrics",
    "threshold_figure",
]
