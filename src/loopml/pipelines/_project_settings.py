"""Settings a project file implies without looking at any data: what the steps' configs hold.

Apart from the data checks in ``_preflight`` (pandas, scikit-learn) so that building the steps
of an unchanged project, which ``loopml run`` does before it can tell that nothing changed,
imports neither.
"""

from __future__ import annotations

from typing import Any

from loopml.pipelines._project import Candidate, Project


def primary_metric(project: Project, task: str) -> str:
    """The metric candidates are ranked on: as the file says, or the task's default when the
    file leaves it out (ROC AUC for classification, RMSE for regression)."""
    return resolve_metric(metric_setting(project), task)


def metric_setting(project: Project) -> dict[str, Any]:
    """The primary metric as a step config keeps it: the name, and whether the file gave it."""
    given = "primary_metric" in project.evaluate.model_fields_set
    return {"name": project.evaluate.primary_metric, "given": given}


def resolve_metric(setting: dict[str, Any], task: str) -> str:
    """See :func:`primary_metric`; ``setting`` from :func:`metric_setting`."""
    if not setting["given"] and task == "regression":
        return "rmse"
    return str(setting["name"])


def headline_metrics(project: Project, task: str) -> list[str]:
    """The metrics a run's summary shows: as the file says, or the task's usual ones."""
    if "metrics" not in project.evaluate.model_fields_set and task == "regression":
        return ["rmse", "mae", "r2"]
    return list(project.evaluate.metrics)


def search_space_of(candidate: Candidate) -> dict[str, Any]:
    """A candidate's search space in :class:`SearchSpace`'s dict form."""
    space: dict[str, Any] = {}
    for name, dimension in candidate.search.items():
        if dimension.categorical is not None:
            space[name] = {"categorical": list(dimension.categorical)}
        elif dimension.float_ is not None:
            space[name] = {"float": list(dimension.float_), "log": dimension.log}
        elif dimension.int_ is not None:
            space[name] = {"int": list(dimension.int_), "log": dimension.log}
    return space
