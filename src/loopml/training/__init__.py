"""Training: typed model specs, trainers that give one servable pipeline, and baselines."""

from loopml.training._baselines import (
    BaselineComparison,
    DummyBaseline,
    RuleBaseline,
    compare_with_baselines,
    score_baselines,
)
from loopml.training._estimators import ModelSpec, build_estimator, model_kinds
from loopml.training._trainers import TrainedModel, train, validation_metrics

__all__ = [
    "BaselineComparison",
    "DummyBaseline",
    "ModelSpec",
    "RuleBaseline",
    "TrainedModel",
    "build_estimator",
    "compare_with_baselines",
    "model_kinds",
    "score_baselines",
    "train",
    "validation_metrics",
]
