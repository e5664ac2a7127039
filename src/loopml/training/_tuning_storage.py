"""Tuning beyond one process: worker processes over a journal file, and shared RDB studies.

Storage follows scale: Optuna's journal file for several worker processes on one machine (no
database round trip per trial, which is why it beats an RDB storage on a SQLite file by ~100 ms
a trial); Optuna's RDB storage on a shared database (PostgreSQL) for several machines working
on one named study. Every worker opens its own loopml stores, and all trial runs land under the
same parent run: the process that creates a shared study records its parent run's id on the
study, and every process that joins it reads that id. Kept apart from ``_tuning`` because the
in-process path needs none of this (processes, journal files, joining, waiting).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from loopml.core import InvalidValueError, LoopmlError, StoreError
from loopml.store import Stores
from loopml.tracking import start_run
from loopml.training._search_space import SearchSpace
from loopml.training._tuning_trials import (
    Direction,
    Objective,
    TuningResult,
    _make_sampler,
    _optimize_here,
    _outcome,
    _progress_bar,
    _record_outcome,
    _trial_function,
)

_STUDY_TAG = "tuning.study"
_PARENT_ATTR = "loopml_parent_run_id"
_STORAGE_ATTEMPTS = 5
_PARENT_WAIT_S = 60.0
"""How long a joining process waits for the study's creator to record its parent run."""


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


def _optimize_in_journal(
    *,
    study_name: str,
    direction: Direction,
    first_sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    workers: int,
    n_trials: int | None,
    progress: bool,
    worker_args: dict[str, Any],
) -> optuna.Study:
    """Run a private study in ``workers`` processes sharing a temporary journal file.

    Returns the finished study copied into memory: the journal file goes with its temporary
    folder, which is removed whether or not the workers succeed.
    """
    journal_dir = tempfile.mkdtemp(prefix="loopml-tune-")
    try:
        journal_path = str(Path(journal_dir) / "journal.log")
        journal = JournalStorage(JournalFileBackend(journal_path))
        study = optuna.create_study(
            study_name=study_name,
            storage=journal,
            direction=direction,
            sampler=first_sampler,
            pruner=pruner,
        )
        _optimize_in_workers(
            study=study,
            workers=workers,
            n_trials=n_trials,
            progress=progress,
            worker_args=worker_args | {"journal_path": journal_path, "storage_url": None},
        )
        in_memory = optuna.storages.InMemoryStorage()
        optuna.copy_study(
            from_study_name=study.study_name, from_storage=journal, to_storage=in_memory
        )
        return optuna.load_study(study_name=study.study_name, storage=in_memory)
    finally:
        shutil.rmtree(journal_dir, ignore_errors=True)


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
