"""``loopml run``: a project file becomes a cached pipeline of steps, and its reports files.

:func:`project_steps` turns a :class:`Project` into steps with JSON configs (what each step's
cache key covers); :func:`run_project` runs them and :func:`export_reports` writes the stored
reports and model cards next to the project, where a person opens them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopml.pipelines._project import Project, load_project
from loopml.pipelines._project_settings import metric_setting, search_space_of
from loopml.pipelines._project_steps import (
    baselines_step,
    candidate_step,
    data_step,
    evaluate_step,
    importable_from,
    register_step,
    select_step,
    split_step,
    validate_step,
)
from loopml.pipelines._runner import PipelineResult, StepStatus, run_pipeline
from loopml.pipelines._sources import file_digest, source_config
from loopml.pipelines._steps import Step
from loopml.store import Stores, default_stores


def _columns_config(project: Project) -> dict[str, Any]:
    return {
        "target": project.data.target,
        "drop": list(project.data.drop),
        "id_column": project.data.id_column,
    }


def _data_config(project: Project, folder: Path, stores: Stores) -> dict[str, Any]:
    source = source_config(project.data, base=folder)
    if project.data.dataset is not None and project.data.version is None:
        # "the latest version": key on the version it is now, so a new version reruns the steps.
        from loopml.data import get_dataset

        latest = get_dataset(project.data.dataset, stores=stores)
        source["latest_id"] = latest.id
    test = None if project.data.test is None else source_config(project.data.test, base=folder)
    return {
        "project": project.project,
        "source": source,
        "sample_rows": project.data.sample_rows,
        "sample_seed": project.data.sample_seed,
        "test": test,
    }


def _module_digest(rule: str | None, folder: Path) -> str | None:
    """sha256 of the rule's module file, so editing the rule reruns the baselines."""
    if rule is None:
        return None
    module_name = rule.partition(":")[0]
    candidate = folder / (module_name.replace(".", "/") + ".py")
    if candidate.is_file():
        return file_digest(candidate)
    spec = importlib.util.find_spec(module_name) if "." not in module_name else None
    origin = getattr(spec, "origin", None)
    return file_digest(Path(origin)) if origin and Path(origin).is_file() else None


def _estimator_digest(kind: str, folder: Path) -> str | None:
    """sha256 of a ``sklearn:<module.Class>`` estimator's module when it is the user's own (a
    file in the project folder, or a top-level module): editing it retrains the candidate."""
    if not kind.startswith("sklearn:"):
        return None
    module, _, name = kind.removeprefix("sklearn:").rpartition(".")
    return _module_digest(f"{module}:{name}", folder) if module else None


def _behaviour_digests(project: Project, folder: Path) -> dict[str, str]:
    digests = {}
    for check in project.evaluate.behaviour:
        if check.file is not None:
            path = Path(check.file) if Path(check.file).is_absolute() else folder / check.file
            digests[check.file] = file_digest(path) if path.is_file() else "missing"
    return digests


def project_steps(
    project: Project, *, folder: Path, project_digest: str = "", stores: Stores | None = None
) -> list[Step]:
    """The steps of ``project``, in order, with the configs their cache keys cover."""
    stores = stores or default_stores()
    columns = _columns_config(project)
    # Unset fields stay unset: "the file left it out" picks task-dependent defaults.
    whole = project.model_dump(mode="json", by_alias=True, exclude_unset=True)
    candidates = [f"candidate.{c.name}" for c in project.candidates]
    steps = [
        Step("data", data_step, _data_config(project, folder, stores)),
        Step("validate", validate_step, {"project": whole}, inputs=("data",)),
        Step(
            "split",
            split_step,
            {
                "project": project.project,
                "split": project.split.model_dump(mode="json"),
                "deduplicate": project.clean is not None and project.clean.duplicates is not None,
                **columns,
            },
            inputs=("data", "validate"),
        ),
        Step(
            "baselines",
            baselines_step,
            {
                **columns,
                "rule": project.baselines.rule,
                "rule_digest": _module_digest(project.baselines.rule, folder),
                "folder": str(folder),
            },
            inputs=("split", "validate"),
        ),
    ]
    # Without a clean section, text columns are one-hot encoded: most estimators take numbers only.
    clean = (
        {"encode": {"onehot": {}}}
        if project.clean is None
        else project.clean.model_dump(mode="json", exclude_none=True)
    )
    for candidate in project.candidates:
        steps.append(
            Step(
                f"candidate.{candidate.name}",
                candidate_step,
                {
                    **columns,
                    "project": project.project,
                    "metric": metric_setting(project),
                    "candidate": candidate.model_dump(mode="json", by_alias=True),
                    "estimator_digest": _estimator_digest(candidate.kind, folder),
                    "space": search_space_of(candidate),
                    "clean": clean,
                    "tune": project.tune.model_dump(mode="json"),
                    "split_strategy": project.split.strategy,
                    "group_by": project.split.group_by,
                    "seed": project.tune.seed,
                },
                inputs=("split", "validate"),
            )
        )
    steps += [
        Step(
            "select",
            select_step,
            {
                "metric": metric_setting(project),
                "margin": project.baselines.margin,
                "finalists": project.evaluate.finalists,
            },
            inputs=("validate", "baselines", *candidates),
        ),
        Step(
            "register",
            register_step,
            {**columns, "project": project.project, "model_name": project.project},
            inputs=("split", "select", *candidates),
        ),
        Step(
            "evaluate",
            evaluate_step,
            {
                **columns,
                "project": whole,
                "folder": str(folder),
                "behaviour_files": _behaviour_digests(project, folder),
                "project_digest": project_digest,
            },
            inputs=("validate", "split", "baselines", "register", *candidates),
        ),
    ]
    return steps


@dataclass(frozen=True)
class ProjectRun:
    """A finished ``loopml run``: the pipeline run, the ranking and the finalists' results."""

    project: Project
    pipeline: PipelineResult
    ranking: list[dict[str, Any]] = field(default_factory=list)
    finalists: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reused(self) -> list[str]:
        """Steps whose earlier results were reused (nothing ran)."""
        return self.pipeline.reused


def run_project(
    path: str | Path = "loopml.yaml",
    *,
    use_cache: bool = True,
    resume: str | None = None,
    on_step: Callable[[str, StepStatus], None] | None = None,
    stores: Stores | None = None,
) -> ProjectRun:
    """Run the project file at ``path``: every step, reusing those whose inputs are unchanged.

    Raises:
        ProjectFileError: the file has problems (every one, with its line).
        PipelineStepError: a step failed; the message names it and how to resume (run again).
    """
    source = Path(path)
    project = load_project(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    stores = stores or default_stores()
    folder = source.resolve().parent
    steps = project_steps(project, folder=folder, project_digest=digest, stores=stores)
    # The project's own modules (a rule, a `sklearn:<module.Class>` estimator) import from its
    # folder, wherever loopml is run from.
    with importable_from(str(folder)):
        result = run_pipeline(
            project.project,
            steps,
            config_digest=digest,
            resume=resume,
            use_cache=use_cache,
            on_step=on_step,
            stores=stores,
        )
    return ProjectRun(
        project=project,
        pipeline=result,
        ranking=list(result.outputs("select")["ranking"]),
        finalists=list(result.outputs("evaluate")["finalists"]),
    )


def export_reports(
    run: ProjectRun, folder: str | Path, *, stores: Stores | None = None
) -> list[Path]:
    """Write each finalist's evaluation report (HTML, JSON) and model card (Markdown, HTML)
    into ``folder``, read back from the stores (verified), and return the paths."""
    stores = stores or default_stores()
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for finalist in run.finalists:
        stem = f"{finalist['model']}-v{finalist['version']}-{finalist['candidate']}"
        files = {
            f"{stem}-evaluation.html": finalist["report"]["html"],
            f"{stem}-evaluation.json": finalist["report"]["json"],
            f"{stem}-model-card.md": finalist["model_card"]["markdown"],
            f"{stem}-model-card.html": finalist["model_card"]["html"],
        }
        for name, digest in files.items():
            path = target / name
            path.write_bytes(stores.artifacts.get_bytes(digest))
            written.append(path)
    return written
