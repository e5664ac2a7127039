"""``loopml data validate`` and ``loopml data infer-schema``: check a dataset version against rules.

The exit code is the verdict (0: every rule held, 1: a rule failed or could not be checked), so a
shell pipeline or a CI job can stop on bad data; the table (or ``--json``) says what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loopml.cli._render import console, error_console, table

if TYPE_CHECKING:
    from loopml.data import Expectation, Schema

_VALIDATE_EXAMPLE = (
    "Example: loopml data infer-schema customers --version 1 -o customers.schema.json; "
    "loopml data validate customers --schema customers.schema.json --rules rules.json"
)
_INFER_EXAMPLE = "Example: loopml data infer-schema customers --margin 0.1 -o customers.schema.json"

VersionOption = Annotated[
    int | None, typer.Option("--version", "-v", help="Version number (default: latest).")
]


def _rules(
    dataset: str,
    *,
    version: int | None,
    schema: Path | None,
    rules: Path | None,
    reference_version: int | None,
) -> list[Expectation]:
    from loopml.core import ConfigurationError
    from loopml.data import get_dataset, infer_schema, load_rules, load_schema, stored_schema

    if schema is None and rules is None and reference_version is None:
        found = stored_schema(get_dataset(dataset, version))
        if found is None:
            raise ConfigurationError(
                f"nothing to validate against: no version of {dataset!r} has a stored schema "
                "(loopml data infer-schema DATASET --store); or give --schema FILE, "
                "--rules FILE or --reference-version N"
            )
        error_console.print(f"checking against the schema stored with {found[1].uri}")
        return list(found[0].expectations())
    chosen: list[Expectation] = []
    if reference_version is not None:
        chosen += infer_schema(get_dataset(dataset, reference_version)).expectations()
    if schema is not None:
        chosen += load_schema(schema).expectations()
    if rules is not None:
        chosen += load_rules(rules)
    return chosen


def validate_command(
    dataset: Annotated[str, typer.Argument(help="Name of the dataset to check.")],
    version: VersionOption = None,
    schema: Annotated[
        Path | None,
        typer.Option("--schema", "-s", help="Schema file (from infer-schema), JSON."),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", "-r", help='Rules file: JSON list of {"rule": ..., ...}.'),
    ] = None,
    reference_version: Annotated[
        int | None,
        typer.Option(
            "--reference-version", help="Check against the schema inferred from this version."
        ),
    ] = None,
    examples: Annotated[
        int, typer.Option("--examples", help="Failing values shown per rule.", min=0)
    ] = 5,
    show_all: Annotated[
        bool, typer.Option("--all", help="List the rules that passed too.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a dataset version against a schema and rules; exit 1 when any rule fails.

    Every violation is reported at once: rule, column, failing rows, examples with row numbers.
    """
    from loopml.data import get_dataset, validate

    chosen = _rules(
        dataset, version=version, schema=schema, rules=rules, reference_version=reference_version
    )
    record = get_dataset(dataset, version)
    with error_console.status(
        f"checking {len(chosen)} rules on {record.uri} ({record.num_rows:,} rows)"
    ):
        report = validate(record, chosen, max_examples=examples)
    if as_json:
        print(report.to_json())
    else:
        console.print(report.table(include_passed=show_all))
    if not report.passed:
        raise typer.Exit(1)


def _schema_rows(schema: Schema) -> list[list[object]]:
    rows: list[list[object]] = []
    for column in schema.columns:
        span = "" if column.min is None and column.max is None else f"{column.min} .. {column.max}"
        allowed = "" if column.allowed is None else f"{len(column.allowed)} values"
        rows.append(
            [column.name, column.dtype or "", column.nullable, span, allowed, column.unique or ""]
        )
    return rows


def infer_schema_command(
    dataset: Annotated[str, typer.Argument(help="Name of the dataset to describe.")],
    version: VersionOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this JSON file.")
    ] = None,
    margin: Annotated[
        float,
        typer.Option("--margin", help="Widen numeric ranges by this share of their width.", min=0),
    ] = 0.0,
    max_categories: Annotated[
        int,
        typer.Option(
            "--max-categories", help="Text columns with at most this many values get a set.", min=0
        ),
    ] = 50,
    unique: Annotated[
        bool, typer.Option("--unique/--no-unique", help="Detect unique columns.")
    ] = True,
    strict: Annotated[
        bool, typer.Option("--strict/--no-strict", help="Refuse columns the schema lacks.")
    ] = True,
    store: Annotated[
        bool,
        typer.Option("--store", help="Keep the schema with the version: later validations use it."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the schema as JSON.")] = False,
) -> None:
    """Infer a schema (types, nullability, ranges, categories, uniqueness) from a version."""
    from loopml.data import get_dataset, infer_schema, save_schema

    record = get_dataset(dataset, version)
    with error_console.status(f"describing {record.uri} ({record.num_rows:,} rows)"):
        schema = infer_schema(
            record,
            margin=margin,
            max_categories=max_categories,
            detect_unique=unique,
            strict=strict,
        )
    if output is not None:
        save_schema(schema, output)
    if store:
        from loopml.data import attach_schema

        attach_schema(record, schema)
    if as_json:
        print(schema.to_json(), end="")
        return
    title = (
        f"schema of {record.uri}"
        + (f", written to {output}" if output else "")
        + (", stored with the version" if store else "")
    )
    headers = ["column", "dtype", "nullable", "range", "allowed", "unique"]
    console.print(table(title, headers, _schema_rows(schema)))


def register(app: typer.Typer) -> None:
    """Add the ``validate`` and ``infer-schema`` commands to the ``data`` group."""
    app.command("validate", epilog=_VALIDATE_EXAMPLE)(validate_command)
    app.command("infer-schema", epilog=_INFER_EXAMPLE)(infer_schema_command)
