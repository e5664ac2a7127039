"""``loopml data ingest csv|parquet|jsonl|files|sql``: bring data in as a dataset version.

The ``ingest`` group is :data:`ingest_app`. Connectors defined in other modules hang their
subcommands on it through their own ``register(app)``: list the module in
:data:`CONNECTOR_MODULES` (one line). The shared options (``NameOption``, ``ParentOption``, ...)
and :func:`report_version` are for them too, so every ingest command reads and prints alike.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loopml.cli._render import console, print_json, table, when

if TYPE_CHECKING:
    from loopml.data import DatasetVersion

# Modules (besides this one) whose register(app) adds subcommands to ``loopml data ingest``.
CONNECTOR_MODULES: tuple[str, ...] = ("loopml.cli._data_ingest_web",)

ingest_app = typer.Typer(
    help="Bring data in from files, databases and the web as a new dataset version.",
    no_args_is_help=True,
    epilog="Example: loopml data ingest csv 'exports/2024-*.csv' --name sales",
)

NameOption = Annotated[str, typer.Option("--name", "-n", help="Dataset to add a version to.")]
ParentOption = Annotated[
    list[str] | None,
    typer.Option("--parent", help="Id of a version this data was made from (repeatable)."),
]
DescriptionOption = Annotated[
    str, typer.Option("--description", help="Description of the dataset (when it is new).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the version as JSON.")]
PathsArgument = Annotated[
    list[str], typer.Argument(help="Files or globs (quote globs: 'data/*.csv').")
]
EncodingOption = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding (default: detected per file).")
]
TypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--type", help="COLUMN=TYPE with an Arrow type name, e.g. zip=string (repeatable)."
    ),
]
BadLinesOption = Annotated[
    str,
    typer.Option(
        "--on-bad-lines",
        help="fail: stop at malformed rows, naming their lines; skip: leave them out.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` group, with every connector's subcommands, to the ``data`` group."""
    for module_name in CONNECTOR_MODULES:
        importlib.import_module(module_name).register(ingest_app)
    app.add_typer(ingest_app, name="ingest")


def parse_pairs(pairs: list[str] | None, *, option: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` as ``{"a": "1", "b": "x"}``.

    Raises:
        InvalidValueError: an item has no ``=``.
    """
    from loopml.core import InvalidValueError

    parsed: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidValueError(f"{option} takes KEY=VALUE, not {pair!r}")
        parsed[key] = value
    return parsed


def _split_names(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",")] if text is not None else None


def report_version(version: DatasetVersion, *, as_json: bool) -> None:
    """Print what an ingest made: the version, and what its source record says went wrong."""
    if as_json:
        print_json(version)
        return
    source = version.source
    rows = [
        ["version", version.uri],
        ["id", version.id],
        ["rows", f"{version.num_rows:,}"],
        ["columns", ", ".join(f"{c['name']}:{c['type']}" for c in version.schema)],
        ["source", source.get("kind", "")],
        ["created", when(version.created_at)],
    ]
    files = source.get("files") or []
    if files:
        rows.append(["files", f"{len(files)} ({sum(f.get('size', 0) for f in files):,} bytes)"])
    if source.get("url"):
        rows.append(["url", source["url"]])
    skipped = source.get("skipped_line_count") or 0
    if skipped:
        lines = [
            f"{Path(f['path']).name}:{n}" for f in files for n in f.get("skipped_lines", [])[:10]
        ]
        rows.append(["skipped lines", f"{skipped:,} ({', '.join(lines[:10])})"])
    for warning in source.get("warnings") or []:
        rows.append(["warning", warning])
    console.print(table(f"ingested {version.uri}", ["field", "value"], rows))


@ingest_app.command(
    "csv",
    epilog="Example: loopml data ingest csv 'exports/*.csv' --name sales --delimiter ';' "
    "--type zip=string --on-bad-lines skip",
)
def ingest_csv_command(
    paths: PathsArgument,
    name: NameOption,
    encoding: EncodingOption = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="Field separator (default: detected).")
    ] = None,
    no_header: Annotated[
        bool, typer.Option("--no-header", help="The first line is data, not column names.")
    ] = False,
    column_names: Annotated[
        str | None, typer.Option("--column-names", help="Comma-separated column names.")
    ] = None,
    quotechar: Annotated[str, typer.Option("--quotechar", help="Quote character.")] = '"',
    no_quoting: Annotated[
        bool, typer.Option("--no-quoting", help="Quotes are ordinary characters.")
    ] = False,
    escapechar: Annotated[
        str | None, typer.Option("--escapechar", help="Escape character (default: none).")
    ] = None,
    na_values: Annotated[
        list[str] | None,
        typer.Option("--na-value", help="A text meaning missing (repeatable; default: Arrow's)."),
    ] = None,
    types: TypeOption = None,
    on_bad_lines: BadLinesOption = "fail",
    parents: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Ingest CSV files (one, a glob, or several with the same columns) as one version."""
    from loopml.data import ingest_csv

    version = ingest_csv(
        paths,
        name=name,
        encoding=encoding,
        delimiter=delimiter,
        header=not no_header,
        column_names=_split_names(column_names),
        quotechar=None if no_quoting else quotechar,
        escapechar=escapechar,
        na_values=na_values,
        column_types=parse_pairs(types, option="--type"),
        on_bad_lines=on_bad_lines,
        parents=parents or (),
        description=description,
        progress=True,
    )
    report_version(version, as_json=as_json)


@ingest_app.command(
    "parquet", epilog="Example: loopml data ingest parquet 'lake/events-*.parquet' --name events"
)
def ingest_parquet_command(
    paths: PathsArgument,
    name: NameOption,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Comma-separated columns to keep.")
    ] = None,
    parents: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Ingest Parquet files (one, a glob, or several with the same schema) as one version."""
    from loopml.data import ingest_parquet

    version = ingest_parquet(
        paths,
        name=name,
        columns=_split_names(columns),
        parents=parents or (),
        description=description,
        progress=True,
    )
    report_version(version, as_json=as_json)


@ingest_app.command(
    "jsonl", epilog="Example: loopml data ingest jsonl logs/app.jsonl --name app-logs --json"
)
def ingest_jsonl_command(
    paths: PathsArgument,
    name: NameOption,
    encoding: EncodingOption = None,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Comma-separated fields to keep.")
    ] = None,
    types: TypeOption = None,
    on_bad_lines: BadLinesOption = "fail",
    parents: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Ingest JSON Lines files (one object per line) as one version."""
    from loopml.data import ingest_jsonl

    version = ingest_jsonl(
        paths,
        name=name,
        encoding=encoding,
        columns=_split_names(columns),
        column_types=parse_pairs(types, option="--type"),
        on_bad_lines=on_bad_lines,
        parents=parents or (),
        description=description,
        progress=True,
    )
    report_version(version, as_json=as_json)


@ingest_app.command(
    "files", epilog="Example: loopml data ingest files 'drop/*.parquet' --name drop"
)
def ingest_files_command(
    paths: PathsArgument,
    name: NameOption,
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv, parquet or jsonl (default: from the extension)."),
    ] = None,
    parents: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Ingest files of one format, told by their extension, with default options."""
    from loopml.data import ingest_files

    version = ingest_files(
        paths,
        name=name,
        format=format,
        parents=parents or (),
        description=description,
        progress=True,
    )
    report_version(version, as_json=as_json)


@ingest_app.command(
    "sql",
    epilog="Example: loopml data ingest sql env:SHOP_DB_URL "
    "'select * from orders where day >= :since' --param since=2024-01-01 --name orders",
)
def ingest_sql_command(
    url: Annotated[
        str,
        typer.Argument(
            help="SQLAlchemy URL, or env:VAR to read it from environment variable VAR "
            "(keeps a password out of the shell history)."
        ),
    ],
    name: NameOption,
    query: Annotated[str | None, typer.Argument(help="The query (or give --query-file).")] = None,
    query_file: Annotated[
        Path | None, typer.Option("--query-file", help="Read the query from this file.")
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option("--param", help="NAME=VALUE for a :NAME placeholder (repeatable)."),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows fetched at a time.", min=1)
    ] = 50_000,
    types: TypeOption = None,
    parents: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Run a query on any SQLAlchemy database and ingest its rows, streamed in chunks."""
    from loopml.core import ConfigurationError, InvalidValueError
    from loopml.data import ingest_sql

    if url.startswith("env:"):
        variable = url[len("env:") :]
        if variable not in os.environ:
            raise ConfigurationError(f"environment variable {variable} (the URL) is not set")
        url = os.environ[variable]
    if (query is None) == (query_file is None):
        raise InvalidValueError("give the query as an argument or with --query-file (one of them)")
    if query_file is not None:
        if not query_file.is_file():
            raise InvalidValueError(f"--query-file {query_file} is not a file")
        query = query_file.read_text(encoding="utf-8")
    assert query is not None
    version = ingest_sql(
        url,
        query,
        name=name,
        chunk_rows=chunk_rows,
        params=parse_pairs(params, option="--param"),
        column_types=parse_pairs(types, option="--type"),
        parents=parents or (),
        description=description,
        progress=True,
    )
    report_version(version, as_json=as_json)
