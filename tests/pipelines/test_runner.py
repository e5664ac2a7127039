"""The pipeline runner: steps recorded, cached by config/code/inputs, resumable after a failure."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from loopml.core import InvalidValueError
from loopml.pipelines import PipelineStepError, Step, StepContext, StepStatus, run_pipeline
from loopml.store import Stores
from loopml.store.models import PipelineRunRow, StepRunRow

CALLS: list[str] = []


def load(context: StepContext) -> dict[str, Any]:
    CALLS.append("load")
    return {"rows": context.config["rows"]}


def double(context: StepContext) -> dict[str, Any]:
    CALLS.append("double")
    return {"rows": context.inputs["load"]["rows"] * 2}


def report(context: StepContext) -> dict[str, Any]:
    CALLS.append("report")
    if context.config.get("explode"):
        raise RuntimeError("the disk is full")
    return {"summary": f"{context.inputs['double']['rows']} rows"}


def steps(rows: int = 10, *, explode: bool = False) -> list[Step]:
    return [
        Step("load", load, config={"rows": rows}),
        Step("double", double, inputs=("load",)),
        Step("report", report, inputs=("double",), config={"explode": explode}),
    ]


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


def test_a_first_run_runs_every_step_and_records_it(stores: Stores) -> None:
    result = run_pipeline("demo", steps())
    assert CALLS == ["load", "double", "report"]
    assert [s.status for s in result.steps] == [StepStatus.FINISHED] * 3
    assert result.outputs("report") == {"summary": "20 rows"}
    with stores.metadata.session() as session:
        assert session.get(PipelineRunRow, result.id).status == "FINISHED"
        rows = session.scalars(sa.select(StepRunRow).where(StepRunRow.pipeline_run_id == result.id))
        assert {r.name: r.status for r in rows} == {
            n: "FINISHED" for n in ("load", "double", "report")
        }


def test_an_unchanged_rerun_reuses_every_step_and_says_so(stores: Stores) -> None:
    run_pipeline("demo", steps())
    CALLS.clear()
    started = time.perf_counter()
    again = run_pipeline("demo", steps())
    assert time.perf_counter() - started < 1.0  # the issue: under a second (records only)
    assert CALLS == []
    assert again.reused == ["load", "double", "report"]
    assert again.outputs("report") == {"summary": "20 rows"}


def test_a_changed_config_reruns_that_step_and_what_depends_on_it(stores: Stores) -> None:
    run_pipeline("demo", steps(rows=10))
    CALLS.clear()
    changed = run_pipeline("demo", steps(rows=11))
    assert CALLS == ["load", "double", "report"]  # load changed; the others read its outputs
    assert changed.outputs("report") == {"summary": "22 rows"}
    CALLS.clear()
    only_report = run_pipeline(
        "demo",
        [
            *steps(rows=11)[:2],
            Step("report", report, inputs=("double",), config={"explode": False, "note": "new"}),
        ],
    )
    assert CALLS == ["report"] and only_report.reused == ["load", "double"]


def test_a_failed_step_is_recorded_and_a_rerun_resumes_after_the_finished_ones(
    stores: Stores,
) -> None:
    with pytest.raises(
        PipelineStepError, match="step 'report' failed: RuntimeError: the disk"
    ) as caught:
        run_pipeline("demo", steps(explode=True))
    failed_id = caught.value.pipeline_run_id
    with stores.metadata.session() as session:
        assert session.get(PipelineRunRow, failed_id).status == "FAILED"
        error = session.scalar(
            sa.select(StepRunRow.error).where(
                StepRunRow.pipeline_run_id == failed_id, StepRunRow.name == "report"
            )
        )
    assert "the disk is full" in error
    CALLS.clear()
    resumed = run_pipeline("demo", steps(explode=False), resume=failed_id)
    assert CALLS == ["report"]
    assert resumed.reused == ["load", "double"]


def test_use_cache_false_runs_everything(stores: Stores) -> None:
    run_pipeline("demo", steps())
    CALLS.clear()
    run_pipeline("demo", steps(), use_cache=False)
    assert CALLS == ["load", "double", "report"]


def test_outputs_that_are_not_json_fail_the_step(stores: Stores) -> None:
    bad = Step("bad", lambda _context: {"model": object()})
    with pytest.raises(PipelineStepError, match="must be JSON"):
        run_pipeline("demo", [bad])


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ([Step("a", load, config={"rows": 1}), Step("a", double, inputs=("a",))], "unique"),
        ([Step("double", double, inputs=("load",))], "not earlier steps"),
        ([Step("load", load, config={"rows": float("nan")})], "must be JSON"),
    ],
)
def test_malformed_pipelines_are_refused_before_anything_is_recorded(
    stores: Stores, broken: list[Step], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        run_pipeline("demo", broken)
    if message != "must be JSON":  # structure is checked before the run is recorded
        with stores.metadata.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(PipelineRunRow)) == 0


def noisy(context: StepContext) -> dict[str, Any]:
    import warnings

    for _ in range(5):
        warnings.warn("lbfgs failed to converge\nIncrease max_iter.", UserWarning, stacklevel=1)
    warnings.warn("divide by zero", RuntimeWarning, stacklevel=1)
    return {"ok": True}


def test_a_steps_warnings_are_summarised_once_each_not_printed(
    stores: Stores, recwarn: pytest.WarningsRecorder
) -> None:
    result = run_pipeline("noisy", [Step("noisy", noisy)])
    assert result.steps[0].warnings == (
        "UserWarning: lbfgs failed to converge (x5)",
        "RuntimeWarning: divide by zero",
    )
    assert len(recwarn) == 0  # gathered by the runner, not shown one by one
    again = run_pipeline("noisy", [Step("noisy", noisy)])
    assert again.steps[0].status is StepStatus.REUSED and again.steps[0].warnings == ()
