"""Train one model spec into ONE servable scikit-learn Pipeline: the cleaner plus the estimator.

The cleaner is fitted on the training rows first and the validation rows are passed through
it, so an iterative learner (LightGBM, XGBoost) can watch its validation metrics per iteration
on the same features it trains on; those curves are logged to the run. The fitted cleaner and
the fitted estimator are then put in one :class:`~sklearn.pipeline.Pipeline`, the single
artifact the registry stores and the server loads.

Reproducible: every random thing is seeded from ``seed`` and the boosting libraries run on one
thread, so the same spec on the same data gives the same predictions, bit for bit.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

from loopml.core import InvalidValueError
from loopml.training._estimators import ModelSpec, build_estimator

CLEANER_STEP = "cleaner"
MODEL_STEP = "model"


@dataclass(frozen=True)
class TrainedModel:
    """The result of :func:`train`.

    Attributes:
        pipeline: the fitted ``Pipeline`` (``cleaner`` step when one was given, then ``model``):
            register it as is.
        spec, seed: what was trained, to train it again.
        validation_metrics: metric name -> value on the validation rows.
        iteration_metrics: for iterative learners, learner metric name -> value per iteration
            on the validation rows (empty for others).
    """

    pipeline: Pipeline
    spec: ModelSpec
    seed: int
    validation_metrics: dict[str, float]
    iteration_metrics: dict[str, list[float]] = field(default_factory=dict)


def _as_xy(data: Any, *, role: str) -> tuple[Any, Any]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise InvalidValueError(f"{role} must be a pair (X, y), got {type(data).__name__}")
    X, y = data
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InvalidValueError(f"{role} y must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    n_x, n_y = len(X), len(y)
    if n_x != n_y:
        raise InvalidValueError(f"{role} X has {n_x} rows but y has {n_y}")
    if n_x == 0:
        raise InvalidValueError(f"{role} data has no rows")
    if pd.isna(pd.Series(np.asarray(y, dtype=object))).any():
        raise InvalidValueError(f"{role} y has missing values; drop or fill them before training")
    return X, y


def _check_target(spec: ModelSpec, y_train: Any) -> None:
    values = pd.Series(np.asarray(y_train, dtype=object))
    if spec.task == "classification":
        classes = values.unique()
        if len(classes) < 2:
            raise InvalidValueError(
                f"the training target has one class ({classes[0]!r}); "
                "a classifier needs two or more"
            )
        if spec.kind == "xgboost":
            expected = set(range(len(classes)))
            if not all(isinstance(c, (int, np.integer)) for c in classes) or (
                {int(c) for c in classes} != expected
            ):
                raise InvalidValueError(
                    "xgboost needs class labels 0..n_classes-1; encode the target first "
                    f"(got {sorted(map(str, classes))[:10]})"
                )
    else:
        try:
            np.asarray(y_train, dtype=float)
        except (TypeError, ValueError):
            raise InvalidValueError(
                "a regression target must be numeric; use task='classification' for labels"
            ) from None


def _fit_with_validation(
    estimator: Any, spec: ModelSpec, X: Any, y: Any, X_valid: Any, y_valid: Any
) -> dict[str, list[float]]:
    """Fit ``estimator``; for LightGBM/XGBoost also return its per-iteration validation curves."""
    if spec.kind == "lightgbm":
        _fit_lightgbm(estimator, spec, X, y, X_valid, y_valid)
        curves = estimator.evals_result_.get("valid", {})
    elif spec.kind == "xgboost":
        estimator.fit(X, y, eval_set=[(X_valid, y_valid)], verbose=False)
        curves = estimator.evals_result().get("validation_0", {})
    else:
        estimator.fit(X, y)
        return {}
    return {str(name): [float(v) for v in values] for name, values in curves.items()}


def _fit_lightgbm(
    estimator: Any, spec: ModelSpec, X: Any, y: Any, X_valid: Any, y_valid: Any
) -> None:
    """Fit with a validation set under LightGBM's old (``eval_set``) or new (``eval_X``) API.

    LightGBM 4.7 deprecated ``eval_set`` for ``eval_X``/``eval_y``, but its classifier
    label-encodes only ``eval_set``: raw labels given as ``eval_y`` ("yes"/"no", or 1/2) fail or,
    worse, are scored against the wrong classes. So classifiers keep ``eval_set`` while it
    exists (its deprecation warning silenced), and get ``eval_y`` encoded as LightGBM encodes
    ``y`` (sorted unique labels -> 0..k-1) once only ``eval_X`` is left.
    """
    accepted = inspect.signature(estimator.fit).parameters
    if "eval_set" in accepted and (spec.task == "classification" or "eval_X" not in accepted):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*eval_set.*deprecated")
            estimator.fit(X, y, eval_set=[(X_valid, y_valid)], eval_names=["valid"])
        return
    if spec.task == "classification":
        y_valid = LabelEncoder().fit(np.asarray(y)).transform(np.asarray(y_valid))
    estimator.fit(X, y, eval_X=(X_valid,), eval_y=(y_valid,), eval_names=["valid"])


def validation_metrics(model: Any, X: Any, y: Any, *, task: str) -> dict[str, float]:
    """Score a fitted model on ``(X, y)`` with scikit-learn's metrics.

    Classification: ``accuracy``, ``balanced_accuracy``, ``f1_macro``, and with probabilities
    ``roc_auc`` (one-vs-rest for several classes) and ``log_loss`` when every validation label
    was seen in training. Regression: ``rmse``, ``mae``, ``r2``.
    """
    predicted = np.asarray(model.predict(X))
    truth = np.asarray(y)
    if task == "regression":
        truth_f, predicted_f = truth.astype(float), predicted.astype(float)
        return {
            "rmse": float(math.sqrt(metrics.mean_squared_error(truth_f, predicted_f))),
            "mae": float(metrics.mean_absolute_error(truth_f, predicted_f)),
            "r2": float(metrics.r2_score(truth_f, predicted_f)),
        }
    scores = {
        "accuracy": float(metrics.accuracy_score(truth, predicted)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(truth, predicted)),
        "f1_macro": float(metrics.f1_score(truth, predicted, average="macro", zero_division=0)),
    }
    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict_proba") and classes is not None and set(truth) <= set(classes):
        proba = np.asarray(model.predict_proba(X), dtype=float)
        # float32 probabilities (XGBoost) miss 1 by rounding; log_loss warns about that.
        proba = proba / proba.sum(axis=1, keepdims=True)
        scores["log_loss"] = float(metrics.log_loss(truth, proba, labels=list(classes)))
        if len(set(truth)) >= 2:
            if len(classes) == 2:
                positive = (truth == classes[1]).astype(int)
                scores["roc_auc"] = float(metrics.roc_auc_score(positive, proba[:, 1]))
            elif len(set(truth)) == len(classes):
                scores["roc_auc"] = float(
                    metrics.roc_auc_score(truth, proba, multi_class="ovr", labels=list(classes))
                )
    return scores


def _log_to_run(
    run: Any,
    spec: ModelSpec,
    seed: int,
    scores: Mapping[str, float],
    curves: Mapping[str, list[float]],
) -> None:
    run.log_params(
        {"model.kind": spec.kind, "model.task": spec.task, "model.seed": seed}
        | {f"model.{name}": value for name, value in spec.params.items()}
    )
    for name, values in curves.items():
        for step, value in enumerate(values):
            run.log_metric(f"iter_valid_{name}", value, step=step)
    run.log_metrics({f"valid_{name}": value for name, value in scores.items()})


def train(
    spec: ModelSpec,
    *,
    train: tuple[Any, Any],
    valid: tuple[Any, Any],
    cleaner: Any = None,
    run: Any = None,
    seed: int = 0,
) -> TrainedModel:
    """Fit ``cleaner`` + the estimator of ``spec`` on ``train``; score it on ``valid``.

    Args:
        spec: the model to train.
        train, valid: ``(X, y)`` pairs; ``X`` a DataFrame (or array), ``y`` a Series or array.
        cleaner: a ``loopml.data.Cleaner`` (without ``target``: ``y`` is given apart) or any
            scikit-learn transformer; it is cloned, fitted on the training rows and becomes the
            pipeline's first step. Without one the estimator gets ``X`` as it is.
        run: a ``loopml.tracking`` Run; gets the spec as params, ``iter_valid_<metric>`` per
            iteration for LightGBM/XGBoost, and ``valid_<metric>`` at the end.
        seed: seeds the estimator (and nothing else is random).

    Raises:
        InvalidValueError: X and y lengths differ, no rows, missing target values, one class for
            a classifier, a non-numeric regression target, or the estimator refuses the data
            or its parameters (the message says which).
    """
    X_train, y_train = _as_xy(train, role="train")
    X_valid, y_valid = _as_xy(valid, role="valid")
    _check_target(spec, y_train)
    estimator = build_estimator(spec, seed=seed)
    steps: list[tuple[str, Any]] = []
    features_train, features_valid = X_train, X_valid
    if cleaner is not None:
        fitted_cleaner = clone(cleaner)
        try:
            # fit_transform, not fit + transform: out-of-fold target encodings for training rows.
            features_train = fitted_cleaner.fit_transform(X_train, y_train)
            features_valid = fitted_cleaner.transform(X_valid)
        except InvalidValueError:
            raise
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(f"the cleaner failed on the data: {exc}") from exc
        steps.append((CLEANER_STEP, fitted_cleaner))
    try:
        curves = _fit_with_validation(
            estimator, spec, features_train, y_train, features_valid, y_valid
        )
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(f"{spec.kind} could not be fitted: {exc}") from exc
    steps.append((MODEL_STEP, estimator))
    pipeline = Pipeline(steps)
    scores = validation_metrics(pipeline, X_valid, y_valid, task=spec.task)
    if run is not None:
        _log_to_run(run, spec, seed, scores, curves)
    return TrainedModel(
        pipeline=pipeline,
        spec=spec,
        seed=seed,
        validation_metrics=scores,
        iteration_metrics=dict(curves),
    )
