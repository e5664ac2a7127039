"""What every benchmark script shares: the machine's facts, which loopml is measured, and running
one side of a benchmark in a fresh process that prints its result as one JSON line.

Standard library only, so a side running in a peer's environment could import it too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

RESULT_MARKER = "BENCH-RESULT "
"""A side prints ``RESULT_MARKER + json`` as its last result line; anything else is ignored."""


class BenchmarkError(Exception):
    """A measurement could not be taken (a side failed or printed no result)."""


def run_helper(command: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one side of a benchmark and return the JSON it printed after :data:`RESULT_MARKER`."""
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    results = [
        line[len(RESULT_MARKER) :]
        for line in completed.stdout.splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if completed.returncode != 0 or not results:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-25:])
        raise BenchmarkError(
            f"{' '.join(command)} exited {completed.returncode} without a result:\n{tail}"
        )
    result: dict[str, Any] = json.loads(results[-1])
    return result


def loopml_source() -> dict[str, Any]:
    """Which loopml code is measured: the git commit, and a digest of the package's .py files.

    The digest changes with any uncommitted edit, so a result can be tied to the exact source.
    """
    spec = importlib.util.find_spec("loopml")
    if spec is None or not spec.submodule_search_locations:
        return {"commit": None, "digest": None, "uncommitted_changes": None}
    package = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    git = ["git", "-C", str(package)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    status = subprocess.run([*git, "status", "--porcelain", "."], capture_output=True, text=True)
    return {
        "commit": commit.stdout.strip() or None,
        "digest": digest.hexdigest()[:16],
        "uncommitted_changes": bool(status.stdout.strip()) if status.returncode == 0 else None,
    }


def machine() -> dict[str, Any]:
    """The facts about this machine that the results depend on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "platform": platform.platform(),
        "processor": platform.machine(),
    }


def print_header(console: Any, benchmark: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Print which machine and which loopml are measured; return (machine, loopml source)."""
    facts = machine()
    console.print(
        f"[bold]{benchmark} benchmark[/bold] — {facts['cpu_count']} cores "
        f"({facts['usable_cpus']} usable), {facts['platform']}, Python {platform.python_version()}"
    )
    source = loopml_source()
    console.print(
        f"loopml at commit {source['commit']}"
        + (" with uncommitted changes" if source["uncommitted_changes"] else "")
        + f", source digest {source['digest']}"
    )
    return facts, source
