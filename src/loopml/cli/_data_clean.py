"""``loopml data clean``: fit a cleaning config on a dataset version, log the cleaned version."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, print_json, table


def register(app: typer.Typer) -> None:
    """Add the ``clean`` command(s) to the ``data`` group."""
    app.command(
        "clean",
        epilog="Example: loopml data clean customers --config cleaning.json --name customers-clean",
    )(clean)


def clean(
    dataset: Annotated[str, typer.Argument(help="Dataset to clean.")],
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            help='Cleaning config (JSON), e.g. {"missing": {"strategy": "median"}, '
            '"scale": "standard", "encode": {"onehot": ["plan"]}}.',
        ),
    ],
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version to clean (default: latest).")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="Name of the cleaned dataset (default: <name>-clean)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the new version and the report as JSON.")
    ] = False,
) -> None:
    """Clean a dataset version: fit the steps, log the result as a new version, print the report.

    The cleaned version's parent is the raw one, and the fitted cleaner is stored with it:
    load it with loopml.data.load_cleaner to clean serving rows exactly as training rows were.
    """
    from loopml.data import clean_dataset, get_dataset, load_cleaning_config

    cleaning = load_cleaning_config(config)
    raw = get_dataset(dataset, version)
    cleaned, report = clean_dataset(raw, cleaning, name=name, progress=sys.stderr.isatty())
    if as_json:
        print_json({"dataset": cleaned, "parent": raw.uri, "report": report.to_dict()})
        return
    console.print(report.to_table())
    console.print(
        table(
            None,
            ["cleaned", "from", "rows", "columns", "cleaner sha256"],
            [
                [
                    cleaned.uri,
                    raw.uri,
                    f"{cleaned.num_rows:,}",
                    len(cleaned.schema),
                    cleaned.source.get("cleaner_digest", ""),
                ]
            ],
        )
    )
