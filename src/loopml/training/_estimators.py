"""The catalogue of model kinds, and the typed spec that names one.

A :class:`ModelSpec` is configuration: it names a kind (``"lightgbm"``, ``"xgboost"``,
``"logistic_regression"``, ``"random_forest"`` or ``"sklearn:<module.Class>"``), the task and the
estimator's parameters. It is checked when it is made, so a typo in a project file fails before
any training starts: an unknown kind lists the known ones, an unknown parameter is named with
the parameters the estimator does accept (its scikit-learn ``get_params()`` names).

:func:`build_estimator` turns a spec into an unfitted estimator with the seed and the settings
that make training bit-for-bit reproducible (one thread for the boosting libraries).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loopml.core import InvalidValueError

Task = Literal["classification", "regression"]
TASKS: tuple[str, ...] = ("classification", "regression")
SKLEARN_PREFIX = "sklearn:"


@dataclass(frozen=True)
class _Kind:
    """One named model kind: where its classifier and regressor live, and its fixed settings."""

    classifier: str
    regressor: str
    # Settings for reproducibility and quiet logs; a user's own params override them.
    defaults: Mapping[str, Any]


_CATALOGUE: dict[str, _Kind] = {
    "lightgbm": _Kind(
        "lightgbm.LGBMClassifier",
        "lightgbm.LGBMRegressor",
        # One thread and deterministic histograms: the same data gives the same trees.
        {"n_jobs": 1, "deterministic": True, "force_row_wise": True, "verbose": -1},
    ),
    "xgboost": _Kind("xgboost.XGBClassifier", "xgboost.XGBRegressor", {"n_jobs": 1}),
    "logistic_regression": _Kind(
        "sklearn.linear_model.LogisticRegression", "sklearn.linear_model.Ridge", {}
    ),
    "random_forest": _Kind(
        "sklearn.ensemble.RandomForestClassifier",
        "sklearn.ensemble.RandomForestRegressor",
        {"n_jobs": 1},
    ),
}
# Parameters a boosting library takes although its get_params() does not list them.
_EXTRA_PARAMS: dict[str, frozenset[str]] = {
    "lightgbm": frozenset({"deterministic", "force_row_wise", "verbose", "seed"}),
    "xgboost": frozenset(),
}


def model_kinds() -> list[str]:
    """The named model kinds (any scikit-learn estimator is also ``"sklearn:<module.Class>"``)."""
    return sorted(_CATALOGUE)


def _import_class(path: str) -> type[Any]:
    module_name, _, class_name = path.rpartition(".")
    if not module_name or not class_name:
        raise InvalidValueError(
            f"{path!r} is not an import path; write it as 'package.module.ClassName'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidValueError(
            f"cannot import module {module_name!r} for {path!r}: {exc}"
        ) from exc
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise InvalidValueError(f"module {module_name!r} has no class {class_name!r}")
    return cls


def estimator_class(kind: str, task: str) -> type[Any]:
    """The estimator class for ``kind`` and ``task``.

    Raises:
        InvalidValueError: an unknown kind or task, or a ``sklearn:`` path that does not import
            to a scikit-learn estimator with ``fit`` and ``predict``.
    """
    if task not in TASKS:
        raise InvalidValueError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")
    if kind.startswith(SKLEARN_PREFIX):
        cls = _import_class(kind[len(SKLEARN_PREFIX) :])
        if not (hasattr(cls, "fit") and hasattr(cls, "predict") and hasattr(cls, "get_params")):
            raise InvalidValueError(
                f"{kind!r} is not a scikit-learn estimator (it needs fit, predict and get_params)"
            )
        return cls
    entry = _CATALOGUE.get(kind)
    if entry is None:
        raise InvalidValueError(
            f"unknown model kind {kind!r}; use one of {', '.join(model_kinds())} "
            f"or '{SKLEARN_PREFIX}<module.Class>'"
        )
    try:
        return _import_class(entry.classifier if task == "classification" else entry.regressor)
    except InvalidValueError as exc:
        raise InvalidValueError(f"model kind {kind!r} needs its library: {exc}") from exc


def accepted_params(kind: str, task: str) -> frozenset[str]:
    """The parameter names the estimator of ``kind`` accepts (its ``get_params()`` names)."""
    cls = estimator_class(kind, task)
    try:  # an instance: XGBoost and LightGBM add their parent's params in get_params
        names = frozenset(cls().get_params(deep=False))
    except TypeError:  # a meta-estimator needs arguments (StackingClassifier(estimators))
        names = frozenset(cls._get_param_names())
    return names | _EXTRA_PARAMS.get(kind, frozenset())


class ModelSpec(BaseModel):
    """Which model to train: a kind, the task and the estimator's parameters.

    Checked when made: an unknown kind or task, or a parameter the estimator does not accept,
    is a validation error naming it (pydantic's ``ValidationError``, so a spec nested in a
    project file reports every error at once; :meth:`parse` raises ``InvalidValueError``).

    Example::

        ModelSpec(kind="lightgbm", task="classification", params={"n_estimators": 50})
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="a catalogue kind, or 'sklearn:<module.Class>'")
    task: Task = "classification"
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if not kind.startswith(SKLEARN_PREFIX) and kind not in _CATALOGUE:
            raise ValueError(
                f"unknown model kind {kind!r}; use one of {', '.join(model_kinds())} "
                f"or '{SKLEARN_PREFIX}<module.Class>'"
            )
        return kind

    @model_validator(mode="after")
    def _known_params(self) -> ModelSpec:
        accepted = accepted_params(self.kind, self.task)
        unknown = sorted(set(self.params) - accepted)
        if unknown:
            raise ValueError(
                f"{self.kind} ({self.task}) does not accept parameter(s) {', '.join(unknown)}; "
                f"it accepts {', '.join(sorted(accepted))}"
            )
        return self

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ModelSpec:
        """Make a spec from a mapping; every problem in one ``InvalidValueError``."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'spec'}: {error['msg']}"
                for error in exc.errors()
            )
            raise InvalidValueError(f"bad model spec: {problems}") from exc


def build_estimator(spec: ModelSpec, *, seed: int = 0) -> Any:
    """An unfitted estimator for ``spec``, seeded, with reproducible defaults.

    The seed goes to ``random_state`` when the estimator has one and the spec does not set it;
    the catalogue's defaults (one thread for LightGBM, XGBoost and random forests) apply unless
    the spec's params override them.

    Raises:
        InvalidValueError: the estimator rejects the parameters.
    """
    cls = estimator_class(spec.kind, spec.task)
    entry = _CATALOGUE.get(spec.kind)
    accepted = accepted_params(spec.kind, spec.task)
    params: dict[str, Any] = dict(entry.defaults) if entry is not None else {}
    if "random_state" in accepted:
        params["random_state"] = seed
    params.update(spec.params)
    factory: Callable[..., Any] = cls
    try:
        return factory(**params)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(f"{spec.kind} rejected its parameters {params}: {exc}") from exc
