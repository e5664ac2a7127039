"""The peers' own environments: one virtualenv per peer under ``benchmarks/.envs/`` (git-ignored).

A peer is installed from PyPI into its own environment, never into loopml's, so its pins cannot
change what loopml runs with. A missing environment is created on the spot, so ``make bench``
works on a fresh machine; an existing one is reused as it is unless an upgrade is asked for.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

ENVS_DIR = Path(__file__).resolve().parent / ".envs"


def _run(command: list[str], console: Console) -> None:
    console.print(f"[dim]$ {' '.join(command)}[/dim]")
    subprocess.run(command, check=True)


def _imports_work(python: Path, modules: Sequence[str]) -> bool:
    probe = subprocess.run(
        [str(python), "-c", "; ".join(f"import {module}" for module in modules)],
        capture_output=True,
    )
    return probe.returncode == 0


def peer_python(
    name: str,
    *,
    requirements: Sequence[str],
    imports: Sequence[str],
    upgrade: bool = False,
    console: Console,
) -> Path:
    """The Python of peer ``name``'s environment, created and installed first when needed.

    The environment is made with the same interpreter as loopml's (``sys.executable -m venv``),
    so both sides run the same Python version.

    Args:
        name: the folder under ``benchmarks/.envs/``.
        requirements: what ``pip install`` gets, e.g. ``["mlflow", "psycopg[binary]"]``.
        imports: modules that must import for the environment to count as installed.
        upgrade: ``pip install --upgrade`` even when the environment works (to get the latest).
        console: where to say what is being done.

    Raises:
        subprocess.CalledProcessError: creating the environment or installing failed.
    """
    env = ENVS_DIR / name
    python = env / "bin" / "python"
    if not python.exists():
        console.print(f"[bold]Creating the {name} environment[/bold] in {env}")
        _run([sys.executable, "-m", "venv", str(env)], console)
    if upgrade or not _imports_work(python, imports):
        console.print(f"[bold]Installing {', '.join(requirements)}[/bold] from PyPI into {env}")
        _run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], console)
        _run([str(python), "-m", "pip", "install", "--upgrade", *requirements], console)
    return python
