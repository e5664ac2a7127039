"""Hyper-parameter tuning with Optuna, recorded as one parent run with a nested run per trial.

Storage follows scale: Optuna's in-memory storage for one worker (nothing to pay per trial);
Optuna's journal file for several worker processes on one machine (no database round trip per
trial, which is why it beats an RDB storage on a SQLite file by ~100 ms a trial); Optuna's RDB
storage on a shared database (PostgreSQL) for several machines working on one named study. Every
worker opens its own loopml stores, and all trial runs land under the same parent run.

Per trial loopml adds one ``start_run`` (params in the same transaction), one metric point and
one ``end``: a few milliseconds, measured by ``benchmarks/tuning.py``. Per study it adds the
parent run and the HTML report; the report is written straight from the trials (figure JSON and
plotly.js in one page) rather than through plotly's validated figure objects, whose imports and
checks alone cost ~0.3 s, 6 ms a trial over a 50-trial study.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import io
import math
import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, cast

import optuna
import orjson
import pandas as pd
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from loopml.core import InvalidValueError, LoopmlError, StoreError
from loopml.store import Stores, default_stores
from loopml.tracking import Run, start_run
from loopml.training._search_space import SearchSpace

TrialPruned = optuna.TrialPruned
"""Raised by :meth:`TuningTrial.report` when the pruner stops a trial early."""

Sampler = Literal["tpe", "random", "grid"]
Direction = Literal["maximize", "minimize"]
_SAMPLERS = ("tpe", "random", "grid")
_DIRECTIONS = ("maximize", "minimize")
_SCORE = "score"
_REPORT_NAME = "tuning_report.html"
_STUDY_TAG = "tuning.study"
_PARENT_ATTR = "loopml_parent_run_id"
_STORAGE_ATTEMPTS = 5
_PARENT_WAIT_S = 60.0
"""How long a joining process waits for the study's creator to record its parent run."""


class TuningTrial:
    """What an objective gets: this trial's parameter values, its run, and a way to report progress.

    Example::

        def objective(trial):
            model = make_model(**trial.params)
            for step in range(100):
                trial.report(partial_score(model), step)  # raises TrialPruned when pruned
            return final_score(model)
    """

    def __init__(self, optuna_trial: optuna.Trial, params: dict[str, Any], run: Run) -> None:
        self.optuna_trial = optuna_trial
        self.params = params
        self.run = run
        self.number: int = optuna_trial.number

    def __repr__(self) -> str:
        return f"TuningTrial(number={self.number}, params={self.params!r})"

    def report(self, value: float, step: int) -> None:
        """Record an intermediate score; raise :data:`TrialPruned` if the pruner says stop.

        For iterative learners (boosting rounds, epochs) and cross-validation folds: the pruner
        compares this curve with earlier trials' and stops hopeless ones early.
        """
        self.optuna_trial.report(value, step)
        self.run.log_metric(f"intermediate_{_SCORE}", value, step)
        if self.optuna_trial.should_prune():
            raise TrialPruned(f"trial {self.number} pruned at step {step}")


Objective = Callable[[TuningTrial], float]


@dataclass(frozen=True)
class TuningResult:
    """The outcome of :func:`tune`: the best trial, every trial, and the parent run's id.

    ``report_artifact`` is the name of the HTML report on the parent run; it is None for a
    process that joined a study another process created (that process writes the report).
    """

    run_id: str
    best_params: dict[str, Any]
    best_value: float
    best_trial_number: int
    trials: pd.DataFrame = field(repr=False)
    study: optuna.Study = field(repr=False)
    report_artifact: str | None = None

    def figures(self) -> dict[str, Any]:
        """Plotly figures: optimisation history, parameter importance, parallel coordinates."""
        import plotly.graph_objects as go

        return {title: go.Figure(spec) for title, spec in _figure_specs(self.study).items()}


def _make_sampler(kind: str, space: SearchSpace, seed: int) -> optuna.samplers.BaseSampler:
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.GridSampler(cast(Any, space.grid()), seed=seed)


def _make_pruner(pruner: str | optuna.pruners.BasePruner) -> optuna.pruners.BasePruner:
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    if pruner == "none":
        return optuna.pruners.NopPruner()
    raise InvalidValueError(f"unknown pruner {pruner!r}: use 'median', 'none' or an Optuna pruner")


def _rdb_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage on ``url`` (a SQLAlchemy URL), or a clear error.

    Raises:
        InvalidValueError: the URL does not parse or names a driver that is not installed.
        StoreError: the database cannot be reached.
    """
    import sqlalchemy as sa

    try:
        sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise InvalidValueError(
            f"storage {url!r} is not a SQLAlchemy URL; use e.g. "
            "'postgresql+psycopg://user@host:5432/db'"
        ) from None
    for attempt in range(_STORAGE_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(url)
        except (ImportError, sa.exc.NoSuchModuleError) as exc:
            raise InvalidValueError(
                f"storage {url!r}: its database driver is missing: {exc}"
            ) from exc
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError) as exc:
            # Two processes creating Optuna's tables in a new database at once: one loses the
            # race on a table or the version row; by the next attempt they are there.
            if attempt == _STORAGE_ATTEMPTS - 1:
                raise StoreError(f"cannot set up the Optuna storage {url!r}: {exc}") from exc
            time.sleep(0.2 * (attempt + 1))
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot open the Optuna storage {url!r}: {exc}") from exc
    raise AssertionError("unreachable")


def _trial_function(
    objective: Objective,
    space: SearchSpace,
    experiment: str,
    stores: Stores,
    parent_run_id: str | None = None,
) -> Callable[[optuna.Trial], float]:
    """Wrap ``objective`` so each Optuna trial is a nested run named ``trial-<n>``."""

    def run_trial(optuna_trial: optuna.Trial) -> float:
        params = space.suggest(optuna_trial)
        pruned: TrialPruned | None = None
        with start_run(
            experiment,
            name=f"trial-{optuna_trial.number}",
            params=params,
            parent_run_id=parent_run_id,
            stores=stores,
        ) as run:
            try:
                value = float(objective(TuningTrial(optuna_trial, params, run)))
            except TrialPruned as stop:
                pruned = stop
                run.set_tag("pruned", "true")
            else:
                run.log_metric(_SCORE, value)
        if pruned is not None:
            raise pruned
        return value

    return run_trial


def _open_storage(journal_path: str | None, storage_url: str | None) -> optuna.storages.BaseStorage:
    if storage_url is not None:
        return _rdb_storage(storage_url)
    assert journal_path is not None
    return JournalStorage(JournalFileBackend(journal_path))


def _worker_main(
    *,
    objective: Objective,
    space: SearchSpace,
    sampler: str,
    pruner: optuna.pruners.BasePruner,
    seed: int,
    n_trials: int | None,
    timeout_s: float | None,
    study_name: str,
    journal_path: str | None,
    storage_url: str | None,
    parent_id: str,
    experiment: str,
    stores: Stores,
    errors: Any,
) -> None:
    worker_stores = Stores.from_settings(stores.settings).open()
    try:
        study = optuna.load_study(
            study_name=study_name,
            storage=_open_storage(journal_path, storage_url),
            sampler=_make_sampler(sampler, space, seed),
            pruner=pruner,
        )
        study.optimize(
            _trial_function(objective, space, experiment, worker_stores, parent_id),
            n_trials=n_trials,
            timeout=timeout_s,
        )
    except BaseException:
        errors.put(traceback.format_exc())
        raise
    finally:
        worker_stores.metadata.dispose()


def _split_trials(n_trials: int | None, workers: int) -> list[int | None]:
    if n_trials is None:
        return [None] * workers
    return [n_trials // workers + (1 if i < n_trials % workers else 0) for i in range(workers)]


def _optimize_in_workers(
    *,
    study: optuna.Study,
    workers: int,
    n_trials: int | None,
    worker_args: dict[str, Any],
    progress: bool,
) -> None:
    # fork: the objective (often a closure over the training data) need not pickle, and the
    # data is shared copy-on-write instead of copied into each worker.
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    processes = []
    already = len(study.get_trials(deepcopy=False))
    for index, count in enumerate(_split_trials(n_trials, workers)):
        if count == 0:
            continue
        process = context.Process(
            target=_worker_main,
            kwargs={
                **worker_args,
                "seed": worker_args["seed"] + index,
                "n_trials": count,
                "study_name": study.study_name,
                "errors": errors,
            },
            name=f"loopml-tune-worker-{index}",
        )
        process.start()
        processes.append(process)
    with _progress_bar(n_trials, progress) as set_done:
        while any(process.is_alive() for process in processes):
            for process in processes:
                process.join(timeout=0.25)
            set_done(len(study.get_trials(deepcopy=False)) - already)
    failed = [p for p in processes if p.exitcode != 0]
    if failed:
        detail = errors.get(timeout=1) if not errors.empty() else "no traceback was sent"
        raise LoopmlError(
            f"{len(failed)} of {len(processes)} tuning workers failed; the first error:\n{detail}"
        )


@contextmanager
def _progress_bar(total: int | None, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich bar on stderr counting finished trials; yields ``set_done(count)``.

    Shown only on a terminal: in a pipe, a log or a test it would only add stray lines.
    """
    console = Console(stderr=True)
    disabled = not enabled or not console.is_terminal
    columns = (TextColumn("tuning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=disabled) as progress:
        task = progress.add_task("tuning", total=total)
        yield lambda done: progress.update(task, completed=done)


def _history_spec(study: optuna.Study, completed: list[optuna.trial.FrozenTrial]) -> dict[str, Any]:
    numbers = [trial.number for trial in completed]
    values = [float(cast(float, trial.value)) for trial in completed]
    pick = max if study.direction == optuna.study.StudyDirection.MAXIMIZE else min
    best: list[float] = []
    for value in values:
        best.append(value if not best else pick(best[-1], value))
    return {
        "data": [
            {"type": "scatter", "mode": "markers", "name": "Objective value"}
            | {"x": numbers, "y": values},
            {"type": "scatter", "mode": "lines", "name": "Best value", "x": numbers, "y": best},
        ],
        "layout": {
            "title": {"text": "Optimisation history"},
            "xaxis": {"title": {"text": "Trial"}},
            "yaxis": {"title": {"text": "Objective value"}},
        },
    }


_IMPORTANCE_BINS = 5


def _param_importances(completed: list[optuna.trial.FrozenTrial]) -> dict[str, float]:
    """Each parameter's share of the score's variance, by a one-way ANOVA on its values.

    A parameter's trials are grouped by its value (a categorical's choices; a number's quantile
    bins, up to five), and its importance is the correlation ratio: the between-group sum of
    squares over the total. Shares are normalised to sum to 1, highest first. Cheap on purpose
    (~1 ms for 50 trials): Optuna's importance module imports scikit-learn's ensembles
    (~0.1 s) and its fANOVA takes ~2.4 s, a real share of a short study.
    """
    import numpy as np

    values = np.array([float(cast(float, trial.value)) for trial in completed])
    total = float(((values - values.mean()) ** 2).sum())
    if len(values) < 2 or total <= 0 or not math.isfinite(total):
        return {}
    ratios: dict[str, float] = {}
    for name, distribution in completed[-1].distributions.items():
        column = [trial.params.get(name) for trial in completed]
        if isinstance(distribution, optuna.distributions.CategoricalDistribution):
            keys = [repr(value) for value in column]
            groups = [np.flatnonzero([k == key for k in keys]) for key in dict.fromkeys(keys)]
        else:
            order = np.argsort(np.array([np.nan if v is None else float(v) for v in column]))
            groups = [g for g in np.array_split(order, min(_IMPORTANCE_BINS, len(order))) if len(g)]
        between = sum(len(g) * (values[g].mean() - values.mean()) ** 2 for g in groups)
        ratios[name] = float(between / total)
    scale = sum(ratios.values())
    if scale <= 0:
        return {}
    return dict(sorted(((k, v / scale) for k, v in ratios.items()), key=lambda kv: -kv[1]))


def _importance_spec(completed: list[optuna.trial.FrozenTrial]) -> dict[str, Any] | None:
    importances = _param_importances(completed)
    if not importances:
        return None  # no spread in the scores: nothing to attribute
    names = list(importances)[::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [importances[name] for name in names],
                "y": names,
            }
        ],
        "layout": {
            "title": {"text": "Parameter importance (share of score variance)"},
            "xaxis": {"title": {"text": "Importance"}},
        },
    }


def _parallel_spec(
    study: optuna.Study, completed: list[optuna.trial.FrozenTrial]
) -> dict[str, Any]:
    values = [float(cast(float, trial.value)) for trial in completed]
    dimensions: list[dict[str, Any]] = [{"label": "Objective value", "values": values}]
    for name, distribution in completed[-1].distributions.items():
        column = [trial.params.get(name) for trial in completed]
        if isinstance(distribution, optuna.distributions.CategoricalDistribution):
            labels = [repr(choice) for choice in distribution.choices]
            index = {label: i for i, label in enumerate(labels)}
            dimensions.append(
                {
                    "label": name,
                    "values": [index.get(repr(value), -1) for value in column],
                    "tickvals": list(range(len(labels))),
                    "ticktext": labels,
                }
            )
        elif getattr(distribution, "log", False):
            logged = [math.log10(float(v)) if v is not None else None for v in column]
            dimensions.append({"label": f"{name} (log10)", "values": logged})
        else:
            dimensions.append({"label": name, "values": column})
    minimize = study.direction == optuna.study.StudyDirection.MINIMIZE
    return {
        "data": [
            {
                "type": "parcoords",
                "dimensions": dimensions,
                "line": {
                    "color": values,
                    "colorscale": "Blues",
                    "reversescale": minimize,
                    "showscale": True,
                },
            }
        ],
        "layout": {"title": {"text": "Parallel coordinates"}},
    }


def _figure_specs(study: optuna.Study) -> dict[str, dict[str, Any]]:
    """The report's figures as plotly figure dicts (title -> {"data", "layout"})."""
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    specs: dict[str, dict[str, Any]] = {}
    if not completed:
        return specs
    specs["Optimisation history"] = _history_spec(study, completed)
    if len(completed) >= 2 and completed[0].distributions:
        importance = _importance_spec(completed)
        if importance is not None:
            specs["Parameter importance"] = importance
    specs["Parallel coordinates"] = _parallel_spec(study, completed)
    return specs


@functools.cache
def _plotly_js() -> str:
    """plotly.js as shipped in the plotly package, read once per process (no CDN)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise LoopmlError("plotly is not installed; the tuning report needs its plotly.js")
    bundle = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return bundle.read_text(encoding="utf-8")


def _report_html(specs: Mapping[str, Mapping[str, Any]], summary: str) -> str:
    """One self-contained page: plotly.js embedded once, so it works offline.

    The figure dicts go to ``Plotly.newPlot`` as JSON: the same page ``fig.to_html`` would give,
    without building validated plotly objects (see the module docstring for the cost).
    """
    parts = []
    for index, (title, spec) in enumerate(specs.items()):
        data = orjson.dumps(spec["data"], option=orjson.OPT_SERIALIZE_NUMPY).decode()
        layout = orjson.dumps(spec["layout"], option=orjson.OPT_SERIALIZE_NUMPY).decode()
        div = f"loopml-figure-{index}"
        parts.append(
            f"<h2>{html.escape(title)}</h2>\n<div id='{div}' style='height:480px'></div>\n"
            f"<script>Plotly.newPlot('{div}', {_script_safe(data)}, {_script_safe(layout)}, "
            "{'responsive': true});</script>"
        )
    plotly_js = f"<script type='text/javascript'>{_plotly_js()}</script>" if parts else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>loopml tuning report</title>"
        f"{plotly_js}</head><body style='font-family:sans-serif'><h1>Tuning report</h1>"
        f"<pre>{html.escape(summary)}</pre>{''.join(parts)}</body></html>"
    )


def _script_safe(text: str) -> str:
    # A "</script>" inside a parameter name or choice would end the script element early.
    return text.replace("</", "<\\/")


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
    journal_dir: str | None = None
    with start_run(
        experiment, name=run_name or f"tune-{sampler}", params=params, stores=stores
    ) as parent:
        parent.log_dict(search_space.to_dict(), "search_space.json")
        try:
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
                journal_dir = tempfile.mkdtemp(prefix="loopml-tune-")
                journal_path = str(Path(journal_dir) / "journal.log")
                journal = JournalStorage(JournalFileBackend(journal_path))
                study = optuna.create_study(
                    study_name=f"loopml-{parent.id}",
                    storage=journal,
                    direction=direction,
                    sampler=first_sampler,
                    pruner=chosen_pruner,
                )
                _optimize_in_workers(
                    study=study,
                    workers=workers,
                    n_trials=n_trials,
                    progress=progress,
                    worker_args=worker_args
                    | {
                        "journal_path": journal_path,
                        "storage_url": None,
                        "parent_id": parent.id,
                        "experiment": parent.experiment,
                    },
                )
                # The journal file goes with its temporary folder; keep the study in memory.
                in_memory = optuna.storages.InMemoryStorage()
                optuna.copy_study(
                    from_study_name=study.study_name, from_storage=journal, to_storage=in_memory
                )
                study = optuna.load_study(study_name=study.study_name, storage=in_memory)
            result = _record_outcome(parent, study)
        finally:
            if journal_dir is not None:
                shutil.rmtree(journal_dir, ignore_errors=True)
    return result


def _optimize_here(
    study: optuna.Study,
    trial_function: Callable[[optuna.Trial], float],
    *,
    n_trials: int | None,
    timeout_s: float | None,
    progress: bool,
) -> None:
    """Run this process's trials in this process, with the progress bar."""
    done = 0

    def count(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal done
        done += 1
        set_done(done)

    with _progress_bar(n_trials, progress) as set_done:
        study.optimize(trial_function, n_trials=n_trials, timeout=timeout_s, callbacks=[count])


def _tune_in_storage(
    *,
    storage: str,
    study_name: str,
    direction: Direction,
    first_sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    search_space: SearchSpace,
    experiment: str,
    run_name: str,
    params: Mapping[str, Any],
    n_trials: int | None,
    timeout_s: float | None,
    workers: int,
    progress: bool,
    worker_args: dict[str, Any],
) -> TuningResult:
    """Create or join ``study_name`` in an RDB storage and run this process's share of trials.

    The study's creation is the database's atomic step (its unique study name), so exactly one
    process creates it and, with it, the parent run, whose id it stores as a study attribute;
    every joining process reads that id and nests its trial runs under the same parent.
    """
    rdb = _rdb_storage(storage)
    stores: Stores = worker_args["stores"]
    try:
        study = optuna.create_study(
            study_name=study_name,
            storage=rdb,
            direction=direction,
            sampler=first_sampler,
            pruner=pruner,
        )
    except optuna.exceptions.DuplicatedStudyError:
        study = _join_study(rdb, study_name, direction, search_space, worker_args)
    else:
        with start_run(
            experiment,
            name=run_name,
            params=dict(params) | {"study_name": study_name},
            tags={_STUDY_TAG: study_name},
            stores=stores,
        ) as parent:
            study.set_user_attr(_PARENT_ATTR, parent.id)
            parent.log_dict(search_space.to_dict(), "search_space.json")
            _run_share(
                study,
                parent.id,
                parent.experiment,
                storage=storage,
                n_trials=n_trials,
                timeout_s=timeout_s,
                workers=workers,
                progress=progress,
                worker_args=worker_args,
            )
            return _record_outcome(parent, study)
    parent_id = _wait_for_parent(study, stores)
    _run_share(
        study,
        parent_id,
        "default",  # start_run takes the parent's experiment
        storage=storage,
        n_trials=n_trials,
        timeout_s=timeout_s,
        workers=workers,
        progress=progress,
        worker_args=worker_args | {"seed": _joiner_seed(worker_args["seed"])},
    )
    return _outcome(study, parent_id, report_artifact=None)


def _joiner_seed(seed: int) -> int:
    # Another process (machine) with the same seed would propose the same start-up points as
    # the creator; offsetting by the process id keeps the shares apart.
    return seed + 1 + os.getpid()


def _join_study(
    rdb: optuna.storages.RDBStorage,
    study_name: str,
    direction: Direction,
    search_space: SearchSpace,
    worker_args: Mapping[str, Any],
) -> optuna.Study:
    study = optuna.load_study(
        study_name=study_name,
        storage=rdb,
        sampler=_make_sampler(
            worker_args["sampler"], search_space, _joiner_seed(worker_args["seed"])
        ),
        pruner=worker_args["pruner"],
    )
    existing = study.direction.name.lower()
    if existing != direction:
        raise InvalidValueError(
            f"study {study_name!r} already exists with direction {existing!r}; "
            f"cannot join it to {direction}"
        )
    return study


def _wait_for_parent(study: optuna.Study, stores: Stores) -> str:
    """The parent run id the study's creator recorded (it does so right after creating it)."""
    from loopml.core import ConfigurationError, NotFoundError
    from loopml.tracking import get_run

    deadline = time.monotonic() + _PARENT_WAIT_S
    while True:
        parent_id = study.user_attrs.get(_PARENT_ATTR)
        if parent_id is not None:
            break
        if time.monotonic() > deadline:
            raise LoopmlError(
                f"study {study.study_name!r} exists but names no loopml parent run after "
                f"{_PARENT_WAIT_S:g} s; was it created outside loopml? Use a new study_name"
            )
        time.sleep(0.1)
    try:
        get_run(str(parent_id), stores=stores)
    except NotFoundError:
        raise ConfigurationError(
            f"study {study.study_name!r} belongs to parent run {parent_id}, which is not in "
            "these loopml stores: point every machine at the same loopml database"
        ) from None
    return str(parent_id)


def _run_share(
    study: optuna.Study,
    parent_id: str,
    experiment: str,
    *,
    storage: str,
    n_trials: int | None,
    timeout_s: float | None,
    workers: int,
    progress: bool,
    worker_args: dict[str, Any],
) -> None:
    """This process's trials of a study in an RDB storage, here or in ``workers`` processes."""
    if workers == 1:
        stores: Stores = worker_args["stores"]
        _optimize_here(
            study,
            _trial_function(
                worker_args["objective"], worker_args["space"], experiment, stores, parent_id
            ),
            n_trials=n_trials,
            timeout_s=timeout_s,
            progress=progress,
        )
        return
    _optimize_in_workers(
        study=study,
        workers=workers,
        n_trials=n_trials,
        progress=progress,
        worker_args=worker_args
        | {
            "journal_path": None,
            "storage_url": storage,
            "parent_id": parent_id,
            "experiment": experiment,
        },
    )


def _counts(study: optuna.Study) -> dict[str, int]:
    counts = {state.name.lower(): 0 for state in optuna.trial.TrialState}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name.lower()] += 1
    return counts


def _best(study: optuna.Study, counts: Mapping[str, int]) -> optuna.trial.FrozenTrial:
    if not counts["complete"]:
        raise LoopmlError(
            f"no trial completed ({counts['pruned']} pruned, {counts['fail']} failed); "
            "nothing to report"
        )
    return study.best_trial


def _outcome(study: optuna.Study, run_id: str, *, report_artifact: str | None) -> TuningResult:
    best = _best(study, _counts(study))
    return TuningResult(
        run_id=run_id,
        best_params=dict(best.params),
        best_value=float(cast(float, best.value)),
        best_trial_number=best.number,
        trials=study.trials_dataframe(),
        study=study,
        report_artifact=report_artifact,
    )


def _record_outcome(parent: Run, study: optuna.Study) -> TuningResult:
    """Log the study's outcome on the parent run: counts, best params and score, CSV, report."""
    counts = _counts(study)
    parent.log_metrics(
        {"trials_complete": counts["complete"], "trials_pruned": counts["pruned"]}, step=0
    )
    best = _best(study, counts)
    result = _outcome(study, parent.id, report_artifact=_REPORT_NAME)
    parent.log_params({f"best.{k}": v for k, v in best.params.items()})
    parent.log_metric(f"best_{_SCORE}", result.best_value, step=0)
    buffer = io.StringIO()
    result.trials.to_csv(buffer, index=False)
    parent.log_text(buffer.getvalue(), "trials.csv")
    summary = (
        f"best {_SCORE}: {best.value}\nbest trial: {best.number}\nbest params: {best.params}\n"
        f"trials: {counts['complete']} complete, {counts['pruned']} pruned, "
        f"{counts['fail']} failed"
    )
    parent.log_text(_report_html(_figure_specs(study), summary), _REPORT_NAME)
    return result
