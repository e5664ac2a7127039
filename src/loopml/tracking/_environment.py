"""What a run records about where it ran: git commit, Python, platform, installed packages.

Computed once per process (about a millisecond: see :func:`installed_packages`) and
stored on top-level runs only; nested runs point at their parent, so a 1,000-trial study does not
store 1,000 copies of the package list.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

_INFO_SUFFIXES = (".dist-info", ".egg-info")


def _canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them: lower case, runs of ``-_.`` as ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def installed_packages() -> dict[str, str]:
    """``{distribution name (PEP 503 form): version}`` of everything importable here.

    Read from the ``name-version.dist-info`` (and ``.egg-info``) folder names on ``sys.path``,
    which installers write in that form: ~1 ms, where opening every distribution's metadata
    through ``importlib.metadata`` takes 50-250 ms, paid by every run a new process starts
    (a tuning worker, a benchmark repeat). The first entry on the path wins, as for imports.
    A folder whose name carries no version is read through its metadata instead.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if not folder.endswith(_INFO_SUFFIXES):
                continue
            stem = folder.rsplit(".", 1)[0]
            name, _, version = stem.partition("-")
            version = version.split("-")[0]  # egg-info: name-1.0-py3.11
            if not version:
                dist = importlib.metadata.PathDistribution(Path(entry or ".") / folder)
                name, version = dist.metadata["Name"] or "", dist.version or ""
            if name and version:
                found.setdefault(_canonical(name), version)
    return dict(sorted(found.items()))


def _git(args: list[str], cwd: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@functools.cache
def git_state(cwd: str) -> dict[str, Any] | None:
    """Commit, branch and dirtiness of the git checkout at ``cwd``, or None outside one."""
    commit = _git(["rev-parse", "HEAD"], cwd)
    if commit is None:
        return None
    status = _git(["status", "--porcelain", "--untracked-files=no"], cwd)
    return {
        "commit": commit,
        "branch": _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd),
        "dirty": bool(status),
    }


def capture_environment() -> dict[str, Any]:
    """The environment record of a top-level run."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "argv": list(sys.argv),
        "cwd": os.getcwd(),
        "git": git_state(os.getcwd()),
        "packages": installed_packages(),
    }
