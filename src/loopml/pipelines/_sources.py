"""Turning a project's data source into a stored, content-hashed dataset version.

Every table a pipeline trains or tests on is a dataset version first, so each model's lineage
names exactly the bytes it learnt from, and a step's cache key can be the version's content
hash. A file is ingested (a changed file is a new version; an unchanged one is the same
version, found by its content hash); a bundled set is logged once and found again after that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loopml.core import ConfigurationError
from loopml.pipelines._project import DataSource

if TYPE_CHECKING:
    import pandas as pd

    from loopml.data import DatasetVersion
    from loopml.store import Stores

# The reader of each file format, by its name in ``loopml.data``: imported when a file is read,
# not when a run that reuses its data step only needs the file's digest.
_FILE_READERS: dict[str, str] = {
    ".csv": "ingest_csv",
    ".tsv": "ingest_csv",
    ".txt": "ingest_csv",
    ".parquet": "ingest_parquet",
    ".pq": "ingest_parquet",
    ".jsonl": "ingest_jsonl",
    ".ndjson": "ingest_jsonl",
}


def _bundled_frame(name: str) -> pd.DataFrame:
    import loopml.datasets as bundled

    if name == "employment":
        return bundled.load_employment()
    if name == "employment-reference":
        return bundled.load_employment(part="reference")
    loader: Callable[[], pd.DataFrame] = getattr(bundled, f"load_{name}")
    return loader()


def resolve_file(source: DataSource, *, base: Path) -> Path:
    """The source's file, relative to the project file's folder when not absolute.

    Raises:
        ConfigurationError: the file does not exist or its format is not one loopml reads.
    """
    assert source.file is not None
    path = Path(source.file)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ConfigurationError(f"data file {path} does not exist")
    if path.suffix.lower() not in _FILE_READERS:
        known = ", ".join(sorted(_FILE_READERS))
        raise ConfigurationError(f"data file {path}: unknown format {path.suffix!r}; use {known}")
    return path


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes: a changed file must change the data step's cache key."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_config(source: DataSource, *, base: Path) -> dict[str, Any]:
    """The JSON a data step is keyed on: the source, and a file's path and content digest."""
    config: dict[str, Any] = source.model_dump(exclude_none=True, include={"dataset", "version"})
    if source.bundled is not None:
        config["bundled"] = source.bundled
    if source.file is not None:
        path = resolve_file(source, base=base)
        config["file"] = str(path)
        config["file_sha256"] = file_digest(path)
    return config


def materialise(config: dict[str, Any], *, name: str, stores: Stores) -> DatasetVersion:
    """The dataset version a source config (from :func:`source_config`) stands for.

    A stored dataset is looked up; a file is ingested and a bundled set logged as versions
    of ``name`` (identical content gives back the same version).

    Raises:
        NotFoundError: the stored dataset or version does not exist (the message lists what does).
    """
    import loopml.data as data_stage
    from loopml.data import get_dataset, log_dataset

    if "dataset" in config:
        return get_dataset(config["dataset"], config.get("version"), stores=stores)
    if "bundled" in config:
        frame = _bundled_frame(config["bundled"])
        return log_dataset(
            frame,
            name=name,
            source={"kind": "bundled", "name": config["bundled"]},
            stores=stores,
        )
    path = Path(config["file"])
    reader: Callable[..., DatasetVersion] = getattr(data_stage, _FILE_READERS[path.suffix.lower()])
    return reader(path, name=name, stores=stores)
