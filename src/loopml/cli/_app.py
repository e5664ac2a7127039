"""The root ``loopml`` command and the one place where errors become exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from loopml.cli import _data, _datasets, _db, _experiments, _models, _project, _runs
from loopml.cli._demo import demo
from loopml.cli._evaluate import EVALUATE_EXAMPLE, evaluate
from loopml.cli._render import error_console
from loopml.cli._run import run
from loopml.cli._tune import TUNE_EXAMPLE, tune

app = typer.Typer(
    name="loopml",
    help="loopml: the machine-learning lifecycle as one closed loop.",
    epilog="Example: loopml demo, then loopml runs list",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(_runs.app, name="runs")
app.add_typer(_models.app, name="models")
app.add_typer(_datasets.app, name="datasets")
app.add_typer(_data.app, name="data")
app.add_typer(_experiments.app, name="experiments")
app.add_typer(_db.app, name="db")
app.command("demo", epilog="Example: loopml demo")(demo)
app.command(
    "evaluate",
    epilog=EVALUATE_EXAMPLE,
)(evaluate)
app.command("init", epilog="Example: loopml init && loopml project check")(_project.init)
app.command("run", epilog="Example: loopml init && loopml run loopml.yaml")(run)
app.command("tune", epilog=TUNE_EXAMPLE)(tune)
app.add_typer(_project.app, name="project")


def _version(value: bool) -> None:
    if value:
        from loopml import __version__

        print(f"loopml {__version__}")
        raise typer.Exit()


@app.callback(epilog="Example: loopml --home ./.loopml runs list")
def _root(
    home: Annotated[
        Path | None, typer.Option("--home", help="Where records and blobs live (LOOPML_HOME).")
    ] = None,
    db_url: Annotated[
        str | None, typer.Option("--db-url", help="Metadata database URL (LOOPML_DB_URL).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """loopml: the machine-learning lifecycle as one closed loop."""
    if home is not None:
        os.environ["LOOPML_HOME"] = str(home)
    if db_url is not None:
        os.environ["LOOPML_DB_URL"] = db_url


def main() -> None:
    """Console entry point: run the CLI; a loopml error is one line on stderr and exit code 1."""
    from loopml.core import LoopmlError

    try:
        app()
    except LoopmlError as exc:
        error_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
