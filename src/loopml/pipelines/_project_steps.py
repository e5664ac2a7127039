"""The steps of a project's pipeline: data, validate, split, baselines, one per candidate,
select, register and evaluate.

Each step is a module-level function of a :class:`StepContext`, so its source is part of its
cache key. Steps pass small JSON outputs (dataset versions, run ids, model digests, metric
values); tables and models live in the stores and are read back, verified, by the steps that
need them. That is what lets an unchanged project rerun in under a second (every step reused)
and a failed run resume in a new process.

Order matters for honest numbers: candidates are tuned by cross-validation on the training rows
and compared on the validation rows; only the finalists ever see the test rows, once each.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from loopml.evaluation._metric_direction import LOWER_IS_BETTER
from loopml.pipelines._steps import StepContext

if TYPE_CHECKING:
    import pandas as pd

    from loopml.data import DatasetVersion

# The steps import their tools (pandas, the data stage, scikit-learn through the preflight
# checks, the registry) when they run: a project whose steps are all reused imports none of it.

# -- helpers shared by the steps ------------------------------------------------------------


def _version_output(version: DatasetVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "name": version.dataset,
        "version": version.version,
        "content_hash": version.content_hash,
        "rows": version.num_rows,
    }


def _load(reference: Mapping[str, Any], context: StepContext) -> pd.DataFrame:
    from loopml.data import load_dataset

    return load_dataset(reference["name"], reference["version"], stores=context.stores)


def _split_xy(frame: pd.DataFrame, config: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target of a table: the id, the dropped columns and the target removed."""
    not_features = [config["target"], *config.get("drop", [])]
    if config.get("id_column"):
        not_features.append(config["id_column"])
    features = frame.drop(columns=[c for c in not_features if c in frame.columns])
    return features, frame[config["target"]]


def _scores(model: Any, X: pd.DataFrame, y: pd.Series, task: str) -> dict[str, float]:
    """Every metric loopml reports for ``model`` on ``(X, y)`` (NaN-free, JSON-ready)."""
    import numpy as np
    import pandas as pd

    from loopml.evaluation import classification_metrics, regression_metrics

    if task == "regression":
        values = regression_metrics(y.to_numpy(), np.asarray(model.predict(X)))
    else:
        predicted = np.asarray(model.predict(X))
        proba = None
        if hasattr(model, "predict_proba") and y.nunique() >= 2:
            proba = np.asarray(model.predict_proba(X), dtype=float)
            proba = proba / proba.sum(axis=1, keepdims=True)
            labels = list(getattr(model, "classes_", sorted(pd.unique(y))))
            if set(pd.unique(y)) - set(labels):
                proba = None  # a validation class the model never saw: label metrics only
        if proba is not None and proba.shape[1] == 2:
            values = classification_metrics(y.to_numpy(), predicted, proba[:, 1])
        else:
            values = classification_metrics(
                y.to_numpy(),
                predicted,
                proba,
                labels=None if proba is None else list(model.classes_),
            )
    return {k: float(v) for k, v in values.items() if isinstance(v, float) and math.isfinite(v)}


def _better(metric: str) -> Callable[[float], float]:
    """A sort key that puts the best score first for ``metric``."""
    sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
    return lambda value: sign * value if math.isfinite(value) else math.inf


@contextmanager
def importable_from(folder: str) -> Iterator[None]:
    """Let a user's module next to the project file (a rule, an estimator) be imported, then
    undo it."""
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)


def load_rule(spec: str, *, folder: str) -> Callable[[Any], Any]:
    """Import ``module:function`` from the project's folder (or the installed packages)."""
    from loopml.core import ConfigurationError

    module_name, _, function_name = spec.partition(":")
    with importable_from(folder):
        try:
            loaded = sys.modules.get(module_name)
            # The rule may have been edited since this process imported it (a resumed run).
            module = importlib.reload(loaded) if loaded else importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigurationError(
                f"baselines.rule: cannot import {module_name!r}: {exc}"
            ) from exc
    rule = getattr(module, function_name, None)
    if not callable(rule):
        raise ConfigurationError(f"baselines.rule: {module_name} has no function {function_name!r}")
    return rule  # type: ignore[no-any-return]


# -- the steps ------------------------------------------------------------------------------


def data_step(context: StepContext) -> dict[str, Any]:
    """Make the project's table (and a separate test table) stored dataset versions."""
    from loopml.data import load_dataset, log_dataset
    from loopml.pipelines._sources import materialise

    config, stores = context.config, context.stores
    version = materialise(dict(config["source"]), name=config["project"], stores=stores)
    sample_rows = config.get("sample_rows")
    if sample_rows is not None and version.num_rows > sample_rows:
        frame = load_dataset(version, stores=stores)
        sampled = frame.sample(n=sample_rows, random_state=config["sample_seed"]).sort_index()
        version = log_dataset(
            sampled.reset_index(drop=True),
            name=f"{config['project']}.sample",
            parents=[version],
            source={"kind": "sample", "rows": sample_rows, "seed": config["sample_seed"]},
            stores=stores,
        )
    outputs: dict[str, Any] = {"dataset": _version_output(version), "test": None}
    if config.get("test") is not None:
        test = materialise(dict(config["test"]), name=f"{config['project']}.holdout", stores=stores)
        outputs["test"] = _version_output(test)
    return outputs


def validate_step(context: StepContext) -> dict[str, Any]:
    """Check the data against the project file before anything is trained (every problem)."""
    from loopml.pipelines._preflight import check_project_data, check_test_columns
    from loopml.pipelines._project import Project

    project = Project.model_validate(context.config["project"])
    data = context.inputs["data"]
    frame = _load(data["dataset"], context)
    task = check_project_data(project, frame)
    if data["test"] is not None:
        test = _load(data["test"], context)
        check_test_columns(project, frame, test)
        check_project_data(project, test)
    target = frame[project.data.target]
    classes = sorted(map(str, target.unique())) if task == "classification" else []
    return {"task": task, "rows": len(frame), "columns": len(frame.columns), "classes": classes}


def split_step(context: StepContext) -> dict[str, Any]:
    """Split into train / validation / test (or train / validation beside a given test set)
    and refuse a test set that shares rows with the training set."""
    from loopml.data import get_dataset, load_dataset, log_dataset, split_dataset
    from loopml.pipelines._preflight import check_no_overlap

    config, stores = context.config, context.stores
    data = context.inputs["data"]
    source = get_dataset(data["dataset"]["name"], data["dataset"]["version"], stores=stores)
    if config["deduplicate"]:
        frame = load_dataset(source, stores=stores)
        unique = frame.drop_duplicates(ignore_index=True)
        if len(unique) < len(frame):
            source = log_dataset(
                unique,
                name=f"{config['project']}.deduplicated",
                parents=[source],
                source={"kind": "drop_duplicates", "removed": len(frame) - len(unique)},
                stores=stores,
            )
    settings = dict(config["split"])
    strategy, stratify_by = settings["strategy"], settings.get("stratify_by")
    if strategy == "stratified" and stratify_by is None:
        # The default strategy: stratify a classifier's classes; a regression target is split
        # at random (its values are not classes).
        regression = context.inputs["validate"]["task"] == "regression"
        strategy, stratify_by = ("random", None) if regression else (strategy, config["target"])
    split = split_dataset(
        source,
        strategy=strategy,
        ratios=settings["ratios"],
        seed=settings["seed"],
        stratify_by=stratify_by,
        group_by=settings.get("group_by"),
        time_by=settings.get("time_by"),
        id_column=config.get("id_column"),
        name=config["project"],
        stores=stores,
    )
    frames = split.load(stores=stores)
    if data["test"] is not None:
        test_version = get_dataset(data["test"]["name"], data["test"]["version"], stores=stores)
        test_frame = load_dataset(test_version, stores=stores)
        # A two-way split names its second part "<project>.test"; here it is the validation
        # set, so it is recorded under that name (same bytes, stored once) with the part as parent.
        validation_frame = frames.test
        validation_version = log_dataset(
            validation_frame,
            name=f"{config['project']}.validation",
            parents=[split.test],
            source={"kind": "split part", "of": split.test.uri, "role": "validation"},
            stores=stores,
        )
    else:
        assert split.validation is not None and frames.validation is not None
        test_version, test_frame = split.test, frames.test
        validation_version, validation_frame = split.validation, frames.validation
    check_no_overlap(frames.train, test_frame, id_column=config.get("id_column"))
    check_no_overlap(frames.train, validation_frame, id_column=config.get("id_column"))
    return {
        "train": _version_output(split.train),
        "validation": _version_output(validation_version),
        "test": _version_output(test_version),
    }


def load_parts(context: StepContext, *parts: str) -> dict[str, pd.DataFrame]:
    """The split's parts a step reads, each loaded (and verified) once."""
    split = context.inputs["split"]
    return {part: _load(split[part], context) for part in parts}


def baseline_scores(
    context: StepContext,
    *,
    part: str,
    rule: str | None,
    folder: str,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, dict[str, float]]:
    """Fit the dummy baseline (and the user's rule) on the training rows; score them on
    ``part`` (``validation`` to judge candidates, ``test`` beside a finalist's report).
    ``frames`` are parts already loaded by the caller."""
    from loopml.training import DummyBaseline, RuleBaseline

    config, task = context.config, context.inputs["validate"]["task"]
    loaded = dict(frames) if frames is not None else load_parts(context, "train", part)
    X_train, y_train = _split_xy(loaded["train"], config)
    X_part, y_part = _split_xy(loaded[part], config)
    scores = {"dummy": _scores(DummyBaseline(task).fit(X_train, y_train), X_part, y_part, task)}
    if rule is not None:
        fitted_rule = RuleBaseline(load_rule(rule, folder=folder)).fit(X_train, y_train)
        scores["rule"] = _scores(fitted_rule, X_part, y_part, task)
    return scores


def baselines_step(context: StepContext) -> dict[str, Any]:
    """Score the dummy baseline (and the user's rule) on the validation rows."""
    config = context.config
    scores = baseline_scores(
        context, part="validation", rule=config.get("rule"), folder=config["folder"]
    )
    return {"scores": scores}


def candidate_step(context: StepContext) -> dict[str, Any]:
    """Tune one candidate by cross-validation on the training rows, then fit it on them and
    score it on the validation rows. The fitted pipeline (cleaner + model) is stored."""
    from loopml.data import cleaner_from_config
    from loopml.pipelines._fitted_models import save_fitted
    from loopml.tracking import start_run
    from loopml.training import ModelSpec, train

    config, stores = context.config, context.stores
    split, task = context.inputs["split"], context.inputs["validate"]["task"]
    train_frame = _load(split["train"], context)
    X_train, y_train = _split_xy(train_frame, config)
    X_valid, y_valid = _split_xy(_load(split["validation"], context), config)
    candidate = config["candidate"]
    spec = ModelSpec.parse({"kind": candidate["kind"], "task": task, "params": candidate["params"]})
    cleaner = cleaner_from_config(config["clean"]) if config.get("clean") else None
    tuning: dict[str, Any] | None = None
    if config["space"]:
        groups = train_frame[config["group_by"]] if config.get("group_by") else None
        spec, tuning = _tune(spec, config, X_train, y_train, groups, cleaner, context)
    with start_run(
        config["project"],
        name=f"candidate-{candidate['name']}",
        tags={
            "loopml.pipeline_run": context.pipeline_run_id,
            "loopml.candidate": candidate["name"],
        },
        stores=stores,
    ) as run:
        trained = train(
            spec,
            train=(X_train, y_train),
            valid=(X_valid, y_valid),
            cleaner=cleaner,
            run=run,
            seed=config["seed"],
        )
        scores = _scores(trained.pipeline, X_valid, y_valid, task)
        run.log_metrics({f"valid_{k}": v for k, v in scores.items() if "[" not in k})
        run.log_input(split["train"]["id"], context="train")
        run.log_input(split["validation"]["id"], context="validation")
    return {
        "name": candidate["name"],
        "run_id": run.id,
        "spec": spec.model_dump(mode="json"),
        "tuning": tuning,
        "valid_scores": scores,
        "model": save_fitted(trained.pipeline, stores=stores),
    }


def _tune(
    spec: Any,
    config: Mapping[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    groups: pd.Series | None,
    cleaner: Any,
    context: StepContext,
) -> tuple[Any, dict[str, Any]]:
    from loopml.training import CrossValidation, tune_model

    settings = config["tune"]
    task = context.inputs["validate"]["task"]
    # Cross-validation follows the split: by group and by time as the test set was cut, else
    # stratified for a classifier.
    strategy = config["split_strategy"]
    cv_kind: Literal["kfold", "stratified", "grouped", "time"] = (
        "grouped"
        if strategy == "grouped"
        else "time"
        if strategy == "time"
        else "stratified"
        if task == "classification"
        else "kfold"
    )
    result = tune_model(
        spec,
        space=config["space"],
        X=X,
        y=y,
        cv=CrossValidation(kind=cv_kind, folds=settings["cv_folds"], seed=settings["seed"]),
        metric=_tuning_metric(config, task),
        groups=groups if cv_kind == "grouped" else None,
        cleaner=cleaner,
        n_trials=settings.get("trials"),
        timeout_s=settings.get("timeout_s"),
        sampler=settings["sampler"],
        seed=settings["seed"],
        workers=settings["workers"],
        experiment=config["project"],
        run_name=f"tune-{config['candidate']['name']}",
        stores=context.stores,
    )
    summary = {
        "run_id": result.run_id,
        "metric": result.metric,
        "best_value": result.best_value,
        "best_params": result.best_params,
        "trials": len(result.trials),
    }
    return result.best_spec, summary


def _tuning_metric(config: Mapping[str, Any], task: str) -> str | None:
    """The primary metric when cross-validation can score it, else the task's default
    (None: ROC AUC for two classes, accuracy for more, RMSE for regression)."""
    from loopml.pipelines._project_settings import resolve_metric
    from loopml.training._cv import CLASSIFICATION_METRICS, REGRESSION_METRICS

    metric = resolve_metric(config["metric"], task)
    supported = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    return metric if metric in supported else None


def select_step(context: StepContext) -> dict[str, Any]:
    """Rank candidates on the validation rows; flag those that do not clearly beat the
    baselines; pick the finalists (unflagged first) that go on to the test set."""
    from loopml.pipelines._project_settings import resolve_metric
    from loopml.training import compare_with_baselines

    config = context.config
    task = context.inputs["validate"]["task"]
    metric = resolve_metric(config["metric"], task)
    baseline_scores = {
        name: scores
        for name, scores in context.inputs["baselines"]["scores"].items()
        if metric in scores
    }
    candidates = {
        out["name"]: out for key, out in context.inputs.items() if key.startswith("candidate.")
    }
    missing = [name for name, out in candidates.items() if metric not in out["valid_scores"]]
    if missing:
        from loopml.core import ConfigurationError

        raise ConfigurationError(
            f"evaluate.primary_metric {metric!r} is not a validation score of {missing}; "
            f"they have {sorted(next(iter(candidates.values()))['valid_scores'])[:30]}"
        )
    candidate_scores = {
        name: {metric: out["valid_scores"][metric]} for name, out in candidates.items()
    }
    verdicts = {
        c.candidate: c
        for c in (
            compare_with_baselines(
                candidate_scores,
                {k: {metric: v[metric]} for k, v in baseline_scores.items()},
                metric=metric,
                margin=config["margin"],
                greater_is_better=metric not in LOWER_IS_BETTER,
            )
            if baseline_scores
            else []
        )
    }
    key = _better(metric)
    ranking = sorted(
        candidates,
        key=lambda n: (
            verdicts[n].flagged if n in verdicts else False,
            key(candidate_scores[n][metric]),
        ),
    )
    return {
        "metric": metric,
        "ranking": [
            {
                "name": name,
                "score": candidate_scores[name][metric],
                "flagged": bool(verdicts[name].flagged) if name in verdicts else False,
                "message": verdicts[name].message if name in verdicts else "",
            }
            for name in ranking
        ],
        "finalists": ranking[: config["finalists"]],
    }


def register_step(context: StepContext) -> dict[str, Any]:
    """Register each finalist as a version of the project's model, with its lineage."""
    from loopml.pipelines._fitted_models import load_fitted
    from loopml.registry import register_model

    config, stores = context.config, context.stores
    split = context.inputs["split"]
    sample, _ = _split_xy(_load(split["validation"], context), config)
    registered = []
    for name in context.inputs["select"]["finalists"]:
        candidate = context.inputs[f"candidate.{name}"]
        model = load_fitted(candidate["model"], stores=stores)
        version = register_model(
            model,
            config["model_name"],
            run=candidate["run_id"],
            sample=sample.head(5),
            description=f"{config['project']}: candidate {name} ({candidate['spec']['kind']})",
            tags={
                "loopml.project": config["project"],
                "loopml.candidate": name,
                "loopml.pipeline_run": context.pipeline_run_id,
                "loopml.train_dataset": split["train"]["id"],
                "loopml.test_dataset": split["test"]["id"],
            },
            stores=stores,
        )
        registered.append(
            {"candidate": name, "model": config["model_name"], "version": version.version}
        )
    return {"versions": registered}


def evaluate_step(context: StepContext) -> dict[str, Any]:
    """Score each registered finalist on the test rows once: metrics with intervals, slices,
    fairness, behavioural tests, explanations and shortcut warnings, the goal's criteria and,
    when a champion exists, the comparison and the gate's verdict. The report (HTML + JSON)
    is stored on an evaluation run; the model card on the version."""
    from loopml.pipelines._project_evaluation import evaluate_finalist

    frames = load_parts(context, "train", "validation", "test")
    results = []
    for entry in context.inputs["register"]["versions"]:
        candidate = context.inputs[f"candidate.{entry['candidate']}"]
        results.append(evaluate_finalist(context, entry, candidate, frames))
    return {"finalists": results}
