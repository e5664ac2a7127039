"""``loopml experiments list``."""

from __future__ import annotations

from typing import Annotated

import typer

from loopml.cli._render import console, print_json, table, when

app = typer.Typer(
    help="Look at experiments.",
    no_args_is_help=True,
    epilog="Example: loopml experiments list --json",
)


@app.command("list", epilog="Example: loopml experiments list")
def list_experiments(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List experiments, oldest first."""
    from loopml.tracking import list_experiments as all_experiments

    experiments = all_experiments()
    if as_json:
        print_json(experiments)
        return
    console.print(
        table(
            f"{len(experiments)} experiments",
            ["name", "id", "created"],
            [[e.name, e.id, when(e.created_at)] for e in experiments],
        )
    )
