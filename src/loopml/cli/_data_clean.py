"""``loopml data clean``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``clean`` command(s) to the ``data`` group."""
