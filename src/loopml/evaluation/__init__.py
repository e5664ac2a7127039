"""Evaluation: metrics equal to scikit-learn's, intervals, plots, thresholds, slices, fairness,
champion vs challenger with a gate, behavioural tests, explanations, shortcut warnings, and the
reports and model cards that show them all."""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
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
    from loopml.evaluation._evaluate_version import StoredEvaluation, evaluate_version
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
    from loopml.evaluation._model_card import (
        ModelCard,
        build_model_card,
        derived_limitations,
        load_model_card,
        save_model_card,
    )
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
    from loopml.evaluation._report import CriterionOutcome, EvaluationReport, check_success
    from loopml.evaluation._shortcuts import ShortcutWarning, shortcut_warnings
    from loopml.evaluation._slices import slice_metrics
    from loopml.evaluation._threshold import Threshold, select_threshold
    from loopml.evaluation._threshold_evaluation import ThresholdEvaluation, evaluate_threshold


__all__ = [
    "StoredEvaluation",
    "BOOTSTRAP_METRICS",
    "BehaviourReport",
    "BehaviourSuite",
    "CaseResult",
    "Comparison",
    "CriterionOutcome",
    "Directional",
    "EvaluationReport",
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
    "ModelCard",
    "ModelEvaluation",
    "PairedTest",
    "RuleOutcome",
    "ShortcutWarning",
    "SignificanceRule",
    "Threshold",
    "ThresholdEvaluation",
    "bootstrap_ci",
    "build_model_card",
    "calibration_figure",
    "check_success",
    "classification_metrics",
    "compare_models",
    "confusion_matrix_figure",
    "derived_limitations",
    "directional",
    "evaluate_model",
    "evaluate_threshold",
    "evaluate_version",
    "explain_model",
    "fairness_report",
    "figures_to_html",
    "invariance",
    "load_model_card",
    "minimum_functionality",
    "pr_figure",
    "predicted_vs_actual_figure",
    "record_gate_verdict",
    "regression_metrics",
    "residuals_figure",
    "roc_figure",
    "save_model_card",
    "select_threshold",
    "shortcut_warnings",
    "slice_metrics",
    "threshold_figure",
]
