"""Runs: params, tags, metrics, nesting, status, environment capture and bad input."""

import math
from pathlib import Path

import numpy as np
import pytest

import loopml
from loopml.core import ConflictError, InvalidValueError, NotFoundError, UnsafePathError
from loopml.store import Stores
from loopml.tracking import RunStatus, active_run, get_run, metric_history, start_run


def test_a_run_records_params_tags_and_metrics(stores: Stores) -> None:
    with start_run("churn", params={"model": "lgbm", "lr": 0.1}, tags={"team": "ml"}) as run:
        run.log_metric("loss", 0.5, step=0)
        run.log_metric("loss", 0.25, step=1)
        run.log_metrics({"f1": 0.9, "auc": 0.95}, step=1)
        run.log_params({"depth": 6, "features": ["a", "b"]})
        run.set_tags({"team": "platform", "stage": "dev"})
    record = get_run(run.id)
    assert record.status is RunStatus.FINISHED
    assert record.end_time is not None and record.end_time >= record.start_time
    assert record.experiment == "churn"
    assert record.params == {"model": "lgbm", "lr": "0.1", "depth": "6", "features": '["a", "b"]'}
    assert record.tags == {"team": "platform", "stage": "dev"}
    assert record.metrics == {"loss": 0.25, "f1": 0.9, "auc": 0.95}
    assert [(p.step, p.value) for p in metric_history(run.id, "loss")] == [(0, 0.5), (1, 0.25)]


def test_steps_default_to_counting_up_per_metric(stores: Stores) -> None:
    with start_run("steps") as run:
        for value in (3.0, 2.0, 1.0):
            run.log_metric("loss", value)
        run.log_metric("acc", 0.5)
    assert [p.step for p in metric_history(run.id, "loss")] == [0, 1, 2]
    assert [p.step for p in metric_history(run.id, "acc")] == [0]


def test_latest_value_is_the_highest_step_not_the_last_logged(stores: Stores) -> None:
    with start_run("order") as run:
        run.log_metric("loss", 0.1, step=10)
        run.flush()
        run.log_metric("loss", 0.9, step=3)  # a late point of an earlier step
    assert get_run(run.id).metrics["loss"] == 0.1


def test_nan_and_infinities_are_stored_faithfully(stores: Stores) -> None:
    values = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-308, 1.7976931348623157e308]
    with start_run("odd-values") as run:
        for step, value in enumerate(values):
            run.log_metric("x", value, step=step)
        run.log_metric("last_nan", math.nan)
    read = [p.value for p in metric_history(run.id, "x")]
    assert math.isnan(read[0])
    assert read[1:] == values[1:]
    assert math.copysign(1, read[4]) in (1.0, -1.0)
    assert math.isnan(get_run(run.id).metrics["last_nan"])


def test_numpy_numbers_are_accepted(stores: Stores) -> None:
    with start_run("numpy") as run:
        run.log_metric("a", np.float32(0.5), step=np.int64(3))
        run.log_metric("b", np.int8(7))
    assert get_run(run.id).metrics == {"a": 0.5, "b": 7.0}


@pytest.mark.parametrize("value", ["0.5", None, True, np.bool_(True), 1 + 2j, [1.0], {"v": 1}])
def test_a_non_numeric_metric_value_is_refused_and_nothing_is_written(
    stores: Stores, value: object
) -> None:
    with start_run("bad-values") as run, pytest.raises(InvalidValueError, match="real number"):
        run.log_metric("loss", value)  # type: ignore[arg-type]
    assert metric_history(run.id) == []


def test_a_refused_value_creates_no_metric_series(stores: Stores) -> None:
    import sqlalchemy as sa

    from loopml.store.models import MetricSeriesRow

    with start_run("no-series") as run:
        with pytest.raises(InvalidValueError):
            run.log_metric("loss", "high")  # type: ignore[arg-type]
        run.log_metric("acc", 0.5)
    with stores.metadata.session() as session:
        keys = session.scalars(
            sa.select(MetricSeriesRow.key).where(MetricSeriesRow.run_id == run.id)
        ).all()
    assert keys == ["acc"]


@pytest.mark.parametrize("key", ["", "   ", "a" * 256, "new\nline", 3])
def test_malformed_metric_names_are_refused(stores: Stores, key: object) -> None:
    with start_run("bad-keys") as run, pytest.raises(InvalidValueError, match="metric name"):
        run.log_metric(key, 1.0)  # type: ignore[arg-type]


def test_a_non_integer_step_is_refused(stores: Stores) -> None:
    with start_run("bad-steps") as run, pytest.raises(InvalidValueError, match="not an integer"):
        run.log_metric("loss", 1.0, step=1.5)  # type: ignore[arg-type]


def test_params_cannot_change_but_the_same_value_is_fine(stores: Stores) -> None:
    with start_run("params", params={"lr": 0.1}) as run:
        run.log_param("lr", 0.1)
        with pytest.raises(ConflictError, match="'lr'.*cannot change"):
            run.log_params({"depth": 3, "lr": 0.2})
    assert get_run(run.id).params == {"lr": "0.1"}  # depth was not half-written


def test_logging_after_the_end_is_refused(stores: Stores) -> None:
    with start_run("ended") as run:
        pass
    with pytest.raises(ConflictError, match="has ended"):
        run.log_metric("late", 1.0)
    with pytest.raises(ConflictError, match="has ended"):
        run.log_params({"late": 1})


def test_an_exception_marks_the_run_failed_and_keeps_its_points(stores: Stores) -> None:
    with pytest.raises(RuntimeError), start_run("failing") as run:
        run.log_metric("loss", 1.0)
        raise RuntimeError("diverged")
    record = get_run(run.id)
    assert record.status is RunStatus.FAILED
    assert record.metrics == {"loss": 1.0}


def test_runs_nest_inside_the_active_run(stores: Stores) -> None:
    with start_run("study", name="parent") as parent:
        assert active_run() is parent
        with start_run(name="trial-0") as child:
            assert active_run() is child
        with start_run("other", nested=False) as unrelated:
            pass
    assert active_run() is None
    assert get_run(child.id).parent_run_id == parent.id
    assert get_run(child.id).experiment == "study"
    assert get_run(unrelated.id).parent_run_id is None
    assert get_run(child.id).environment == {"inherited_from": parent.id}


def test_top_level_runs_capture_python_git_and_packages(stores: Stores) -> None:
    with start_run("env") as run:
        pass
    environment = get_run(run.id).environment
    assert environment["python"].count(".") == 2
    assert "sqlalchemy" in environment["packages"]
    assert environment["git"] is None or len(environment["git"]["commit"]) == 40


def test_artifacts_are_stored_by_content_and_listed_by_name(stores: Stores, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text("<h1>ok</h1>")
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "roc.png").write_bytes(b"png")
    with start_run("artifacts") as run:
        assert run.log_artifact(report) == ["report.html"]
        assert run.log_artifact(plots) == ["plots/roc.png"]
        run.log_dict({"threshold": 0.4}, "config/threshold.json")
        run.log_text("notes", "notes.txt")
    names = {a.path: a for a in get_run(run.id).artifacts}
    assert set(names) == {"report.html", "plots/roc.png", "config/threshold.json", "notes.txt"}
    assert stores.artifacts.get_bytes(names["report.html"].digest) == b"<h1>ok</h1>"


def test_artifact_names_that_escape_are_refused(stores: Stores, tmp_path: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("x")
    with start_run("escape") as run:
        for bad in ("../f.txt", "/etc/f.txt", "a/../../f.txt"):
            with pytest.raises(UnsafePathError):
                run.log_artifact(source, name=bad)
        with pytest.raises(NotFoundError):
            run.log_artifact(tmp_path / "missing.txt")
    assert get_run(run.id).artifacts == []


def test_inputs_record_dataset_versions(stores: Stores) -> None:
    import pandas as pd

    version = loopml.log_dataset(pd.DataFrame({"x": [1, 2]}), name="tiny")
    with start_run("inputs") as run:
        run.log_input(version, context="train")
        run.log_input(version.id, context="eval")
        with pytest.raises(NotFoundError, match="dataset version"):
            run.log_input("0" * 32)
    contexts = sorted((i.dataset_version_id, i.context) for i in get_run(run.id).inputs)
    assert contexts == [(version.id, "eval"), (version.id, "train")]


def test_unknown_run_and_experiment_names(stores: Stores) -> None:
    with pytest.raises(NotFoundError, match="run 'nope'"):
        get_run("nope")
    with start_run("exists"):
        pass
    with pytest.raises(NotFoundError, match="available: exists"):
        loopml.get_experiment("exits")


@pytest.mark.parametrize("name", ["", "a/b", "x\x00"])
def test_bad_experiment_names_are_refused(stores: Stores, name: str) -> None:
    with pytest.raises(InvalidValueError, match="experiment name"):
        start_run(name)


def test_ending_with_running_is_refused(stores: Stores) -> None:
    run = start_run("manual")
    with pytest.raises(InvalidValueError):
        run.end("RUNNING")
    run.end("KILLED")
    assert get_run(run.id).status is RunStatus.KILLED


def test_a_parent_can_be_named_by_id_for_a_child_in_another_process(stores: Stores) -> None:
    with start_run("study", name="parent") as parent:
        pass
    with start_run(name="trial-0", parent_run_id=parent.id, nested=False) as child:
        pass
    record = get_run(child.id)
    assert record.parent_run_id == parent.id and record.experiment == "study"
    with pytest.raises(NotFoundError, match="parent run"):
        start_run(name="orphan", parent_run_id="0" * 32)
