"""Search spaces: typed, validated before any training, and serialisable as the project file's dict.

The dict form is what a project file holds::

    {"learning_rate": {"float": [0.01, 0.3], "log": true},
     "num_leaves": {"int": [8, 128]},
     "boosting": {"categorical": ["gbdt", "dart"]}}

Each entry becomes one Optuna ``suggest_*`` call. A bad range fails here, naming the parameter,
so a typo never costs a training run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from loopml.core import InvalidValueError

_MAX_GRID_POINTS = 10_000
"""A grid larger than this is surely a mistake (an int range meant for TPE); say so instead."""


@dataclass(frozen=True)
class FloatParam:
    """A float in ``[low, high]``; ``log`` samples on a log scale, ``step`` makes it discrete."""

    low: float
    high: float
    log: bool = False
    step: float | None = None


@dataclass(frozen=True)
class IntParam:
    """An int in ``[low, high]`` (both included); ``log`` samples on a log scale."""

    low: int
    high: int
    log: bool = False
    step: int = 1


@dataclass(frozen=True)
class CategoricalParam:
    """One of ``choices`` (str, int, float, bool or None, as Optuna stores them)."""

    choices: tuple[Any, ...]


Param = FloatParam | IntParam | CategoricalParam

_KIND_KEYS = ("float", "int", "categorical")
_OPTION_KEYS = {"float": {"log", "step"}, "int": {"log", "step"}, "categorical": set()}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_range(name: str, param: FloatParam | IntParam) -> None:
    kind = "float" if isinstance(param, FloatParam) else "int"
    number_type = (int, float) if kind == "float" else (int,)
    for bound in (param.low, param.high):
        if not isinstance(bound, number_type) or isinstance(bound, bool) or not _is_number(bound):
            raise InvalidValueError(
                f"search space parameter {name!r}: {kind} bounds must be finite {kind}s, "
                f"got {param.low!r} and {param.high!r}"
            )
    if not param.low < param.high:
        raise InvalidValueError(
            f"search space parameter {name!r}: low must be below high, "
            f"got [{param.low!r}, {param.high!r}]"
        )
    if param.log and param.low <= 0:
        raise InvalidValueError(
            f"search space parameter {name!r}: a log scale needs low > 0, got {param.low!r}"
        )
    if param.step is not None:
        if not _is_number(param.step) or param.step <= 0:
            raise InvalidValueError(
                f"search space parameter {name!r}: step must be a positive number, "
                f"got {param.step!r}"
            )
        if param.log and (kind == "float" or param.step != 1):
            raise InvalidValueError(
                f"search space parameter {name!r}: log and step cannot be used together"
            )


def _parse_param(name: str, spec: Any) -> Param:
    if isinstance(spec, FloatParam | IntParam | CategoricalParam):
        param: Param = spec
    else:
        if not isinstance(spec, Mapping):
            raise InvalidValueError(
                f"search space parameter {name!r}: expected a mapping such as "
                f'{{"float": [0.01, 0.3]}}, got {spec!r}'
            )
        kinds = [key for key in _KIND_KEYS if key in spec]
        if len(kinds) != 1:
            raise InvalidValueError(
                f"search space parameter {name!r}: give exactly one of "
                f"{', '.join(_KIND_KEYS)}, got keys {sorted(spec)}"
            )
        kind = kinds[0]
        unknown = sorted(set(spec) - {kind} - _OPTION_KEYS[kind])
        if unknown:
            raise InvalidValueError(
                f"search space parameter {name!r}: unknown key(s) {unknown}; a {kind} parameter "
                f"takes {sorted({kind} | _OPTION_KEYS[kind])}"
            )
        value = spec[kind]
        if kind == "categorical":
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise InvalidValueError(
                    f"search space parameter {name!r}: categorical needs a list of choices, "
                    f"got {value!r}"
                )
            param = CategoricalParam(tuple(value))
        else:
            if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
                raise InvalidValueError(
                    f"search space parameter {name!r}: {kind} needs [low, high], got {value!r}"
                )
            log = spec.get("log", False)
            if not isinstance(log, bool):
                raise InvalidValueError(
                    f"search space parameter {name!r}: log must be true or false, got {log!r}"
                )
            if kind == "float":
                param = FloatParam(value[0], value[1], log=log, step=spec.get("step"))
            else:
                param = IntParam(value[0], value[1], log=log, step=spec.get("step", 1))
    if isinstance(param, CategoricalParam):
        if not param.choices:
            raise InvalidValueError(f"search space parameter {name!r}: no choices given")
        for choice in param.choices:
            if choice is not None and not isinstance(choice, str | int | float | bool):
                raise InvalidValueError(
                    f"search space parameter {name!r}: choice {choice!r} is not a str, int, "
                    "float, bool or null"
                )
        if len(set(map(repr, param.choices))) != len(param.choices):
            raise InvalidValueError(f"search space parameter {name!r}: choices repeat")
    else:
        _check_range(name, param)
    return param


class SearchSpace:
    """Named parameters to tune; build it from the dict form with :meth:`from_dict`.

    Example::

        space = SearchSpace.from_dict({"alpha": {"float": [1e-4, 1.0], "log": True}})
    """

    def __init__(self, params: Mapping[str, Param]) -> None:
        if not params:
            raise InvalidValueError("the search space is empty: give at least one parameter")
        checked: dict[str, Param] = {}
        for name, param in params.items():
            if not isinstance(name, str) or not name:
                raise InvalidValueError(f"search space parameter names must be text, got {name!r}")
            checked[name] = _parse_param(name, param)
        self.params = checked

    def __repr__(self) -> str:
        return f"SearchSpace({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.params == other.params

    def __hash__(self) -> int:
        return hash(tuple(self.params.items()))

    @classmethod
    def from_dict(cls, data: SearchSpace | Mapping[str, Any]) -> SearchSpace:
        """Parse and validate the project file's dict form.

        Raises:
            InvalidValueError: naming the parameter whose range, choices or keys are wrong.
        """
        if isinstance(data, SearchSpace):
            return data
        if not isinstance(data, Mapping):
            raise InvalidValueError(f"a search space is a mapping of parameters, got {data!r}")
        return cls(dict(data))

    def to_dict(self) -> dict[str, Any]:
        """The dict form, which :meth:`from_dict` reads back to an equal space."""
        out: dict[str, Any] = {}
        for name, param in self.params.items():
            entry: dict[str, Any]
            if isinstance(param, CategoricalParam):
                entry = {"categorical": list(param.choices)}
            else:
                kind = "float" if isinstance(param, FloatParam) else "int"
                entry = {kind: [param.low, param.high]}
                if param.log:
                    entry["log"] = True
                if param.step is not None and not (isinstance(param, IntParam) and param.step == 1):
                    entry["step"] = param.step
            out[name] = entry
        return out

    def suggest(self, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        """Ask ``trial`` for one value of every parameter."""
        values: dict[str, Any] = {}
        for name, param in self.params.items():
            if isinstance(param, FloatParam):
                values[name] = trial.suggest_float(
                    name, param.low, param.high, log=param.log, step=param.step
                )
            elif isinstance(param, IntParam):
                values[name] = trial.suggest_int(
                    name, param.low, param.high, log=param.log, step=param.step
                )
            else:
                values[name] = trial.suggest_categorical(name, param.choices)
        return values

    def grid(self) -> dict[str, list[Any]]:
        """Every value of every parameter, for the grid sampler.

        Raises:
            InvalidValueError: a continuous float (no ``step``) cannot be gridded, or the grid
                is unreasonably large.
        """
        grid: dict[str, list[Any]] = {}
        size = 1
        for name, param in self.params.items():
            if isinstance(param, CategoricalParam):
                values: list[Any] = list(param.choices)
            elif isinstance(param, IntParam):
                values = list(range(param.low, param.high + 1, param.step))
            elif param.step is None:
                raise InvalidValueError(
                    f"search space parameter {name!r}: grid search needs a step for a float range"
                )
            else:
                count = int(math.floor((param.high - param.low) / param.step + 1e-9)) + 1
                values = [param.low + i * param.step for i in range(count)]
            grid[name] = values
            size *= len(values)
            if size > _MAX_GRID_POINTS:
                raise InvalidValueError(
                    f"the grid has more than {_MAX_GRID_POINTS:,} points (at parameter "
                    f"{name!r}); use the tpe or random sampler for ranges this large"
                )
        return grid
