"""Cleaned dataset versions and their fitted cleaners.

``clean_dataset`` loads a raw version, fits a :class:`Cleaner` on it, stores the fitted cleaner
in the artifact store (skops, never pickle) and logs the cleaned table as a new version whose
parent is the raw one. The new version's ``source`` records the steps, the cleaner's digest and
the exact list of non-default types its skops file needs; ``load_cleaner`` trusts exactly that
list (and only types from loopml's cleaning steps, scikit-learn, imbalanced-learn, numpy and
scipy), after the artifact store checked the file's sha256.

Nothing is recorded unless everything worked: the cleaner is written and read back before the
version is logged, and ``log_dataset`` is atomic.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from loopml.core import ConflictError, InvalidValueError, ModelLoadError
from loopml.data._cleaning._cleaner import Cleaner, StepCallback
from loopml.data._cleaning._config import CleaningConfig
from loopml.data._cleaning._from_config import cleaner_from_config
from loopml.data._cleaning._report import CleaningReport
from loopml.data._datasets import (
    DatasetVersion,
    check_dataset_name,
    get_dataset,
    load_dataset,
    log_dataset,
)
from loopml.store import Stores, default_stores

CLEANER_FORMAT = "loopml.cleaner/1"
SOURCE_KIND = "clean"
# The only packages a stored cleaner may take types from. An allow-list, not a deny-list: a
# cleaner is our steps and the libraries they wrap, so anything else in the file is refused.
_TRUSTED_PREFIXES = (
    "loopml.data._cleaning.", "sklearn.", "imblearn.", "numpy.", "scipy.",
)  # fmt: skip


def dump_cleaner(cleaner: Cleaner) -> tuple[bytes, list[str]]:
    """The fitted cleaner as skops bytes, and the non-default types loading them needs.

    Raises:
        InvalidValueError: the cleaner is not fitted, or holds something skops cannot write or
            a type from outside the trusted packages (such as a custom step).
    """
    import skops.io
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(cleaner, Cleaner):
        raise InvalidValueError(f"expected a loopml Cleaner, got {type(cleaner).__name__}")
    try:
        check_is_fitted(cleaner)
    except NotFittedError as exc:
        raise InvalidValueError("the cleaner is not fitted; fit it before storing it") from exc
    try:
        data: bytes = skops.io.dumps(cleaner)
    except Exception as exc:  # skops raises TypeError, ValueError... for what it cannot write
        raise InvalidValueError(
            f"cannot store the fitted cleaner with skops ({type(exc).__name__}: {exc})"
        ) from exc
    trusted = sorted(skops.io.get_untrusted_types(data=data))
    refused = _outside_trusted(trusted)
    if refused:
        raise InvalidValueError(
            f"the cleaner holds types {refused} from outside loopml's cleaning steps, "
            "scikit-learn, imbalanced-learn, numpy and scipy; it cannot be stored as a cleaner"
        )
    read_cleaner(data, trusted)  # prove it loads back before anything is recorded
    return data, trusted


def read_cleaner(data: bytes, trusted: list[str]) -> Cleaner:
    """Load skops bytes written by :func:`dump_cleaner`, trusting exactly ``trusted``.

    Raises:
        ModelLoadError: the file needs other types, or skops cannot rebuild it.
    """
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    refused = _outside_trusted(trusted)
    if refused:
        raise ModelLoadError(f"the cleaner record asks to trust {refused}; refusing to load it")
    try:
        cleaner = skops.io.loads(data, trusted=trusted)
    except UntrustedTypesFoundException as exc:
        raise ModelLoadError(
            f"the cleaner file needs types that were not recorded when it was stored: {exc}"
        ) from exc
    except Exception as exc:  # incompatible library versions, a damaged file
        raise ModelLoadError(
            f"skops could not load the cleaner ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(cleaner, Cleaner):
        raise ModelLoadError(f"the cleaner file holds a {type(cleaner).__name__}, not a Cleaner")
    return cleaner


def _outside_trusted(type_names: list[str]) -> list[str]:
    return [name for name in type_names if not name.startswith(_TRUSTED_PREFIXES)]


def _versions() -> dict[str, str]:
    found = {}
    for package in ("sklearn", "imblearn", "skops", "numpy", "pandas"):
        version = getattr(sys.modules.get(package), "__version__", None)
        if isinstance(version, str):
            found[package] = version
    return found


def clean_dataset(
    version: DatasetVersion | str,
    cleaner: Cleaner | CleaningConfig | Mapping[str, Any],
    *,
    name: str | None = None,
    stores: Stores | None = None,
    progress: bool = False,
) -> tuple[DatasetVersion, CleaningReport]:
    """Fit ``cleaner`` on a dataset version and log the cleaned data as a new version.

    Args:
        version: the raw version, or a dataset name (its latest version).
        cleaner: a :class:`Cleaner` (fitted in place, like ``fit``) or a cleaning config.
        name: the cleaned dataset's name (default ``<raw name>-clean``).
        stores: the stores to use (default: the SDK's).
        progress: show a progress bar over the steps on stderr.

    Returns:
        The new version (``parents=[raw.id]``, ``source.kind == "clean"``) and the report of
        what each step changed.

    Raises:
        InvalidValueError: a bad config, an unknown column, a step that cannot fit this data.
        NotFoundError: no such dataset or version.
        ConflictError: the cleaned content is already a version of ``name`` made by other
            steps (the same content can only be one version); choose another name.
    """
    stores = stores or default_stores()
    if not isinstance(cleaner, Cleaner):
        cleaner = cleaner_from_config(cleaner)
    raw = version if isinstance(version, DatasetVersion) else get_dataset(version, stores=stores)
    out_name = check_dataset_name(name if name is not None else f"{raw.dataset}-clean")
    steps = cleaner.describe_steps()
    with _progress(progress, total=len(steps) + 2) as advance:
        advance(f"load {raw.uri}")
        frame = load_dataset(raw, stores=stores)
        cleaned = cleaner.fit_clean(frame, on_step=lambda step: advance(f"step {step}"))
        advance("store")
        data, trusted = dump_cleaner(cleaner)
        digest = stores.artifacts.put_bytes(data)
        source = {
            "kind": SOURCE_KIND,
            "steps": steps,
            "target": cleaner.target,
            "cleaner_digest": digest,
            "cleaner_format": CLEANER_FORMAT,
            "trusted_types": trusted,
            "versions": _versions(),
        }
        result = log_dataset(cleaned, name=out_name, source=source, parents=[raw], stores=stores)
    if result.source.get("steps") != steps or result.source.get("kind") != SOURCE_KIND:
        made_by = (
            "other cleaning steps" if result.source.get("kind") == SOURCE_KIND else "no cleaner"
        )
        raise ConflictError(
            f"{result.uri} already holds exactly this cleaned data, made by {made_by}; it cannot "
            "record this cleaner too. Log the result under another name"
        )
    return result, cleaner.report_


def load_cleaner(
    name_or_version: str | DatasetVersion,
    version: int | None = None,
    *,
    stores: Stores | None = None,
) -> Cleaner:
    """The fitted cleaner that made a cleaned dataset version, ready to ``transform`` rows.

    Raises:
        NotFoundError: no such dataset or version.
        InvalidValueError: the version was not made by :func:`clean_dataset`.
        IntegrityError: the stored cleaner no longer matches its sha256.
        ModelLoadError: it needs types that were not recorded, or cannot be rebuilt.
    """
    stores = stores or default_stores()
    record = (
        name_or_version
        if isinstance(name_or_version, DatasetVersion)
        else get_dataset(name_or_version, version, stores=stores)
    )
    source = record.source
    if source.get("kind") != SOURCE_KIND or "cleaner_digest" not in source:
        raise InvalidValueError(
            f"{record.uri} was not made by clean_dataset (its source kind is "
            f"{source.get('kind')!r}), so it has no cleaner"
        )
    if source.get("cleaner_format") != CLEANER_FORMAT:
        raise ModelLoadError(
            f"{record.uri} has a cleaner in format {source.get('cleaner_format')!r}; this "
            f"loopml reads {CLEANER_FORMAT!r}"
        )
    trusted = source.get("trusted_types")
    if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
        raise ModelLoadError(f"{record.uri} has no list of trusted types for its cleaner")
    data = stores.artifacts.get_bytes(str(source["cleaner_digest"]))  # checks the sha256
    return read_cleaner(data, trusted)


@contextmanager
def _progress(show: bool, *, total: int) -> Iterator[StepCallback]:
    if not show:
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("cleaning: {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("start", total=total)
        started = False

        def advance(description: str) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            bar.update(task, description=description)

        yield advance
        bar.update(task, completed=total)
