"""The ``loopml`` command line (Typer + rich): a thin face over the SDK."""

from loopml.cli._app import app, main

__all__ = ["app", "main"]
