"""Run every benchmark in this folder, one after another: what ``make bench`` calls.

A benchmark is any ``benchmarks/*.py`` script whose name does not start with ``_`` (those are
helpers), other than this one. Each must accept ``--json PATH``; its numbers go to
``benchmarks/.results/<name>.json`` (git-ignored) unless ``--json-dir`` says otherwise.

Usage::

    .venv/bin/python benchmarks/run_all.py [NAME ...] [--json-dir DIR] [-- ARGS FOR EACH]

Exits 1 when any benchmark exits non-zero, after running all of them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[Path]:
    """Every benchmark script here, by name."""
    return sorted(
        path
        for path in HERE.glob("*.py")
        if not path.name.startswith("_") and path.name != Path(__file__).name
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (default: all), print a summary, return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    ours, extra = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog="Arguments after -- go to every benchmark."
    )
    parser.add_argument("names", nargs="*", help="only these benchmarks (e.g. tracking)")
    parser.add_argument("--json-dir", type=Path, default=HERE / ".results")
    args = parser.parse_args(ours)

    scripts = discover()
    unknown = set(args.names) - {script.stem for script in scripts}
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    chosen = [script for script in scripts if not args.names or script.stem in args.names]

    outcomes: list[tuple[str, int, float]] = []
    for script in chosen:
        json_path = args.json_dir / f"{script.stem}.json"
        command = [sys.executable, str(script), "--json", str(json_path), *extra]
        print(f"\n=== {script.stem}: {' '.join(command)}", flush=True)
        started = time.perf_counter()
        returncode = subprocess.run(command).returncode
        outcomes.append((script.stem, returncode, time.perf_counter() - started))

    print("\n=== benchmarks")
    for name, returncode, seconds in outcomes:
        status = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
        print(f"{name:<24} {status:<16} {seconds:7.1f} s")
    return 0 if all(returncode == 0 for _, returncode, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
