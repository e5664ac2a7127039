"""Synthetic tables with controllable distributions, and a target that depends on the features.

A table is described by one distribution per column and, optionally, a rule that makes the
target from the features::

    make_synthetic(
        1_000,
        columns={"age": Normal(40, 10), "plan": Categorical({"basic": 0.7, "pro": 0.3})},
        target=LogisticTarget({"age": 0.03, "plan=pro": 1.5}, intercept=-2.0),
        seed=7,
    )

Reproducible: the same arguments give the same table. Each column draws from its own random
stream, derived from the seed and the column's name, so adding or removing a column leaves the
others unchanged. The target is computed from the complete feature values first; the missing
values of a column (``missing=0.1`` on any distribution) are knocked out afterwards, completely
at random, as if they were lost on the way.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError

_VALUES, _MISSING, _TARGET = 0, 1, 2  # the random streams of one column


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidValueError(message)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Distribution(ABC):
    """How the values of one column are drawn; ``missing`` is the share of values left empty."""

    missing: float = field(default=0.0, kw_only=True)

    def __post_init__(self) -> None:
        _check(
            _finite(self.missing) and 0.0 <= self.missing < 1.0,
            f"{type(self).__name__}: missing must be a rate in [0, 1), got {self.missing!r}",
        )

    @abstractmethod
    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        """``n_rows`` values, none missing."""

    def with_missing(self, values: pd.Series, rng: np.random.Generator) -> pd.Series:
        """``values`` with a ``missing`` share of them emptied (NaN, NA or NaT)."""
        if self.missing == 0.0:
            return values
        return values.mask(rng.random(len(values)) < self.missing)


@dataclass(frozen=True)
class Normal(Distribution):
    """Floats from a normal distribution."""

    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(_finite(self.mean), f"Normal: mean must be a finite number, got {self.mean!r}")
        _check(_finite(self.std) and self.std >= 0, f"Normal: std must be >= 0, got {self.std!r}")

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        return pd.Series(rng.normal(self.mean, self.std, n_rows))


@dataclass(frozen=True)
class Uniform(Distribution):
    """Floats spread evenly over ``[low, high)``."""

    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(
            _finite(self.low) and _finite(self.high) and self.low < self.high,
            f"Uniform: need finite low < high, got low={self.low!r} high={self.high!r}",
        )

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        return pd.Series(rng.uniform(self.low, self.high, n_rows))


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Positive, right-skewed floats (incomes, durations): ``exp(Normal(mean, sigma))``."""

    mean: float = 0.0
    sigma: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(_finite(self.mean), f"LogNormal: mean must be a finite number, got {self.mean!r}")
        _check(
            _finite(self.sigma) and self.sigma >= 0,
            f"LogNormal: sigma must be >= 0, got {self.sigma!r}",
        )

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        return pd.Series(rng.lognormal(self.mean, self.sigma, n_rows))


@dataclass(frozen=True)
class Poisson(Distribution):
    """Counts (int64; nullable ``Int64`` when values go missing)."""

    lam: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(_finite(self.lam) and self.lam >= 0, f"Poisson: lam must be >= 0, got {self.lam!r}")

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        values = pd.Series(rng.poisson(self.lam, n_rows).astype("int64"))
        return values.astype("Int64") if self.missing else values


@dataclass(frozen=True)
class Categorical(Distribution):
    """Labels drawn with the given probabilities (which must add up to 1), as a pandas category."""

    probabilities: Mapping[str, float]

    def __post_init__(self) -> None:
        super().__post_init__()
        probabilities = dict(self.probabilities) if isinstance(self.probabilities, Mapping) else {}
        _check(
            bool(probabilities),
            "Categorical: probabilities must be a non-empty mapping of label -> probability",
        )
        _check(
            all(_finite(p) and p >= 0 for p in probabilities.values()),
            f"Categorical: probabilities must be numbers >= 0, got {probabilities!r}",
        )
        total = sum(probabilities.values())
        _check(
            math.isclose(total, 1.0, abs_tol=1e-6),
            f"Categorical: probabilities must add up to 1, they add up to {total:g}",
        )

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        labels = list(self.probabilities)
        weights = np.array([self.probabilities[label] for label in labels], dtype=float)
        codes = rng.choice(len(labels), size=n_rows, p=weights / weights.sum())
        return pd.Series(pd.Categorical.from_codes(codes, categories=labels))


@dataclass(frozen=True)
class Boolean(Distribution):
    """True with probability ``p`` (bool; nullable ``boolean`` when values go missing)."""

    p: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(
            _finite(self.p) and 0 <= self.p <= 1, f"Boolean: p must be in [0, 1], got {self.p!r}"
        )

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        values = pd.Series(rng.random(n_rows) < self.p)
        return values.astype("boolean") if self.missing else values


@dataclass(frozen=True)
class Dates(Distribution):
    """Timestamps spread evenly over ``[start, end)``, to the second."""

    start: str | datetime | pd.Timestamp
    end: str | datetime | pd.Timestamp

    def _bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        try:
            start, end = pd.Timestamp(self.start), pd.Timestamp(self.end)
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(f"Dates: start and end must be dates: {exc}") from exc
        _check(
            not (pd.isna(start) or pd.isna(end)),
            "Dates: start and end must be dates, not missing",
        )
        return start, end

    def __post_init__(self) -> None:
        super().__post_init__()
        start, end = self._bounds()
        try:
            ordered = start < end
        except TypeError as exc:  # one has a time zone and the other not
            raise InvalidValueError(f"Dates: start and end cannot be compared: {exc}") from exc
        _check(ordered, f"Dates: start must come before end, got {self.start!r} .. {self.end!r}")

    def sample(self, rng: np.random.Generator, n_rows: int) -> pd.Series:
        start, end = self._bounds()
        span = int((end - start).total_seconds())
        seconds = rng.integers(0, max(span, 1), n_rows)
        return pd.Series(start + pd.to_timedelta(seconds, unit="s"))


class TargetRule(ABC):
    """Makes a target column from the (complete) feature columns."""

    name: str

    @abstractmethod
    def make(self, features: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
        """The target, one value per row of ``features``."""


def _linear_score(
    features: pd.DataFrame, weights: Mapping[str, float], intercept: float
) -> np.ndarray:
    """``intercept + sum(weight * value)``; ``"col=label"`` weighs an indicator of that label."""
    score = np.full(len(features), float(intercept))
    for key, weight in weights.items():
        _check(_finite(weight), f"target weight for {key!r} must be a finite number")
        column, _, label = key.partition("=")
        if column not in features.columns:
            raise InvalidValueError(
                f"target weight {key!r} names no column; columns: {', '.join(features.columns)}"
            )
        values = features[column]
        if label:
            _check(
                isinstance(values.dtype, pd.CategoricalDtype),
                f"target weight {key!r}: 'column=label' is for categorical columns",
            )
            _check(
                label in values.cat.categories,
                f"target weight {key!r}: {column!r} has no label {label!r}; "
                f"labels: {', '.join(map(str, values.cat.categories))}",
            )
            term = (values == label).to_numpy(dtype=float)
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            term = values.to_numpy(dtype=float)
        else:
            raise InvalidValueError(
                f"target weight {key!r}: {column!r} is {values.dtype}; weigh a categorical "
                f"column per label ('{column}=<label>'); dates cannot be weighed"
            )
        score += weight * term
    return score


@dataclass(frozen=True)
class LogisticTarget(TargetRule):
    """A 0/1 target: 1 with probability ``sigmoid(intercept + sum(weight * feature))``.

    Weights are keyed by column name (numeric and boolean columns) or ``"column=label"`` (one
    label of a categorical column). The intercept sets the balance: strongly negative makes 1 rare.
    """

    weights: Mapping[str, float]
    intercept: float = 0.0
    name: str = "target"

    def make(self, features: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
        score = _linear_score(features, self.weights, self.intercept)
        probability = 1.0 / (1.0 + np.exp(-np.clip(score, -500, 500)))
        return pd.Series((rng.random(len(features)) < probability).astype("int64"))


@dataclass(frozen=True)
class LinearTarget(TargetRule):
    """A numeric target: ``intercept + sum(weight * feature) + Normal(0, noise)``."""

    weights: Mapping[str, float]
    intercept: float = 0.0
    noise: float = 1.0
    name: str = "target"

    def make(self, features: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
        _check(_finite(self.noise) and self.noise >= 0, f"noise must be >= 0, got {self.noise!r}")
        score = _linear_score(features, self.weights, self.intercept)
        return pd.Series(score + rng.normal(0.0, self.noise, len(features)))


def _stream(seed: int, name: str, purpose: int) -> np.random.Generator:
    # A stable hash (not hash(), which changes per process) keeps columns reproducible.
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, key, purpose]))


def make_synthetic(
    n_rows: int,
    *,
    columns: Mapping[str, Distribution],
    target: TargetRule | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """A table of ``n_rows`` rows drawn from ``columns``, plus ``target`` when a rule is given.

    Raises:
        InvalidValueError: ``n_rows`` is not a positive integer, a column is not a
            :class:`Distribution`, the target's name is taken by a column, or a target weight
            names a column or label that does not exist.
    """
    _check(
        isinstance(n_rows, int) and not isinstance(n_rows, bool) and n_rows > 0,
        f"n_rows must be a positive integer, got {n_rows!r}",
    )
    _check(
        isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0,
        f"seed must be an integer >= 0, got {seed!r}",
    )
    _check(
        isinstance(columns, Mapping) and len(columns) > 0,
        "columns must be a non-empty mapping of column name -> distribution",
    )
    for name, distribution in columns.items():
        _check(isinstance(name, str) and name != "", f"column names must be text, got {name!r}")
        _check(
            isinstance(distribution, Distribution),
            f"column {name!r}: expected a distribution such as Normal(0, 1), "
            f"got {type(distribution).__name__}",
        )
    if target is not None:
        _check(
            isinstance(target, TargetRule),
            f"target must be a rule such as LogisticTarget, got {type(target).__name__}",
        )
        _check(
            target.name not in columns,
            f"target name {target.name!r} is also a column; name the target differently",
        )
    complete = pd.DataFrame(
        {name: dist.sample(_stream(seed, name, _VALUES), n_rows) for name, dist in columns.items()}
    )
    frame = pd.DataFrame(
        {
            name: dist.with_missing(complete[name], _stream(seed, name, _MISSING))
            for name, dist in columns.items()
        }
    )
    if target is not None:
        frame[target.name] = target.make(complete, _stream(seed, target.name, _TARGET))
    return frame


# --- SMOTE oversampling --------------------------------------------------------------------------
