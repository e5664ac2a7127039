"""tune(): one parent run, a nested run per trial, samplers, pruning, workers, and bad input."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from typing import Any

import optuna
import pytest
import sqlalchemy as sa

from loopml.core import InvalidValueError, LoopmlError, Settings, StoreError
from loopml.store import Stores
from loopml.tracking import get_run, search_runs, start_run
from loopml.training import TuningTrial, tune
from tests.conftest import PG_SERVER_URL, _postgres_unavailable

SPACE = {"x": {"float": [-5.0, 5.0]}, "kind": {"categorical": ["a", "b"]}}


def quadratic(trial: TuningTrial) -> float:
    x = float(trial.params["x"])
    return -((x - 1.0) ** 2) + (0.5 if trial.params["kind"] == "a" else 0.0)


def iterative(trial: TuningTrial) -> float:
    """A learner whose curve is fixed by x from the first step, so the pruner can act."""
    score = 0.0
    for step in range(10):
        score = -abs(trial.params["x"] - 1.0) + step * 0.01
        trial.report(score, step)
    return score


def trial_runs(stores: Stores, parent_id: str) -> list[dict[str, Any]]:
    runs = search_runs("tuning", stores=stores)
    children = runs[runs["parent_run_id"] == parent_id]
    records: list[dict[str, Any]] = children.to_dict("records")
    return records


def test_each_trial_is_a_nested_run_under_one_parent(stores: Stores) -> None:
    result = tune(quadratic, space=SPACE, n_trials=8, seed=3, stores=stores)
    children = trial_runs(stores, result.run_id)
    assert sorted(str(run["name"]) for run in children) == [f"trial-{n}" for n in range(8)]
    assert all(run["status"] == "FINISHED" for run in children)
    best_child = next(run for run in children if run["name"] == f"trial-{result.best_trial_number}")
    assert best_child["metrics.score"] == pytest.approx(result.best_value)
    assert float(str(best_child["params.x"])) == pytest.approx(result.best_params["x"])

    parent = get_run(result.run_id, stores=stores)
    assert parent.parent_run_id is None
    assert parent.metrics["best_score"] == pytest.approx(result.best_value)
    assert parent.params["best.kind"] == result.best_params["kind"]
    assert parent.params["sampler"] == "tpe"
    names = {artifact.path: artifact.digest for artifact in parent.artifacts}
    assert {"search_space.json", "trials.csv", "tuning_report.html"} <= set(names)
    assert json.loads(stores.artifacts.get_bytes(names["search_space.json"])) == SPACE
    html = stores.artifacts.get_bytes(names["tuning_report.html"]).decode()
    assert "Optimisation history" in html and "Parallel coordinates" in html
    assert "Parameter importance" in html
    assert '<script src="http' not in html and len(html) > 1_000_000  # plotly.js embedded
    assert len(result.trials) == 8 and set(result.trials["state"]) == {"COMPLETE"}
    assert set(result.figures()) >= {"Optimisation history", "Parallel coordinates"}


def test_the_same_seed_gives_the_same_trials(sqlite_stores: Stores) -> None:
    first = tune(quadratic, space=SPACE, n_trials=6, seed=7, stores=sqlite_stores)
    second = tune(quadratic, space=SPACE, n_trials=6, seed=7, stores=sqlite_stores)
    assert list(first.trials["value"]) == list(second.trials["value"])
    assert first.best_params == second.best_params


def test_random_and_grid_samplers_and_minimize(sqlite_stores: Stores) -> None:
    random = tune(
        quadratic,
        space=SPACE,
        n_trials=5,
        sampler="random",
        direction="minimize",
        stores=sqlite_stores,
    )
    assert random.best_value == min(random.trials["value"])
    grid = tune(
        quadratic,
        space={"x": {"int": [0, 2]}, "kind": {"categorical": ["a", "b"]}},
        sampler="grid",
        stores=sqlite_stores,
    )
    assert len(grid.trials) == 6  # the grid sampler stops when every point is tried
    assert grid.best_params == {"x": 1, "kind": "a"}


def test_pruning_stops_hopeless_iterative_trials(sqlite_stores: Stores) -> None:
    result = tune(iterative, space=SPACE, n_trials=20, seed=0, stores=sqlite_stores)
    states = result.trials["state"].value_counts()
    assert states.get("PRUNED", 0) > 0 and states.get("COMPLETE", 0) > 0
    pruned_number = int(result.trials[result.trials["state"] == "PRUNED"]["number"].iloc[0])
    pruned_run = next(
        run
        for run in trial_runs(sqlite_stores, result.run_id)
        if run["name"] == f"trial-{pruned_number}"
    )
    assert pruned_run["tags.pruned"] == "true"
    assert pruned_run["status"] == "FINISHED"
    assert get_run(result.run_id, stores=sqlite_stores).metrics["trials_pruned"] > 0


def test_wall_time_budget_alone_is_enough(sqlite_stores: Stores) -> None:
    result = tune(quadratic, space=SPACE, timeout_s=0.5, stores=sqlite_stores)
    assert len(result.trials) >= 1


def test_two_workers_put_every_trial_under_the_same_parent(stores: Stores) -> None:
    result = tune(quadratic, space=SPACE, n_trials=10, workers=2, stores=stores)
    children = trial_runs(stores, result.run_id)
    assert len(children) == 10
    assert sorted(str(run["name"]) for run in children) == [f"trial-{n}" for n in range(10)]
    assert len(result.trials) == 10 and set(result.trials["state"]) == {"COMPLETE"}
    assert result.best_value == max(result.trials["value"])
    assert len(result.study.trials) == 10  # still readable after the journal is removed
    assert "Parallel coordinates" in result.figures()


def failing_objective(trial: TuningTrial) -> float:
    raise RuntimeError("the model exploded")


def test_a_failing_worker_is_reported(sqlite_stores: Stores) -> None:
    with pytest.raises(LoopmlError, match="the model exploded"):
        tune(failing_objective, space=SPACE, n_trials=2, workers=2, stores=sqlite_stores)


def test_a_failing_objective_fails_the_trial_and_the_parent_run(sqlite_stores: Stores) -> None:
    with pytest.raises(RuntimeError, match="exploded"):
        tune(failing_objective, space=SPACE, n_trials=2, stores=sqlite_stores)
    runs = search_runs("tuning", stores=sqlite_stores)
    assert set(runs["status"]) == {"FAILED"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space": {"x": {"float": [1.0, 0.0]}}, "n_trials": 2}, "'x': low must be below high"),
        ({"space": {"x": {"float": [0.0, 1.0]}}, "n_trials": 2, "sampler": "grid"}, "needs a step"),
        ({"space": SPACE, "n_trials": 2, "sampler": "cmaes"}, "unknown sampler"),
        ({"space": SPACE, "n_trials": 2, "direction": "up"}, "unknown direction"),
        ({"space": SPACE, "n_trials": 0}, "n_trials must be a positive"),
        ({"space": SPACE, "timeout_s": -1}, "timeout_s must be a positive"),
        ({"space": SPACE}, "give a budget"),
        ({"space": SPACE, "n_trials": 2, "workers": 0}, "workers must be"),
        ({"space": SPACE, "n_trials": 2, "pruner": "hyperband!"}, "unknown pruner"),
        ({"space": SPACE, "n_trials": 2, "storage": "optuna.db"}, "a SQLAlchemy database URL"),
        ({"space": SPACE, "n_trials": 2, "storage": "nosuchdb://x/y"}, "driver is missing"),
        ({"space": SPACE, "n_trials": 2, "study_name": "s"}, "give storage= too"),
    ],
)
def test_bad_input_fails_before_any_run_or_training(
    sqlite_stores: Stores, kwargs: dict[str, Any], message: str
) -> None:
    calls: list[int] = []

    def objective(trial: TuningTrial) -> float:
        calls.append(trial.number)
        return 0.0

    with pytest.raises(InvalidValueError) as caught:
        tune(objective, stores=sqlite_stores, **kwargs)
    assert message in str(caught.value)
    assert calls == []
    assert search_runs(stores=sqlite_stores).empty


def test_an_optuna_pruner_object_is_accepted(sqlite_stores: Stores) -> None:
    result = tune(
        iterative,
        space=SPACE,
        n_trials=4,
        pruner=optuna.pruners.NopPruner(),
        stores=sqlite_stores,
    )
    assert set(result.trials["state"]) == {"COMPLETE"}


def test_tuning_inside_an_active_run_nests_under_it(sqlite_stores: Stores) -> None:
    with start_run("pipeline", stores=sqlite_stores) as pipeline:
        result = tune(quadratic, space=SPACE, n_trials=2, stores=sqlite_stores)
    assert get_run(result.run_id, stores=sqlite_stores).parent_run_id == pipeline.id
    assert len(trial_runs(sqlite_stores, result.run_id)) == 2


def test_the_report_attributes_the_score_to_the_parameter_that_drives_it(
    sqlite_stores: Stores,
) -> None:
    result = tune(quadratic, space=SPACE, n_trials=12, sampler="random", stores=sqlite_stores)
    figures = result.figures()
    importance = figures["Parameter importance"]
    shares = dict(zip(importance.data[0].y, importance.data[0].x, strict=True))
    assert shares["x"] > shares["kind"] and sum(shares.values()) == pytest.approx(1.0)
    history = figures["Optimisation history"].data[1].y
    assert history[-1] == pytest.approx(result.best_value)
    assert list(history) == sorted(history)  # best so far, maximising


@pytest.fixture
def optuna_pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema for Optuna's tables; dropped after."""
    reason = _postgres_unavailable()
    if reason:
        pytest.skip("SKIPPED, NO POSTGRES: " + reason)
    schema = f"optuna_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_SERVER_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def tune_in_another_process(settings: Settings, storage: str, study: str, queue: Any) -> None:
    stores = Stores.from_settings(settings).open()
    try:
        result = tune(
            quadratic, space=SPACE, n_trials=3, storage=storage, study_name=study, stores=stores
        )
        queue.put((result.run_id, result.report_artifact))
    except BaseException as error:
        queue.put(("error", repr(error)))
        raise
    finally:
        stores.metadata.dispose()


def test_processes_share_one_study_in_postgresql_under_one_parent_run(
    stores: Stores, optuna_pg_url: str
) -> None:
    study_name = f"shared-{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(
            target=tune_in_another_process,
            args=(stores.settings, optuna_pg_url, study_name, queue),
        )
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert all(process.exitcode == 0 for process in processes), outcomes
    parent_ids = {run_id for run_id, _ in outcomes}
    assert len(parent_ids) == 1, outcomes  # the joining process found the creator's parent
    parent_id = parent_ids.pop()
    # The creator writes the report; the process that joined its study does not.
    assert sorted(str(report) for _, report in outcomes) == ["None", "tuning_report.html"]
    study = optuna.load_study(study_name=study_name, storage=optuna_pg_url)
    assert len(study.trials) == 6 and study.user_attrs["loopml_parent_run_id"] == parent_id
    children = trial_runs(stores, parent_id)
    assert sorted(str(run["name"]) for run in children) == [f"trial-{n}" for n in range(6)]
    parent = get_run(parent_id, stores=stores)
    assert parent.tags["tuning.study"] == study_name and parent.params["study_name"] == study_name

    # A third process, with two workers of its own, joins the same study and parent.
    third = tune(
        quadratic,
        space=SPACE,
        n_trials=4,
        workers=2,
        storage=optuna_pg_url,
        study_name=study_name,
        stores=stores,
    )
    assert third.run_id == parent_id and third.report_artifact is None
    assert len(third.trials) == 10 and third.best_value == max(third.trials["value"])
    assert len(trial_runs(stores, parent_id)) == 10
    with pytest.raises(InvalidValueError, match="already exists with direction 'maximize'"):
        tune(
            quadratic,
            space=SPACE,
            n_trials=1,
            direction="minimize",
            storage=optuna_pg_url,
            study_name=study_name,
            stores=stores,
        )


def test_an_unreachable_storage_is_a_store_error(sqlite_stores: Stores) -> None:
    with pytest.raises(StoreError, match="cannot open the Optuna storage"):
        tune(
            quadratic,
            space=SPACE,
            n_trials=1,
            storage="postgresql+psycopg://postgres@127.0.0.1:1/none",
            stores=sqlite_stores,
        )
    assert search_runs(stores=sqlite_stores).empty


def test_optuna_says_nothing_per_trial_and_its_log_level_is_restored(
    sqlite_stores: Stores,
) -> None:
    records: list[logging.LogRecord] = []
    listener = logging.Handler()
    listener.emit = records.append  # type: ignore[method-assign]
    optuna_logger = logging.getLogger("optuna")
    optuna_logger.addHandler(listener)
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        tune(quadratic, space=SPACE, n_trials=3, progress=False)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        optuna_logger.removeHandler(listener)
    assert not [r for r in records if "finished" in r.getMessage()]
