"""Run the real ``loopml`` entry point in-process and capture what a user would see."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from loopml.cli import main
from loopml.store import Stores


@dataclass
class CliResult:
    code: int
    out: str
    err: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli(
    stores: Stores, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> CliRunner:
    """``cli("runs", "list")`` -> exit code, stdout, stderr, against the test's stores."""
    monkeypatch.setenv("LOOPML_HOME", str(stores.settings.home))
    if stores.settings.db_url:
        monkeypatch.setenv("LOOPML_DB_URL", stores.settings.db_url)
    else:
        monkeypatch.delenv("LOOPML_DB_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["loopml", *args])
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
