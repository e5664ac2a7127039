"""What every tuning path shares: a trial as a nested run, the progress bar, the study's outcome.

Whether the trials run in this process, in forked workers over a journal file, or on several
machines over a shared database, each Optuna trial becomes the same nested run (``trial-<n>``
with its params and its ``score``), and the parent run ends with the same record (counts, best
params and score, the trials as CSV, the HTML report). Kept apart from ``_tuning`` (the public
``tune`` and its checks) and ``_tuning_storage`` (the multi-process paths) so both can use these
pieces without importing each other.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import optuna
import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from loopml.core import InvalidValueError, LoopmlError
from loopml.store import Stores
from loopml.tracking import Run, start_run
from loopml.training._search_space import SearchSpace
from loopml.training._tuning_report import _figure_specs, _report_html

TrialPruned = optuna.TrialPruned
"""Raised by :meth:`TuningTrial.report` when the pruner stops a trial early."""

Sampler = Literal["tpe", "random", "grid"]
Direction = Literal["maximize", "minimize"]
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
