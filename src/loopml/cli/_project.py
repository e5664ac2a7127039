"""``loopml init`` and ``loopml project check``: write and check the project file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loopml.cli._render import console, print_json

app = typer.Typer(
    help="Check the project file (loopml.yaml).",
    no_args_is_help=True,
    epilog="Example: loopml project check loopml.yaml",
)


def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("loopml.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented example project file (the bundled employment data) to edit."""
    from loopml.pipelines import write_example_project

    written = write_example_project(path, overwrite=force)
    console.print(f"wrote {written}; check it with: loopml project check {written}")


@app.command("check", epilog="Example: loopml project check loopml.yaml --json")
def check(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("loopml.yaml"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the parsed project.")] = False,
) -> None:
    """Validate a project file; every problem at once, each with its line (exit 1)."""
    from loopml.pipelines import load_project

    project = load_project(path)
    if as_json:
        print_json(project.model_dump(mode="json", by_alias=True))
        return
    console.print(
        f"{path}: project {project.project!r}, {len(project.candidates)} candidates "
        f"({', '.join(c.name for c in project.candidates)}), target {project.data.target!r}: ok"
    )
