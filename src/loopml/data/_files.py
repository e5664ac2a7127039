"""File connectors: CSV, Parquet and JSON Lines files, one file or a glob of many, into a version.

Every function streams its files into :func:`~loopml.data._ingest.ingest_stream` and returns the
:class:`~loopml.data.DatasetVersion`; what the ingest found is in ``version.source``:

``kind`` (``csv`` | ``parquet`` | ``jsonl``), ``paths`` (as given), ``files`` (each file's
absolute ``path``, ``size``, ``sha256``, and for text files the ``encoding`` and, for CSV, the
``delimiter``, each with whether it was detected, and the lines skipped in it), ``options``,
``skipped_line_count``, ``rows``, ``warnings``, ``ingested_at`` and ``format_version``.

Many files make one version when they have the same columns; a file whose columns differ is an
error naming it. Files are read in sorted path order, so a glob gives the same version whatever
order the file system lists it in.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from loopml.core import InvalidValueError, NotFoundError, sha256_file
from loopml.data import _file_csv, _file_jsonl
from loopml.data._datasets import DatasetVersion, check_dataset_name
from loopml.data._ingest import (
    LOOKAHEAD_ROWS,
    ColumnTypes,
    ingest_stream,
    parse_column_types,
    progress_bar,
    typed_batches,
)
from loopml.store import Stores

PathSpec = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
FORMATS = ("csv", "parquet", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_PARQUET_BATCH_ROWS = 65_536


def expand_paths(spec: PathSpec) -> list[Path]:
    """The files that ``spec`` names: a path, a glob (``*``, ``?``, ``[``, ``**``) or a list of
    either; sorted, without duplicates.

    Raises:
        NotFoundError: a path does not exist or a glob matches no file.
        InvalidValueError: a path is a directory, or nothing was given.
    """
    items = [spec] if isinstance(spec, str | os.PathLike) else list(spec)
    if not items:
        raise InvalidValueError("no files given")
    found: dict[Path, None] = {}
    for item in items:
        text = os.fspath(item)
        if glob.has_magic(text):
            matches = sorted(
                Path(p).resolve() for p in glob.glob(text, recursive=True) if Path(p).is_file()
            )
            if not matches:
                raise NotFoundError("file matching", text)
            found.update(dict.fromkeys(matches))
            continue
        path = Path(text)
        if path.is_dir():
            raise InvalidValueError(
                f"{text} is a directory; give its files with a glob such as '{text}/*.csv'"
            )
        if not path.is_file():
            raise NotFoundError("file", text)
        found[path.resolve()] = None
    return sorted(found)


def format_of(path: Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` from the file's extension.

    Raises:
        InvalidValueError: the extension names none of them.
    """
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise InvalidValueError(
            f"cannot tell the format of {path} from its extension; pass format= one of "
            f"{list(FORMATS)} (CLI: --format)"
        )
    return kind


def _paths_given(spec: PathSpec) -> list[str]:
    items = [spec] if isinstance(spec, str | os.PathLike) else list(spec)
    return [os.fspath(item) for item in items]


def _skipped(files: Sequence[Any]) -> int:
    return sum(file.bad_line_count for file in files)


def _total_size(paths: Sequence[Path]) -> int:
    return sum(path.stat().st_size for path in paths)


def ingest_csv(
    path: PathSpec,
    *,
    name: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    column_names: Sequence[str] | None = None,
    quotechar: str | None = '"',
    escapechar: str | None = None,
    na_values: Sequence[str] | None = None,
    column_types: ColumnTypes | None = None,
    on_bad_lines: str = "fail",
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    progress: bool = False,
    stores: Stores | None = None,
) -> DatasetVersion:
    """Ingest one CSV file or many (a glob, a list) as a new version of dataset ``name``.

    Args:
        path: a file, a glob such as ``"exports/2024-*.csv"``, or a list of them.
        encoding: the files' encoding; None detects it per file (UTF-8, else charset-normalizer
            on the first 64 KiB).
        delimiter: the field separator; None detects it per file among ``, ; TAB |``.
        header: whether the first line names the columns; without one they are ``column_1``...
        column_names: names for the columns (replacing the header when there is one).
        quotechar: the quote character; None reads quotes as ordinary characters.
        escapechar: a character that escapes the next one inside values (None: no escaping).
        na_values: the texts that mean "missing"; None uses Arrow's list ("", "NA", "N/A",
            "NULL", "NaN", "null", "nan", "#N/A", ...).
        column_types: Arrow types by column (``{"zip": "string"}``); the others are inferred
            from the first 4 MiB of each file.
        on_bad_lines: ``"fail"`` stops at rows with the wrong number of fields, naming their
            lines; ``"skip"`` leaves them out and records them in the source.
        parents: versions this data was derived from.
        progress: show a progress bar (bytes read) on stderr.

    Raises:
        NotFoundError: a file does not exist or the glob matches none.
        InvalidValueError: bad options; a file that is empty, not in its encoding (naming the
            byte offset and line), has different columns, malformed rows in "fail" mode, or a
            value that does not fit its column's type (naming the line). Nothing is recorded.
    """
    check_dataset_name(name)
    options = _file_csv.CsvOptions(
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        column_names=tuple(column_names) if column_names is not None else None,
        quotechar=quotechar,
        escapechar=escapechar,
        na_values=tuple(na_values) if na_values is not None else None,
        column_types=parse_column_types(column_types),
        on_bad_lines=on_bad_lines,
    )
    paths = expand_paths(path)
    files = [_file_csv.plan_file(p, options) for p in paths]
    schema = _file_csv.unify_schemas(files, options)

    def source() -> dict[str, Any]:
        return {
            "kind": "csv",
            "paths": _paths_given(path),
            "files": [file.recorded() for file in files],
            "options": options.recorded(),
            "skipped_line_count": _skipped(files),
        }

    with progress_bar(
        f"ingest {name}", total=_total_size(paths), unit="bytes", enabled=progress
    ) as advance:
        return ingest_stream(
            schema,
            _file_csv.read_batches(files, schema, options, on_bytes=advance),
            name=name,
            source=source,
            parents=parents,
            description=description,
            stores=stores,
        )


def ingest_parquet(
    path: PathSpec,
    *,
    name: str,
    columns: Sequence[str] | None = None,
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    progress: bool = False,
    stores: Stores | None = None,
) -> DatasetVersion:
    """Ingest one Parquet file or many (a glob, a list) as a new version of dataset ``name``.

    Files are read a row group at a time. Every file must have the same columns and types.

    Args:
        columns: keep only these columns (default: all).

    Raises:
        NotFoundError: a file does not exist or the glob matches none.
        InvalidValueError: a file is not Parquet, or its schema differs from the first file's.
    """
    check_dataset_name(name)
    paths = expand_paths(path)
    readers = [_open_parquet(p) for p in paths]
    schema = _parquet_schema(paths, readers, columns)
    recorded: list[dict[str, Any]] = []

    def batches(advance: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
        for file_path, reader in zip(paths, readers, strict=True):
            digest = sha256_file(file_path)
            try:
                for batch in reader.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=columns):
                    advance(batch.num_rows)
                    if columns is not None:
                        batch = batch.select(columns)  # in the order asked for
                    yield batch.replace_schema_metadata(None)
            except (pa.ArrowException, OSError) as exc:
                raise InvalidValueError(f"cannot read {file_path}: {exc}") from None
            finally:
                reader.close()
            recorded.append(
                {"path": str(file_path), "size": file_path.stat().st_size, "sha256": digest}
            )

    def source() -> dict[str, Any]:
        return {
            "kind": "parquet",
            "paths": _paths_given(path),
            "files": recorded,
            "options": {"columns": list(columns) if columns is not None else None},
        }

    total = sum(reader.metadata.num_rows for reader in readers)
    with progress_bar(f"ingest {name}", total=total, unit="rows", enabled=progress) as advance:
        return ingest_stream(
            schema,
            batches(advance),
            name=name,
            source=source,
            parents=parents,
            description=description,
            stores=stores,
        )


def _open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidValueError(f"{path} is not a readable Parquet file: {exc}") from None


def _parquet_schema(
    paths: Sequence[Path], readers: Sequence[pq.ParquetFile], columns: Sequence[str] | None
) -> pa.Schema:
    first = readers[0].schema_arrow.remove_metadata()
    if columns is not None:
        missing = [c for c in columns if c not in first.names]
        if missing:
            raise InvalidValueError(
                f"columns {missing} are not in {paths[0]}; its columns: {first.names}"
            )
        first = pa.schema([first.field(c) for c in columns])
    for other_path, reader in zip(paths[1:], readers[1:], strict=True):
        other = reader.schema_arrow.remove_metadata()
        if columns is not None and all(c in other.names for c in columns):
            other = pa.schema([other.field(c) for c in columns])
        if other != first:
            raise InvalidValueError(
                f"{other_path} has a different schema from {paths[0]}: "
                f"{_schema_difference(first, other)}; every file of one dataset needs the same "
                "columns and types"
            )
    return first


def _schema_difference(expected: pa.Schema, got: pa.Schema) -> str:
    missing = [n for n in expected.names if n not in got.names]
    extra = [n for n in got.names if n not in expected.names]
    if missing or extra:
        return f"missing {missing}, extra {extra}"
    changed = [
        f"{f.name} is {got.field(f.name).type}, not {f.type}"
        for f in expected
        if got.field(f.name).type != f.type
    ]
    return "; ".join(changed) if changed else "the columns are in another order"


def ingest_jsonl(
    path: PathSpec,
    *,
    name: str,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    column_types: ColumnTypes | None = None,
    on_bad_lines: str = "fail",
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    progress: bool = False,
    stores: Stores | None = None,
) -> DatasetVersion:
    """Ingest one JSON Lines file or many (a glob, a list) as a new version of dataset ``name``.

    Each line holds one JSON object; nested objects become ``parent.child`` columns and lists
    are kept as JSON text. The columns and their types are fixed by the first 100,000 rows: a
    field first seen later is an error unless ``columns`` lists the ones to keep.

    Args:
        encoding: None detects it (JSON is UTF-8 unless a byte-order mark says otherwise).
        columns: keep only these fields, in this order (others are ignored).
        column_types: Arrow types by column, overriding inference.
        on_bad_lines: ``"fail"`` stops at lines that are not JSON objects, naming them;
            ``"skip"`` leaves them out and records them in the source.

    Raises:
        NotFoundError: a file does not exist or the glob matches none.
        InvalidValueError: bad options, bad lines in "fail" mode, a value that does not fit its
            column's type, or a field first seen after the first 100,000 rows.
    """
    check_dataset_name(name)
    if on_bad_lines not in _file_csv.BAD_LINE_MODES:
        raise InvalidValueError(
            f"on_bad_lines must be one of {list(_file_csv.BAD_LINE_MODES)}, not {on_bad_lines!r}"
        )
    types = parse_column_types(column_types)
    if columns is not None:
        unknown = [c for c in types if c not in columns]
        if unknown:
            raise InvalidValueError(f"column_types names columns not in columns=: {unknown}")
    paths = expand_paths(path)
    files = [_file_jsonl.plan_file(p, encoding) for p in paths]
    with progress_bar(
        f"ingest {name}", total=_total_size(paths), unit="bytes", enabled=progress
    ) as advance:
        stream = typed_batches(
            _file_jsonl.read_chunks(files, on_bad_lines=on_bad_lines, on_bytes=advance),
            columns=columns,
            column_types=types,
            hint="choose the column's type with column_types={...} (CLI: --type COLUMN=TYPE)",
        )
        if not stream.schema.names:
            raise InvalidValueError(f"{', '.join(map(str, paths))}: no JSON objects to ingest")
        unknown = [c for c in types if c not in stream.schema.names]
        if unknown:
            raise InvalidValueError(
                f"column_types names columns that are not in the data: {unknown}; columns: "
                f"{stream.schema.names}"
            )

        def source() -> dict[str, Any]:
            return {
                "kind": "jsonl",
                "paths": _paths_given(path),
                "files": [file.recorded() for file in files],
                "options": {
                    "columns": list(columns) if columns is not None else None,
                    "column_types": {k: str(v) for k, v in types.items()},
                    "on_bad_lines": on_bad_lines,
                    "lookahead_rows": LOOKAHEAD_ROWS,
                },
                "skipped_line_count": _skipped(files),
                "warnings": stream.warnings,
            }

        return ingest_stream(
            stream.schema,
            stream.batches,
            name=name,
            source=source,
            parents=parents,
            description=description,
            stores=stores,
        )


def ingest_files(
    path: PathSpec,
    *,
    name: str,
    format: str | None = None,
    **options: Any,
) -> DatasetVersion:
    """Ingest files of one format, told by ``format`` or by their extension.

    ``.csv .tsv .tab .txt`` are CSV, ``.parquet .pq`` Parquet, ``.jsonl .ndjson .json`` JSON
    Lines. The other keyword arguments go to :func:`ingest_csv`, :func:`ingest_parquet` or
    :func:`ingest_jsonl`.

    Raises:
        InvalidValueError: the format is unknown, or the files' extensions say different formats.
    """
    check_dataset_name(name)
    if format is None:
        paths = expand_paths(path)
        kinds = {format_of(p) for p in paths}
        if len(kinds) > 1:
            raise InvalidValueError(
                f"the files are of different formats ({sorted(kinds)}); one dataset version is "
                "made from files of one format"
            )
        format = kinds.pop()
    connectors: Mapping[str, Callable[..., DatasetVersion]] = {
        "csv": ingest_csv,
        "parquet": ingest_parquet,
        "jsonl": ingest_jsonl,
    }
    if format not in connectors:
        raise InvalidValueError(f"format must be one of {list(FORMATS)}, not {format!r}")
    return connectors[format](path, name=name, **options)
