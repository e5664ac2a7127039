"""Train / validation / test splits: random, stratified, grouped or by time; seeded and recorded.

:func:`split_frame` is the pure part: a DataFrame in, the parts out, the same parts for the same
seed on every machine. :func:`split_dataset` records the parts as dataset versions
``<name>.train``, ``<name>.validation`` and ``<name>.test``, each with the split version as
parent and the split's recipe as source, so a model's lineage reaches back through its split.

Two guarantees are checked, not assumed: no id (``id_column``, and the group of a grouped
split) lands in two parts, and a time split never lets a time value straddle two parts (each
part ends strictly before the next begins). Everything is checked before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError
from loopml.data._datasets import (
    DatasetVersion,
    check_dataset_name,
    get_dataset,
    load_dataset,
    log_dataset,
)
from loopml.store import Stores

SplitStrategy = Literal["random", "stratified", "grouped", "time"]
STRATEGIES: tuple[str, ...] = ("random", "stratified", "grouped", "time")
_PARTS_OF = {2: ("train", "test"), 3: ("train", "validation", "test")}


class SplitFrames(NamedTuple):
    """The rows of each part (``validation`` is None for a two-way split)."""

    train: pd.DataFrame
    validation: pd.DataFrame | None
    test: pd.DataFrame


@dataclass(frozen=True)
class Split:
    """A recorded split: the version that was split and the versions of its parts."""

    source: DatasetVersion
    train: DatasetVersion
    validation: DatasetVersion | None
    test: DatasetVersion
    strategy: str
    seed: int
    ratios: tuple[float, ...]
    class_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Stratified splits: part -> class -> rows, the class balance of each part."""

    @property
    def parts(self) -> dict[str, DatasetVersion]:
        """Part name -> version, in order (train, [validation,] test)."""
        found = {"train": self.train, "validation": self.validation, "test": self.test}
        return {name: version for name, version in found.items() if version is not None}

    def load(self, *, stores: Stores | None = None) -> SplitFrames:
        """Read the parts' rows back from the store."""
        frames = {name: load_dataset(v, stores=stores) for name, v in self.parts.items()}
        return SplitFrames(frames["train"], frames.get("validation"), frames["test"])


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidValueError(message)


def _check_ratios(ratios: Sequence[float]) -> tuple[float, ...]:
    _check(
        isinstance(ratios, Sequence) and not isinstance(ratios, str) and len(ratios) in _PARTS_OF,
        f"ratios must be 2 numbers (train, test) or 3 (train, validation, test), got {ratios!r}",
    )
    for ratio in ratios:
        _check(
            isinstance(ratio, int | float)
            and not isinstance(ratio, bool)
            and math.isfinite(ratio)
            and ratio > 0,
            f"every ratio must be a number > 0, got {list(ratios)}",
        )
    total = float(sum(ratios))
    _check(
        math.isclose(total, 1.0, abs_tol=1e-6),
        f"ratios must add up to 1, {list(ratios)} add up to {total:g}",
    )
    return tuple(float(r) for r in ratios)


def _allocate(n_rows: int, ratios: Sequence[float]) -> list[int]:
    """Row counts per part: largest remainders, every part at least one row (n_rows >= parts)."""
    exact = [n_rows * r for r in ratios]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(ratios)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n_rows - sum(counts)]:
        counts[i] += 1
    for i in range(len(counts)):
        if counts[i] == 0:
            counts[i] = 1
            counts[counts.index(max(counts))] -= 1
    return counts


def _cut(order: np.ndarray, counts: Sequence[int]) -> list[np.ndarray]:
    edges = np.cumsum(counts)[:-1]
    return list(np.split(order, edges))


def _random(n_rows: int, ratios: Sequence[float], rng: np.random.Generator) -> list[np.ndarray]:
    return [np.sort(p) for p in _cut(rng.permutation(n_rows), _allocate(n_rows, ratios))]


def _stratified(
    values: pd.Series, ratios: Sequence[float], rng: np.random.Generator
) -> list[np.ndarray]:
    codes, classes = pd.factorize(values, sort=True, use_na_sentinel=False)
    sizes = np.bincount(codes, minlength=len(classes))
    small = [(classes[i], int(sizes[i])) for i in np.flatnonzero(sizes < len(ratios))]
    _check(
        not small,
        f"stratify_by {values.name!r}: {len(small)} classes have fewer rows than the "
        f"{len(ratios)} parts (e.g. "
        + ", ".join(f"{label!r}: {n}" for label, n in small[:5])
        + "); merge rare classes or stratify by a column with fewer classes",
    )
    parts: list[list[np.ndarray]] = [[] for _ in ratios]
    # Rows of each class, in original order, without a pass over all rows per class.
    by_class = np.split(np.argsort(codes, kind="stable"), np.cumsum(sizes)[:-1])
    for rows in by_class:
        shuffled = rng.permutation(rows)
        for i, piece in enumerate(_cut(shuffled, _allocate(len(rows), ratios))):
            parts[i].append(piece)
    return [np.sort(np.concatenate(p)) for p in parts]


def _grouped(
    values: pd.Series, ratios: Sequence[float], rng: np.random.Generator
) -> list[np.ndarray]:
    _check(
        not values.isna().any(),
        f"group_by {values.name!r} has {values.isna().sum()} missing values; every row needs a "
        "group",
    )
    codes, groups = pd.factorize(values, sort=True)
    _check(
        len(groups) >= len(ratios),
        f"group_by {values.name!r} has {len(groups)} groups; {len(ratios)} parts need at least "
        f"{len(ratios)}",
    )
    sizes = np.bincount(codes, minlength=len(groups)).tolist()
    targets = [r * len(values) for r in ratios]
    filled = [0] * len(ratios)
    parts = range(len(ratios))
    part_of_group = np.empty(len(groups), dtype=np.int64)
    order = rng.permutation(len(groups)).tolist()
    for seen, group in enumerate(order):
        empty = [i for i in parts if filled[i] == 0]
        # As many groups left as empty parts: each remaining group must fill one of them.
        candidates = empty if len(empty) >= len(order) - seen else parts
        choice = max(candidates, key=lambda i: targets[i] - filled[i])
        part_of_group[group] = choice
        filled[choice] += sizes[group]
    part_of_row = part_of_group[codes]
    return [np.flatnonzero(part_of_row == i) for i in range(len(ratios))]


def _by_time(values: pd.Series, ratios: Sequence[float]) -> list[np.ndarray]:
    _check(
        not values.isna().any(),
        f"time_by {values.name!r} has {values.isna().sum()} missing values; every row needs a time",
    )
    try:
        ordered = values.reset_index(drop=True).sort_values(kind="stable")
    except TypeError as exc:
        raise InvalidValueError(f"time_by {values.name!r} cannot be ordered: {exc}") from exc
    order = ordered.index.to_numpy()
    sorted_values = ordered.reset_index(drop=True)
    # Where a new time value starts: the only places a cut may go without mixing time ranges.
    candidates = np.flatnonzero(sorted_values.ne(sorted_values.shift()).to_numpy())[1:]
    n_cuts = len(ratios) - 1
    _check(
        len(candidates) >= n_cuts,
        f"time_by {values.name!r} has {len(candidates) + 1} distinct values; {len(ratios)} parts "
        "need at least as many, since one time never spans two parts",
    )
    wanted = np.cumsum(ratios)[:-1] * len(values)
    cuts: list[int] = []
    for j, target in enumerate(wanted):
        low = cuts[-1] if cuts else 0
        allowed = candidates[candidates > low]
        allowed = allowed[: len(allowed) - (n_cuts - 1 - j)]  # leave room for later cuts
        cuts.append(int(allowed[np.argmin(np.abs(allowed - target))]))
    return list(np.split(order, cuts))


def _check_ids_apart(frame: pd.DataFrame, column: str, parts: Sequence[np.ndarray]) -> None:
    part_of_row = np.empty(len(frame), dtype=np.int64)
    for i, rows in enumerate(parts):
        part_of_row[rows] = i
    spread = (
        pd.DataFrame({"id": frame[column].to_numpy(), "part": part_of_row})
        .groupby("id", sort=True)["part"]
        .nunique()
    )
    shared = spread[spread > 1]
    if len(shared):
        examples = ", ".join(repr(v) for v in shared.index[:5].tolist())
        raise InvalidValueError(
            f"{len(shared)} values of {column!r} would appear in more than one part (e.g. "
            f"{examples}); split with strategy='grouped', group_by={column!r}"
        )


def _assign(
    frame: pd.DataFrame,
    *,
    strategy: str,
    ratios: Sequence[float],
    seed: int,
    stratify_by: str | None,
    group_by: str | None,
    time_by: str | None,
    id_column: str | None,
) -> tuple[tuple[float, ...], list[np.ndarray]]:
    """Check the arguments and return (ratios, row positions of each part)."""
    _check(isinstance(frame, pd.DataFrame), f"expected a DataFrame, got {type(frame).__name__}")
    _check(
        strategy in STRATEGIES,
        f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}",
    )
    checked = _check_ratios(ratios)
    _check(
        isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0,
        f"seed must be an integer >= 0, got {seed!r}",
    )
    options = {"stratify_by": stratify_by, "group_by": group_by, "time_by": time_by}
    needs = {"stratified": "stratify_by", "grouped": "group_by", "time": "time_by"}
    for option, value in options.items():
        if value is not None and needs.get(strategy) != option:
            raise InvalidValueError(
                f"{option} is used only with strategy="
                f"{next(s for s, o in needs.items() if o == option)!r}, not {strategy!r}"
            )
    if strategy in needs:
        _check(
            options[needs[strategy]] is not None,
            f"strategy {strategy!r} needs a {needs[strategy]} column",
        )
    for option, column in [*options.items(), ("id_column", id_column)]:
        if column is not None and column not in frame.columns:
            raise InvalidValueError(
                f"{option} {column!r} is not a column; columns: "
                + ", ".join(map(str, frame.columns))
            )
    _check(
        len(frame) >= len(checked),
        f"{len(frame)} rows cannot be split into {len(checked)} non-empty parts",
    )
    rng = np.random.default_rng(seed)
    if strategy == "random":
        parts = _random(len(frame), checked, rng)
    elif strategy == "stratified":
        parts = _stratified(frame[stratify_by], checked, rng)
    elif strategy == "grouped":
        parts = _grouped(frame[group_by], checked, rng)
    else:
        parts = _by_time(frame[time_by], checked)
    for column in dict.fromkeys(c for c in (group_by, id_column) if c is not None):
        _check_ids_apart(frame, column, parts)
    return checked, parts


def _take(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    part = frame.iloc[rows]
    # A default index is row numbering, not data: renumber; a real index stays with its rows.
    return part.reset_index(drop=True) if isinstance(frame.index, pd.RangeIndex) else part


def _frames(frame: pd.DataFrame, parts: Sequence[np.ndarray]) -> SplitFrames:
    taken = [_take(frame, rows) for rows in parts]
    if len(taken) == 2:
        return SplitFrames(taken[0], None, taken[1])
    return SplitFrames(taken[0], taken[1], taken[2])


def split_frame(
    frame: pd.DataFrame,
    *,
    strategy: SplitStrategy = "random",
    ratios: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    stratify_by: str | None = None,
    group_by: str | None = None,
    time_by: str | None = None,
    id_column: str | None = None,
) -> SplitFrames:
    """Split ``frame`` into train, validation and test (or train and test for two ratios).

    Strategies:
        ``random``: rows shuffled with ``seed``, cut by ``ratios``.
        ``stratified``: the same within each class of ``stratify_by``, so every part keeps the
            class balance (every class needs at least one row per part).
        ``grouped``: whole groups of ``group_by`` (a customer, a patient) go to one part; parts
            get close to ``ratios`` in rows, not in groups.
        ``time``: rows ordered by ``time_by``, the earliest in train and the latest in test;
            a cut moves to the nearest change of time value, so no time is in two parts.

    Rows keep their original order within a part (time order for ``time``). The same
    arguments give the same parts.

    Raises:
        InvalidValueError: unknown strategy or column, an option the strategy does not use,
            ratios that are not 2-3 positive numbers adding up to 1, fewer rows (groups, time
            values, rows of a class) than parts, or an ``id_column`` value that would land in
            two parts.
    """
    _, parts = _assign(
        frame,
        strategy=strategy,
        ratios=ratios,
        seed=seed,
        stratify_by=stratify_by,
        group_by=group_by,
        time_by=time_by,
        id_column=id_column,
    )
    return _frames(frame, parts)


def _class_counts(frames: SplitFrames, column: str) -> dict[str, dict[str, int]]:
    counts = {}
    for part, frame in zip(("train", "validation", "test"), frames, strict=True):
        if frame is not None:
            tally = frame[column].value_counts(dropna=False, sort=False).sort_index()
            counts[part] = {str(label): int(n) for label, n in tally.items()}
    return counts


def split_dataset(
    version_or_frame: DatasetVersion | str | pd.DataFrame,
    *,
    strategy: SplitStrategy = "random",
    ratios: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    stratify_by: str | None = None,
    group_by: str | None = None,
    time_by: str | None = None,
    id_column: str | None = None,
    name: str | None = None,
    stores: Stores | None = None,
) -> Split:
    """Split a dataset version (or a DataFrame) and record the parts as dataset versions.

    The parts become versions of ``<name>.train``, ``<name>.validation`` and ``<name>.test``
    (``name`` defaults to the split dataset's name), each with the split version as parent and
    ``source={"kind": "split", "strategy", "seed", "ratios", "of": <uri>, "part", ...}``.
    A DataFrame is first logged as a version of ``name`` (required then), so the lineage is
    complete. Splitting the same version the same way again returns the same versions.

    Args:
        version_or_frame: a :class:`DatasetVersion`, a dataset name (its latest version) or a
            DataFrame. The other arguments are those of :func:`split_frame`.

    Raises:
        InvalidValueError: as :func:`split_frame`, or ``name`` is missing for a DataFrame or
            makes an invalid dataset name; nothing is recorded then.
        NotFoundError: the named dataset does not exist.
    """
    if isinstance(version_or_frame, pd.DataFrame):
        _check(name is not None, "name= is required to split a DataFrame (names its versions)")
        source: DatasetVersion | None = None
        frame = version_or_frame
    elif isinstance(version_or_frame, DatasetVersion | str):
        source = (
            version_or_frame
            if isinstance(version_or_frame, DatasetVersion)
            else get_dataset(version_or_frame, stores=stores)
        )
        frame = load_dataset(source, stores=stores)
    else:
        raise InvalidValueError(
            "split_dataset takes a DatasetVersion, a dataset name or a DataFrame, not "
            f"{type(version_or_frame).__name__}"
        )
    base = name if name is not None else source.dataset if source else ""
    checked, parts = _assign(
        frame,
        strategy=strategy,
        ratios=ratios,
        seed=seed,
        stratify_by=stratify_by,
        group_by=group_by,
        time_by=time_by,
        id_column=id_column,
    )
    part_names = _PARTS_OF[len(checked)]
    check_dataset_name(base)
    for part in part_names:
        check_dataset_name(f"{base}.{part}")
    frames = _frames(frame, parts)

    if source is None:
        source = log_dataset(frame, name=base, source={"kind": "dataframe"}, stores=stores)
    recipe: dict[str, Any] = {
        "kind": "split",
        "strategy": strategy,
        "seed": seed,
        "ratios": list(checked),
        "of": source.uri,
    }
    recipe.update(
        {
            option: value
            for option, value in (
                ("stratify_by", stratify_by),
                ("group_by", group_by),
                ("time_by", time_by),
                ("id_column", id_column),
            )
            if value is not None
        }
    )
    recorded = {}
    for part, part_frame in zip(("train", "validation", "test"), frames, strict=True):
        if part_frame is None:
            continue
        recorded[part] = log_dataset(
            part_frame,
            name=f"{base}.{part}",
            source={**recipe, "part": part},
            parents=[source],
            description=f"the {part} part of splits of {base}",
            stores=stores,
        )
    return Split(
        source=source,
        train=recorded["train"],
        validation=recorded.get("validation"),
        test=recorded["test"],
        strategy=strategy,
        seed=seed,
        ratios=checked,
        class_counts=_class_counts(frames, stratify_by) if stratify_by else {},
    )
