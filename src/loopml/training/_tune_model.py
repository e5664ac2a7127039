"""Tune a model spec by cross-validation: the spec form of :func:`~loopml.training.tune`.

The caller names the model, the data and the search space; every trial cross-validates the spec
with the trial's parameters merged in. The folds are cut once, so every trial is scored on the
same rows, and each fold's score is reported as the trial's intermediate value (step = fold):
the median pruner can stop a trial whose first folds are already worse than earlier trials'.
Everything that can be wrong with the input is checked before the first model is fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import optuna
import pandas as pd

from loopml.core import InvalidValueError
from loopml.store import Stores
from loopml.training._cv import (
    CrossValidation,
    as_cross_validation,
    check_metric,
    default_metric,
    metric_direction,
    score_on_folds,
)
from loopml.training._estimators import ModelSpec, accepted_params
from loopml.training._search_space import SearchSpace
from loopml.training._tuning import Direction, Sampler, TuningResult, TuningTrial, _tune


@dataclass(frozen=True, kw_only=True)
class ModelTuningResult(TuningResult):
    """:class:`TuningResult` plus the tuned spec and what it was tuned for.

    Attributes:
        best_spec: the spec with the best trial's parameters merged in; train it on all rows.
        metric: the cross-validated metric; ``best_value`` is its mean over the folds.
        direction: ``"maximize"``, or ``"minimize"`` for a loss (rmse, mae, log_loss).
    """

    best_spec: ModelSpec
    metric: str
    direction: Direction


def _check_space(spec: ModelSpec, space: SearchSpace | Mapping[str, Any]) -> SearchSpace:
    parsed = SearchSpace.from_dict(space)
    accepted = accepted_params(spec.kind, spec.task)
    unknown = sorted(set(parsed.params) - accepted)
    if unknown:
        raise InvalidValueError(
            f"{spec.kind} ({spec.task}) does not accept search space parameter(s) "
            f"{', '.join(unknown)}; it accepts {', '.join(sorted(accepted))}"
        )
    return parsed


def _check_data(X: Any, y: Any) -> Any:
    if X is None or not hasattr(X, "__len__"):
        raise InvalidValueError(f"X must be a DataFrame or an array of rows, got {X!r}")
    if y is None or not hasattr(y, "__len__"):
        raise InvalidValueError(f"y must be a Series or an array of targets, got {y!r}")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InvalidValueError(f"y must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    if len(X) != len(y):
        raise InvalidValueError(f"X has {len(X)} rows but y has {len(y)}")
    if len(X) == 0:
        raise InvalidValueError("X has no rows")
    return y


def tune_model(
    spec: ModelSpec,
    *,
    space: SearchSpace | Mapping[str, Any],
    X: Any,
    y: Any,
    cv: int | CrossValidation = 3,
    metric: str | None = None,
    groups: Any = None,
    cleaner: Any = None,
    n_trials: int | None = None,
    timeout_s: float | None = None,
    sampler: Sampler = "tpe",
    seed: int = 0,
    workers: int = 1,
    storage: str | None = None,
    study_name: str | None = None,
    pruner: str | optuna.pruners.BasePruner = "median",
    experiment: str = "tuning",
    run_name: str | None = None,
    progress: bool = True,
    stores: Stores | None = None,
) -> ModelTuningResult:
    """Search ``space`` for the parameters of ``spec`` with the best cross-validated ``metric``.

    Recorded as :func:`~loopml.training.tune` records a study (a parent run, a nested run per
    trial, the report), and the parent run also gets the spec (``model.*``), the folds
    (``cv.kind``, ``cv.folds``) and the metric.

    Args:
        spec: the model; ``space``'s parameters override its ``params`` in each trial.
        space: the search space; every name must be a parameter the estimator accepts.
        X, y: the rows to cross-validate on (keep a test set apart).
        cv: a number of folds (stratified for classification, kfold for regression, shuffled
            with ``seed``) or a :class:`CrossValidation`.
        metric: what to optimise (default roc_auc for two classes, accuracy for more, rmse for
            regression); the direction follows it (a loss is minimised).
        groups: one group label per row, for grouped folds.
        cleaner: a ``loopml.data.Cleaner``, fitted inside each fold on its training rows only.
        n_trials, timeout_s, sampler, seed, workers, storage, study_name, pruner, experiment,
            run_name, progress, stores: as for :func:`~loopml.training.tune`.

    Raises:
        InvalidValueError: before any training: a search space parameter the estimator does not
            accept, a bad range, metric, folds, groups or budget; during it, data the model
            refuses (see :func:`~loopml.training.train`).
    """
    if not isinstance(spec, ModelSpec):
        raise InvalidValueError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    search_space = _check_space(spec, space)
    y = _check_data(X, y)
    folds = as_cross_validation(cv, task=spec.task, seed=seed)
    chosen = check_metric(metric or default_metric(spec.task, y), spec.task)
    splits = folds.splits(X, y, groups)
    direction = metric_direction(chosen)

    def objective(trial: TuningTrial) -> float:
        trial_spec = spec.model_copy(update={"params": {**spec.params, **trial.params}})
        scores = score_on_folds(
            trial_spec,
            X,
            y,
            splits=splits,
            metric=chosen,
            cleaner=cleaner,
            seed=seed,
            on_fold=lambda fold, value: trial.report(value, fold),
        )
        return scores.mean

    parent_params = {
        "model.kind": spec.kind,
        "model.task": spec.task,
        "cv.kind": folds.kind,
        "cv.folds": folds.folds,
        "metric": chosen,
    } | {f"model.{name}": value for name, value in spec.params.items()}
    result = _tune(
        objective,
        space=search_space,
        n_trials=n_trials,
        timeout_s=timeout_s,
        sampler=sampler,
        seed=seed,
        direction=direction,
        pruner=pruner,
        workers=workers,
        storage=storage,
        study_name=study_name,
        experiment=experiment,
        run_name=run_name or f"tune-{spec.kind}",
        progress=progress,
        stores=stores,
        parent_params=parent_params,
    )
    best_spec = ModelSpec(
        kind=spec.kind, task=spec.task, params={**spec.params, **result.best_params}
    )
    return ModelTuningResult(
        **{f.name: getattr(result, f.name) for f in fields(TuningResult)},
        best_spec=best_spec,
        metric=chosen,
        direction=direction,
    )
