"""Hyper-parameter tuning with Optuna, recorded as one parent run with a nested run per trial.

Storage follows scale: Optuna's in-memory storage for one worker (nothing to pay per trial);
Optuna's journal file for several worker processes on one machine; Optuna's RDB storage on a
shared database (PostgreSQL) for several machines working on one named study. Every worker
opens its own loopml stores, and all trial runs land under the same parent run.

Per trial loopml adds one ``start_run`` (params in the same transaction), one metric point and
one ``end``: a few milliseconds, measured by ``benchmarks/tuning.py``. Per study it adds the
parent run and the HTML report.

The work is split by job: this module holds the public ``tune``, its argument checks and the
in-process path; ``_tuning_trials`` what every path shares (a trial as a nested run, the
progress bar, the outcome on the parent run); ``_tuning_storage`` the journal-file workers and
shared RDB studies; ``_tuning_report`` the figures and the offline HTML report.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

import optuna

from loopml.core import InvalidValueError
from loopml.store import Stores, default_stores
from loopml.tracking import start_run
from loopml.training._search_space import SearchSpace
from loopml.training._tuning_storage import _optimize_in_journal, _tune_in_storage

# Re-exported: these names stay importable from this module, as before the split.
from loopml.training._tuning_trials import Direction as Direction
from loopml.training._tuning_trials import Objective as Objective
from loopml.training._tuning_trials import Sampler as Sampler
from loopml.training._tuning_trials import TrialPruned as TrialPruned
from loopml.training._tuning_trials import TuningResult as TuningResult
from loopml.training._tuning_trials import TuningTrial as TuningTrial
from loopml.training._tuning_trials import (
    _make_pruner,
    _make_sampler,
    _optimize_here,
    _record_outcome,
    _trial_function,
)

_SAMPLERS = ("tpe", "random", "grid")
_DIRECTIONS = ("maximize", "minimize")


def _check_arguments(
    *,
    objective: Any,
    sampler: str,
    direction: Direction,
    n_trials: int | None,
    timeout_s: float | None,
    workers: int,
    storage: str | None = None,
    study_name: str | None = None,
) -> None:
    if not callable(objective):
        raise InvalidValueError(
            f"the objective must be a function of one TuningTrial, got {objective!r}"
        )
    if sampler not in _SAMPLERS:
        raise InvalidValueError(f"unknown sampler {sampler!r}: use one of {', '.join(_SAMPLERS)}")
    if direction not in _DIRECTIONS:
        raise InvalidValueError(
            f"unknown direction {direction!r}: use one of {', '.join(_DIRECTIONS)}"
        )
    if n_trials is not None and (type(n_trials) is not int or n_trials < 1):
        raise InvalidValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    if timeout_s is not None and (
        not isinstance(timeout_s, int | float) or isinstance(timeout_s, bool) or timeout_s <= 0
    ):
        raise InvalidValueError(
            f"timeout_s must be a positive number of seconds, got {timeout_s!r}"
        )
    if n_trials is None and timeout_s is None and sampler != "grid":
        raise InvalidValueError("give a budget: n_trials, timeout_s or both")
    if type(workers) is not int or workers < 1:
        raise InvalidValueError(f"workers must be a positive integer, got {workers!r}")
    if storage is not None and (not isinstance(storage, str) or "://" not in storage):
        raise InvalidValueError(
            f"storage must be a SQLAlchemy database URL such as "
            f"'postgresql+psycopg://user@host:5432/db', got {storage!r}"
        )
    if study_name is not None and (not isinstance(study_name, str) or not study_name.strip()):
        raise InvalidValueError(f"study_name must be non-empty text, got {study_name!r}")
    if study_name is not None and storage is None:
        raise InvalidValueError(
            "study_name names a study in a shared storage; give storage= too "
            "(without one every study is new and private to this call)"
        )


def tune(
    objective: Objective,
    *,
    space: SearchSpace | Mapping[str, Any],
    n_trials: int | None = None,
    timeout_s: float | None = None,
    sampler: Sampler = "tpe",
    seed: int = 0,
    direction: Direction = "maximize",
    pruner: str | optuna.pruners.BasePruner = "median",
    workers: int = 1,
    storage: str | None = None,
    study_name: str | None = None,
    experiment: str = "tuning",
    run_name: str | None = None,
    progress: bool = True,
    stores: Stores | None = None,
) -> TuningResult:
    """Search ``space`` for the parameters that make ``objective`` best.

    The study is one run in ``experiment`` (nested under the active run, if any, such as a
    pipeline's) with a nested run per trial (``trial-<n>``, its params and its ``score``). The
    parent run gets the best parameters (``best.<name>``), the ``best_score`` metric, the search
    space, every trial as CSV and one offline HTML report.

    Args:
        objective: called with a :class:`TuningTrial`; returns the score. Call
            ``trial.report(value, step)`` in an iterative learner so pruning can stop it.
        space: a :class:`SearchSpace` or its dict form; validated before any training.
        n_trials: the trial budget (split across workers). ``timeout_s``: a wall-time budget.
            At least one is needed, except for the grid sampler, which stops when done.
        sampler: ``"tpe"`` (default), ``"random"`` or ``"grid"``; seeded by ``seed``.
        pruner: ``"median"`` (default; only acts on reported values), ``"none"``, or an Optuna
            pruner.
        workers: processes on this machine sharing an Optuna journal file (POSIX only), or the
            ``storage`` database when one is given.
        storage: a SQLAlchemy URL (``postgresql+psycopg://user@host/db``) for Optuna's RDB
            storage, so processes on several machines work on one study: each runs its own
            ``n_trials``. The first creates the study and the parent run; later ones with the
            same ``study_name`` join both (their trial runs nest under the first's parent run,
            found through the study). The loopml stores must be shared too.
        study_name: the study to create or join in ``storage`` (default: a new unique name).
        progress: show a progress bar of finished trials (on a terminal only).

    Raises:
        InvalidValueError: a bad search space or argument, before anything runs.
        StoreError: the storage database cannot be reached.
        LoopmlError: a worker process failed (the first traceback is in the message).
    """
    return _tune(
        objective,
        space=space,
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
        run_name=run_name,
        progress=progress,
        stores=stores,
        parent_params={},
    )


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _quietly(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Optuna logs a line per trial at INFO; loopml shows a progress bar and records every
    trial as a run instead, so Optuna's log is lowered to warnings while tuning, then restored
    (forked workers inherit the lowered level)."""

    @functools.wraps(function)
    def quietly(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        previous = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            return function(*args, **kwargs)
        finally:
            optuna.logging.set_verbosity(previous)

    return quietly


@_quietly
def _tune(
    objective: Objective,
    *,
    space: SearchSpace | Mapping[str, Any],
    n_trials: int | None,
    timeout_s: float | None,
    sampler: str,
    seed: int,
    direction: Direction,
    pruner: str | optuna.pruners.BasePruner,
    workers: int,
    storage: str | None,
    study_name: str | None,
    experiment: str,
    run_name: str | None,
    progress: bool,
    stores: Stores | None,
    parent_params: Mapping[str, Any],
) -> TuningResult:
    """:func:`tune`, with extra params for the parent run (``tune_model`` records its spec)."""
    _check_arguments(
        objective=objective,
        sampler=sampler,
        direction=direction,
        n_trials=n_trials,
        timeout_s=timeout_s,
        workers=workers,
        storage=storage,
        study_name=study_name,
    )
    search_space = SearchSpace.from_dict(space)
    chosen_pruner = _make_pruner(pruner)
    first_sampler = _make_sampler(sampler, search_space, seed)  # a bad grid fails here
    stores = stores or default_stores()
    settings = {
        "sampler": sampler,
        "direction": direction,
        "seed": seed,
        "workers": workers,
        "n_trials": n_trials,
        "timeout_s": timeout_s,
    }
    worker_args = {
        "objective": objective,
        "space": search_space,
        "sampler": sampler,
        "pruner": chosen_pruner,
        "seed": seed,
        "timeout_s": timeout_s,
        "stores": stores,
    }
    params = {k: v for k, v in settings.items() if v is not None} | dict(parent_params)
    if storage is not None:
        return _tune_in_storage(
            storage=storage,
            study_name=study_name or f"loopml-{uuid.uuid4().hex[:16]}",
            direction=direction,
            first_sampler=first_sampler,
            pruner=chosen_pruner,
            search_space=search_space,
            experiment=experiment,
            run_name=run_name or f"tune-{sampler}",
            params=params,
            n_trials=n_trials,
            timeout_s=timeout_s,
            workers=workers,
            progress=progress,
            worker_args=worker_args,
        )
    with start_run(
        experiment, name=run_name or f"tune-{sampler}", params=params, stores=stores
    ) as parent:
        parent.log_dict(search_space.to_dict(), "search_space.json")
        if workers == 1:
            study = optuna.create_study(
                study_name=f"loopml-{parent.id}",
                direction=direction,
                sampler=first_sampler,
                pruner=chosen_pruner,
            )
            _optimize_here(
                study,
                _trial_function(objective, search_space, parent.experiment, stores),
                n_trials=n_trials,
                timeout_s=timeout_s,
                progress=progress,
            )
        else:
            study = _optimize_in_journal(
                study_name=f"loopml-{parent.id}",
                direction=direction,
                first_sampler=first_sampler,
                pruner=chosen_pruner,
                workers=workers,
                n_trials=n_trials,
                progress=progress,
                worker_args=worker_args | {"parent_id": parent.id, "experiment": parent.experiment},
            )
        return _record_outcome(parent, study)
