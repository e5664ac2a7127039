"""``loopml data split``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``split`` command(s) to the ``data`` group."""
