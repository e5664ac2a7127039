"""The project file, ``loopml.yaml``: what to learn from which data, and what counts as success.

One file describes a project: the data and its target, how to clean and split it, the candidate
models with their search spaces, how to evaluate them (metrics, slices, sensitive features,
gates), and the goal the model serves: a business KPI and the success criteria (metrics with
thresholds) that reports and the promotion gate check against.

Every section is a pydantic model with ``extra="forbid"``, so a typo is an error, not a silently
ignored key. :func:`load_project` reports EVERY problem of a file at once, each with its line
(PyYAML's node tree maps pydantic's error paths back to the text).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loopml.core import ConfigurationError
from loopml.data import CleaningConfig

PROJECT_FORMAT = 1


class ProjectFileError(ConfigurationError):
    """A project file has problems; ``problems`` lists each as ``(line, where, message)``."""

    def __init__(self, path: str, problems: list[tuple[int | None, str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [
            f"{path}:{line if line is not None else '?'}: {where}: {message}"
            for line, where, message in problems
        ]
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{path} has {count}:\n" + "\n".join(lines))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SuccessCriterion(_Section):
    """A model metric with the threshold the goal needs (``min`` or ``max``, or both)."""

    metric: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _has_a_bound(self) -> SuccessCriterion:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Goal(_Section):
    """Why the model exists: the business KPI it serves and the criteria it must meet."""

    kpi: str = Field(min_length=1)
    success: list[SuccessCriterion] = Field(min_length=1)


class DataSection(_Section):
    """Where the data comes from: a stored dataset (name, optional version) or a file."""

    dataset: str | None = None
    version: int | None = Field(default=None, ge=1)
    file: str | None = None
    target: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> DataSection:
        if (self.dataset is None) == (self.file is None):
            raise ValueError("give exactly one of 'dataset' (a stored dataset) or 'file'")
        if self.version is not None and self.dataset is None:
            raise ValueError("'version' goes with 'dataset'")
        return self


class SplitSection(_Section):
    """How the data is split into train / validation / test (see ``loopml.data.split_dataset``)."""

    strategy: Literal["random", "stratified", "grouped", "time"] = "stratified"
    ratios: tuple[float, float, float] = (0.7, 0.15, 0.15)
    seed: int = 0
    stratify_by: str | None = None
    group_by: str | None = None
    time_by: str | None = None

    @field_validator("ratios")
    @classmethod
    def _ratios_sum_to_one(cls, ratios: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(r <= 0 for r in ratios) or not math.isclose(sum(ratios), 1.0, abs_tol=1e-9):
            raise ValueError(f"ratios must be positive and sum to 1, got {list(ratios)}")
        return ratios

    @model_validator(mode="after")
    def _strategy_has_its_column(self) -> SplitSection:
        needs = {"grouped": "group_by", "time": "time_by"}
        column = needs.get(self.strategy)
        if column is not None and getattr(self, column) is None:
            raise ValueError(f"strategy {self.strategy!r} needs '{column}'")
        return self


class SearchDimension(_Section):
    """One tuned parameter: a float or int range (``log`` for a log scale) or a list of choices."""

    float_: tuple[float, float] | None = Field(default=None, alias="float")
    int_: tuple[int, int] | None = Field(default=None, alias="int")
    categorical: list[Any] | None = None
    log: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> SearchDimension:
        kinds = [k for k in (self.float_, self.int_, self.categorical) if k is not None]
        if len(kinds) != 1:
            raise ValueError(
                "give exactly one of 'float: [low, high]', 'int: [low, high]', 'categorical: [...]'"
            )
        span = self.float_ or self.int_
        if span is not None:
            low, high = span
            if not low < high:
                raise ValueError(f"the range [{low}, {high}] is empty: low must be below high")
            if self.log and low <= 0:
                raise ValueError(f"a log scale needs low > 0, got {low}")
        if self.categorical is not None and not self.categorical:
            raise ValueError("'categorical' needs at least one choice")
        return self


class Candidate(_Section):
    """A model to try: its kind, fixed parameters and the space its tuned parameters come from."""

    name: str = Field(min_length=1)
    kind: str = Field(min_length=1, description="lightgbm, xgboost, logistic_regression, ...")
    params: dict[str, Any] = Field(default_factory=dict)
    search: dict[str, SearchDimension] = Field(default_factory=dict)


class TuneSection(_Section):
    """The tuning budget (trials and/or wall time), sampler, cross-validation and workers."""

    trials: int | None = Field(default=20, ge=1)
    timeout_s: float | None = Field(default=None, gt=0)
    sampler: Literal["tpe", "random", "grid"] = "tpe"
    cv_folds: int = Field(default=3, ge=2)
    workers: int = Field(default=1, ge=1)
    seed: int = 0


class FairnessSection(_Section):
    """Sensitive features and the limits that fail an evaluation."""

    sensitive_features: list[str] = Field(min_length=1)
    max_demographic_parity_difference: float | None = Field(default=None, ge=0, le=1)
    min_demographic_parity_ratio: float | None = Field(default=None, ge=0, le=1)
    max_equalized_odds_difference: float | None = Field(default=None, ge=0, le=1)


class GateRule(_Section):
    """One rule of the promotion gate, e.g. ``{metric: f1, max_drop: 0.01}``."""

    metric: str | None = None
    max_drop: float | None = Field(default=None, ge=0)
    fairness_must_pass: bool | None = None

    @model_validator(mode="after")
    def _says_something(self) -> GateRule:
        if self.metric is None and self.fairness_must_pass is None:
            raise ValueError("a gate rule needs 'metric' (with 'max_drop') or 'fairness_must_pass'")
        if self.metric is not None and self.max_drop is None:
            raise ValueError(f"gate rule on {self.metric!r} needs 'max_drop'")
        return self


class EvaluateSection(_Section):
    """How candidates are judged: headline metrics, slices, fairness and the gate."""

    metrics: list[str] = Field(default_factory=lambda: ["roc_auc", "f1", "accuracy"])
    primary_metric: str = "roc_auc"
    slices: list[str] = Field(default_factory=list)
    fairness: FairnessSection | None = None
    gate: list[GateRule] = Field(default_factory=list)


class Project(_Section):
    """The whole ``loopml.yaml``."""

    format: Literal[1] = 1  # PROJECT_FORMAT; a new layout gets a new number
    project: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    description: str = ""
    goal: Goal
    data: DataSection
    clean: CleaningConfig | None = None
    split: SplitSection = Field(default_factory=SplitSection)
    candidates: list[Candidate] = Field(min_length=1)
    tune: TuneSection = Field(default_factory=TuneSection)
    evaluate: EvaluateSection = Field(default_factory=EvaluateSection)

    @model_validator(mode="after")
    def _names_are_unique(self) -> Project:
        names = [c.name for c in self.candidates]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"candidate names must be unique; repeated: {', '.join(doubled)}")
        return self


def _line_of(node: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node along ``path`` (pydantic's error location)."""
    line = None if node is None else node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            if found is None:
                # An unknown key is reported at the key itself.
                found = next((k for k, _ in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            found = node.value[step] if step < len(node.value) else None
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def parse_project(text: str, *, path: str = "loopml.yaml") -> Project:
    """Validate the text of a project file; every problem at once, each with its line.

    Raises:
        ProjectFileError: the YAML does not parse, or the project has problems.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProjectFileError(path, [(line, "(yaml)", str(getattr(exc, "problem", exc)))]) from exc
    if not isinstance(data, dict):
        raise ProjectFileError(path, [(1, "(file)", "a project file is a mapping of sections")])
    try:
        return Project.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            where = ".".join(str(part) for part in location) or "(file)"
            message = error["msg"].removeprefix("Value error, ")
            problems.append((_line_of(root, location), where, message))
        problems.sort(key=lambda p: (p[0] or 0, p[1]))
        raise ProjectFileError(path, problems) from None


def load_project(path: str | Path = "loopml.yaml") -> Project:
    """Read and validate a project file (see :func:`parse_project`).

    Raises:
        ProjectFileError: the file is missing, unreadable, or has problems.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectFileError(str(source), [(None, "(file)", f"cannot read it: {exc}")]) from exc
    return parse_project(text, path=str(source))


def example_project_text() -> str:
    """The commented example project that ``loopml init`` writes (the employment data)."""
    return (Path(__file__).parent / "example_project.yaml").read_text(encoding="utf-8")


def write_example_project(path: str | Path = "loopml.yaml", *, overwrite: bool = False) -> Path:
    """Write the example project to ``path``; an existing file is kept unless ``overwrite``.

    Raises:
        ConfigurationError: the file exists and ``overwrite`` is False.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise ConfigurationError(f"{target} exists already; pass --force to replace it")
    target.write_text(example_project_text(), encoding="utf-8")
    return target
