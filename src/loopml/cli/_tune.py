"""``loopml tune``: tune a model kind on a stored dataset by cross-validation.

The search space comes from ``--search`` options (``name=float:0.01:0.3:log``,
``name=int:8:128``, ``name=categorical:gbdt,dart``) and/or a ``--space`` YAML/JSON file in the
project file's dict form; the study is recorded like :func:`loopml.training.tune_model` records it
(a parent run, a nested run per trial, the HTML report on the parent).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from loopml.cli._render import console, number, print_json, table

TUNE_EXAMPLE = (
    "Example: loopml tune customers@2 --target churned --kind lightgbm "
    "--search 'learning_rate=float:0.01:0.3:log' --search 'num_leaves=int:8:128' "
    "--param n_estimators=200 --cv 3 --trials 50 --workers 2"
)
_SEARCH_FORMS = "name=float:LOW:HIGH[:log], name=int:LOW:HIGH[:log] or name=categorical:A,B,C"
_MAX_CLASSES_FOR_INT_TARGET = 20
"""An integer target with at most this many distinct values is taken as classes."""


def _invalid(message: str) -> Exception:
    from loopml.core import InvalidValueError

    return InvalidValueError(message)


def _scalar(text: str) -> Any:
    """``200`` -> 200, ``0.1`` -> 0.1, ``true`` -> True, ``gbdt`` -> 'gbdt' (YAML scalars)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def _number(text: str, kind: str, option: str) -> float | int:
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise _invalid(
            f"{option}: {text!r} is not a{'n int' if kind == 'int' else ' number'}"
        ) from None


def parse_search(option: str) -> tuple[str, dict[str, Any]]:
    """One ``--search`` option as ``(name, dict-form entry)``."""
    name, sep, rule = option.partition("=")
    name = name.strip()
    if not sep or not name or not rule:
        raise _invalid(f"--search {option!r}: write it as {_SEARCH_FORMS}")
    kind, _, rest = rule.partition(":")
    if kind == "categorical":
        choices = [_scalar(part) for part in rest.split(",") if part != ""]
        if not choices:
            raise _invalid(f"--search {option!r}: give the choices, like categorical:gbdt,dart")
        return name, {"categorical": choices}
    if kind not in ("float", "int"):
        raise _invalid(f"--search {option!r}: unknown kind {kind!r}; write it as {_SEARCH_FORMS}")
    parts = rest.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise _invalid(f"--search {option!r}: write it as {_SEARCH_FORMS}")
    label = f"--search {option!r}"
    entry: dict[str, Any] = {kind: [_number(p, kind, label) for p in parts[:2]]}
    if len(parts) == 3:
        entry["log"] = True
    return name, entry


def _read_space_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _invalid(f"--space {str(path)!r} cannot be read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise _invalid(f"--space {str(path)!r} is not YAML or JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise _invalid(f"--space {str(path)!r} must hold a mapping of parameters")
    return loaded


def _parse_params(options: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise _invalid(f"--param {option!r}: write it as name=value, like n_estimators=200")
        params[name.strip()] = _scalar(value)
    return params


def _dataset_ref(text: str) -> tuple[str, int | None]:
    name, sep, version = text.partition("@")
    if not sep:
        return name, None
    if not version.isdigit():
        raise _invalid(f"dataset {text!r}: the version after @ must be a number, like {name}@2")
    return name, int(version)


def _infer_task(target: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(target) or not pd.api.types.is_numeric_dtype(target):
        return "classification"
    if pd.api.types.is_integer_dtype(target):
        return "classification" if target.nunique() <= _MAX_CLASSES_FOR_INT_TARGET else "regression"
    return "regression"


def tune(
    dataset: Annotated[str, typer.Argument(help="A stored dataset: name or name@version.")],
    target: Annotated[str, typer.Option("--target", "-t", help="The target column.")],
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="Model kind (lightgbm, xgboost, ...).")
    ] = "lightgbm",
    search: Annotated[
        list[str] | None,
        typer.Option("--search", "-s", help=f"A parameter to search: {_SEARCH_FORMS}."),
    ] = None,
    space: Annotated[
        Path | None,
        typer.Option("--space", help="A YAML/JSON search space file (dict form)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A fixed parameter, name=value."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option("--task", help="classification or regression (default: from the target)."),
    ] = None,
    cv: Annotated[int, typer.Option("--cv", help="Number of cross-validation folds.")] = 3,
    cv_kind: Annotated[
        str | None,
        typer.Option(
            "--cv-kind",
            help="kfold, stratified, grouped or time (default: stratified to classify).",
        ),
    ] = None,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="Group column for --cv-kind grouped.")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option("--metric", "-m", help="Metric to optimise (default roc_auc/accuracy/rmse)."),
    ] = None,
    trials: Annotated[
        int | None, typer.Option("--trials", "-n", help="Trial budget (default 50 without one).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Wall-time budget in seconds.")
    ] = None,
    sampler: Annotated[str, typer.Option("--sampler", help="tpe, random or grid.")] = "tpe",
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes.")] = 1,
    storage: Annotated[
        str | None,
        typer.Option("--storage", help="Optuna RDB URL shared by machines (PostgreSQL)."),
    ] = None,
    study: Annotated[
        str | None, typer.Option("--study", help="Study name to create or join in --storage.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    experiment: Annotated[
        str, typer.Option("--experiment", "-e", help="Experiment of the runs.")
    ] = "tuning",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Tune a model on a stored dataset by cross-validation; each trial is a nested run."""
    import optuna

    from loopml.data import load_dataset
    from loopml.store import default_stores
    from loopml.training import CrossValidation, ModelSpec, tune_model

    if workers < 1:
        raise _invalid(f"--workers must be 1 or more, got {workers}")
    search_space = _read_space_file(space) if space is not None else {}
    search_space.update(dict(parse_search(option) for option in search or []))
    if not search_space:
        raise _invalid("nothing to search: give --search name=... options or --space FILE")
    name, version = _dataset_ref(dataset)
    frame = load_dataset(name, version)
    if target not in frame.columns:
        raise _invalid(
            f"dataset {dataset!r} has no column {target!r}; its columns: {', '.join(frame.columns)}"
        )
    if group_by is not None and group_by not in frame.columns:
        raise _invalid(f"dataset {dataset!r} has no column {group_by!r} (--group-by)")
    chosen_task = task or _infer_task(frame[target])
    spec = ModelSpec.parse(
        {"kind": kind, "task": chosen_task, "params": _parse_params(param or [])}
    )
    folds: int | CrossValidation = cv
    if cv_kind is not None:
        folds = CrossValidation(cv_kind, cv, seed=seed)  # type: ignore[arg-type]
    features = frame.drop(columns=[c for c in (target, group_by) if c is not None])
    groups = frame[group_by] if group_by is not None else None
    cleaner = None
    if not all(_is_numeric(features[column]) for column in features.columns):
        # Text and category columns become codes, fitted inside each fold.
        from loopml.data import OrdinalEncode, make_cleaner

        cleaner = make_cleaner(OrdinalEncode())
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    result = tune_model(
        spec,
        space=search_space,
        X=features,
        y=frame[target],
        cv=folds,
        metric=metric,
        groups=groups,
        cleaner=cleaner,
        n_trials=trials if trials is not None or timeout is not None else 50,
        timeout_s=timeout,
        sampler=sampler,  # type: ignore[arg-type]
        seed=seed,
        workers=workers,
        storage=storage,
        study_name=study,
        experiment=experiment,
    )
    states = result.trials["state"].value_counts().to_dict() if len(result.trials) else {}
    counts = {state.lower(): int(states.get(state, 0)) for state in ("COMPLETE", "PRUNED", "FAIL")}
    report_file = _report_file(result, default_stores())
    summary = {
        "dataset": dataset,
        "target": target,
        "task": chosen_task,
        "metric": result.metric,
        "direction": result.direction,
        "best_value": result.best_value,
        "best_params": result.best_params,
        "best_spec": result.best_spec.model_dump(),
        "best_trial": result.best_trial_number,
        "trials": counts,
        "run_id": result.run_id,
        "report_artifact": result.report_artifact,
        "report_file": report_file,
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        table(
            f"best {result.metric} = {number(result.best_value)} "
            f"(trial {result.best_trial_number})",
            ["parameter", "value"],
            [[key, number(value)] for key, value in result.best_params.items()],
        )
    )
    console.print(
        f"trials: {counts['complete']} complete, {counts['pruned']} pruned, {counts['fail']} failed"
    )
    console.print(f"parent run: {result.run_id} (loopml runs show {result.run_id})")
    if result.report_artifact:
        where = f" ({report_file})" if report_file else ""
        console.print(f"report: artifact {result.report_artifact} of run {result.run_id}{where}")


def _is_numeric(column: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def _report_file(result: Any, stores: Any) -> str | None:
    """The report's file in a local artifact store (None for a remote store or no report)."""
    if not result.report_artifact:
        return None
    from loopml.tracking import get_run

    for artifact in get_run(result.run_id, stores=stores).artifacts:
        if artifact.path == result.report_artifact:
            local = stores.artifacts.local_path(artifact.digest)
            return str(local) if local is not None else None
    return None
