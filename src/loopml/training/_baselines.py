"""Baselines: "can this be solved without ML?", answered in numbers.

Every training reports, beside its candidates, a dummy model (the most frequent class, or the
mean) and, when the user gives one, a rule: a plain Python function ``func(frame) ->
predictions``. :func:`compare_with_baselines` flags a candidate that does not *clearly* beat
them: its validation metric must be better than the best baseline's by at least ``margin``
(absolute, in the metric's own units; 0.01 by default), in the metric's direction (lower is
better for ``log_loss``, ``rmse``, ``mae``; higher for the rest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.utils.validation import check_is_fitted

from loopml.core import InvalidValueError
from loopml.evaluation._metric_direction import LOWER_IS_BETTER
from loopml.training._estimators import TASKS
from loopml.training._trainers import _as_xy, validation_metrics

DEFAULT_MARGIN = 0.01
DUMMY = "dummy"
RULE = "rule"


class DummyBaseline(BaseEstimator):  # type: ignore[misc]
    """Predicts without looking at the features: the most frequent class, or the training mean.

    Args:
        task: ``"classification"`` (scikit-learn ``DummyClassifier(strategy="prior")``: it
            predicts the most frequent class, and its probabilities are the class frequencies,
            so its log loss is finite) or ``"regression"``
            (``DummyRegressor(strategy="mean")``).

    After fitting: ``model_`` (the fitted scikit-learn dummy), ``classes_`` for classification.
    """

    def __init__(self, task: str = "classification") -> None:
        self.task = task

    def fit(self, X: Any, y: Any) -> Self:
        """Learn the most frequent class or the mean of ``y``; return self."""
        if self.task not in TASKS:
            raise InvalidValueError(f"unknown task {self.task!r}; use one of {', '.join(TASKS)}")
        model: Any = (
            DummyClassifier(strategy="prior")
            if self.task == "classification"
            else DummyRegressor(strategy="mean")
        )
        self.model_ = model.fit(X, y)
        if self.task == "classification":
            self.classes_ = self.model_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The constant prediction, once per row of ``X``."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.predict(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The training class frequencies, once per row (classification only)."""
        check_is_fitted(self, "model_")
        if self.task != "classification":
            raise InvalidValueError("a regression baseline has no probabilities")
        return np.asarray(self.model_.predict_proba(X))


class RuleBaseline(BaseEstimator):  # type: ignore[misc]
    """A rule the user writes as a plain Python function, used as a scikit-learn estimator.

    ``func(frame)`` gets the raw feature rows (as given to ``predict``) and returns one
    prediction per row. Fitting learns nothing but the classes seen, so the rule is scored on
    the same metrics as the models. It lives in user code: it is for comparison, not for
    registering (a function is not something the registry stores safely).
    """

    def __init__(self, func: Callable[[Any], Any] | None = None) -> None:
        self.func = func

    def fit(self, X: Any, y: Any) -> Self:
        """Check the rule is callable and remember the training classes; return self."""
        if not callable(self.func):
            raise InvalidValueError(f"RuleBaseline needs a function, got {self.func!r}")
        self.classes_ = np.unique(np.asarray(y))
        self.n_features_in_ = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``func(X)`` as an array, checked to have one prediction per row."""
        check_is_fitted(self, "classes_")
        assert self.func is not None  # fit checked it
        name = getattr(self.func, "__name__", repr(self.func))
        try:
            predicted = np.asarray(self.func(X))
        except Exception as exc:  # the user's code: say whose failure it is
            raise InvalidValueError(f"the rule {name} failed: {type(exc).__name__}: {exc}") from exc
        if predicted.ndim != 1 or len(predicted) != len(X):
            raise InvalidValueError(
                f"the rule {name} returned shape {predicted.shape} for {len(X)} rows; "
                "it must return one prediction per row"
            )
        return predicted


def score_baselines(
    *,
    task: str,
    train: tuple[Any, Any],
    valid: tuple[Any, Any],
    rule: Callable[[Any], Any] | None = None,
) -> dict[str, dict[str, float]]:
    """Fit the baselines on ``train`` and score them on ``valid`` with :func:`train`'s metrics.

    Returns:
        ``{"dummy": {metric: value}, "rule": {...}}`` (``"rule"`` only when ``rule`` is given).
    """
    X_train, y_train = _as_xy(train, role="train")
    X_valid, y_valid = _as_xy(valid, role="valid")
    baselines: dict[str, Any] = {DUMMY: DummyBaseline(task)}
    if rule is not None:
        baselines[RULE] = RuleBaseline(rule)
    return {
        name: validation_metrics(model.fit(X_train, y_train), X_valid, y_valid, task=task)
        for name, model in baselines.items()
    }


@dataclass(frozen=True)
class BaselineComparison:
    """How one candidate fares against the best baseline on one metric.

    ``improvement`` is how much better the candidate is, in the metric's direction (positive is
    better); ``flagged`` is True when it is below ``margin``: the candidate does not clearly
    beat the baselines (a NaN score is always flagged).
    """

    candidate: str
    metric: str
    score: float
    best_baseline: str
    best_baseline_score: float
    improvement: float
    margin: float
    flagged: bool

    @property
    def message(self) -> str:
        """One line for a report."""
        verdict = "does NOT clearly beat" if self.flagged else "beats"
        return (
            f"{self.candidate} {verdict} the baselines on {self.metric}: {self.score:.4g} vs "
            f"{self.best_baseline} {self.best_baseline_score:.4g} "
            f"(improvement {self.improvement:+.4g}, margin {self.margin:g})"
        )


def _metric_of(scores: Mapping[str, Mapping[str, float]], name: str, metric: str) -> float:
    try:
        return float(scores[name][metric])
    except KeyError:
        raise InvalidValueError(
            f"{name} has no score for metric {metric!r}; it has {sorted(scores[name])}"
        ) from None


def compare_with_baselines(
    candidate_scores: Mapping[str, Mapping[str, float]],
    baseline_scores: Mapping[str, Mapping[str, float]],
    *,
    metric: str,
    margin: float = DEFAULT_MARGIN,
    greater_is_better: bool | None = None,
) -> list[BaselineComparison]:
    """Compare each candidate with the best baseline on ``metric``; flag the unclear winners.

    Args:
        candidate_scores, baseline_scores: name -> metric name -> validation value.
        metric: the metric to judge on (it must be in every score mapping).
        margin: the absolute lead over the best baseline a candidate needs not to be flagged.
        greater_is_better: the metric's direction; by default lower is better for ``log_loss``,
            ``rmse`` and ``mae`` and higher for every other metric.

    Returns:
        One :class:`BaselineComparison` per candidate, in the order given.

    Raises:
        InvalidValueError: no baselines, a negative or NaN margin, or a missing metric.
    """
    if not baseline_scores:
        raise InvalidValueError("no baseline scores to compare with; baselines always run")
    if not margin >= 0:
        raise InvalidValueError(f"margin must be a number >= 0, got {margin!r}")
    higher = metric not in LOWER_IS_BETTER if greater_is_better is None else greater_is_better
    sign = 1.0 if higher else -1.0
    baseline_values = {name: _metric_of(baseline_scores, name, metric) for name in baseline_scores}
    usable = {name: value for name, value in baseline_values.items() if not math.isnan(value)}
    if not usable:
        raise InvalidValueError(f"every baseline scored NaN on {metric!r}")
    best_name = max(usable, key=lambda name: sign * usable[name])
    best_value = usable[best_name]
    comparisons = []
    for candidate in candidate_scores:
        score = _metric_of(candidate_scores, candidate, metric)
        improvement = sign * (score - best_value)
        comparisons.append(
            BaselineComparison(
                candidate=candidate,
                metric=metric,
                score=score,
                best_baseline=best_name,
                best_baseline_score=best_value,
                improvement=improvement,
                margin=margin,
                flagged=math.isnan(improvement) or improvement < margin,
            )
        )
    return comparisons
