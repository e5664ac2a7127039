"""``loopml datasets list|show``."""

from __future__ import annotations

from typing import Annotated

import typer

from loopml.cli._render import console, print_json, table, when

app = typer.Typer(
    help="Look at versioned datasets.",
    no_args_is_help=True,
    epilog="Example: loopml datasets show breast-cancer",
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list", epilog="Example: loopml datasets list")
def list_datasets(as_json: JsonOption = False) -> None:
    """List datasets with their latest version."""
    from loopml.data import list_datasets as latest_versions

    versions = latest_versions()
    if as_json:
        print_json(versions)
        return
    rows = [
        [
            v.dataset,
            v.version,
            f"{v.num_rows:,}",
            len(v.schema),
            f"{v.num_bytes:,}",
            when(v.created_at),
        ]
        for v in versions
    ]
    console.print(
        table(
            f"{len(versions)} datasets",
            ["name", "latest", "rows", "columns", "bytes", "created"],
            rows,
        )
    )


@app.command("show", epilog="Example: loopml datasets show breast-cancer --version 1")
def show_dataset(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version number (default: latest).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show one version of a dataset: schema, source, lineage, and all its versions."""
    from loopml.data import get_dataset, list_dataset_versions

    record = get_dataset(name, version)
    if as_json:
        print_json(record)
        return
    console.print(
        table(
            f"dataset {record.uri}",
            ["field", "value"],
            [
                ["id", record.id],
                ["rows", f"{record.num_rows:,}"],
                ["stored bytes", f"{record.num_bytes:,}"],
                ["content sha256", record.content_hash],
                ["source", ", ".join(f"{k}={v}" for k, v in record.source.items())],
                ["parents", ", ".join(record.parents)],
                ["created", when(record.created_at)],
            ],
        )
    )
    console.print(
        table(
            "schema",
            ["column", "type", "nullable"],
            [[c["name"], c["type"], c["nullable"]] for c in record.schema],
        )
    )
    others = list_dataset_versions(name)
    console.print(
        table(
            "versions",
            ["version", "rows", "created"],
            [[v.version, f"{v.num_rows:,}", when(v.created_at)] for v in others],
        )
    )
