"""Hyper-parameter tuning with Optuna, recorded as one parent run with a nested run per trial.

Storage follows scale: Optuna's in-memory storage for one worker (nothing to pay per trial);
Optuna's journal file for several worker processes on one machine (no database round trip per
trial, which is why it beats an RDB storage on a SQLite file by ~100 ms a trial). Every worker
opens its own loopml stores, and all trial runs land under the same parent run.

Per trial loopml adds one ``start_run`` (params in the same transaction), one metric point and
one ``end``: a few milliseconds, measured by ``benchmarks/tuning.py``.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import optuna
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

from loopml.core import InvalidValueError, LoopmlError
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

        For iterative learners (boosting rounds, epochs): the pruner compares this curve with
        earlier trials' and stops hopeless ones early.
        """
        self.optuna_trial.report(value, step)
        self.run.log_metric(f"intermediate_{_SCORE}", value, step)
        if self.optuna_trial.should_prune():
            raise TrialPruned(f"trial {self.number} pruned at step {step}")


Objective = Callable[[TuningTrial], float]


@dataclass(frozen=True)
class TuningResult:
    """The outcome of :func:`tune`: the best trial, every trial, and the parent run's id."""

    run_id: str
    best_params: dict[str, Any]
    best_value: float
    best_trial_number: int
    trials: pd.DataFrame = field(repr=False)
    study: optuna.Study = field(repr=False)
    report_artifact: str | None = None

    def figures(self) -> dict[str, Any]:
        """Plotly figures: optimisation history, parameter importance, parallel coordinates."""
        return _figures(self.study)


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
    journal_path: str,
    parent_id: str,
    experiment: str,
    stores: Stores,
    errors: Any,
) -> None:
    worker_stores = Stores.from_settings(stores.settings).open()
    try:
        study = optuna.load_study(
            study_name=study_name,
            storage=JournalStorage(JournalFileBackend(journal_path)),
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
    journal_path: str,
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
                "journal_path": journal_path,
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
            set_done(len(study.get_trials(deepcopy=False)))
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


def _figures(study: optuna.Study) -> dict[str, Any]:
    from optuna import visualization

    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    figures: dict[str, Any] = {}
    if not completed:
        return figures
    figures["Optimisation history"] = visualization.plot_optimization_history(study)
    if len(completed) >= 2 and len(completed[0].distributions) >= 1:
        # PED-ANOVA: ~30 ms for 50 trials where Optuna's default fANOVA takes ~2.4 s, which
        # alone would add ~50 ms to every trial of a 50-trial study. Importance needs varied
        # parameters and scores; without them the figure is skipped rather than the run failed.
        with contextlib.suppress(RuntimeError, ValueError, ZeroDivisionError):
            figures["Parameter importance"] = visualization.plot_param_importances(
                study, evaluator=optuna.importance.PedAnovaImportanceEvaluator()
            )
    figures["Parallel coordinates"] = visualization.plot_parallel_coordinate(study)
    return figures


def _report_html(figures: Mapping[str, Any], summary: str) -> str:
    """One self-contained page: plotly.js embedded once, so it works offline."""
    parts = []
    for index, (title, figure) in enumerate(figures.items()):
        body = figure.to_html(full_html=False, include_plotlyjs=index == 0)
        parts.append(f"<h2>{title}</h2>\n{body}")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>loopml tuning report</title>"
        "</head><body style='font-family:sans-serif'><h1>Tuning report</h1>"
        f"<pre>{summary}</pre>{''.join(parts)}</body></html>"
    )


def _check_arguments(
    *,
    objective: Any,
    sampler: str,
    direction: str,
    n_trials: int | None,
    timeout_s: float | None,
    workers: int,
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
        workers: processes on this machine sharing an Optuna journal file (POSIX only).
        progress: show a progress bar of finished trials (on a terminal only).

    Raises:
        InvalidValueError: a bad search space or argument, before anything runs.
        LoopmlError: a worker process failed (the first traceback is in the message).
    """
    _check_arguments(
        objective=objective,
        sampler=sampler,
        direction=direction,
        n_trials=n_trials,
        timeout_s=timeout_s,
        workers=workers,
    )
    search_space = SearchSpace.from_dict(space)
    chosen_pruner = _make_pruner(pruner)
    first_sampler = _make_sampler(sampler, search_space, seed)  # a bad grid fails here
    stores = stores or default_stores()
    params = {
        "sampler": sampler,
        "direction": direction,
        "seed": seed,
        "workers": workers,
        "n_trials": n_trials,
        "timeout_s": timeout_s,
    }
    journal_dir: str | None = None
    with start_run(
        experiment,
        name=run_name or f"tune-{sampler}",
        params={k: v for k, v in params.items() if v is not None},
        stores=stores,
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
                with _progress_bar(n_trials, progress) as set_done:
                    study.optimize(
                        _trial_function(objective, search_space, parent.experiment, stores),
                        n_trials=n_trials,
                        timeout=timeout_s,
                        callbacks=[lambda study, trial: set_done(trial.number + 1)],
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
                    journal_path=journal_path,
                    workers=workers,
                    n_trials=n_trials,
                    progress=progress,
                    worker_args={
                        "objective": objective,
                        "space": search_space,
                        "sampler": sampler,
                        "pruner": chosen_pruner,
                        "seed": seed,
                        "timeout_s": timeout_s,
                        "parent_id": parent.id,
                        "experiment": parent.experiment,
                        "stores": stores,
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


def _record_outcome(parent: Run, study: optuna.Study) -> TuningResult:
    trials = study.trials_dataframe()
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    counts = {state.name.lower(): 0 for state in optuna.trial.TrialState}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name.lower()] += 1
    parent.log_metrics(
        {"trials_complete": counts["complete"], "trials_pruned": counts["pruned"]}, step=0
    )
    if not completed:
        raise LoopmlError(
            f"no trial completed ({counts['pruned']} pruned, {counts['fail']} failed); "
            "nothing to report"
        )
    best = study.best_trial
    parent.log_params({f"best.{k}": v for k, v in best.params.items()})
    parent.log_metric(f"best_{_SCORE}", float(cast(float, best.value)), step=0)
    buffer = io.StringIO()
    trials.to_csv(buffer, index=False)
    parent.log_text(buffer.getvalue(), "trials.csv")
    summary = (
        f"best {_SCORE}: {best.value}\nbest trial: {best.number}\nbest params: {best.params}\n"
        f"trials: {counts['complete']} complete, {counts['pruned']} pruned, "
        f"{counts['fail']} failed"
    )
    parent.log_text(_report_html(_figures(study), summary), _REPORT_NAME)
    return TuningResult(
        run_id=parent.id,
        best_params=dict(best.params),
        best_value=float(cast(float, best.value)),
        best_trial_number=best.number,
        trials=trials,
        study=study,
        report_artifact=_REPORT_NAME,
    )
