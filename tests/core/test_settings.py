from pathlib import Path

import pytest

from loopml.core import Settings


def test_defaults_put_everything_under_loopml_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOOPML_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("LOOPML_DB_URL", raising=False)
    monkeypatch.delenv("LOOPML_ARTIFACT_URL", raising=False)
    settings = Settings.from_env()
    assert settings.resolved_db_url == f"sqlite:///{tmp_path / 'h' / 'loopml.db'}"
    assert settings.resolved_artifact_url == str(tmp_path / "h" / "artifacts")


def test_home_defaults_to_dot_loopml_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LOOPML_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().home == tmp_path / ".loopml"


def test_db_url_and_artifact_url_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPML_DB_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("LOOPML_ARTIFACT_URL", "memory://bucket")
    settings = Settings.from_env()
    assert settings.resolved_db_url == "postgresql+psycopg://u@h/db"
    assert settings.resolved_artifact_url == "memory://bucket"
