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

from loopml.core import ConfigurationError, InvalidValueError
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


BUNDLED_DATASETS = (
    "employment",
    "employment-reference",
    "breast_cancer",
    "wine",
    "digits",
    "diabetes",
)


class DataSource(_Section):
    """Where a table comes from: a stored dataset (name, optional version), a file, or a data
    set bundled with loopml (``employment``, ``breast_cancer``, ...; see ``loopml.datasets``)."""

    dataset: str | None = None
    version: int | None = Field(default=None, ge=1)
    file: str | None = None
    bundled: Literal[BUNDLED_DATASETS] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_source(self) -> DataSource:
        given = [k for k in ("dataset", "file", "bundled") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'dataset' (a stored dataset), 'file' or 'bundled'"
                + (f"; got {', '.join(given)}" if given else "")
            )
        if self.version is not None and self.dataset is None:
            raise ValueError("'version' goes with 'dataset'")
        return self


class DataSection(DataSource):
    """The project's table and its target, what is not a feature, and an optional test set.

    ``test`` names a separate test table (then ``split.ratios`` has two parts: train and
    validation); it must not share rows with the training data. ``id_column`` identifies a row
    (never a feature; an id in two parts is an error). ``drop`` lists other non-features (kept
    for slices). ``sample_rows`` trains on a seeded sample, for a quick first run.
    """

    target: str = Field(min_length=1)
    task: Literal["classification", "regression"] | None = None
    id_column: str | None = None
    drop: list[str] = Field(default_factory=list)
    sample_rows: int | None = Field(default=None, ge=100)
    sample_seed: int = 0
    test: DataSource | None = None


class SplitSection(_Section):
    """How the data is split into train / validation / test (see ``loopml.data.split_dataset``)."""

    strategy: Literal["random", "stratified", "grouped", "time"] = "stratified"
    ratios: tuple[float, float, float] | tuple[float, float] = (0.7, 0.15, 0.15)
    seed: int = 0
    stratify_by: str | None = None
    group_by: str | None = None
    time_by: str | None = None

    @field_validator("ratios")
    @classmethod
    def _ratios_sum_to_one(cls, ratios: tuple[float, ...]) -> tuple[float, ...]:
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


class BaselinesSection(_Section):
    """The baselines every candidate must clearly beat (a dummy model always runs).

    ``rule`` is ``module:function``, a plain Python function from the feature table to one
    prediction per row, importable from the project's folder.
    """

    rule: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    margin: float = Field(default=0.01, ge=0)


class BehaviourCheckSection(_Section):
    """One behavioural test: ``invariance`` (changing ``column`` to each of ``values`` leaves
    predictions alone), ``directional`` (adding ``change`` to ``column`` moves the score as
    ``expect`` says) or ``minimum_functionality`` (the cases in ``file``, a CSV with an
    ``expected`` column)."""

    kind: Literal["invariance", "directional", "minimum_functionality"]
    name: str | None = None
    column: str | None = None
    values: list[Any] | None = None
    change: float | None = None
    expect: Literal["increase", "decrease"] | None = None
    file: str | None = None
    expected: str = "expected"
    tolerance: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _has_its_fields(self) -> BehaviourCheckSection:
        needs = {
            "invariance": ("column", "values"),
            "directional": ("column", "change", "expect"),
            "minimum_functionality": ("file",),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} check needs {', '.join(missing)}")
        return self


class ThresholdSection(_Section):
    """How a binary classifier's cut-off is chosen (on the validation rows): best ``f1``, best
    ``youden`` (TPR - FPR), the best recall at ``precision_at_least: p``, the best precision
    at ``recall_at_least: r``, or the least total ``cost: {fp: 1, fn: 5}``."""

    objective: Literal["f1", "youden", "precision_at_least", "recall_at_least", "cost"] = "f1"
    at_least: float | None = Field(default=None, ge=0, le=1)
    cost: dict[Literal["tp", "fp", "tn", "fn"], float] | None = None

    @model_validator(mode="after")
    def _has_its_setting(self) -> ThresholdSection:
        bounded = self.objective in ("precision_at_least", "recall_at_least")
        if bounded != (self.at_least is not None):
            raise ValueError(
                f"'at_least' goes with precision_at_least and recall_at_least, "
                f"not with {self.objective}"
                if not bounded
                else f"{self.objective} needs 'at_least: <0..1>'"
            )
        if (self.objective == "cost") != (self.cost is not None):
            raise ValueError("'cost: {fp: ..., fn: ...}' goes with objective cost, and only it")
        if self.cost is not None and not {"fp", "fn"} <= set(self.cost):
            raise ValueError("a cost needs 'fp' and 'fn' (and optionally 'tp', 'tn')")
        return self

    def as_objective(self) -> Any:
        """The objective in ``loopml.evaluation.select_threshold``'s form."""
        if self.at_least is not None:
            return (self.objective, self.at_least)
        if self.cost is not None:
            return dict(self.cost)
        return self.objective


class FairnessSection(_Section):
    """Sensitive features and the limits that fail an evaluation."""

    sensitive_features: list[str] = Field(min_length=1)
    max_demographic_parity_difference: float | None = Field(default=None, ge=0, le=1)
    min_demographic_parity_ratio: float | None = Field(default=None, ge=0, le=1)
    max_equalized_odds_difference: float | None = Field(default=None, ge=0, le=1)
    # Groups smaller than this are listed but left out of the verdict: a group of three people
    # has a selection rate of 0, 1/3, 2/3 or 1 and would decide it alone.
    min_group_size: int = Field(default=30, ge=1)


class EvaluateSection(_Section):
    """How candidates are judged: headline metrics, slices, fairness and the gate."""

    metrics: list[str] = Field(default_factory=lambda: ["roc_auc", "f1", "accuracy"])
    primary_metric: str = "roc_auc"
    slices: list[str] = Field(default_factory=list)
    fairness: FairnessSection | None = None
    behaviour: list[BehaviourCheckSection] = Field(default_factory=list)
    threshold: ThresholdSection | None = None
    gate: list[dict[str, Any]] = Field(
        default_factory=list, description="promotion gate rules (loopml.evaluation.Gate)"
    )
    finalists: int = Field(default=1, ge=1, description="top candidates scored on the test set")
    explain: bool = True
    limitations: list[str] = Field(default_factory=list, description="for the model card")

    @field_validator("gate")
    @classmethod
    def _gate_is_valid(cls, gate: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if gate:
            from loopml.evaluation import Gate

            try:
                Gate.from_config(gate)
            except InvalidValueError as exc:
                raise ValueError(str(exc)) from None
        return gate


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
    baselines: BaselinesSection = Field(default_factory=BaselinesSection)
    tune: TuneSection = Field(default_factory=TuneSection)
    evaluate: EvaluateSection = Field(default_factory=EvaluateSection)

    @model_validator(mode="after")
    def _names_are_unique(self) -> Project:
        names = [c.name for c in self.candidates]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"candidate names must be unique; repeated: {', '.join(doubled)}")
        parts = 2 if self.data.test is not None else 3
        if len(self.split.ratios) != parts:
            raise ValueError(
                f"split.ratios needs {parts} parts "
                + (
                    "(train, validation: the test set is data.test)"
                    if parts == 2
                    else "(train, validation, test)"
                )
                + f", got {len(self.split.ratios)}"
            )
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


def _yaml(text: str, path: str) -> tuple[Any, Any]:
    """The YAML node tree (for line numbers) and the data; a syntax error names its line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProjectFileError(path, [(line, "(yaml)", str(getattr(exc, "problem", exc)))]) from exc


def _problems(
    exc: ValidationError, root: Any, *, skip: int = 0
) -> list[tuple[int | None, str, str]]:
    """Each validation error with its line; ``skip`` drops leading parts of the location that
    the file itself does not have (a wrapper's field name)."""
    problems = []
    for error in exc.errors():
        location = tuple(error["loc"])[skip:]
        where = ".".join(str(part) for part in location) or "(file)"
        message = error["msg"].removeprefix("Value error, ")
        problems.append((_line_of(root, location), where, message))
    problems.sort(key=lambda p: (p[0] or 0, p[1]))
    return problems


def parse_project(text: str, *, path: str = "loopml.yaml") -> Project:
    """Validate the text of a project file; every problem at once, each with its line.

    Raises:
        ProjectFileError: the YAML does not parse, or the project has problems.
    """
    root, data = _yaml(text, path)
    if not isinstance(data, dict):
        raise ProjectFileError(path, [(1, "(file)", "a project file is a mapping of sections")])
    try:
        return Project.model_validate(data)
    except ValidationError as exc:
        raise ProjectFileError(path, _problems(exc, root)) from None


class _BehaviourFile(_Section):
    checks: list[BehaviourCheckSection]


def load_behaviour_checks(path: str | Path) -> list[BehaviourCheckSection]:
    """Behavioural tests from a YAML (or JSON) file: a list written as the project file's
    ``evaluate.behaviour`` (for ``loopml evaluate --behaviour``).

    Raises:
        ProjectFileError: the file is missing or unreadable, not a list, or has problems
            (every one, with its line).
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectFileError(str(source), [(None, "(file)", f"cannot read it: {exc}")]) from exc
    root, data = _yaml(text, str(source))
    if not isinstance(data, list) or not data:
        raise ProjectFileError(
            str(source),
            [
                (
                    1,
                    "(file)",
                    "a behaviour file is a list of checks, e.g. "
                    "- {kind: invariance, column: region, values: [north, south]}",
                )
            ],
        )
    try:
        return _BehaviourFile.model_validate({"checks": data}).checks
    except ValidationError as exc:
        raise ProjectFileError(str(source), _problems(exc, root, skip=1)) from None


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
