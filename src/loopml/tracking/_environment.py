"""What a run records about where it ran: git commit, Python, platform, installed packages.

Computed once per process (listing installed distributions costs tens of milliseconds) and
stored on top-level runs only; nested runs point at their parent, so a 1,000-trial study does not
store 1,000 copies of the package list.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import subprocess
import sys
from typing import Any


@functools.cache
def installed_packages() -> dict[str, str]:
    """``{distribution name: version}`` of everything importable in this interpreter."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower()] = dist.version
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
