"""The cleaning config: a small JSON document (or the project file's ``clean`` section) that
becomes a :class:`Cleaner` with its steps in a sensible order.

Example::

    {"target": "employed",
     "missing": {"strategy": "median", "indicator": true},
     "outliers": {"method": "iqr", "action": "clip"},
     "scale": "standard",
     "encode": {"onehot": ["plan"]}}

Every problem in a config is reported at once, each with its place (``missing.strategy: ...``).
Columns are named, or chosen by kind: ``"numeric"``, ``"categorical"``, ``"datetime"``.

Order of the steps built (only those configured): date-time parts; drop columns, then rows,
with too many missing values; duplicates; IQR / z-score outliers (clip or drop); imputation;
isolation-forest outliers (on imputed values); scaling; SMOTE; noise; ordinal, target and
one-hot encoding (an encoder with no columns takes the text columns the others left).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loopml.core import InvalidValueError

Columns = list[str] | Literal["numeric", "categorical", "datetime"] | None
DateTimePart = Literal[
    "year",
    "quarter",
    "month",
    "day",
    "dayofweek",
    "dayofyear",
    "hour",
    "minute",
    "second",
    "is_weekend",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _shorthand(value: Any, *, key: str) -> Any:
    """``true`` -> ``{}``, a list -> ``{"columns": list}``, a word -> ``{key: word}``."""
    if value is True:
        return {}
    if value is False:
        return None
    if isinstance(value, list):
        return {"columns": value}
    if isinstance(value, str):
        return {key: value}
    return value


def _default_parts() -> list[DateTimePart]:
    return ["year", "month", "day", "dayofweek", "hour"]


class DateTimeConfig(_Section):
    columns: Columns = None
    parts: list[DateTimePart] = Field(default_factory=_default_parts, min_length=1)
    drop_original: bool = True


class MissingConfig(_Section):
    drop_columns_over: float | None = Field(default=None, ge=0, le=1)
    drop_rows_over: float | None = Field(default=None, ge=0, le=1)
    strategy: Literal["mean", "median", "most_frequent", "constant", "knn"] | None = None
    columns: Columns = None
    indicator: bool = False
    fill_value: float | str | None = None
    n_neighbors: int = Field(default=5, ge=1)
    categorical_strategy: Literal["most_frequent", "constant"] | None = None
    categorical_fill_value: str | None = None


class DuplicatesConfig(_Section):
    subset: list[str] | None = None
    keep: Literal["first", "last"] = "first"


class OutliersConfig(_Section):
    method: Literal["iqr", "zscore", "isolation_forest"]
    action: Literal["clip", "drop"] = "clip"
    columns: Columns = None
    factor: float = Field(default=1.5, gt=0)
    threshold: float = Field(default=3.0, gt=0)
    contamination: Literal["auto"] | float = "auto"

    @model_validator(mode="after")
    def _forest_drops(self) -> OutliersConfig:
        if self.method == "isolation_forest" and self.action == "clip":
            raise ValueError(
                "isolation_forest finds outlying rows, not values with bounds to clip to; "
                "use action 'drop'"
            )
        if isinstance(self.contamination, float) and not 0 < self.contamination <= 0.5:
            raise ValueError("contamination must be 'auto' or in (0, 0.5]")
        return self


class ScaleConfig(_Section):
    method: Literal["standard", "minmax", "robust"]
    columns: Columns = None


class NoiseConfig(_Section):
    columns: Columns = None
    fraction: float = Field(default=1.0, gt=0)
    scale: float = Field(default=0.05, gt=0)


class SmoteConfig(_Section):
    sampling_strategy: (
        Literal["auto", "minority", "not majority", "not minority", "all"] | float | dict[str, int]
    ) = "auto"
    k_neighbors: int = Field(default=5, ge=1)
    categorical_columns: list[str] | None = None


class AugmentConfig(_Section):
    smote: SmoteConfig | None = None
    noise: NoiseConfig | None = None

    @field_validator("smote", "noise", mode="before")
    @classmethod
    def _on(cls, value: Any) -> Any:
        return _shorthand(value, key="columns")


class OneHotConfig(_Section):
    columns: Columns = None
    handle_unknown: Literal["ignore", "infrequent_if_exist"] = "ignore"
    min_frequency: int | float | None = None
    max_categories: int | None = Field(default=None, ge=1)


class OrdinalConfig(_Section):
    columns: Columns = None
    categories: dict[str, list[str | int | float | bool]] | None = None
    unknown_value: int = -1


class TargetEncodingConfig(_Section):
    columns: Columns = None
    smooth: Literal["auto"] | float = "auto"
    cv: int = Field(default=5, ge=2)
    cross_fit: bool = True


class EncodeConfig(_Section):
    ordinal: OrdinalConfig | None = None
    target: TargetEncodingConfig | None = None
    onehot: OneHotConfig | None = None

    @field_validator("ordinal", "target", "onehot", mode="before")
    @classmethod
    def _columns_only(cls, value: Any) -> Any:
        return _shorthand(value, key="columns")

    @model_validator(mode="after")
    def _one_catch_all(self) -> EncodeConfig:
        encoders = {"ordinal": self.ordinal, "target": self.target, "onehot": self.onehot}
        unnamed = [
            name
            for name, section in encoders.items()
            if section is not None
            and section.columns is None
            and not (isinstance(section, OrdinalConfig) and section.categories)
        ]
        if len(unnamed) > 1:
            raise ValueError(
                f"{' and '.join(unnamed)} both take every text column; name the columns of all "
                "but one"
            )
        seen: dict[str, str] = {}
        for name, section in encoders.items():
            if section is not None and isinstance(section.columns, list):
                for column in section.columns:
                    if column in seen:
                        raise ValueError(
                            f"column {column!r} is encoded by {seen[column]} and {name}"
                        )
                    seen[column] = name
        return self


class CleaningConfig(_Section):
    """How to clean a dataset; see the module docstring for the order of the steps."""

    version: Literal[1] = 1
    target: str | None = None
    random_state: int = 0
    datetime: DateTimeConfig | None = None
    missing: MissingConfig | None = None
    duplicates: DuplicatesConfig | None = None
    outliers: OutliersConfig | None = None
    scale: ScaleConfig | None = None
    augment: AugmentConfig | None = None
    encode: EncodeConfig | None = None

    @field_validator("datetime", "duplicates", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return _shorthand(value, key="columns")

    @field_validator("scale", "outliers", mode="before")
    @classmethod
    def _method(cls, value: Any) -> Any:
        return _shorthand(value, key="method")

    @model_validator(mode="after")
    def _needs_target(self) -> CleaningConfig:
        problem = _target_problem(self.model_dump())
        if problem:
            raise ValueError(problem)
        return self


def _target_problem(data: Mapping[str, Any]) -> str | None:
    """Sections that need the target when it is not set (reads raw data: runs even when other
    parts of the config are invalid, so this problem is reported with theirs)."""
    if data.get("target") is not None:
        return None
    encode, augment = data.get("encode"), data.get("augment")
    needs = []
    if isinstance(encode, Mapping) and encode.get("target") not in (None, False):
        needs.append("encode.target (target encoding)")
    if isinstance(augment, Mapping) and augment.get("smote") not in (None, False):
        needs.append("augment.smote")
    if not needs:
        return None
    verb = "needs" if len(needs) == 1 else "need"
    return f"{' and '.join(needs)} {verb} the target column: set 'target'"


def parse_cleaning_config(config: Mapping[str, Any] | CleaningConfig) -> CleaningConfig:
    """Validate a cleaning config given as plain data.

    Raises:
        InvalidValueError: listing every problem, each with where it is.
    """
    if isinstance(config, CleaningConfig):
        return config
    if not isinstance(config, Mapping):
        raise InvalidValueError(
            f"a cleaning config is a JSON object (dict), not {type(config).__name__}"
        )
    try:
        return CleaningConfig.model_validate(dict(config))
    except ValidationError as exc:
        problems = _describe(exc.errors())
        target_problem = _target_problem(config)
        if target_problem and not any(target_problem in p for p in problems):
            problems.append(f"config: {target_problem}")
        raise InvalidValueError(
            f"cleaning config has {len(problems)} problem{'s' if len(problems) > 1 else ''}: "
            + "; ".join(problems)
        ) from None


def load_cleaning_config(path: str | Path) -> CleaningConfig:
    """Read and validate a cleaning config from a JSON file."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidValueError(f"cleaning config file {str(source)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValueError(f"cannot read cleaning config {str(source)!r}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidValueError(
            f"cleaning config {str(source)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    return parse_cleaning_config(data)


def _describe(errors: list[Any]) -> list[str]:
    """One line per place in the config; a union's alternatives joined with "or"."""
    by_place: dict[str, list[str]] = {}
    for error in errors:
        # Drop pydantic's union-member tags (``literal['a','b']``, ``float``) from the place.
        parts = [
            f"[{p}]" if isinstance(p, int) else str(p)
            for p in error["loc"]
            if not (isinstance(p, str) and ("[" in p or p in _TYPE_TAGS))
        ]
        place = ".".join(parts).replace(".[", "[") or "config"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        messages = by_place.setdefault(place, [])
        if messages and message.startswith("Input should be "):
            message = message.removeprefix("Input should be ")
        if message not in messages:
            messages.append(message)
    return [f"{place}: {' or '.join(messages)}" for place, messages in by_place.items()]


_TYPE_TAGS = frozenset({"float", "int", "str", "bool", "list", "dict"})
