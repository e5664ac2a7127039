"""Training: typed model specs, trainers that give one servable pipeline, and baselines."""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.training._baselines import (
        BaselineComparison,
        DummyBaseline,
        RuleBaseline,
        compare_with_baselines,
        score_baselines,
    )
    from loopml.training._cv import CrossValidation, CVScores, cross_validate_spec
    from loopml.training._estimators import ModelSpec, build_estimator, model_kinds
    from loopml.training._search_space import CategoricalParam, FloatParam, IntParam, SearchSpace
    from loopml.training._trainers import TrainedModel, train, validation_metrics
    from loopml.training._tune_model import ModelTuningResult, tune_model
    from loopml.training._tuning import TrialPruned, TuningResult, TuningTrial, tune


__all__ = [
    "BaselineComparison",
    "CVScores",
    "CategoricalParam",
    "CrossValidation",
    "DummyBaseline",
    "FloatParam",
    "IntParam",
    "ModelSpec",
    "ModelTuningResult",
    "RuleBaseline",
    "SearchSpace",
    "TrainedModel",
    "TrialPruned",
    "TuningResult",
    "TuningTrial",
    "build_estimator",
    "compare_with_baselines",
    "cross_validate_spec",
    "model_kinds",
    "score_baselines",
    "train",
    "tune",
    "tune_model",
    "validation_metrics",
]
